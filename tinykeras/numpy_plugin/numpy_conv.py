"""Fused NumPy kernels for the convolution ops (``tinykeras/ops/conv_ops.py``);
``KERNELS`` also holds the pooling kernels of ``numpy_pool.py``.

A convolution is an im2col (a strided *view* of the padded input, made
with ``as_strided``, copied once into a patch matrix) and one BLAS matmul;
its input gradient is one matmul and a strided add per kernel tap
(col2im); its kernel gradient is the patch matrix's transpose times the
output gradient.  Depthwise convolutions (one input channel per group)
skip the matmul and multiply-add tap by tap.

The batch is cut into pieces (``numpy_parallel.pieces``) that threads work
on at once, each with its own small patch matrix (at most 32 MB in all,
however large the images).  Everything keeps its input dtype (float32
stays float32).

>>> x = np.ones((1, 4, 4, 1), np.float32); w = np.ones((3, 3, 1, 2), np.float32)
>>> KERNELS["conv_general"](x, w, (1, 1), ((0, 0), (0, 0)), (1, 1), 1)[0, :, :, 0].tolist()
[[9.0, 9.0], [9.0, 9.0]]
"""
import numpy as np

from . import numpy_pool
from .numpy_parallel import pieces, tune_malloc
from .numpy_windows import out_spatial, pad, padded_shape, patch_view, taps, unpad

tune_malloc()


