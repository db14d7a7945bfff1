"""Layer normalization over the last axis as one op, ``layer_norm``, with
its backward as another, ``layer_norm_grad``: both composites (so they run
and differentiate on every backend), which the NumPy backend fuses
(``numpy_plugin/numpy_fused.py``).  ``LayerNormalization`` uses it for its
usual form (last axis, with ``gamma`` and ``beta``).

``layer_norm(x, gamma, beta, epsilon)`` is
``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the mean and the
(biased) variance of each row of the last axis.  ``layer_norm_grad(g, x,
gamma, epsilon)`` packs ``dx``, ``dgamma`` and ``dbeta`` into one flat
vector (an op has one output) that the rule slices.

>>> import tinykeras as tk
>>> out = layer_norm(tk.Tensor([[1.0, 3.0]]), tk.ops.ones((2,)), tk.ops.zeros((2,)), epsilon=1e-3)
>>> [round(v, 4) for v in out.numpy()[0].tolist()]
[-0.9995, 0.9995]
"""

from ..core.tensor import apply
from .common import convert_to_tensor, declare_composite, unpack
from .shape_ops import concatenate


def _normalized(x, epsilon):
    """``(x - mean) / sqrt(var + epsilon)`` over the last axis, and ``1 / sqrt(var + epsilon)``."""
    centered = x - x.mean(-1, keepdims=True)
    inv = 1 / ((centered * centered).mean(-1, keepdims=True) + epsilon).sqrt()
    return centered * inv, inv


def _samples(grad):
    def sample(rng):
        from ..testing.samples import values   # testing builds on layers, which build on ops
        cases = []
        for shape in ((2, 5), (2, 3, 4), (1, 1, 6)):
            n = shape[-1]
            inputs = [values(rng, shape), values(rng, (n,)) + 1.5] + ([] if grad else [values(rng, (n,))])
            cases.append(([values(rng, shape)] + inputs if grad else inputs, {"epsilon": 1e-3}))
        return cases
    return sample


@declare_composite("layer_norm_grad", 3, ("epsilon",), sample=_samples(True))
def _layer_norm_grad_composite(g, x, gamma, epsilon=1e-3):
    """``[dx, dgamma, dbeta]`` of ``layer_norm``, flattened and concatenated."""
    xhat, inv = _normalized(x, epsilon)
    dxhat = g * gamma
    dx = inv * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
    n = x.shape[-1]
    return concatenate([dx.reshape((-1,)), (g * xhat).reshape((-1, n)).sum(0), g.reshape((-1, n)).sum(0)], 0)


def _rule(g, o, x, gamma, beta, epsilon=1e-3):
    flat = apply("layer_norm_grad", (g, x, gamma), {"epsilon": epsilon})
    return tuple(unpack(flat, (x.shape, x.shape[-1:], x.shape[-1:])))


@declare_composite("layer_norm", 3, ("epsilon",), rule=_rule, sample=_samples(False))
def _layer_norm_composite(x, gamma, beta, epsilon=1e-3):
    return _normalized(x, epsilon)[0] * gamma + beta


def layer_norm(x, gamma, beta, epsilon=1e-3):
    """Op ``layer_norm``: normalize the last axis of ``x``, then scale by
    ``gamma`` and shift by ``beta`` (both of shape ``x.shape[-1:]``)."""
    x, gamma, beta = convert_to_tensor(x), convert_to_tensor(gamma), convert_to_tensor(beta)
    n = x.shape[-1] if x.ndim else None
    if gamma.shape != (n,) or beta.shape != (n,):
        raise ValueError(f"layer_norm: gamma and beta must have shape ({n},) (the last axis of x, shape "
                         f"{x.shape}); got {gamma.shape} and {beta.shape}")
    return apply("layer_norm", (x, gamma, beta), {"epsilon": float(epsilon)})
