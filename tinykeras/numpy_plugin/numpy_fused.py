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


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
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


def _row_mean(rows):
    """The mean of each row of a 2-D array, ``(rows, 1)``: a product with a
    column of ``1/n`` (BLAS), five times faster than ``mean(-1)`` on short
    rows; NumPy's mean where BLAS has no such dtype (float16)."""
    if rows.dtype not in (np.float32, np.float64):
        return rows.mean(-1, keepdims=True)
    return rows @ np.full((rows.shape[-1], 1), 1 / rows.shape[-1], rows.dtype)


def _column_sum(rows):
    """The sum of each column of a 2-D array (a product with a row of ones where BLAS can)."""
    if rows.dtype not in (np.float32, np.float64):
        return rows.sum(0)
    return np.ones(rows.shape[0], rows.dtype) @ rows


def _normalize(x, epsilon):
    """``((x - mean) / sqrt(var + epsilon), 1 / sqrt(var + epsilon))`` over the last axis of 2-D ``x``."""
    xhat = x - _row_mean(x)
    inv = np.einsum("...i,...i->...", xhat, xhat)[..., None]
    inv /= x.shape[-1]
    inv += epsilon
    np.sqrt(inv, out=inv)
    np.reciprocal(inv, out=inv)
    xhat *= inv
    return xhat, inv


def _layer_norm(x, gamma, beta, epsilon):
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape, np.result_type(x, gamma, beta))

    def piece(lo, hi):
        xhat, _ = _normalize(rows[lo:hi], epsilon)
        xhat *= gamma
        np.add(xhat, beta, out=out[lo:hi])

    pieces(piece, rows.shape[0], 3 * rows.nbytes)
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
        d -= _row_mean(d)
        d -= xhat * proj
        d *= inv
        return np.einsum("ki,ki->i", g2[lo:hi], xhat), _column_sum(g2[lo:hi])

    shares = pieces(piece, rows.shape[0], 4 * rows.nbytes)
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
