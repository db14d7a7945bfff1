"""Fused NumPy kernels for the convolution and pooling ops
(``tinykeras/ops/conv_ops.py``, ``pool_ops.py``).

A convolution is an im2col (a strided *view* of the padded input, made
with ``as_strided``, copied once into a patch matrix) and one BLAS matmul;
its input gradient is one matmul and a strided add per kernel tap
(col2im); its kernel gradient is the patch matrix's transpose times the
output gradient.  Large batches are cut into pieces so that no patch
matrix exceeds 32 MB.  Depthwise convolutions (one input channel per group)
skip the matmul and multiply-add tap by tap.  Pools loop over window taps
with strided views; the usual 2D pool (stride = pool size, no padding)
reshapes the input into blocks instead.  Element-wise work on big arrays
is split over threads along the batch axis (:func:`_parallel`).
Everything keeps its input dtype (float32 stays float32).

>>> x = np.ones((1, 4, 4, 1), np.float32); w = np.ones((3, 3, 1, 2), np.float32)
>>> KERNELS["conv_general"](x, w, (1, 1), ((0, 0), (0, 0)), (1, 1), 1)[0, :, :, 0].tolist()
[[9.0, 9.0], [9.0, 9.0]]
"""
import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.lib.stride_tricks import as_strided

_WORKERS = max(1, int(os.environ.get("TINYKERAS_NUM_THREADS", 0)) or min(os.cpu_count() or 1, 8))
_EXECUTOR = []


def tune_malloc(mmap_threshold=32 << 20, trim_threshold=128 << 20):
    """Ask glibc to serve arrays up to 32 MB from its heap and to keep up to
    128 MB of freed memory, instead of mapping fresh pages for every large
    temporary (each then costs a page fault per 4 KB on first write).  A
    training step allocates dozens of such arrays; this saves about a quarter
    of its CPU time.  Linux/glibc only; ``TINYKERAS_MALLOC_TUNING=0`` skips it.
    Returns True when the settings were applied."""
    if os.environ.get("TINYKERAS_MALLOC_TUNING", "1") == "0":
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-3, mmap_threshold) and libc.mallopt(-1, trim_threshold))  # M_MMAP/M_TRIM
    except (OSError, AttributeError):
        return False


tune_malloc()


def _parallel(fn, *arrays, min_size=1 << 18):
    """``fn(*arrays)``, split along the batch axis over threads (NumPy releases
    the GIL in its loops, so the pieces run at once).  ``fn`` must write its
    results into slices of the arrays (``out=``).  ``TINYKERAS_NUM_THREADS``
    caps the threads (default: the CPU count, at most 8)."""
    n = arrays[0].shape[0]
    parts = min(_WORKERS, n, max(1, arrays[0].size // min_size))
    if parts == 1:
        fn(*arrays)
        return
    if not _EXECUTOR:
        _EXECUTOR.append(ThreadPoolExecutor(_WORKERS - 1, thread_name_prefix="tinykeras-numpy"))
    bounds = [n * i // parts for i in range(parts + 1)]
    jobs = [_EXECUTOR[0].submit(fn, *[a[lo:hi] for a in arrays]) for lo, hi in zip(bounds[1:-1], bounds[2:])]
    fn(*[a[:bounds[1]] for a in arrays])    # the first piece runs here, meanwhile
    for job in jobs:
        job.result()


def _pad(x, padding, value=0.0):
    """Pad the spatial axes (negative ``hi``: nothing added; the windows
    simply never reach the last cells)."""
    pads = [(lo, max(hi, 0)) for lo, hi in padding]
    if not any(lo or hi for lo, hi in pads):
        return x
    shape = (x.shape[0],) + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], pads)) + (x.shape[-1],)
    out = np.full(shape, value, dtype=x.dtype)
    out[_inner(x.shape, padding)] = x
    return out


def _inner(shape, padding):
    """Index of the unpadded cells inside a padded array."""
    return (slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[1:-1], padding))


def _padded_zeros(shape, padding, dtype):
    return np.zeros((shape[0],) + tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(shape[1:-1], padding))
                    + (shape[-1],), dtype=dtype)


