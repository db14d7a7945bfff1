"""Image helpers for the preprocessing layers (and ``UpSampling2D``).

* :func:`resize`: "nearest" or "bilinear" resizing of a channels-last
  batch, with TensorFlow/JAX's half-pixel sampling (as ``keras.ops.image.resize``
  with ``antialias=False``).  It is built from tensor ops (a gather for
  "nearest", two constant interpolation matrices for "bilinear"), so it
  runs on every backend and is differentiable.
* :func:`affine_transform`: Keras's projective image transform (eight
  numbers per image mapping each *output* pixel to an input location)
  with "reflect", "wrap", "constant" or "nearest" filling; done in NumPy,
  since augmentation needs no gradient.

>>> import numpy as np
>>> from tinykeras.core.tensor import Tensor
>>> resize(Tensor(np.arange(4.0).reshape(1, 2, 2, 1)), (4, 4), "nearest").numpy()[0, :, :, 0].tolist()[0]
[0.0, 0.0, 1.0, 1.0]
>>> interpolation_matrix(2, 4).tolist()[1]
[0.75, 0.25]
"""
import numpy as np

from ... import ops


def interpolation_matrix(n_in, n_out):
    """(n_out, n_in) bilinear weights with half-pixel centers (edges clamped)."""
    centers = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    lower = np.minimum(np.floor(centers).astype(np.int64), n_in - 1)
    upper = np.minimum(lower + 1, n_in - 1)
    frac = centers - lower
    weights = np.zeros((n_out, n_in))
    np.add.at(weights, (np.arange(n_out), lower), 1.0 - frac)
    np.add.at(weights, (np.arange(n_out), upper), frac)
    return weights


def nearest_indices(n_in, n_out):
    """Input index for each output index (half-pixel centers)."""
    return np.minimum(np.floor((np.arange(n_out) + 0.5) * (n_in / n_out)).astype(np.int64), n_in - 1)


def resize(images, size, interpolation="bilinear"):
    """Resize channels-last ``images`` (N, H, W, C) to ``size`` = (height, width)."""
    height, width = size
    n, h, w, c = images.shape
    if (h, w) == (height, width):
        return images
    if interpolation == "nearest":
        return images[:, nearest_indices(h, height)][:, :, nearest_indices(w, width)]
    if interpolation != "bilinear":
        raise ValueError(f"resize: interpolation must be 'bilinear' or 'nearest' (tinykeras has no "
                         f"{interpolation!r}); got {interpolation!r}")
    dtype = images.dtype
    rows = ops.convert_to_tensor(interpolation_matrix(h, height).astype(dtype))
    cols = ops.convert_to_tensor(interpolation_matrix(w, width).astype(dtype))
    x = ops.reshape(ops.transpose(images, (1, 0, 2, 3)), (h, n * w * c))          # (H, N*W*C)
    x = ops.reshape(rows @ x, (height, n, w, c))                                     # (height, N, W, C)
    x = ops.reshape(ops.transpose(x, (2, 1, 0, 3)), (w, n * height * c))          # (W, N*height*C)
    x = ops.reshape(cols @ x, (width, n, height, c))
    return ops.transpose(x, (1, 2, 0, 3))


def _fill_index(index, size, fill_mode):
    """Map (possibly outside) integer indices into [0, size); also return
    which ones are valid (all, unless ``fill_mode`` is "constant")."""
    if fill_mode == "reflect":          # d c b a | a b c d | d c b a
        period = index % (2 * size)
        return np.where(period >= size, 2 * size - 1 - period, period), None
    if fill_mode == "wrap":             # a b c d | a b c d
        return index % size, None
    if fill_mode == "nearest":          # a a a | a b c d | d d d
        return np.clip(index, 0, size - 1), None
    valid = (index >= 0) & (index < size)
    return np.clip(index, 0, size - 1), valid


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="reflect", fill_value=0.0):
    """Apply one 8-number projective transform per image (NumPy, (N, H, W, C)).

    Output pixel ``(x, y)`` reads the input at ``((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1`` (Keras's order
    ``a0, a1, a2, b0, b1, b2, c0, c1``).
    """
    if fill_mode not in ("reflect", "wrap", "constant", "nearest"):
        raise ValueError(f"fill_mode must be 'reflect', 'wrap', 'constant' or 'nearest', got {fill_mode!r}")
    if interpolation not in ("bilinear", "nearest"):
        raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
    n, h, w, c = images.shape
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    t = np.asarray(transforms, dtype=np.float64).reshape(n, 8, 1, 1)
    k = t[:, 6] * xs + t[:, 7] * ys + 1.0
    src_x = (t[:, 0] * xs + t[:, 1] * ys + t[:, 2]) / k
    src_y = (t[:, 3] * xs + t[:, 4] * ys + t[:, 5]) / k
    batch = np.arange(n).reshape(n, 1, 1)
    if interpolation == "nearest":
        corners = [(np.round(src_y).astype(np.int64), np.round(src_x).astype(np.int64), 1.0)]
    else:
        y0, x0 = np.floor(src_y), np.floor(src_x)
        fy, fx = src_y - y0, src_x - x0
        y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
        corners = [(y0, x0, (1 - fy) * (1 - fx)), (y0, x0 + 1, (1 - fy) * fx),
                   (y0 + 1, x0, fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx)]
    out = np.zeros(images.shape, dtype=np.float64)
    for yi, xi, weight in corners:
        yi, y_ok = _fill_index(yi, h, fill_mode)
        xi, x_ok = _fill_index(xi, w, fill_mode)
        values = images[batch, yi, xi].astype(np.float64)
        if y_ok is not None:
            values = np.where((y_ok & x_ok)[..., None], values, fill_value)
        out += np.asarray(weight)[..., None] * values
    return out.astype(images.dtype)


def rotation_transforms(angles, height, width):
    """Transforms rotating each image by ``angles`` (radians, counter-clockwise) about its center."""
    cos, sin = np.cos(angles), np.sin(angles)
    x_off = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2.0
    y_off = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2.0
    zeros = np.zeros_like(angles)
    return np.stack([cos, -sin, x_off, sin, cos, y_off, zeros, zeros], axis=1)


def zoom_transforms(height_zoom, width_zoom, height, width):
    """Transforms zooming about the center (a factor > 1 shows more: zoom out)."""
    zeros = np.zeros_like(height_zoom)
    x_off = (width - 1) / 2.0 * (1.0 - width_zoom)
    y_off = (height - 1) / 2.0 * (1.0 - height_zoom)
    return np.stack([width_zoom, zeros, x_off, zeros, height_zoom, y_off, zeros, zeros], axis=1)


def translation_transforms(dy, dx):
    """Transforms shifting each image down by ``dy`` and right by ``dx`` pixels."""
    ones, zeros = np.ones_like(dy), np.zeros_like(dy)
    return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1)
