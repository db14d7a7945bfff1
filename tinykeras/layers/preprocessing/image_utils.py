"""Image helpers for the preprocessing layers (and ``UpSampling2D``).

* :func:`resize`: "nearest" or "bilinear" resizing of a channels-last
  batch, with TensorFlow/JAX's half-pixel sampling (as ``keras.ops.image.resize``
  with ``antialias=False``).  It is built from tensor ops (a gather for
  "nearest", two constant interpolation matrices for "bilinear"), so it
  runs on every backend and is differentiable.

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
