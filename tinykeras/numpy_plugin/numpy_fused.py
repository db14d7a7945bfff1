"""Fused NumPy kernels for composite ops: one NumPy call chain instead of
several dispatched primitives.  Each must agree with its composite in
``tinykeras/ops`` (the conformance tests check it).

>>> KERNELS["relu"](np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
import numpy as np

from .numpy_parallel import elementwise


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


def _normalize(x, epsilon):
    """``((x - mean) / sqrt(var + epsilon), 1 / sqrt(var + epsilon))`` over the last axis."""
    xhat = x - x.mean(-1, keepdims=True)
    inv = np.einsum("...i,...i->...", xhat, xhat)[..., None]
    inv /= x.shape[-1]
    inv += epsilon
    np.sqrt(inv, out=inv)
    np.reciprocal(inv, out=inv)
    xhat *= inv
    return xhat, inv


def _layer_norm(x, gamma, beta, epsilon):
    out, _ = _normalize(x, epsilon)
    out *= gamma
    out += beta
    return out


def _layer_norm_grad(g, x, gamma, epsilon):
    xhat, inv = _normalize(x, epsilon)
    n = x.shape[-1]
    flat = np.empty(x.size + 2 * n, np.result_type(g, x))
    dx = flat[:x.size].reshape(x.shape)
    np.multiply(g, gamma, out=dx)                                       # d xhat
    proj = np.einsum("...i,...i->...", dx, xhat)[..., None]
    proj /= n
    dx -= dx.mean(-1, keepdims=True)
    dx -= xhat * proj
    dx *= inv
    g2 = g.reshape(-1, n)
    flat[x.size:x.size + n] = np.einsum("ki,ki->i", g2, xhat.reshape(-1, n))
    flat[x.size + n:] = g2.sum(0)
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
