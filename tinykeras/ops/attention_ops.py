"""The attention of ``MultiHeadAttention`` as two ops, each with its
backward as another op: ``attention_probabilities`` (and
``attention_probabilities_grad``) and ``attention_combine`` (and
``attention_combine_grad``).  All are composites (so they run and
differentiate on every backend), which the NumPy backend fuses
(``numpy_plugin/numpy_attention.py``: heads moved in the products, the
softmax and its backward in place).

``attention_probabilities(q, k, mask, scale=1.0)`` takes the projections in
their layer layout, ``q`` ``(batch, Tq, heads, dk)`` and ``k`` ``(batch, Tv,
heads, dk)``, and a bool ``mask`` broadcastable to ``(batch, Tq, Tv)``
(True: attend), and gives ``softmax((q * scale) k^T)`` per head, ``(batch,
heads, Tq, Tv)``; masked scores count as -1e9 (-3e4 in float16) and a fully
masked row gives zeros, as ``masked_softmax``.
``attention_probabilities_grad(g, p, q, k, scale)`` packs ``dq`` and ``dk``
into one flat vector (an op has one output) that the rule slices.

``attention_combine(p, v)`` weighs the values ``v`` ``(batch, Tv, heads,
dv)`` by the probabilities ``p`` and gives the heads in the layer layout,
``(batch, Tq, heads, dv)``; ``attention_combine_grad(g, p, v)`` packs ``dp``
and ``dv``.

>>> import tinykeras as tk
>>> p = attention_probabilities(tk.ops.ones((1, 2, 1, 1)), tk.ops.ones((1, 2, 1, 1)))
>>> p.shape, p.numpy()[0, 0].tolist()
((1, 1, 2, 2), [[0.5, 0.5], [0.5, 0.5]])
"""
import numpy as np

from ..core.tensor import apply
from .common import convert_to_tensor, declare_composite, unpack
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
            scale = {"scale": 0.5}
            if grad:
                p = _probabilities_composite(*(convert_to_tensor(a) for a in (q, k, mask)), **scale).numpy()
                cases.append(([values(rng, p.shape), p, q, k], scale))
            else:
                cases.append(([q, k, mask], scale))
        return cases
    return sample


def _combine_samples(grad):
    def sample(rng):
        from ..testing.samples import values  # here: testing builds on layers, which build on ops
        cases = []
        for b, tq, tv, h, dv in ((2, 3, 4, 2, 3), (1, 1, 2, 1, 1)):
            p, v = values(rng, (b, h, tq, tv)), values(rng, (b, tv, h, dv))
            cases.append(([values(rng, (b, tq, h, dv)), p, v] if grad else [p, v], {}))
        return cases
    return sample


@declare_composite("attention_probabilities_grad", 4, ("scale",), sample=_samples(True), differentiable=False)
def _probabilities_grad_composite(g, p, q, k, scale=1.0):
    """``[dq, dk]`` of ``attention_probabilities`` (``p`` its output), flattened and concatenated."""
    ds = p * (g - (g * p).sum(-1, keepdims=True))           # d scores, (batch, heads, Tq, Tv)
    dq, dk = (ds @ _heads(k)) * scale, transpose(ds, (0, 1, 3, 2)) @ _heads(q * scale)
    return concatenate([_heads(dq).reshape((-1,)), _heads(dk).reshape((-1,))], 0)


def _rule(g, p, q, k, mask, scale=1.0):
    flat = apply("attention_probabilities_grad", (g, p, q, k), {"scale": scale})
    return *unpack(flat, (q.shape, k.shape)), None


@declare_composite("attention_probabilities", 3, ("scale",), rule=_rule, sample=_samples(False))
def _probabilities_composite(q, k, mask, scale=1.0):
    mask = expand_dims(mask, 1)
    scores = _heads(q * scale) @ transpose(k, (0, 2, 3, 1))
    big = -3e4 if scores.dtype == "float16" else -1e9
    return where(mask, softmax(where(mask, scores, big), axis=-1), 0)


@declare_composite("attention_combine_grad", 3, sample=_combine_samples(True), differentiable=False)
def _combine_grad_composite(g, p, v):
    """``[dp, dv]`` of ``attention_combine``, flattened and concatenated."""
    g = _heads(g)                                           # (batch, heads, Tq, dv)
    dp, dv = g @ transpose(v, (0, 2, 3, 1)), transpose(p, (0, 1, 3, 2)) @ g
    return concatenate([dp.reshape((-1,)), _heads(dv).reshape((-1,))], 0)


def _combine_rule(g, out, p, v):
    return tuple(unpack(apply("attention_combine_grad", (g, p, v)), (p.shape, v.shape)))


@declare_composite("attention_combine", 2, rule=_combine_rule, sample=_combine_samples(False))
def _combine_composite(p, v):
    return _heads(p @ _heads(v))


def attention_combine(p, v):
    """Op ``attention_combine``: the values ``v`` ``(batch, Tv, heads, dv)``
    weighed by the probabilities ``p`` ``(batch, heads, Tq, Tv)``, as
    ``(batch, Tq, heads, dv)``.

    >>> import tinykeras as tk
    >>> attention_combine(tk.ops.full((1, 1, 1, 2), 0.5), tk.Tensor([[[[1.0]], [[3.0]]]])).numpy().tolist()
    [[[[2.0]]]]
    """
    p, v = convert_to_tensor(p), convert_to_tensor(v)
    if p.ndim != 4 or v.ndim != 4 or (p.shape[0], p.shape[3], p.shape[1]) != v.shape[:3]:
        raise ValueError(f"attention_combine: expected p (batch, heads, Tq, Tv) and v (batch, Tv, heads, dv); "
                         f"got {p.shape} and {v.shape}")
    return apply("attention_combine", (p, v))


def attention_probabilities(q, k, mask=None, scale=1.0):
    """Op ``attention_probabilities``: ``softmax((q * scale) k^T)`` per head
    where ``mask`` is True (see the module docstring for the layouts)."""
    q, k = convert_to_tensor(q), convert_to_tensor(k)
    mask = convert_to_tensor(np.ones((1, 1, 1), bool) if mask is None else mask, "bool")
    if q.ndim != 4 or k.ndim != 4 or q.shape[::2] != k.shape[::2] or q.shape[3] != k.shape[3]:
        raise ValueError(f"attention_probabilities: expected q (batch, Tq, heads, dk) and k (batch, Tv, "
                         f"heads, dk); got {q.shape} and {k.shape}")
    if mask.ndim != 3:
        raise ValueError(f"attention_probabilities: mask must be (batch, Tq, Tv) or broadcastable; got "
                         f"shape {mask.shape}")
    return apply("attention_probabilities", (q, k, mask), {"scale": float(scale)})
