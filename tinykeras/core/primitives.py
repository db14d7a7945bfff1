"""The primitive ops: what every backend must implement, and their gradients.

One line per op: name, number of inputs, parameters, the backward rule and
how the test-suite samples inputs.  A rule gets the output's gradient ``g``,
the output ``o`` and the inputs, and returns one gradient per input (None:
no gradient).  Rules may return gradients of a broadcast shape: autograd
sums them back to the input's shape (``autograd.unbroadcast``).

>>> from tinykeras.core.primitives import PRIMITIVE_OPS
>>> "add" in {op.name for op in PRIMITIVE_OPS}
True
"""
import math

import numpy as np

from .complex_parts import real
from .registry import OpDef
from .tensor import Tensor, _lift, apply, result_dtype

_SQRT_PI = 2.0 / math.sqrt(math.pi)


def where(cond, x, y):
    """Elementwise ``x if cond else y`` (broadcasting); Python scalars take
    the other side's dtype.  ``tk.ops.where`` is the public form."""
    x = _lift(x, y if isinstance(y, Tensor) else cond)
    y = _lift(y, x)
    if x.data.dtype != y.data.dtype:
        dt = result_dtype(x.data.dtype, y.data.dtype).name
        x, y = x.astype(dt), y.astype(dt)
    return apply("where", (cond, x, y))


def _expand(g, a, axis, keepdims):
    """Put reduced axes back (as size 1) so ``g`` broadcasts against ``a``."""
    if keepdims or axis is None and g.ndim == a.ndim:
        return g
    shape = [1 if axis is None or i in axis else s for i, s in enumerate(a.shape)]
    return g.reshape(shape)


def _minmax_rule(g, o, a, axis=None, keepdims=False):
    o, g = _expand(o, a, axis, keepdims), _expand(g, a, axis, keepdims)
    mask = (a == o).astype(a.dtype)
    return (g * mask / mask.sum(axis=axis, keepdims=True),)


def _matmul_rule(g, o, a, b):
    """Each product only for an input that needs it (a first Dense's data needs none)."""
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    a2 = a.reshape(1, -1) if a.ndim == 1 else a
    b2 = b.reshape(-1, 1) if b.ndim == 1 else b
    g2 = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if a.ndim == 1 else g
    g2 = g2.reshape(g2.shape + (1,)) if b.ndim == 1 else g2
    ga = gb = None
    if a.requires_grad:
        ga = g2 @ _mT(b2)
        ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:]) if a.ndim == 1 else ga
    if b.requires_grad:
        if b.ndim == 2 and a.ndim > 2:   # a Dense on (batch, steps, features): one product, not one per batch
            gb = _mT(a.reshape((-1, a.shape[-1]))) @ g.reshape((-1, g.shape[-1]))
        else:
            gb = _mT(a2) @ g2
            gb = gb.reshape(gb.shape[:-1]) if b.ndim == 1 else gb
    return ga, gb


def _mT(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return x.transpose(axes)


def _pad_rule(g, o, a, pad_width, value):
    return (g[tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, a.shape))],)


def _concat_rule(g, o, *xs, axis):
    out, start = [], 0
    for x in xs:
        key = (slice(None),) * axis + (slice(start, start + x.shape[axis]),)
        out.append(g[key])
        start += x.shape[axis]
    return out


def _index_add(values, key, shape):
    return apply("index_add", (values,), {"key": key, "shape": tuple(shape)})


def _float_cast_rule(g, o, a, dtype):
    if a.data.dtype.kind not in "fc":
        return (None,)
    return ((real(g) if a.data.dtype.kind == "f" else g).astype(a.dtype),)


def _power_rule(g, o, a, b):
    safe_log = a.log() if a.data.dtype.kind == "c" else where(a > 0, a, 1).log()
    return g * b * a ** (b - 1), g * o * safe_log


def _nograd(n):
    return lambda g, o, *inputs, **params: (None,) * n


