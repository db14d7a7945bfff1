"""Image ops that move pixels (Keras 3's ``keras.ops.image`` names):
``perspective_transform``, ``elastic_transform``, ``scale_and_translate``
and ``extract_patches_3d``.

Where a pixel comes from is computed on the host (homographies, random
displacement fields, resampling weights; the weights with ops when a
gradient must reach ``scale_and_translate``'s scale or translation); the
pixels themselves go through ops (gathers, weighted sums, ``tensordot``), so
gradients flow to the image values on every backend.

>>> import tinykeras as tk
>>> tk.ops.image.extract_patches_3d(np.zeros((1, 4, 4, 4, 2)), 2).shape
(1, 2, 2, 2, 16)
"""
import types

import numpy as np

from .. import backend as backend_config
from .. import random as tk_random
from ..core.primitives import where
from ..core.tensor import Tensor
from .common import convert_to_tensor, record, symbolic
from .elementwise_ops import floating
from .image_ops import _nhwc, gaussian_blur, patches, warp
from .linalg_ops import solve
from .math_ops import abs, clip, maximum, round, sin
from .product_ops import tensordot
from .shape_ops import broadcast_to, moveaxis, stack

__all__ = ["perspective_transform", "elastic_transform", "scale_and_translate", "extract_patches_3d"]
_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


def _order(interpolation, name):
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    return _INTERPOLATIONS[interpolation]


def _points(points, name, what):
    """``(N, 4, 2)`` float64 corners: a tensor when a gradient must reach them, else NumPy."""
    p = floating(points).astype("float64") if _needs_grad(points) else \
        np.asarray(convert_to_tensor(points).numpy(), np.float64)
    if p.ndim not in (2, 3) or tuple(p.shape[-2:]) != (4, 2):
        raise ValueError(f"{name}: {what} must have shape (4, 2) or (N, 4, 2), got {tuple(p.shape)}")
    return p.reshape((-1, 4, 2))


def _needs_grad(value):
    return isinstance(value, Tensor) and value.requires_grad


def homography(start_points, end_points):
    """The 8 coefficients (one row per image) of the projective transform
    taking each of ``end_points`` to the matching ``start_points``: the
    transform ``affine_transform`` applies (as Keras computes it); with ops
    (a differentiable tensor) when a gradient must reach the points.

    >>> square = [[0, 0], [0, 1], [1, 0], [1, 1]]
    >>> (homography(square, [[1, 0], [1, 1], [2, 0], [2, 1]]).round(6) + 0.0).tolist()
    [[1.0, 0.0, -1.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    s = _points(start_points, "perspective_transform", "start_points")
    e = _points(end_points, "perspective_transform", "end_points")
    if s.shape != e.shape:
        raise ValueError(f"perspective_transform: start_points and end_points must have the same shape, got "
                         f"{tuple(s.shape)} and {tuple(e.shape)}")
    with_ops = isinstance(s, Tensor) or isinstance(e, Tensor)
    join = stack if with_ops else np.stack
    one, zero = np.ones(e.shape[:2]), np.zeros(e.shape[:2])
    ex, ey, sx, sy = e[..., 0], e[..., 1], s[..., 0], s[..., 1]
    rows_x = join([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1)
    rows_y = join([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1)
    a = join([rows_x, rows_y], 2).reshape((-1, 8, 8))  # rows: x1, y1, x2, y2, ...
    b = join([sx, sy], -1).reshape((-1, 8))
    return solve(a, b) if with_ops else np.linalg.solve(a, b[..., None])[..., 0]


def perspective_transform(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                          data_format=None):
    """Warp images so that ``start_points`` (four ``(x, y)`` corners, shape
    ``(4, 2)`` or ``(N, 4, 2)``) land on ``end_points``; outside: ``fill_value``.

    >>> pts = np.array([[0, 0], [0, 2], [2, 0], [2, 2]])
    >>> perspective_transform(np.arange(9.0).reshape(3, 3, 1), pts, pts + [1, 0])[..., 0].numpy().round(6).tolist()
    [[0.0, 0.0, 1.0], [0.0, 3.0, 4.0], [0.0, 6.0, 7.0]]
    """
    if symbolic(locals()):
        return record("perspective_transform", locals())
    order = _order(interpolation, "perspective_transform")
    x, undo = _nhwc(floating(images), data_format)
    t = homography(start_points, end_points)
    return undo(warp(x, (broadcast_to if isinstance(t, Tensor) else np.broadcast_to)(t, (x.shape[0], 8)), order,
                     "constant", fill_value))


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                      fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation: each pixel is taken from ``alpha`` times a random
    displacement (normal noise times ``sigma``, blurred by a Gaussian of
    ``sigma`` over ``int(6 * sigma) | 1`` pixels, as Keras builds it) away.
    ``seed`` (an int or a ``keras.random.SeedGenerator``) makes it repeatable.

    >>> x = np.arange(12.0).reshape(3, 4, 1)
    >>> bool((elastic_transform(x, alpha=0.0, seed=1).numpy() == x).all())
    True
    """
    if symbolic(locals()):
        return record("elastic_transform", locals())
    order = _order(interpolation, "elastic_transform")
    x, undo = _nhwc(images, data_format)
    dtype = x.dtype
    x = floating(x)
    b, h, w, _ = x.shape
    size = int(6 * sigma) | 1
    noise = tk_random.normal((2, b, h, w, 1), seed=seed, dtype=x.dtype) * float(sigma)
    dy, dx = [gaussian_blur(noise[k], (size, size), (sigma, sigma), "channels_last").numpy()[..., 0]
              for k in (1, 0)]
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    out = warp(x, None, order, fill_mode, fill_value, src=(ys + alpha * dy, xs + alpha * dx))
    return undo(out if out.dtype == dtype else out.astype(dtype))


