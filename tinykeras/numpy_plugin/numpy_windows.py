"""Window bookkeeping shared by the NumPy convolution and pooling kernels:
padding the spatial axes of channels-last arrays, and the strided slices
("taps") or strided views that gather every window without copying.

>>> x = np.arange(5.0).reshape(1, 5, 1)
>>> [x[tap][0, :, 0].tolist() for tap in taps((2,), (2,), (2,), (1,))]
[[0.0, 2.0], [1.0, 3.0]]
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def pad(x, padding, value=0.0):
    """Pad the spatial axes by ``(lo, hi)`` pairs (a negative ``hi`` adds
    nothing: the windows simply never reach the last cells)."""
    pads = [(lo, max(hi, 0)) for lo, hi in padding]
    if not any(lo or hi for lo, hi in pads):
        return x
    out = np.full(padded_shape(x.shape, padding), value, dtype=x.dtype)
    out[inner(x.shape, padding)] = x
    return out


def padded_shape(shape, padding):
    return (shape[0],) + tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(shape[1:-1], padding)) + (shape[-1],)


def inner(shape, padding):
    """Index of the unpadded cells inside a padded array."""
    return (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[1:-1], padding))


def unpad(xp, shape, padding):
    """The cells of padded ``xp`` that ``shape`` had before padding."""
    return xp[inner(shape, padding)] if xp.shape != tuple(shape) else xp


def out_spatial(spatial, ksize, strides, padding, dilation):
    return tuple((n + lo + hi - (k - 1) * d - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(spatial, ksize, strides, padding, dilation))


def taps(ksize, out, strides, dilation):
    """One index per kernel tap: the strided slice of the padded input that
    this tap meets for every output position."""
    return [(slice(None),) + tuple(slice(i * d, i * d + (o - 1) * s + 1, s)
                                   for i, o, s, d in zip(offsets, out, strides, dilation))
            for offsets in np.ndindex(*ksize)]


def patch_view(xp, ksize, out, strides, dilation):
    """(N, *out, *ksize, C) read-only view of the windows of ``xp`` (no copy)."""
    st = xp.strides
    shape = (xp.shape[0],) + tuple(out) + tuple(ksize) + (xp.shape[-1],)
    view_strides = ((st[0],) + tuple(a * s for a, s in zip(st[1:-1], strides))
                    + tuple(a * d for a, d in zip(st[1:-1], dilation)) + (st[-1],))
    return as_strided(xp, shape, view_strides, writeable=False)
