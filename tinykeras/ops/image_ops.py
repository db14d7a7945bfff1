"""Image ops with Keras 3's ``keras.ops.image`` names: colour spaces,
``resize``, cropping and padding, ``map_coordinates``/``affine_transform``,
``extract_patches``, ``gaussian_blur``, ``sobel_edges`` and ``ssim``.

Images are ``(batch, height, width, channels)`` (or ``channels_first``;
a single image without the batch axis works too).  Everything is written
with ops (gathers by integer index maps, weighted sums), so gradients flow
to the pixel values.

>>> import tinykeras as tk
>>> tk.ops.image.resize(np.ones((1, 2, 2, 3)), (4, 4)).shape
(1, 4, 4, 3)
"""
import functools
import itertools
import operator

import numpy as np

from .. import backend as backend_config
from ..core.primitives import where
from ..core.tensor import Tensor
from .common import convert_to_tensor, record, symbolic
from .conv_ops import depthwise_conv
from .elementwise_ops import floating
from .math_ops import floor, maximum, mean, minimum, sum
from .shape_ops import broadcast_to, concatenate, moveaxis, pad, stack

__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "resize", "crop_images", "pad_images",
           "map_coordinates", "affine_transform", "extract_patches", "gaussian_blur", "sobel_edges", "ssim"]


def _nhwc(images, data_format):
    """``(images as a 4-D channels-last tensor, undo)``."""
    x = convert_to_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"image ops: expected a 3-D image or a 4-D batch, got shape {x.shape}")
    single = x.ndim == 3
    x = x.reshape((1,) + x.shape) if single else x
    first = (data_format or backend_config.image_data_format()) == "channels_first"
    x = moveaxis(x, 1, -1) if first else x

    def undo(y):
        y = moveaxis(y, -1, 1) if first else y
        return y.reshape(y.shape[1:]) if single else y
    return x, undo


def rgb_to_grayscale(images, data_format=None):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (one channel).

    >>> rgb_to_grayscale(np.ones((2, 2, 3))).shape
    (2, 2, 1)
    """
    if symbolic(locals()):
        return record("rgb_to_grayscale", locals())
    x, undo = _nhwc(floating(images), data_format)
    w = Tensor(np.array([0.2989, 0.5870, 0.1140], x.data.dtype))
    return undo(sum(x * w, -1, keepdims=True))


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to HSV (hue in [0, 1)).

    >>> rgb_to_hsv(np.array([[[1.0, 0.0, 0.0]]])).numpy().ravel().tolist()
    [0.0, 1.0, 1.0]
    """
    if symbolic(locals()):
        return record("rgb_to_hsv", locals())
    x, undo = _nhwc(floating(images), data_format)
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    v = maximum(maximum(r, g), b)
    c = v - minimum(minimum(r, g), b)
    safe_c = where(c > 0, c, 1.0)
    s = where(v > 0, c / where(v > 0, v, 1.0), 0.0)
    h = where(v == r, (g - b) / safe_c, where(v == g, (b - r) / safe_c + 2, (r - g) / safe_c + 4)) / 6
    h = where(c > 0, h - floor(h), 0.0)
    return undo(stack([h, s, v], -1))


def hsv_to_rgb(images, data_format=None):
    """HSV (hue in [0, 1)) to RGB.

    >>> hsv_to_rgb(np.array([[[0.0, 1.0, 1.0]]])).numpy().ravel().tolist()
    [1.0, 0.0, 0.0]
    """
    if symbolic(locals()):
        return record("hsv_to_rgb", locals())
    x, undo = _nhwc(floating(images), data_format)
    h, s, v = x[..., 0], x[..., 1], x[..., 2]
    channels = []
    for n in (5, 3, 1):
        k = (h * 6 + n) - floor((h * 6 + n) / 6) * 6
        channels.append(v - v * s * maximum(minimum(minimum(k, 4 - k), 1.0), 0.0))
    return undo(stack(channels, -1))


def _gather(x, rows, cols):
    """``x[b, rows[b, i, j], cols[b, i, j], :]`` for a 4-D ``x`` and int maps."""
    b = np.arange(x.shape[0]).reshape(-1, 1, 1)
    return x[b, rows, cols]


