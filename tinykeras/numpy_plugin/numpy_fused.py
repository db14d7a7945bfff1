"""Fused NumPy kernels for composite ops: one NumPy call chain instead of
several dispatched primitives.  Each must agree with its composite in
``tinykeras/ops`` (the conformance tests check it).

>>> KERNELS["relu"](np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
import numpy as np

from .numpy_parallel import elementwise, pieces


def _relu(x):
    return elementwise(lambda a, out: np.maximum(a, 0, out=out), x.dtype, x)


def _relu_grad(g, o):
    if g.shape != o.shape:       # broadcasting (the generated tests): the plain way
        return np.asarray(g * (o > 0))
    return elementwise(lambda a, b, out: np.multiply(a, b > 0, out=out), g.dtype, g, o)


NARROW_RANGE = 60.0   # exp(-60) ~ 1e-26: a float32 or float64 exp of a value that much below the top is normal


def exp_shift(x, axis=-1):
    """What to subtract from ``x`` before an ``exp`` along ``axis`` (a
    softmax's stabilizer): the largest value of the whole array when all of
    ``x`` lies within ``NARROW_RANGE`` of it (then no row underflows and no
    value overflows, and every row's softmax is the same up to rounding),
    else the largest of each row.  NumPy's maximum along short rows walks
    them one by one (0.9 ms for a million float32 in rows of 64), its
    maximum and minimum of a whole array take a tenth of that.  Arrays
    under 4096 values, and float16, always get the rows' maxima.

    >>> x = np.zeros((2048, 2), np.float32); x[1] = 5.0
    >>> float(exp_shift(x))
    5.0
    >>> x[1] = 500.0
    >>> exp_shift(x)[:2].ravel().tolist()
    [0.0, 500.0]
    """
    if isinstance(axis, int) and x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size >= 1 << 12 \
            and x.shape[axis] <= 1024:
        top = x.max()
        if top - x.min() <= NARROW_RANGE:    # (False for a NaN or an infinity: the rows then)
            return top
    return x.max(axis=axis, keepdims=True)


def _softmax(x, axis=-1):
    e = np.exp(x - exp_shift(x, axis))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis=-1):
    shifted = x - exp_shift(x, axis)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _logsumexp(x, axis=None, keepdims=False):
    m = x.max(axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.asarray(out.reshape([s for i, s in enumerate(x.shape)
                                                        if axis is not None and i not in axis]))


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _sparse_softmax_xent(logits, labels):
    logp = _log_softmax(logits, axis=-1)
    return -np.take_along_axis(logp, labels[..., None].astype(np.int64), axis=-1)[..., 0]


def blas_can(x):
    """Whether BLAS takes ``x``'s dtype (float16 and others: NumPy's own reductions)."""
    return x.dtype == np.float32 or x.dtype == np.float64


def row_sums(x):
    """``x.sum(-1, keepdims=True)``; for a contiguous float32/float64 array a
    product with a column of ones (BLAS), five times faster than NumPy's
    reduction on rows as short as a layer's features or attention's steps.

    >>> row_sums(np.ones((2, 3), np.float32)).tolist()
    [[3.0], [3.0]]
    """
    if not blas_can(x) or not x.flags.c_contiguous:
        return x.sum(-1, keepdims=True)
    n = x.shape[-1]
    return (x.reshape(-1, n) @ np.ones((n, 1), x.dtype)).reshape(x.shape[:-1] + (1,))


def column_sums(rows):
    """The sum of each column of a 2-D array: a product with a row of ones
    where BLAS can (NumPy adds the rows one after the other, each a short
    loop: 1.9 ms against 0.4 ms for a convolution's bias gradient).

    >>> column_sums(np.ones((3, 2), np.float32)).tolist()
    [3.0, 3.0]
    """
    return np.ones(rows.shape[0], rows.dtype) @ rows if blas_can(rows) else rows.sum(0)


def _normalize(x, epsilon):
    """``((x - mean) / sqrt(var + epsilon), 1 / sqrt(var + epsilon))`` over the last axis of 2-D ``x``."""
    xhat = x - row_sums(x) / x.shape[-1]
    inv = np.einsum("...i,...i->...", xhat, xhat)[..., None]
    inv /= x.shape[-1]
    inv += epsilon
    np.sqrt(inv, out=inv)
    np.reciprocal(inv, out=inv)
    xhat *= inv
    return xhat, inv


LAYER_NORM_PIECES = 8 << 20   # bytes of temporaries: less runs in one piece (measured: a (4096, 64) layer norm,
                              # 3-4 MB, takes 0.48 ms forward in one piece and 0.65 ms in two)


def _layer_norm(x, gamma, beta, epsilon):
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape, np.result_type(x, gamma, beta))

    def piece(lo, hi):
        xhat, _ = _normalize(rows[lo:hi], epsilon)
        xhat *= gamma
        np.add(xhat, beta, out=out[lo:hi])

    pieces(piece, rows.shape[0], 3 * rows.nbytes, min_bytes=LAYER_NORM_PIECES)
    return out.reshape(x.shape)


def _layer_norm_grad(g, x, gamma, epsilon):
    n = x.shape[-1]
    rows, g2 = x.reshape(-1, n), g.reshape(-1, n)
    flat = np.empty(x.size + 2 * n, np.result_type(g, x))
    dx = flat[:x.size].reshape(rows.shape)

    def piece(lo, hi):                                                  # d x of these rows, and their
        xhat, inv = _normalize(rows[lo:hi], epsilon)                    # share of d gamma and d beta
        d = dx[lo:hi]
        np.multiply(g2[lo:hi], gamma, out=d)                            # d xhat
        proj = np.einsum("ki,ki->k", d, xhat)[:, None]
        proj /= n
        d -= row_sums(d) / n
        d -= xhat * proj
        d *= inv
        return np.einsum("ki,ki->i", g2[lo:hi], xhat), column_sums(g2[lo:hi])

    shares = pieces(piece, rows.shape[0], 4 * rows.nbytes, min_bytes=LAYER_NORM_PIECES)
    flat[x.size:x.size + n] = sum(share[0] for share in shares) if shares else 0
    flat[x.size + n:] = sum(share[1] for share in shares) if shares else 0
    return flat


KERNELS = {
    "layer_norm": _layer_norm,
    "layer_norm_grad": _layer_norm_grad,
    "relu": _relu,
    "relu_grad": _relu_grad,
    "sigmoid": _sigmoid,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "logsumexp": _logsumexp,
    "sparse_softmax_crossentropy": _sparse_softmax_xent,
}
