"""Fused NumPy kernels for ``attention_probabilities`` and its gradient
(``tinykeras/ops/attention_ops.py``): the heads moved to the front once,
contiguous batched products, the softmax and its backward in place.  They
must agree with the composites (the conformance tests check it).

>>> q = k = np.zeros((1, 2, 1, 1), "float32")
>>> KERNELS["attention_probabilities"](q, k, np.ones((1, 1, 1), bool))[0, 0].tolist()
[[0.5, 0.5], [0.5, 0.5]]
"""
import numpy as np

from .numpy_threads import matmul


def _heads(x):
    """``(batch, T, heads, d)`` -> contiguous ``(batch, heads, T, d)``."""
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3))


def _probabilities(q, k, mask):
    p = matmul(_heads(q), _heads(k).transpose(0, 1, 3, 2))   # scores, then probabilities, in one buffer
    masked = None if mask.all() else ~mask[:, None]
    if masked is not None:
        np.copyto(p, -3e4 if p.dtype == np.float16 else -1e9, where=masked)
    p -= p.max(-1, keepdims=True)
    np.exp(p, out=p)
    p /= p.sum(-1, keepdims=True)
    if masked is not None:
        np.copyto(p, 0, where=masked)
    return p


def _probabilities_grad(g, p, q, k):
    ds = g - np.einsum("bhqk,bhqk->bhq", g, p)[..., None]
    ds *= p                                                            # d scores
    flat = np.empty(q.size + k.size, np.result_type(g, p, q, k))
    flat[:q.size].reshape(q.shape)[...] = matmul(ds, _heads(k)).transpose(0, 2, 1, 3)
    flat[q.size:].reshape(k.shape)[...] = matmul(ds.transpose(0, 1, 3, 2), _heads(q)).transpose(0, 2, 1, 3)
    return flat


KERNELS = {"attention_probabilities": _probabilities, "attention_probabilities_grad": _probabilities_grad}