def _resize_index(n_in, n_out, interpolation):
    d = np.arange(n_out, dtype=np.float64)
    if interpolation == "nearest":  # half-pixel centres, as Keras
        return np.minimum(np.floor((d + 0.5) * n_in / n_out).astype(np.int64), n_in - 1), None, None
    src = np.maximum((d + 0.5) * n_in / n_out - 0.5, 0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return lo, np.minimum(lo + 1, n_in - 1), src - lo


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize to ``size = (height, width)`` (``"bilinear"`` with half-pixel
    centres, or ``"nearest"``, as Keras with PyTorch).

    >>> resize(np.arange(4.0).reshape(1, 2, 2, 1), (4, 4))[0, :, :, 0].numpy()[0].tolist()
    [0.0, 0.25, 0.75, 1.0]
    """
    if symbolic(locals()):
        return record("resize", locals())
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"resize: interpolation must be 'bilinear' or 'nearest' in tinykeras, got "
                         f"{interpolation!r}")
    if antialias or crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise ValueError("resize: antialias, crop_to_aspect_ratio and pad_to_aspect_ratio are not "
                         "supported by tinykeras")
    x, undo = _nhwc(images, data_format)
    dtype = x.dtype
    x = floating(x)
    h, w = int(size[0]), int(size[1])
    rows = _resize_index(x.shape[1], h, interpolation)
    cols = _resize_index(x.shape[2], w, interpolation)
    if interpolation == "nearest":
        out = x[:, rows[0]][:, :, cols[0]]
    else:
        top = x[:, rows[0]] + (x[:, rows[1]] - x[:, rows[0]]) * Tensor(rows[2].reshape(1, -1, 1, 1).astype(x.data.dtype))
        out = top[:, :, cols[0]] + (top[:, :, cols[1]] - top[:, :, cols[0]]) * Tensor(
            cols[2].reshape(1, 1, -1, 1).astype(x.data.dtype))
    return undo(out if dtype == out.dtype or "float" in dtype else out.astype(dtype))


def _box(height, width, top, left, bottom, right, target_h, target_w, name):
    if top is None and bottom is None:
        top = 0
    if left is None and right is None:
        left = 0
    top = height - target_h - bottom if top is None and target_h is not None else top
    left = width - target_w - right if left is None and target_w is not None else left
    target_h = height - top - (bottom or 0) if target_h is None else target_h
    target_w = width - left - (right or 0) if target_w is None else target_w
    if None in (top, left, target_h, target_w):
        raise ValueError(f"{name}: give two of (top, bottom, target_height) and of (left, right, target_width)")
    return int(top), int(left), int(target_h), int(target_w)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crop to a box given by two of top/bottom/target height and of left/right/target width.

    >>> crop_images(np.zeros((4, 5, 1)), top_cropping=1, bottom_cropping=1, left_cropping=2, target_width=2).shape
    (2, 2, 1)
    """
    if symbolic(locals()):
        return record("crop_images", locals())
    x, undo = _nhwc(images, data_format)
    top, left, h, w = _box(x.shape[1], x.shape[2], top_cropping, left_cropping, bottom_cropping,
                           right_cropping, target_height, target_width, "crop_images")
    if top < 0 or left < 0 or top + h > x.shape[1] or left + w > x.shape[2]:
        raise ValueError(f"crop_images: the box ({top}, {left}, {h}, {w}) is outside images of shape {x.shape}")
    return undo(x[:, top:top + h, left:left + w])


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Pad with zeros to a size given by two of top/bottom/target height and of left/right/target width.

    >>> pad_images(np.ones((2, 2, 1)), 1, 1, target_height=4, target_width=5).shape
    (4, 5, 1)
    """
    if symbolic(locals()):
        return record("pad_images", locals())
    x, undo = _nhwc(images, data_format)
    h, w = x.shape[1], x.shape[2]
    if top_padding is None and target_height is not None and bottom_padding is not None:
        top_padding = target_height - h - bottom_padding
    if left_padding is None and target_width is not None and right_padding is not None:
        left_padding = target_width - w - right_padding
    top, left = int(top_padding or 0), int(left_padding or 0)
    bottom = int(bottom_padding if bottom_padding is not None else
                 (target_height - h - top if target_height is not None else 0))
    right = int(right_padding if right_padding is not None else (target_width - w - left if target_width is not None else 0))
    if min(top, left, bottom, right) < 0:
        raise ValueError(f"pad_images: negative padding for images of shape {x.shape}")
    return undo(pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)]))


def _fill_index(i, n, fill_mode):
    """Integer positions ``i`` mapped into [0, n) by ``fill_mode``; and where
    they were inside (for ``"constant"``)."""
    inside = (i >= 0) & (i < n)
    if fill_mode == "constant":
        return np.clip(i, 0, n - 1), inside
    if fill_mode == "nearest":
        return np.clip(i, 0, n - 1), None
    if fill_mode == "wrap":
        return np.mod(i, n), None
    if fill_mode in ("reflect", "mirror"):
        period = 2 * n if fill_mode == "reflect" else max(2 * n - 2, 1)
        j = np.mod(i, period)
        return (np.where(j >= n, period - 1 - j, j) if fill_mode == "reflect" else np.where(j >= n, period - j, j)), None
    raise ValueError(f"fill_mode must be 'constant', 'nearest', 'wrap', 'reflect' or 'mirror', got {fill_mode!r}")


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` sampled at ``coordinates`` (shape ``(inputs.ndim, ...)``),
    by nearest (``order=0``) or linear (``order=1``) interpolation; linear
    is differentiable in ``coordinates`` too (as Keras's with PyTorch).

    >>> map_coordinates(np.arange(4.0), [[0.5, 2.0, 5.0]], 1).numpy().tolist()
    [0.5, 2.0, 0.0]
    """
    if symbolic(locals()):
        return record("map_coordinates", locals())
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: order must be 0 or 1, got {order}")
    x = floating(inputs)
    coords = np.asarray(convert_to_tensor(coordinates).numpy(), dtype=np.float64)
    if coords.shape[0] != x.ndim:
        raise ValueError(f"map_coordinates: {coords.shape[0]} coordinate arrays for an input of rank {x.ndim}")
    if order == 0:
        idx, inside = zip(*[_fill_index(np.floor(c + 0.5).astype(np.int64), n, fill_mode) for c, n in zip(coords, x.shape)])
        out = x[tuple(idx)]
        ok = [m for m in inside if m is not None]
        return where(Tensor(np.logical_and.reduce(ok)), out, float(fill_value)) if ok else out
    lo = np.floor(coords).astype(np.int64)
    frac = coords - lo
    if isinstance(coordinates, Tensor) and coordinates.requires_grad:  # the weights with ops: gradients reach them
        frac = [c - Tensor(f) for c, f in zip(floating(coordinates).astype(x.dtype), lo.astype(x.data.dtype))]
    out = None
    for corner in itertools.product((0, 1), repeat=x.ndim):
        weight = functools.reduce(operator.mul, [f if c else 1 - f for c, f in zip(corner, frac)])
        idx, inside = zip(*[_fill_index(l + c, n, fill_mode) for l, c, n in zip(lo, corner, x.shape)])
        value = x[tuple(idx)]
        ok = [m for m in inside if m is not None]
        if ok:
            value = where(Tensor(np.logical_and.reduce(ok)), value, float(fill_value))
        term = value * (weight if isinstance(weight, Tensor) else Tensor(weight.astype(x.data.dtype)))
        out = term if out is None else out + term
    return out


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Apply projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (one
    per image, or one for all): output pixel (x, y) takes the input at
    ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1``.

    >>> affine_transform(np.arange(4.0).reshape(1, 2, 2, 1), [1, 0, 1, 0, 1, 0, 0, 0]).numpy().ravel().tolist()
    [1.0, 0.0, 3.0, 0.0]
    """
    if symbolic(locals()):
        return record("affine_transform", locals())
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"affine_transform: interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
    x, undo = _nhwc(floating(images), data_format)
    t = np.asarray(convert_to_tensor(transform).numpy(), np.float64).reshape(-1, 8)
    return undo(warp(x, np.broadcast_to(t, (x.shape[0], 8)), 0 if interpolation == "nearest" else 1, fill_mode,
                     fill_value))


def warp(x, transforms, order, fill_mode, fill_value, src=None):
    """Resample the channels-last batch ``x``: output pixel ``(b, i, j)``
    takes ``x[b]`` at ``src = (rows, cols)`` (float arrays shaped
    ``(batch, height, width)``), or where the projective ``transforms``
    (``(batch, 8)``, see :func:`affine_transform`; a tensor: differentiable)
    send it."""
    bsz, h, w, c = x.shape
    if src is None:
        ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
        t = [transforms[:, i].reshape((-1, 1, 1)) for i in range(8)]
        k = t[6] * xs + t[7] * ys + 1
        src = ((t[3] * xs + t[4] * ys + t[5]) / k, (t[0] * xs + t[1] * ys + t[2]) / k)
    with_ops = isinstance(transforms, Tensor)
    rows, cols = ((broadcast_to if with_ops else np.broadcast_to)(a, (bsz, h, w)) for a in src)
    batch = np.broadcast_to(np.arange(bsz, dtype=np.float64).reshape(-1, 1, 1), (bsz, h, w))
    coords = (stack if with_ops else np.stack)([batch, rows, cols])
    return stack([map_coordinates(x[..., ch], coords, order, fill_mode, fill_value) for ch in range(c)], -1)


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size`` as channels: ``(batch, rows, cols, size_h * size_w * channels)``.

    >>> extract_patches(np.zeros((1, 4, 4, 3)), 2).shape
    (1, 2, 2, 12)

    A ``size`` of three values extracts 3-D patches of volumes, as
    :func:`extract_patches_3d` (Keras 3):

    >>> extract_patches(np.zeros((1, 4, 4, 4, 2)), (2, 2, 2)).shape
    (1, 2, 2, 2, 16)
    """
    if symbolic(locals()):
        return record("extract_patches", locals())
    if not isinstance(size, int) and len(size) == 3:
        from .image_warp import extract_patches_3d
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    x, undo = _nhwc(images, data_format)
    sh, sw = (size, size) if isinstance(size, int) else size
    st = (sh, sw) if strides is None else ((strides, strides) if isinstance(strides, int) else strides)
    dh, dw = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) else dilation_rate
    return undo(patches(x, (sh, sw), tuple(st), (dh, dw), padding, "extract_patches"))