def _patches(x, ksize, out, strides, padding, dilation, groups=1):
    """The patch matrix of ``x``: (R, K * C), or (G, R, K * C/G) for groups."""
    view = patch_view(pad(x, padding), ksize, out, strides, dilation)
    rows = x.shape[0] * int(np.prod(out))
    if groups > 1:
        nd, c = len(out), x.shape[-1]
        view = view.reshape(view.shape[:-1] + (groups, c // groups))
        order = (2 * nd + 1, 0) + tuple(range(1, 2 * nd + 1)) + (2 * nd + 2,)
        return view.transpose(order).reshape(groups, rows, -1)
    if x.shape[-1] == 1 and len(ksize) > 0:   # one channel (a grayscale image): copy tap by tap, each a long
        nd = len(out)                          # run of the input, and give the (taps, R) copy transposed
        taps_first = (nd + 1 + np.arange(nd)).tolist() + list(range(nd + 1))
        return np.ascontiguousarray(view[..., 0].transpose(taps_first)).reshape(-1, rows).T
    return view.reshape(rows, -1)   # a copy, except for a 1x1 stride-1 conv (then the input itself)


def _grouped_kernel(kernel, groups):
    """(*k, C/G, O) -> (G, K * C/G, O/G)."""
    kk, cg, o = int(np.prod(kernel.shape[:-2])), kernel.shape[-2], kernel.shape[-1]
    return kernel.reshape(kk, cg, groups, o // groups).transpose(2, 0, 1, 3).reshape(groups, kk * cg, -1)


def _patch_bytes(n, out, ksize, channels, dtype):
    """Bytes of the whole batch's patch matrix (decides the pieces)."""
    return n * int(np.prod(out)) * int(np.prod(ksize)) * channels * np.dtype(dtype).itemsize


def conv_general(x, kernel, strides, padding, dilation, groups=1):
    ksize, cg, o = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    out = out_spatial(x.shape[1:-1], ksize, strides, padding, dilation)
    y = np.empty((x.shape[0],) + out + (o,), dtype=np.result_type(x, kernel))
    if groups > 1 and cg == 1:  # depthwise
        w = kernel.reshape(-1, groups, o // groups)

        def piece(lo, hi):
            _depthwise(pad(x[lo:hi], padding), w, ksize, out, strides, dilation, y[lo:hi])
    else:
        w = kernel.reshape(-1, o) if groups == 1 else _grouped_kernel(kernel, groups)

        def piece(lo, hi):
            cols = _patches(x[lo:hi], ksize, out, strides, padding, dilation, groups)
            if groups == 1:
                np.matmul(cols, w, out=y[lo:hi].reshape(-1, o))
            else:
                y[lo:hi].reshape(-1, groups, o // groups)[...] = np.matmul(cols, w).transpose(1, 0, 2)
    pieces(piece, x.shape[0], _patch_bytes(x.shape[0], out, ksize, x.shape[-1], x.dtype))
    return y


def _depthwise(xp, w, ksize, out, strides, dilation, y):
    """y (N, *out, C * M) = sum over taps of the input's tap view times w[tap] (C, M)."""
    y5 = y.reshape(y.shape[:-1] + w.shape[1:])
    y5[...] = 0
    tmp = np.empty_like(y5)
    for k, tap in enumerate(taps(ksize, out, strides, dilation)):
        np.multiply(xp[tap][..., None], w[k], out=tmp)
        y5 += tmp


def conv_input_grad(g, kernel, input_shape, strides, padding, dilation, groups=1):
    ksize, cg, o = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    out, kk, c = g.shape[1:-1], int(np.prod(ksize)), cg * groups
    window = taps(ksize, out, strides, dilation)
    gxp = np.zeros(padded_shape(input_shape, padding), dtype=np.result_type(g, kernel))
    if groups == 1:
        w = kernel.reshape(kk, cg, o).transpose(0, 2, 1)          # (K, O, C)
    elif cg == 1:
        w = kernel.reshape(kk, c, o // c)                        # (K, C, M)
    else:
        w = _grouped_kernel(kernel, groups).transpose(0, 2, 1)   # (G, O/G, K*C/G)

    def piece(lo, hi):
        g2 = g[lo:hi].reshape(-1, o)
        if groups == 1:   # (K, R, C): one contiguous block per tap
            cols = np.matmul(g2, w)
        elif cg == 1:     # depthwise: sum over the multiplier
            cols = np.einsum("rcm,kcm->krc", g2.reshape(-1, c, o // c), w)
        else:
            cols = np.matmul(g2.reshape(-1, groups, o // groups).transpose(1, 0, 2), w)
            cols = cols.reshape(groups, -1, kk, cg).transpose(2, 1, 0, 3)
        cols = cols.reshape((kk, hi - lo) + out + (c,))
        part = gxp[lo:hi]
        for k, tap in enumerate(window):
            part[tap] += cols[k]
    pieces(piece, g.shape[0], _patch_bytes(g.shape[0], out, ksize, c, gxp.dtype))
    return unpad(gxp, input_shape, padding)


def conv_kernel_grad(x, g, kernel_shape, strides, padding, dilation, groups=1):
    ksize, cg, o = tuple(kernel_shape[:-2]), kernel_shape[-2], kernel_shape[-1]
    out, c = g.shape[1:-1], x.shape[-1]
    window = taps(ksize, out, strides, dilation)

    def piece(lo, hi):
        gp = g[lo:hi].reshape(-1, o)
        if groups > 1 and cg == 1:   # depthwise: tap by tap
            xp, g3 = pad(x[lo:hi], padding), gp.reshape(-1, c, o // c)
            return np.stack([np.einsum("rc,rcm->cm", xp[tap].reshape(-1, c), g3) for tap in window])
        cols = _patches(x[lo:hi], ksize, out, strides, padding, dilation, groups)
        if groups == 1:
            return cols.T @ gp
        return np.matmul(cols.transpose(0, 2, 1), gp.reshape(-1, groups, o // groups).transpose(1, 0, 2))
    gw = sum(pieces(piece, x.shape[0], _patch_bytes(x.shape[0], out, ksize, c, x.dtype)))
    if groups == 1 or cg == 1:
        return gw.reshape(kernel_shape)
    kk = int(np.prod(ksize))
    return gw.reshape(groups, kk, cg, o // groups).transpose(1, 2, 0, 3).reshape(kernel_shape)


KERNELS = {
    "conv_general": conv_general,
    "conv_input_grad": conv_input_grad,
    "conv_kernel_grad": conv_kernel_grad,
    **numpy_pool.KERNELS,
}