U, B = "unary", "binary"
PRIMITIVE_OPS = [
    # creation: no tensor inputs, no gradients (not sampled like the others)
    OpDef("asarray", 1, differentiable=False, sample="creation"),
    OpDef("to_numpy", 1, differentiable=False, sample="creation"),
    OpDef("full", 0, ("shape", "value", "dtype"), differentiable=False, sample="creation"),
    # unary elementwise
    OpDef("negative", 1, rule=lambda g, o, a: (-g,), sample=U),
    OpDef("exp", 1, rule=lambda g, o, a: (g * o,), sample=U),
    OpDef("log", 1, rule=lambda g, o, a: (g / a,), sample=(U, "positive")),
    OpDef("log1p", 1, rule=lambda g, o, a: (g / (a + 1),), sample=(U, "positive")),
    OpDef("expm1", 1, rule=lambda g, o, a: (g * (o + 1),), sample=U),
    OpDef("sqrt", 1, rule=lambda g, o, a: (g * 0.5 / o,), sample=(U, "positive")),
    OpDef("abs", 1, rule=lambda g, o, a: (g * a.sign(),), sample=(U, "nonzero")),
    OpDef("sign", 1, rule=_nograd(1), sample=(U, "nonzero")),
    OpDef("sin", 1, rule=lambda g, o, a: (g * a.cos(),), sample=U),
    OpDef("cos", 1, rule=lambda g, o, a: (-g * a.sin(),), sample=U),
    OpDef("tanh", 1, rule=lambda g, o, a: (g * (1 - o * o),), sample=U),
    OpDef("erf", 1, rule=lambda g, o, a: (g * _SQRT_PI * (-a * a).exp(),), sample=U),
    OpDef("floor", 1, rule=_nograd(1), sample=(U, "offgrid")),
    OpDef("ceil", 1, rule=_nograd(1), sample=(U, "offgrid")),
    OpDef("round", 1, rule=_nograd(1), sample=(U, "offgrid")),
    OpDef("logical_not", 1, differentiable=False, sample=(U, "bool")),
    # binary elementwise (inputs already share a dtype; shapes broadcast)
    OpDef("add", 2, rule=lambda g, o, a, b: (g, g), sample=B),
    OpDef("subtract", 2, rule=lambda g, o, a, b: (g, -g), sample=B),
    OpDef("multiply", 2, rule=lambda g, o, a, b: (g * b, g * a), sample=B),
    OpDef("divide", 2, rule=lambda g, o, a, b: (g / b, -g * o / b), sample=(B, "nonzero")),
    OpDef("power", 2, rule=_power_rule, sample=(B, "positive")),
    OpDef("maximum", 2, rule=lambda g, o, a, b: (g * (a >= b), g * (a < b)), sample=(B, "distinct")),
    OpDef("minimum", 2, rule=lambda g, o, a, b: (g * (a <= b), g * (a > b)), sample=(B, "distinct")),
    OpDef("floor_divide", 2, rule=_nograd(2), sample=(B, "offgrid")),
    OpDef("mod", 2, rule=lambda g, o, a, b: (g, -g * (a // b)), sample=(B, "offgrid")),
    *[OpDef(name, 2, differentiable=False, sample=(B, "compare")) for name in
      ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")],
    OpDef("logical_and", 2, differentiable=False, sample=(B, "bool")),
    OpDef("logical_or", 2, differentiable=False, sample=(B, "bool")),
    OpDef("where", 3, rule=lambda g, o, c, x, y: (None, where(c, g, 0), where(c, 0, g)), sample="where"),
    # reductions: axis is None or a sorted tuple of non-negative ints
    OpDef("sum", 1, ("axis", "keepdims"), sample="reduce",
          rule=lambda g, o, a, axis, keepdims: (_expand(g, a, axis, keepdims).broadcast_to(a.shape),)),
    OpDef("max", 1, ("axis", "keepdims"), rule=_minmax_rule, sample=("reduce", "distinct")),
    OpDef("min", 1, ("axis", "keepdims"), rule=_minmax_rule, sample=("reduce", "distinct")),
    OpDef("prod", 1, ("axis", "keepdims"), sample=("reduce", "nonzero"),
          rule=lambda g, o, a, axis, keepdims: (_expand(g * o, a, axis, keepdims) / a,)),
    OpDef("argmax", 1, ("axis", "keepdims"), differentiable=False, sample=("argreduce", "distinct")),
    OpDef("argmin", 1, ("axis", "keepdims"), differentiable=False, sample=("argreduce", "distinct")),
    # movement
    OpDef("reshape", 1, ("shape",), rule=lambda g, o, a, shape: (g.reshape(a.shape),), sample="reshape"),
    OpDef("transpose", 1, ("axes",), sample="transpose",
          rule=lambda g, o, a, axes: (g.transpose(tuple(np.argsort(axes))),)),
    OpDef("broadcast_to", 1, ("shape",), rule=lambda g, o, a, shape: (g,), sample="broadcast_to"),
    OpDef("pad", 1, ("pad_width", "value"), rule=_pad_rule, sample="pad"),
    OpDef("concatenate", -1, ("axis",), rule=_concat_rule, sample="concatenate"),
    OpDef("getitem", 1, ("key",), rule=lambda g, o, a, key: (_index_add(g, key, a.shape),), sample="getitem"),
    OpDef("index_add", 1, ("key", "shape"), rule=lambda g, o, v, key, shape: (g[key],), sample="index_add"),
    OpDef("cast", 1, ("dtype",), rule=_float_cast_rule, sample="cast"),
    OpDef("matmul", 2, rule=_matmul_rule, sample="matmul"),
]
for _op in PRIMITIVE_OPS:
    _op.primitive = True
    _op.plugin = "tinykeras"