def patches(x, size, strides, dilation_rate, padding, name):
    """Patches of a channels-last batch ``x`` with any number of spatial
    axes, flattened into channels in (offsets..., channel) order (as Keras's
    convolution with an identity kernel); ``size``, ``strides`` and
    ``dilation_rate`` have one entry per spatial axis."""
    spatial = x.shape[1:-1]
    if padding not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be 'valid' or 'same', got {padding!r}")
    if padding == "same":
        widths = [max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
                  for n, k, s, d in zip(spatial, size, strides, dilation_rate)]
        x = pad(x, [(0, 0)] + [(p // 2, p - p // 2) for p in widths] + [(0, 0)])
        spatial = x.shape[1:-1]
    outs = [(n - (k - 1) * d - 1) // s + 1 for n, k, s, d in zip(spatial, size, strides, dilation_rate)]
    if min(outs) <= 0:
        raise ValueError(f"{name}: patches of size {tuple(size)} (dilation {tuple(dilation_rate)}) do not fit "
                         f"inputs of spatial shape {tuple(spatial)}")
    parts = [x[(slice(None),) + tuple(slice(o * d, o * d + (m - 1) * s + 1, s)
                                      for o, d, m, s in zip(offset, dilation_rate, outs, strides))]
             for offset in np.ndindex(*size)]
    return concatenate(parts, -1)


def _blur_kernel(size, sigma):
    d = np.arange(size, dtype=np.float64) - (size - 1) / 2
    k = np.exp(-(d * d) / (2 * sigma * sigma))
    return k / k.sum()


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a Gaussian kernel, zeros outside the image (as
    Keras: the kernel's rows use ``kernel_size[1]``/``sigma[1]``, its columns
    ``kernel_size[0]``/``sigma[0]``).

    >>> gaussian_blur(np.ones((1, 5, 5, 2))).numpy()[0, 2, 2].round(5).tolist()
    [1.0, 1.0]
    """
    if symbolic(locals()):
        return record("gaussian_blur", locals())
    x, undo = _nhwc(floating(images), data_format)
    kx, ky = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    sx, sy = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
    kernel = np.outer(_blur_kernel(ky, sy), _blur_kernel(kx, sx))
    c = x.shape[-1]
    padded = pad(x, [(0, 0), (kx // 2, kx // 2), (kx // 2, kx // 2), (0, 0)])
    k = Tensor(np.repeat(kernel[:, :, None, None], c, axis=2).astype(x.data.dtype))
    return undo(depthwise_conv(padded, k, padding="valid"))


def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel: ``(..., channels, 2)`` (dy, dx), zeros outside.

    >>> sobel_edges(np.ones((1, 4, 4, 1))).shape
    (1, 4, 4, 1, 2)
    """
    if symbolic(locals()):
        return record("sobel_edges", locals())
    x, _ = _nhwc(floating(images), None)
    fmt_first = (data_format or backend_config.image_data_format()) == "channels_first"
    if fmt_first:
        x = moveaxis(convert_to_tensor(images), 1, -1)
    c = x.shape[-1]
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    padded = pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
    outs = [depthwise_conv(padded, Tensor(np.repeat(k[:, :, None, None], c, 2).astype(x.data.dtype)))
            for k in (ky, ky.T)]
    return stack(outs, -1)


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03, data_format=None):
    """The structural similarity of two batches of images (one value per image).

    >>> round(ssim(np.ones((1, 11, 11, 1)) * 0.5, np.ones((1, 11, 11, 1)) * 0.5).item(), 4)
    1.0
    """
    if symbolic(locals()):
        return record("ssim", locals())
    a, _ = _nhwc(floating(image1), data_format)
    b, _ = _nhwc(floating(image2), data_format)
    c = a.shape[-1]
    g = np.outer(_blur_kernel(filter_size, filter_sigma), _blur_kernel(filter_size, filter_sigma))
    k = Tensor(np.repeat(g[:, :, None, None], c, 2).astype(a.data.dtype))

    def blur(t):
        return depthwise_conv(t, k, padding="valid")
    mu_a, mu_b = blur(a), blur(b)
    va, vb, cov = blur(a * a) - mu_a * mu_a, blur(b * b) - mu_b * mu_b, blur(a * b) - mu_a * mu_b
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a * mu_a + mu_b * mu_b + c1) * (va + vb + c2))
    return mean(s, axis=(1, 2, 3))

