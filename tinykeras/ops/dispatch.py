"""How ``tk.ops`` functions reach kernels: primitives directly, composites
through a fused kernel when the backend has one, else their composite.

>>> import tinykeras as tk
>>> tk.ops.softmax(tk.Tensor([0.0, 0.0])).numpy().tolist()
[0.5, 0.5]
"""
import functools

import numpy as np

from ..core import autograd, registry
from ..core.registry import OpDef
from ..core.tensor import Symbolic, Tensor, _lift, apply

COMPOSITE_OPS = []  # OpDefs declared by the ops modules (registered by the core)


def convert_to_tensor(x, dtype=None):
    """A Tensor from ``x`` (a Tensor is returned as is, cast if ``dtype`` differs).

    >>> convert_to_tensor([1.0, 2.0]).shape
    (2,)
    """
    if isinstance(x, Tensor):
        return x if dtype is None else x.astype(dtype)
    return Tensor(x, dtype=dtype)


def tensors(*xs):
    """Convert several values; Python scalars take the dtype of the first Tensor."""
    like = next((x for x in xs if isinstance(x, Tensor)), None)
    if like is None:
        return [convert_to_tensor(x) for x in xs]
    return [x if isinstance(x, Tensor) else _lift(x, like) for x in xs]


def composite(name, n_inputs=1, params=(), rule=None, sample=None):
    """Declare a composite op; the decorated function is its fallback.

    The returned function runs a backend's fused kernel for ``name`` when
    one is registered and the op either has a backward ``rule`` or needs
    no gradient; otherwise it runs the composite, whose own ops record the
    graph.

    >>> @composite("cube_example", sample=None)
    ... def cube_example(x):
    ...     return x * x * x
    >>> cube_example(Tensor([2.0])).numpy().tolist()
    [8.0]
    """
    def decorate(fn):
        COMPOSITE_OPS.append(OpDef(name, n_inputs, tuple(params), rule=rule, composite=fn,
                                   sample=sample, differentiable=rule is not None or sample != "nograd",
                                   doc=(fn.__doc__ or "").strip()))
        kernels = registry.ACTIVE

        def op(*inputs, **kwargs):
            if name in kernels and (rule is not None or not _needs_grad(inputs)):
                return apply(name, inputs, kwargs)
            return fn(*inputs, **kwargs)
        op.__name__ = op.__qualname__ = name
        op.__doc__ = fn.__doc__
        return op
    return decorate


def _needs_grad(inputs):
    return autograd.GRAD_ENABLED[0] and any(t.requires_grad for t in inputs)


def normalize_axis(axis, ndim):
    """``axis`` (int, tuple or None) as a sorted tuple of non-negative ints."""
    from ..core.tensor import _norm_axes
    return _norm_axes(axis, ndim)


def as_shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _symbolic_args(args, kwargs):
    for a in args:
        if isinstance(a, Symbolic) or type(a) in (list, tuple) and any(isinstance(b, Symbolic) for b in a):
            return True
    return bool(kwargs) and any(isinstance(v, Symbolic) for v in kwargs.values())


def symbolic_entry(name, fn):
    """The public op ``fn``, which given a symbolic tensor (``keras.Input``)
    records a graph node through ``Symbolic.record`` instead of running.

    >>> symbolic_entry("add", lambda x1, x2: x1 + x2)(1.0, 2.0)
    3.0
    """
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _symbolic_args(args, kwargs):
            return Symbolic.record(name, fn, args, kwargs)
        return fn(*args, **kwargs)
    return op