def _triangle(x, m=np):
    return m.maximum(0.0, 1 - m.abs(x))


def _keys_cubic(x, m=np):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = m.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return m.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x, m=np):
        y = radius * m.sin(np.pi * x) * m.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = m.where(x > 1e-3, y / m.where(x != 0, np.pi ** 2 * x ** 2, 1.0), 1.0)
        return m.where(x > radius, 0.0, out)
    return kernel


_KERNELS = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "triangle": _triangle,
            "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
            "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0)}
_OPS = types.SimpleNamespace(abs=abs, maximum=maximum, sin=sin, where=where)  # the kernels with ops: differentiable


def _resample_weights(n_in, n_out, scale, translation, kernel, antialias, m=np):
    """``(n_in, n_out)`` weights: output pixel j from the input pixels (half-pixel
    centres); ``m`` is NumPy, or ``_OPS`` for tensor ``scale``/``translation``."""
    inv = 1.0 / scale
    kernel_scale = m.maximum(inv, 1.0) if antialias else 1.0
    sample = (np.arange(n_out) + 0.5) * inv - translation * inv - 0.5
    weights = kernel(m.abs(sample[None, :] - np.arange(n_in)[:, None]) / kernel_scale, m)
    total = weights.sum(0, keepdims=True)
    weights = m.where(m.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
                      weights / m.where(total != 0, total, 1.0), 0.0)
    return m.where(((sample >= -0.5) & (sample <= n_in - 0.5))[None, :], weights, 0.0)


def _ends(value):
    """``scale`` or ``translation``: a float64 tensor when a gradient must reach it, else a NumPy vector."""
    if isinstance(value, Tensor) and value.requires_grad:
        return floating(value).astype("float64").reshape(-1), _OPS
    return np.asarray(convert_to_tensor(value).numpy(), np.float64).reshape(-1), np


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method, antialias=True):
    """Resample ``images`` to ``output_shape``: along each of
    ``spatial_dims``, input position ``p`` lands at ``p * scale + translation``
    (half-pixel centres), by the ``method`` kernel (``"linear"``, ``"cubic"``,
    ``"lanczos3"``, ``"lanczos5"`` and their aliases), antialiased when shrinking.
    Differentiable in ``images``, and in tensor ``scale`` and ``translation``
    (as Keras's with PyTorch).

    >>> x = np.arange(9.0).reshape(3, 3)
    >>> scale_and_translate(x, (5, 5), [2.0, 2.0], [-0.5, -0.5], (0, 1), "linear").numpy()[0].tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    """
    if symbolic(locals()):
        return record("scale_and_translate", locals())
    if method not in _KERNELS:
        raise ValueError(f"scale_and_translate: method must be one of {sorted(_KERNELS)}, got {method!r}")
    x = convert_to_tensor(images)
    (scale, m_scale), (translation, m_shift) = _ends(scale), _ends(translation)
    m = _OPS if _OPS in (m_scale, m_shift) else np
    if len(output_shape) != x.ndim or not len(scale) == len(translation) == len(spatial_dims):
        raise ValueError(f"scale_and_translate: output_shape needs one size per axis of images {x.shape} and "
                         f"scale/translation one value per spatial dim {tuple(spatial_dims)}; got "
                         f"output_shape={tuple(output_shape)}, {len(scale)} scales, {len(translation)} translations")
    rounding = not x.dtype.startswith(("float", "bfloat"))
    out = x.astype("float32") if rounding else x
    for i, d in enumerate(spatial_dims):
        d = d % x.ndim
        w = _resample_weights(x.shape[d], int(output_shape[d]), scale[i], translation[i], _KERNELS[method],
                              antialias, m)
        w = w.astype(out.dtype) if m is _OPS else convert_to_tensor(w.astype(out.data.dtype))
        out = moveaxis(tensordot(out, w, axes=([d], [0])), -1, d)
    if rounding:
        lo, hi = x.numpy().min(), x.numpy().max()
        out = clip(round(out), float(lo), float(hi)).astype(x.dtype)
    return out


def _triple(value, name, what):
    value = (value,) * 3 if isinstance(value, (int, np.integer)) else tuple(value)
    if len(value) != 3:
        raise ValueError(f"{name}: {what} must be an int or 3 ints, got {value}")
    return tuple(int(v) for v in value)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size`` (an int or ``(depth, height, width)``) of 5-D
    volumes (or one 4-D volume) as channels:
    ``(batch, d, h, w, size_d * size_h * size_w * channels)``; ``strides``
    defaults to ``size``.

    >>> extract_patches_3d(np.zeros((6, 6, 6, 1)), (2, 3, 3)).shape
    (3, 2, 2, 18)
    """
    if symbolic(locals()):
        return record("extract_patches_3d", locals())
    x = convert_to_tensor(volumes)
    if x.ndim not in (4, 5):
        raise ValueError(f"extract_patches_3d: expected a 4-D volume or a 5-D batch, got shape {x.shape}")
    size = _triple(size, "extract_patches_3d", "size")
    strides = size if strides is None else _triple(strides, "extract_patches_3d", "strides")
    dilation = _triple(dilation_rate, "extract_patches_3d", "dilation_rate")
    single = x.ndim == 4
    x = x.reshape((1,) + x.shape) if single else x
    first = (data_format or backend_config.image_data_format()) == "channels_first"
    x = moveaxis(x, 1, -1) if first else x
    out = patches(x, size, strides, dilation, padding, "extract_patches_3d")
    out = moveaxis(out, -1, 1) if first else out
    return out.reshape(out.shape[1:]) if single else out

