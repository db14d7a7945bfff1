"""Fused NumPy kernels for composite ops: one NumPy call chain instead of
several dispatched primitives.  Each must agree with its composite in
``tinykeras/ops`` (the conformance tests check it).

>>> KERNELS["relu"](np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
import numpy as np


def _relu(x):
    return np.asarray(np.maximum(x, 0))


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


KERNELS = {
    "relu": _relu,
    "sigmoid": _sigmoid,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "logsumexp": _logsumexp,
    "sparse_softmax_crossentropy": _sparse_softmax_xent,
}