def _out_spatial(spatial, ksize, strides, padding, dilation):
    return tuple((n + lo + hi - (k - 1) * d - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(spatial, ksize, strides, padding, dilation))


def _taps(ksize, out, strides, dilation):
    """One index per kernel tap: the strided slice of the padded input that
    this tap meets for every output position."""
    return [(slice(None),) + tuple(slice(i * d, i * d + (o - 1) * s + 1, s)
                                   for i, o, s, d in zip(offsets, out, strides, dilation))
            for offsets in np.ndindex(*ksize)]


def _patch_view(xp, ksize, out, strides, dilation):
    """(N, *out, *ksize, C) read-only view of the windows of ``xp`` (no copy)."""
    st = xp.strides
    shape = (xp.shape[0],) + tuple(out) + tuple(ksize) + (xp.shape[-1],)
    strides_ = ((st[0],) + tuple(a * s for a, s in zip(st[1:-1], strides))
                + tuple(a * d for a, d in zip(st[1:-1], dilation)) + (st[-1],))
    return as_strided(xp, shape, strides_, writeable=False)


_CHUNK_BYTES = 32 << 20   # the largest patch matrix built at once


def _chunks(n, bytes_per_sample):
    """Batch slices whose patch matrices stay under ``_CHUNK_BYTES``, so that
    memory stays bounded for large images or batches."""
    step = max(1, min(n, _CHUNK_BYTES // max(bytes_per_sample, 1)))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _patches(x, ksize, out, strides, padding, dilation, groups=1):
    """The patch matrix of ``x``: (R, K * C), or (G, R, K * C/G) for groups."""
    view = _patch_view(_pad(x, padding), ksize, out, strides, dilation)
    rows = x.shape[0] * int(np.prod(out))
    if groups > 1:
        nd, c = len(out), x.shape[-1]
        view = view.reshape(view.shape[:-1] + (groups, c // groups))
        order = (2 * nd + 1, 0) + tuple(range(1, 2 * nd + 1)) + (2 * nd + 2,)
        return view.transpose(order).reshape(groups, rows, -1)
    if all(k == 1 for k in ksize) and all(s == 1 for s in strides):
        return view.reshape(rows, -1)   # a 1x1 conv: the input itself, no copy
    cols = np.empty(view.shape, dtype=x.dtype)
    _parallel(np.copyto, cols, view)
    return cols.reshape(rows, -1)


def _grouped_kernel(kernel, groups):
    """(*k, C/G, O) -> (G, K * C/G, O/G)."""
    kk, cg, o = int(np.prod(kernel.shape[:-2])), kernel.shape[-2], kernel.shape[-1]
    return kernel.reshape(kk, cg, groups, o // groups).transpose(2, 0, 1, 3).reshape(groups, kk * cg, -1)


def _sample_bytes(out, ksize, channels, dtype):
    return int(np.prod(out)) * int(np.prod(ksize)) * channels * np.dtype(dtype).itemsize


def conv_general(x, kernel, strides, padding, dilation, groups=1):
    ksize, cg, o = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    if groups > 1 and cg == 1:  # depthwise: multiply-add tap by tap, no matmul
        return _depthwise(x, kernel, strides, padding, dilation)
    out = _out_spatial(x.shape[1:-1], ksize, strides, padding, dilation)
    y = np.empty((x.shape[0],) + out + (o,), dtype=np.result_type(x, kernel))
    w = kernel.reshape(-1, o) if groups == 1 else _grouped_kernel(kernel, groups)
    for part in _chunks(x.shape[0], _sample_bytes(out, ksize, x.shape[-1], x.dtype)):
        cols = _patches(x[part], ksize, out, strides, padding, dilation, groups)
        if groups == 1:
            np.matmul(cols, w, out=y[part].reshape(-1, o))
        else:
            y[part].reshape(-1, groups, o // groups)[...] = np.matmul(cols, w).transpose(1, 0, 2)
    return y


def _depthwise(x, kernel, strides, padding, dilation):
    ksize, c = kernel.shape[:-2], x.shape[-1]
    mult = kernel.shape[-1] // c
    out = _out_spatial(x.shape[1:-1], ksize, strides, padding, dilation)
    xp, w = _pad(x, padding), kernel.reshape(-1, c, mult)
    y = np.zeros((x.shape[0],) + out + (c, mult), dtype=np.result_type(x, kernel))
    tmp = np.empty_like(y)
    for k, tap in enumerate(_taps(ksize, out, strides, dilation)):
        np.multiply(xp[tap][..., None], w[k], out=tmp)
        y += tmp
    return y.reshape(y.shape[:-2] + (c * mult,))


def conv_input_grad(g, kernel, input_shape, strides, padding, dilation, groups=1):
    ksize, cg, o = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    out, kk, c = g.shape[1:-1], int(np.prod(ksize)), cg * groups
    taps = _taps(ksize, out, strides, dilation)
    gxp = _padded_zeros(input_shape, padding, np.result_type(g, kernel))

    def col2im(gxp, cols):  # cols: (N, K, *out, C)
        for k, tap in enumerate(taps):
            gxp[tap] += cols[:, k]

    for part in _chunks(g.shape[0], _sample_bytes(out, ksize, c, gxp.dtype)):
        n = g[part].shape[0]
        g2 = g[part].reshape(-1, o)
        if groups == 1:   # (K, R, C): one block per tap, each contiguous
            cols = np.matmul(g2, kernel.reshape(kk, cg, o).transpose(0, 2, 1))
        elif cg == 1:     # depthwise: sum over the multiplier
            cols = np.einsum("rcm,kcm->krc", g2.reshape(-1, c, o // c), kernel.reshape(kk, c, o // c))
        else:
            gg = g2.reshape(-1, groups, o // groups).transpose(1, 0, 2)
            cols = np.matmul(gg, _grouped_kernel(kernel, groups).transpose(0, 2, 1))    # (G, R, K*Cg)
            cols = cols.reshape(groups, -1, kk, cg).transpose(2, 1, 0, 3)
        _parallel(col2im, gxp[part], cols.reshape((kk, n) + out + (c,)).swapaxes(0, 1))
    return gxp[_inner(input_shape, padding)] if gxp.shape != tuple(input_shape) else gxp


def conv_kernel_grad(x, g, kernel_shape, strides, padding, dilation, groups=1):
    ksize, cg, o = tuple(kernel_shape[:-2]), kernel_shape[-2], kernel_shape[-1]
    out, c = g.shape[1:-1], x.shape[-1]
    if groups > 1 and cg == 1:       # depthwise: tap by tap
        xp, g3 = _pad(x, padding), g.reshape(-1, c, o // c)
        rows = g3.shape[0]
        gw = np.stack([np.einsum("rc,rcm->cm", xp[tap].reshape(rows, c), g3)
                       for tap in _taps(ksize, out, strides, dilation)])
        return gw.reshape(kernel_shape)
    gw = None
    for part in _chunks(x.shape[0], _sample_bytes(out, ksize, c, x.dtype)):
        cols = _patches(x[part], ksize, out, strides, padding, dilation, groups)
        gp = g[part].reshape(-1, o)
        if groups == 1:
            step = cols.T @ gp
        else:
            step = np.matmul(cols.transpose(0, 2, 1), gp.reshape(-1, groups, o // groups).transpose(1, 0, 2))
        gw = step if gw is None else gw + step
    if groups == 1:
        return gw.reshape(kernel_shape)
    kk = int(np.prod(ksize))
    return gw.reshape(groups, kk, cg, o // groups).transpose(1, 2, 0, 3).reshape(kernel_shape)


# -- pooling ---------------------------------------------------------------

def _pool_taps(x, pool_size, strides, padding, fill):
    xp = _pad(x, padding, fill)
    ones = (1,) * len(pool_size)
    out = _out_spatial(x.shape[1:-1], pool_size, strides, padding, ones)
    return xp, _taps(pool_size, out, strides, ones), out


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
        _parallel(_block_max, blocks, y)
        return y
    xp, taps, _ = _pool_taps(x, pool_size, strides, padding, -np.inf)
    return _max_of([xp[tap] for tap in taps])


def max_pool_grad(x, g, pool_size, strides, padding):
    """Each window's gradient goes to its first maximum (in row-major order)."""
    blocks = _blocks(x, pool_size, strides, padding)
    if blocks is not None:
        (k1, k2), ho, wo = pool_size, blocks.shape[1], blocks.shape[3]
        covered = ho * k1 == x.shape[1] and wo * k2 == x.shape[2]
        gx = (np.empty if covered else np.zeros)(x.shape, dtype=g.dtype)
        _parallel(_block_grad, blocks, g, gx[:, :ho * k1, :wo * k2].reshape(blocks.shape))
        return gx
    xp, taps, _ = _pool_taps(x, pool_size, strides, padding, -np.inf)
    peak = _max_of([xp[tap] for tap in taps])
    gxp = np.zeros(xp.shape, dtype=g.dtype)
    if all(s >= k for s, k in zip(strides, pool_size)):   # windows do not overlap: write in place
        _route_to_first_max([xp[tap] for tap in taps], peak, g, [gxp[tap] for tap in taps])
    else:
        shares = [np.empty_like(g) for _ in taps]
        _route_to_first_max([xp[tap] for tap in taps], peak, g, shares)
        for tap, share in zip(taps, shares):
            gxp[tap] += share
    return gxp[_inner(x.shape, padding)] if gxp.shape != x.shape else gxp


@functools.lru_cache(maxsize=64)
def _counts(shape, pool_size, strides, padding, dtype):
    total = np.ones(())
    for n, k, s, (lo, hi) in zip(shape[1:-1], pool_size, strides, padding):
        real = np.pad(np.ones(n), (lo, hi))
        o = (n + lo + hi - k) // s + 1
        total = np.multiply.outer(total, [real[i * s:i * s + k].sum() for i in range(o)])
    return (1.0 / total[..., None]).astype(dtype)


def avg_pool_general(x, pool_size, strides, padding):
    xp, taps, _ = _pool_taps(x, pool_size, strides, padding, 0.0)
    y = xp[taps[0]].copy()
    for tap in taps[1:]:
        y += xp[tap]
    y *= _counts(tuple(x.shape), tuple(pool_size), tuple(strides), tuple(padding), x.dtype.str)
    return y


def avg_pool_grad(g, input_shape, pool_size, strides, padding):
    share = g * _counts(tuple(input_shape), tuple(pool_size), tuple(strides), tuple(padding), g.dtype.str)
    gxp = _padded_zeros(input_shape, padding, g.dtype)
    ones = (1,) * len(pool_size)
    for tap in _taps(pool_size, g.shape[1:-1], strides, ones):
        gxp[tap] += share
    return gxp[_inner(input_shape, padding)] if gxp.shape != tuple(input_shape) else gxp


KERNELS = {
    "conv_general": conv_general,
    "conv_input_grad": conv_input_grad,
    "conv_kernel_grad": conv_kernel_grad,
    "max_pool_general": max_pool_general,
    "max_pool_grad": max_pool_grad,
    "avg_pool_general": avg_pool_general,
    "avg_pool_grad": avg_pool_grad,
}
