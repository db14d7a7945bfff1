"""Fused NumPy kernels for ``attention_probabilities`` and its gradient
(``tinykeras/ops/attention_ops.py``): the heads moved to the front once,
contiguous batched products, the softmax and its backward in place.  The
batch is cut into pieces that threads work on (``numpy_parallel.pieces``):
every sample's attention is independent of the others'.  They must agree
with the composites (the conformance tests check it).

>>> q = k = np.zeros((1, 2, 1, 1), "float32")
>>> KERNELS["attention_probabilities"](q, k, np.ones((1, 1, 1), bool))[0, 0].tolist()
[[0.5, 0.5], [0.5, 0.5]]
"""
import numpy as np

from .numpy_parallel import pieces


def _heads(x):
    """``(batch, T, heads, d)`` -> contiguous ``(batch, heads, T, d)``."""
    return np.ascontiguousarray(x.transpose(0, 2, 1, 3))


def _rows(mask, lo, hi):
    """The mask of samples ``lo:hi`` (a mask of batch 1 is broadcast)."""
    return mask if mask.shape[0] == 1 else mask[lo:hi]


def _probabilities(q, k, mask):
    b, tq, h, _ = q.shape
    out = np.empty((b, h, tq, k.shape[1]), np.result_type(q, k))

    def piece(lo, hi):
        p = out[lo:hi]                                # scores, then probabilities, in place
        np.matmul(_heads(q[lo:hi]), _heads(k[lo:hi]).transpose(0, 1, 3, 2), out=p)
        m = _rows(mask, lo, hi)
        masked = None if m.all() else ~m[:, None]
        if masked is not None:
            np.copyto(p, -3e4 if p.dtype == np.float16 else -1e9, where=masked)
        p -= p.max(-1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(-1, keepdims=True)
        if masked is not None:
            np.copyto(p, 0, where=masked)

    pieces(piece, b, out.nbytes)
    return out


def _probabilities_grad(g, p, q, k):
    flat = np.empty(q.size + k.size, np.result_type(g, p, q, k))
    dq, dk = flat[:q.size].reshape(q.shape), flat[q.size:].reshape(k.shape)

    def piece(lo, hi):
        pp = p[lo:hi]
        ds = g[lo:hi] - np.einsum("bhqk,bhqk->bhq", g[lo:hi], pp)[..., None]
        ds *= pp                                                         # d scores
        dq[lo:hi] = np.matmul(ds, _heads(k[lo:hi])).transpose(0, 2, 1, 3)
        dk[lo:hi] = np.matmul(ds.transpose(0, 1, 3, 2), _heads(q[lo:hi])).transpose(0, 2, 1, 3)

    pieces(piece, p.shape[0], 2 * p.nbytes)
    return flat


KERNELS = {"attention_probabilities": _probabilities, "attention_probabilities_grad": _probabilities_grad}
