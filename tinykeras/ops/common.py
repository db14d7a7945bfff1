"""What every ``tk.ops`` module uses: converting inputs, axis helpers, and
:func:`declare_composite`, which declares an op with a composite.

Each ``tk.ops`` function is the one public function of its op: it converts
its inputs and calls ``apply(name, inputs, params)``; ``apply`` (in
``tinykeras/core/tensor.py``) then runs the backend's kernel, or the op's
composite when the backend has no kernel (or the op has no backward rule
and a gradient is needed).

>>> import tinykeras as tk
>>> tk.ops.softmax(tk.Tensor([0.0, 0.0])).numpy().tolist()
[0.5, 0.5]
"""
import numpy as np

from ..core import registry
from ..core.autograd import GRAD
from ..core.registry import OpDef
from ..core.tensor import Symbolic, Tensor, _lift, _norm_axes


def convert_to_tensor(x, dtype=None):
    """A Tensor from ``x`` (a Tensor is returned as is, cast if ``dtype`` differs).

    >>> convert_to_tensor([1.0, 2.0]).shape
    (2,)
    """
    if isinstance(x, Tensor):
        return x if dtype is None else x.astype(dtype)
    if isinstance(x, Symbolic):
        return record("convert_to_tensor", {"x": x, "dtype": dtype})
    return Tensor(x, dtype=dtype)


def tensors(*xs):
    """Convert several values; Python scalars take the dtype of the first Tensor."""
    like = next((x for x in xs if isinstance(x, Tensor)), None)
    if like is None:
        return [convert_to_tensor(x) for x in xs]
    return [x if isinstance(x, Tensor) else _lift(x, like) for x in xs]


def declare_composite(name, n_inputs=1, params=(), rule=None, sample=None, differentiable=None):
    """Decorator: declare op ``name`` whose composite (the version written
    with other ops) is the decorated function, which is returned unchanged.

    The op's public function calls ``apply(name, ...)``; a backend may give
    a fused kernel for it (used when the op has a ``rule`` or no gradient is
    needed).  ``differentiable=False`` tells the generated tests not to
    check gradients (default: it has a rule or a sample other than "nograd").

    >>> relu = registry.OPS["relu"]  # declared in nn_ops.py with this decorator
    >>> relu.composite.__name__, relu.composite(Tensor([-1.0, 2.0])).numpy().tolist()
    ('_relu_composite', [0.0, 2.0])
    """
    def decorate(fn):
        registry.declare(OpDef(name, n_inputs, tuple(params), rule=rule, composite=fn, sample=sample,
                               differentiable=(rule is not None or sample != "nograd")
                               if differentiable is None else differentiable,
                               doc=(fn.__doc__ or "").strip()))
        return fn
    return decorate


def on_host(name, fn, differentiable=True):
    """The composite of op ``name``: the NumPy function ``fn`` on the host
    copies of the inputs (so every backend has it); when ``differentiable``,
    the result is recorded as a node of ``name``, which the op's backward
    rule differentiates.

    >>> on_host("det", np.linalg.det)(Tensor([[2.0, 0.0], [0.0, 3.0]])).item()
    6.0
    """
    def composite(*xs, **params):
        out = Tensor(np.asarray(fn(*[np.asarray(x.numpy()) for x in xs], **params)))
        if differentiable and GRAD.enabled and any(x.requires_grad for x in xs):
            out.requires_grad = True
            out._ctx = (name, xs, params)
        return out
    composite.__name__ = f"_{name}_on_host"
    return composite


def unpack(flat, shapes):
    """The pieces, of the given ``shapes``, of the flat vector a backward op
    packs its gradients into (an op has one output).

    >>> [p.shape for p in unpack(Tensor(np.arange(7.0)), [(2, 2), (3,)])]
    [(2, 2), (3,)]
    """
    out, start = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(flat[start:start + n].reshape(shape))
        start += n
    return out


def normalize_axis(axis, ndim):
    """``axis`` (int, tuple or None) as a sorted tuple of non-negative ints."""
    return _norm_axes(axis, ndim)


def as_shape(shape):
    """An int or a sequence of ints as a tuple of ints."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def symbolic(arguments):
    """True when one of an op's ``arguments`` (its ``locals()``, a list of
    tensors counts) is a symbolic tensor from ``keras.Input``.

    Every public op begins ``if symbolic(locals()): return record(name,
    locals())``: given a KerasTensor it adds a node to the functional graph
    (``layers/operation.py``) instead of running.

    >>> symbolic({"x": Tensor([1.0]), "axis": None})
    False
    """
    for a in arguments.values():
        if isinstance(a, Symbolic) or type(a) in (list, tuple) and any(isinstance(b, Symbolic) for b in a):
            return True
    return False


def record(name, arguments):
    """Op ``name`` called with symbolic ``arguments``: a graph node, through
    ``Symbolic.record`` (set by ``tinykeras.layers``, which builds on ops)."""
    return Symbolic.record(name, arguments)
