"""Fused NumPy kernels for the pooling ops (``tinykeras/ops/pool_ops.py``).

Pools loop over the window's taps, each a strided view of the padded
input.  The usual 2D pool (stride = pool size, no padding) instead views
the input as blocks ``(N, Ho, k1, Wo, k2, C)``: the maximum of each row of
a block, then across rows; the gradient goes to the row holding the first
maximum, then to the first maximum in that row (row-major order, as
TensorFlow and PyTorch).  Work on big arrays is split over threads along
the batch axis.

>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> max_pool_general(x, (2, 2), (2, 2), ((0, 0), (0, 0)))[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
"""
import functools

import numpy as np

from .numpy_windows import out_spatial, pad, padded_shape, taps, unpad
from .numpy_parallel import parallel


def _pool_taps(x, pool_size, strides, padding, fill):
    xp = pad(x, padding, fill)
    ones = (1,) * len(pool_size)
    out = out_spatial(x.shape[1:-1], pool_size, strides, padding, ones)
    return xp, taps(pool_size, out, strides, ones), out


def _blocks(x, pool_size, strides, padding):
    """For a 2D pool with ``strides == pool_size`` and no padding (the usual
    case), the view (N, Ho, k1, Wo, k2, C) of the cells it covers; else None."""
    if len(pool_size) != 2 or tuple(strides) != tuple(pool_size) or any(lo or hi for lo, hi in padding):
        return None
    n, h, w, c = x.shape
    (k1, k2), ho, wo = pool_size, h // pool_size[0], w // pool_size[1]
    return x[:, :ho * k1, :wo * k2].reshape(n, ho, k1, wo, k2, c)


def _max_of(values, out=None):
    """Element-wise maximum of several arrays (written into ``out`` if given)."""
    if len(values) == 1:
        if out is None:
            return values[0].copy()
        np.copyto(out, values[0])
        return out
    out = np.maximum(values[0], values[1], out=out)
    for v in values[2:]:
        np.maximum(out, v, out=out)
    return out


def _route_to_first_max(values, peak, g, outs):
    """outs[j] = g where values[j] is the first of ``values`` equal to
    ``peak`` (their maximum), else 0."""
    if len(values) == 1:
        outs[0][...] = g
    elif len(values) == 2:  # the common 2x2 pool: two ops, no bookkeeping
        np.multiply(g, values[0] >= values[1], out=outs[0])
        np.subtract(g, outs[0], out=outs[1])
    else:
        free, hit = np.ones(peak.shape, dtype=bool), np.empty(peak.shape, dtype=bool)
        for v, out in zip(values, outs):
            np.equal(v, peak, out=hit)
            hit &= free
            free ^= hit
            np.multiply(g, hit, out=out)


def _row_maxima(blocks):
    k1, k2 = blocks.shape[2], blocks.shape[4]
    return [_max_of([blocks[:, :, i, :, j] for j in range(k2)]) for i in range(k1)]


def _block_max(blocks, y):
    _max_of(_row_maxima(blocks), out=y)


def _block_grad(blocks, g, gblocks):
    """Route ``g`` to each block's first maximum: first the row that holds
    it, then the column within that row (row-major order, as TF and torch)."""
    k1, k2 = blocks.shape[2], blocks.shape[4]
    rows = _row_maxima(blocks)
    row_grads = [np.empty_like(g) for _ in rows]
    _route_to_first_max(rows, _max_of(rows) if k1 > 2 else None, g, row_grads)
    for i, (row, row_grad) in enumerate(zip(rows, row_grads)):
        _route_to_first_max([blocks[:, :, i, :, j] for j in range(k2)], row, row_grad,
                            [gblocks[:, :, i, :, j] for j in range(k2)])


def max_pool_general(x, pool_size, strides, padding):
    blocks = _blocks(x, pool_size, strides, padding)
    if blocks is not None:
        y = np.empty(blocks.shape[:2] + blocks.shape[3:4] + blocks.shape[5:], dtype=x.dtype)
        parallel(_block_max, blocks, y)
        return y
    xp, window, _ = _pool_taps(x, pool_size, strides, padding, -np.inf)
    return _max_of([xp[tap] for tap in window])


def max_pool_grad(x, g, pool_size, strides, padding):
    """Each window's gradient goes to its first maximum (in row-major order)."""
    blocks = _blocks(x, pool_size, strides, padding)
    if blocks is not None:
        (k1, k2), ho, wo = pool_size, blocks.shape[1], blocks.shape[3]
        covered = ho * k1 == x.shape[1] and wo * k2 == x.shape[2]
        gx = (np.empty if covered else np.zeros)(x.shape, dtype=g.dtype)
        parallel(_block_grad, blocks, g, gx[:, :ho * k1, :wo * k2].reshape(blocks.shape))
        return gx
    xp, window, _ = _pool_taps(x, pool_size, strides, padding, -np.inf)
    peak = _max_of([xp[tap] for tap in window])
    gxp = np.zeros(xp.shape, dtype=g.dtype)
    if all(s >= k for s, k in zip(strides, pool_size)):   # windows do not overlap: write in place
        _route_to_first_max([xp[tap] for tap in window], peak, g, [gxp[tap] for tap in window])
    else:
        shares = [np.empty_like(g) for _ in window]
        _route_to_first_max([xp[tap] for tap in window], peak, g, shares)
        for tap, share in zip(window, shares):
            gxp[tap] += share
    return unpad(gxp, x.shape, padding)


@functools.lru_cache(maxsize=64)
def _counts(shape, pool_size, strides, padding, dtype):
    total = np.ones(())
    for n, k, s, (lo, hi) in zip(shape[1:-1], pool_size, strides, padding):
        real = np.pad(np.ones(n), (lo, hi))
        o = (n + lo + hi - k) // s + 1
        total = np.multiply.outer(total, [real[i * s:i * s + k].sum() for i in range(o)])
    return (1.0 / total[..., None]).astype(dtype)


def avg_pool_general(x, pool_size, strides, padding):
    xp, window, _ = _pool_taps(x, pool_size, strides, padding, 0.0)
    y = xp[window[0]].copy()
    for tap in window[1:]:
        y += xp[tap]
    y *= _counts(tuple(x.shape), tuple(pool_size), tuple(strides), tuple(padding), x.dtype.str)
    return y


def avg_pool_grad(g, input_shape, pool_size, strides, padding):
    share = g * _counts(tuple(input_shape), tuple(pool_size), tuple(strides), tuple(padding), g.dtype.str)
    gxp = np.zeros(padded_shape(input_shape, padding), dtype=g.dtype)
    ones = (1,) * len(pool_size)
    for tap in taps(pool_size, g.shape[1:-1], strides, ones):
        gxp[tap] += share
    return unpad(gxp, input_shape, padding)


KERNELS = {
    "max_pool_general": max_pool_general,
    "max_pool_grad": max_pool_grad,
    "avg_pool_general": avg_pool_general,
    "avg_pool_grad": avg_pool_grad,
}
