"""The attention probabilities of ``MultiHeadAttention`` as one op,
``attention_probabilities``, with its backward as another,
``attention_probabilities_grad``: both composites (so they run and
differentiate on every backend), which the NumPy backend fuses
(``numpy_plugin/numpy_attention.py``: contiguous heads, the softmax and its
backward in place).

``attention_probabilities(q, k, mask)`` takes the projections in their
layer layout, ``q`` ``(batch, Tq, heads, dk)`` (already scaled) and ``k``
``(batch, Tv, heads, dk)``, and a bool ``mask`` broadcastable to ``(batch,
Tq, Tv)`` (True: attend), and gives ``softmax(q k^T)`` per head, ``(batch,
heads, Tq, Tv)``; masked scores count as -1e9 (-3e4 in float16) and a fully
masked row gives zeros, as ``masked_softmax``.
``attention_probabilities_grad(g, p, q, k)`` packs ``dq`` and ``dk`` into
one flat vector (an op has one output) that the rule slices.

>>> import tinykeras as tk
>>> p = attention_probabilities(tk.ops.ones((1, 2, 1, 1)), tk.ops.ones((1, 2, 1, 1)))
>>> p.shape, p.numpy()[0, 0].tolist()
((1, 1, 2, 2), [[0.5, 0.5], [0.5, 0.5]])
"""
import numpy as np

from ..core.tensor import apply
from .common import convert_to_tensor, declare_composite
from .math_ops import where
from .nn_ops import softmax
from .shape_ops import concatenate, expand_dims, transpose


def _heads(x):
    """``(batch, T, heads, d)`` -> ``(batch, heads, T, d)`` (and back)."""
    return transpose(x, (0, 2, 1, 3))


def _samples(grad):
    def sample(rng):
        from ..testing.samples import values   # testing builds on layers, which build on ops
        cases = []
        for b, tq, tv, h, dk, masked in ((2, 3, 4, 2, 3, False), (1, 4, 4, 1, 2, True)):
            mask = np.tril(np.ones((tq, tv), bool))[None] if masked else np.ones((1, 1, 1), bool)
            q, k = values(rng, (b, tq, h, dk)), values(rng, (b, tv, h, dk))
            if grad:
                p = _probabilities_composite(*(convert_to_tensor(a) for a in (q, k, mask))).numpy()
                cases.append(([values(rng, p.shape), p, q, k], {}))
            else:
                cases.append(([q, k, mask], {}))
        return cases
    return sample


@declare_composite("attention_probabilities_grad", 4, sample=_samples(True), differentiable=False)
def _probabilities_grad_composite(g, p, q, k):
    """``[dq, dk]`` of ``attention_probabilities`` (``p`` its output), flattened and concatenated."""
    ds = p * (g - (g * p).sum(-1, keepdims=True))           # d scores, (batch, heads, Tq, Tv)
    dq, dk = ds @ _heads(k), transpose(ds, (0, 1, 3, 2)) @ _heads(q)
    return concatenate([_heads(dq).reshape((-1,)), _heads(dk).reshape((-1,))], 0)


def _rule(g, p, q, k, mask):
    flat = apply("attention_probabilities_grad", (g, p, q, k))
    nq = int(np.prod(q.shape))
    return flat[:nq].reshape(q.shape), flat[nq:].reshape(k.shape), None


@declare_composite("attention_probabilities", 3, rule=_rule, sample=_samples(False))
def _probabilities_composite(q, k, mask):
    mask = expand_dims(mask, 1)
    scores = _heads(q) @ transpose(k, (0, 2, 3, 1))
    big = -3e4 if scores.dtype == "float16" else -1e9
    return where(mask, softmax(where(mask, scores, big), axis=-1), 0)


def attention_probabilities(q, k, mask=None):
    """Op ``attention_probabilities``: ``softmax(q k^T)`` per head where
    ``mask`` is True (see the module docstring for the layouts)."""
    q, k = convert_to_tensor(q), convert_to_tensor(k)
    mask = convert_to_tensor(np.ones((1, 1, 1), bool) if mask is None else mask, "bool")
    if q.ndim != 4 or k.ndim != 4 or q.shape[::2] != k.shape[::2] or q.shape[3] != k.shape[3]:
        raise ValueError(f"attention_probabilities: expected q (batch, Tq, heads, dk) and k (batch, Tv, "
                         f"heads, dk); got {q.shape} and {k.shape}")
    if mask.ndim != 3:
        raise ValueError(f"attention_probabilities: mask must be (batch, Tq, Tv) or broadcastable; got "
                         f"shape {mask.shape}")
    return apply("attention_probabilities", (q, k, mask))
