"""Fused NumPy kernels for ``attention_probabilities``, ``attention_combine``
and their gradients (``tinykeras/ops/attention_ops.py``): the heads moved
to the front once (the scale applied in the same pass), batched products on
strided views, the softmax and its backward in place (its stabilizer
one number per sample when the sample's scores lie in a narrow range).  The batch is cut
into pieces that threads work on (``numpy_parallel.pieces``): every
sample's attention is independent of the others'.  They must agree with
the composites (the conformance tests check it).

>>> q = k = np.zeros((1, 2, 1, 1), "float32")
>>> KERNELS["attention_probabilities"](q, k, np.ones((1, 1, 1), bool))[0, 0].tolist()
[[0.5, 0.5], [0.5, 0.5]]
"""
import numpy as np

from .numpy_fused import NARROW_RANGE, row_sums
from .numpy_parallel import pieces


def _heads(x, scale=1.0):
    """``(batch, T, heads, d)`` -> contiguous ``(batch, heads, T, d)``, times ``scale``."""
    x = x.transpose(0, 2, 1, 3)
    return np.ascontiguousarray(x) if scale == 1.0 else np.multiply(x, scale, order="C")


def _rows(mask, lo, hi):
    """The mask of samples ``lo:hi`` (a mask of batch 1 is broadcast)."""
    return mask if mask.shape[0] == 1 else mask[lo:hi]


def _shift(scores, masked):
    """The softmax's stabilizer, sample by sample (so pieces of any size
    give the same numbers): the sample's largest score when all its scores
    lie within ``NARROW_RANGE`` of it, else the largest of each row (masked
    scores count as -1e9, as in the composite)."""
    flat = scores.reshape(len(scores), -1)
    tops = flat.max(1)
    if scores.dtype == np.float16:
        wide = np.ones(len(scores), bool)
    else:
        with np.errstate(invalid="ignore"):
            wide = ~(tops - flat.min(1) <= NARROW_RANGE)
    tops = tops.reshape((-1,) + (1,) * (scores.ndim - 1))
    if not wide.any():
        return tops
    shift = np.broadcast_to(tops, scores.shape[:-1] + (1,)).copy()
    rows = scores[wide]
    if masked is not None:
        rows = np.where(masked if len(masked) == 1 else masked[wide], -1e9, rows)
    shift[wide] = rows.max(-1, keepdims=True)
    return shift


def _probabilities(q, k, mask, scale=1.0):
    b, tq, h, _ = q.shape
    out = np.empty((b, h, tq, k.shape[1]), np.result_type(q, k))

    def piece(lo, hi):
        p = out[lo:hi]                                # scores, then probabilities, in place
        np.matmul(_heads(q[lo:hi], scale), _heads(k[lo:hi]).transpose(0, 1, 3, 2), out=p)
        m = _rows(mask, lo, hi)
        masked = None if m.all() else ~m[:, None]
        if masked is not None and p.dtype == np.float16:    # as the composite: masked scores count as -3e4
            np.copyto(p, -3e4, where=masked)
        p -= _shift(p, masked if p.dtype != np.float16 else None)
        with np.errstate(over="ignore"):              # (masked scores above their row's top: zeroed next)
            np.exp(p, out=p)
        if masked is not None:
            np.copyto(p, 0, where=masked)
        sums = row_sums(p)
        if masked is not None:
            sums[sums == 0] = 1                       # a fully masked row stays zeros
        p /= sums

    pieces(piece, b, out.nbytes)
    return out


def _probabilities_grad(g, p, q, k, scale=1.0):
    flat = np.empty(q.size + k.size, np.result_type(g, p, q, k))
    dq, dk = flat[:q.size].reshape(q.shape), flat[q.size:].reshape(k.shape)

    def piece(lo, hi):
        pp = p[lo:hi]
        ds = g[lo:hi] - np.einsum("bhqk,bhqk->bhq", g[lo:hi], pp)[..., None]
        ds *= pp                                                         # d scores
        dq_heads = np.matmul(ds, _heads(k[lo:hi]))
        if scale != 1.0:
            dq_heads *= scale
        dq[lo:hi] = dq_heads.transpose(0, 2, 1, 3)
        dk[lo:hi] = np.matmul(ds.transpose(0, 1, 3, 2), _heads(q[lo:hi], scale)).transpose(0, 2, 1, 3)

    pieces(piece, p.shape[0], 2 * p.nbytes)
    return flat


def _combine(p, v):
    b, h, tq, _ = p.shape
    out = np.empty((b, tq, h, v.shape[-1]), np.result_type(p, v))

    def piece(lo, hi):
        out[lo:hi] = np.matmul(p[lo:hi], v[lo:hi].transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)

    pieces(piece, b, p.nbytes)
    return out


def _combine_grad(g, p, v):
    flat = np.empty(p.size + v.size, np.result_type(g, p, v))
    dp, dv = flat[:p.size].reshape(p.shape), flat[p.size:].reshape(v.shape)

    def piece(lo, hi):
        g_heads = _heads(g[lo:hi])
        np.matmul(g_heads, v[lo:hi].transpose(0, 2, 3, 1), out=dp[lo:hi])
        dv[lo:hi] = np.matmul(p[lo:hi].transpose(0, 1, 3, 2), g_heads).transpose(0, 2, 1, 3)

    pieces(piece, p.shape[0], 2 * p.nbytes)
    return flat


KERNELS = {"attention_probabilities": _probabilities, "attention_probabilities_grad": _probabilities_grad,
           "attention_combine": _combine, "attention_combine_grad": _combine_grad}
