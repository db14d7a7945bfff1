"""Keras 3's core ops: control flow (``cond``, ``scan``, ``fori_loop``,
``while_loop``, ``map``, ``switch``, ``vectorized_map``), ``custom_gradient``,
``scatter``/``scatter_update``, ``slice``/``slice_update``, ``unstack``,
``saturate_cast`` and ``dtype``.

Control flow runs eagerly, in Python: each step records its ops, so
gradients flow through loops as through any other code.
``custom_gradient`` puts one node in the graph whose backward rule is the
user's function (the ``custom_gradient`` op).

>>> import tinykeras as tk
>>> tk.ops.fori_loop(0, 4, lambda i, acc: acc + i, 0)
6
>>> tk.ops.scan(lambda c, x: (c + x, c * x), 0.0, tk.ops.arange(3.0))[0].item()
3.0
"""
import builtins
import functools

import numpy as np

from .. import dtypes
from ..core import registry
from ..core.autograd import GRAD, no_grad
from ..core.registry import OpDef
from ..core.tensor import Tensor, _wrap, apply
from .common import as_shape, convert_to_tensor, normalize_axis, record, symbolic
from .math_ops import clip, where
from .shape_ops import pad, scatter_add, stack

_py_slice = builtins.slice
__all__ = ["cond", "scan", "associative_scan", "fori_loop", "while_loop", "map", "switch", "vectorized_map",
           "vectorize", "custom_gradient", "scatter", "scatter_update", "slice", "slice_update", "unstack",
           "saturate_cast", "dtype"]


def _flatten(s):
    if isinstance(s, (list, tuple)):
        return [leaf for item in s for leaf in _flatten(item)]
    if isinstance(s, dict):
        return [leaf for k in sorted(s) for leaf in _flatten(s[k])]
    return [s]


def _pack(s, leaves):
    """``leaves`` (an iterator) in the structure of ``s``."""
    if isinstance(s, (list, tuple)):
        return type(s)(_pack(item, leaves) for item in s)
    if isinstance(s, dict):
        return {k: _pack(s[k], leaves) for k in sorted(s)}
    return next(leaves)


def _stack_structures(items, like, axis=0):
    columns = zip(*[_flatten(item) for item in items])
    return _pack(like, iter([stack(list(c), axis=axis) for c in columns]))


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``.

    >>> cond(convert_to_tensor(True), lambda: 1, lambda: 2)
    1
    """
    if symbolic(locals()):
        return record("cond", locals())
    return true_fn() if bool(convert_to_tensor(pred).numpy()) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)`` (``index`` clipped into range).

    >>> switch(5, [lambda x: x + 1, lambda x: x * 10], 2)
    20
    """
    if symbolic(locals()) or symbolic(dict(enumerate(operands))):  # (a list among the operands)
        return record("switch", locals())
    i = int(np.clip(int(convert_to_tensor(index).numpy()), 0, len(branches) - 1))
    return branches[i](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in ``range(lower, upper)``.

    >>> fori_loop(0, 3, lambda i, v: v * 2, 1)
    8
    """
    if symbolic(locals()):
        return record("fori_loop", locals())
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times); a single tensor or a tuple, as given.

    >>> while_loop(lambda x: x < 10, lambda x: x * 2, 1)
    16
    """
    if symbolic(locals()):
        return record("while_loop", locals())
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while (maximum_iterations is None or n < maximum_iterations) and bool(np.asarray(
            convert_to_tensor(cond(*state)).numpy())):
        out = body(*state)
        state = (out,) if single else tuple(out) if isinstance(out, (list, tuple)) else (out,)
        n += 1
    return state[0] if single else type(loop_vars)(state)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs`` (or
    ``length`` times with x None); returns the last carry and the stacked ys.

    >>> carry, ys = scan(lambda c, x: (c + x, c), 0, convert_to_tensor([1, 2, 3]))
    >>> carry.item(), ys.numpy().tolist()
    (6, [0, 1, 3])
    """
    if symbolic(locals()):
        return record("scan", locals())
    leaves = [convert_to_tensor(x) for x in _flatten(xs)] if xs is not None else []
    n = leaves[0].shape[0] if leaves else length
    if n is None:
        raise ValueError("scan: give xs or length")
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in order:
        x = _pack(xs, iter([t[i] for t in leaves])) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or all(leaf is None for leaf in _flatten(ys[0])):
        return carry, None
    return carry, _stack_structures(ys, ys[0])


def associative_scan(f, elems, reverse=False, axis=0):
    """Running ``f`` (associative) along ``axis``: element i is
    ``f(...f(f(e0, e1), e2)..., ei)``.

    >>> associative_scan(lambda a, b: a + b, convert_to_tensor([1, 2, 3])).numpy().tolist()
    [1, 3, 6]
    """
    if symbolic(locals()):
        return record("associative_scan", locals())
    leaves = [convert_to_tensor(e) for e in _flatten(elems)]
    axis = normalize_axis(axis, leaves[0].ndim)[0]
    n = leaves[0].shape[axis]
    key = (_py_slice(None),) * axis
    order = range(n - 1, -1, -1) if reverse else range(n)
    out, acc = [], None
    for i in order:
        item = _pack(elems, iter([t[key + (i,)] for t in leaves]))
        acc = item if acc is None else (f(item, acc) if reverse else f(acc, item))
        out.append(acc)
    if reverse:
        out.reverse()
    return _stack_structures(out, elems, axis)


def map(f, xs):
    """``f`` applied to each slice of ``xs`` along axis 0, results stacked.

    >>> map(lambda x: x * 2, convert_to_tensor([1, 2])).numpy().tolist()
    [2, 4]
    """
    if symbolic(locals()):
        return record("map", locals())
    leaves = [convert_to_tensor(x) for x in _flatten(xs)]
    ys = [f(_pack(xs, iter([t[i] for t in leaves]))) for i in range(leaves[0].shape[0])]
    return _stack_structures(ys, ys[0])


def vectorized_map(function, elements):
    """``function`` over axis 0 of ``elements``, results stacked (as ``map``).

    >>> vectorized_map(lambda x: x.sum(), convert_to_tensor([[1, 2], [3, 4]])).numpy().tolist()
    [3, 7]
    """
    if symbolic(locals()):
        return record("vectorized_map", locals())
    return map(function, elements)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` (of scalars) turned into a function of broadcast tensors,
    applied value by value (``signature`` is not supported).

    >>> vectorize(lambda a, b: a + b)([1, 2], 10).numpy().tolist()
    [11, 12]
    """
    if symbolic(locals()):
        return record("vectorize", locals())
    if signature is not None:
        raise ValueError("vectorize: signature= is not supported by tinykeras")
    excluded = set(excluded or ())

    @functools.wraps(pyfunc)
    def wrapped(*args, **kwargs):
        pos = [i for i in range(len(args)) if i not in excluded]
        ts = [convert_to_tensor(args[i]) for i in pos]
        shape = np.broadcast_shapes(*[t.shape for t in ts])
        flat = [t.broadcast_to(shape).reshape(-1) for t in ts]
        outs = []
        for k in range(int(np.prod(shape, dtype=np.int64))):
            call = list(args)
            for i, t in zip(pos, flat):
                call[i] = t[k]
            outs.append(convert_to_tensor(pyfunc(*call, **kwargs)))
        return stack(outs).reshape(shape) if outs else convert_to_tensor(np.zeros(shape, np.float32))
    return wrapped


def _custom_composite(value, *inputs, grad_fn):
    out = _wrap(value.data)
    if GRAD.enabled and any(t.requires_grad for t in inputs):
        out.requires_grad = True
        out._ctx = ("custom_gradient", (value,) + inputs, {"grad_fn": grad_fn})
    return out


def _custom_rule(g, o, value, *inputs, grad_fn):
    grads = grad_fn(g)
    grads = tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)
    if len(grads) != len(inputs):
        raise ValueError(f"custom_gradient: the gradient function gave {len(grads)} gradients for "
                         f"{len(inputs)} tensor inputs")
    return (None,) + tuple(None if gi is None else convert_to_tensor(gi) for gi in grads)


registry.declare(OpDef("custom_gradient", -1, ("grad_fn",), rule=_custom_rule, composite=_custom_composite,
                       differentiable=False, doc="The value of its first input; gradients from grad_fn.",
                       sample=lambda rng: [([rng.normal(size=(2, 3)).astype(np.float32),
                                             rng.normal(size=(2, 3)).astype(np.float32)],
                                            {"grad_fn": lambda g: g * 2})]))


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; the gradient of
    ``output`` w.r.t. the tensor arguments is ``grad_fn(upstream)`` (one
    gradient per tensor argument), not what autograd would find.

    >>> @custom_gradient
    ... def double_grad(x):
    ...     return x * 1.0, lambda upstream: upstream * 2.0
    >>> x = Tensor([3.0], requires_grad=True)
    >>> double_grad(x).sum().backward(); x.grad.numpy().tolist()
    [2.0]
    """
    if symbolic(locals()):
        return record("custom_gradient", locals())
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        inputs = tuple(a for a in args if isinstance(a, Tensor))
        with no_grad():
            out, grad_fn = f(*args, **kwargs)
        return apply("custom_gradient", (convert_to_tensor(out),) + inputs, {"grad_fn": grad_fn})
    return wrapper


def _index_rows(indices):
    idx = np.asarray(indices.numpy() if hasattr(indices, "numpy") else indices).astype(np.int64)
    return idx.reshape(-1, idx.shape[-1]) if idx.ndim > 1 else idx.reshape(-1, 1), idx


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (rows of coordinates).

    >>> scatter([[0], [2]], [1.0, 5.0], (3,)).numpy().tolist()
    [1.0, 0.0, 5.0]
    """
    if symbolic(locals()):
        return record("scatter", locals())
    return scatter_add(shape, indices, values)


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with the values at ``indices`` replaced by ``updates``
    (``reduction="add"``: added to them).

    >>> scatter_update([0.0, 0.0, 0.0], [[1]], [7.0]).numpy().tolist()
    [0.0, 7.0, 0.0]
    """
    if symbolic(locals()):
        return record("scatter_update", locals())
    inputs, updates = convert_to_tensor(inputs), convert_to_tensor(updates)
    updates = updates.astype(inputs.dtype)
    added = scatter_add(inputs.shape, indices, updates)
    if reduction == "add":
        return inputs + added
    if reduction is not None:
        raise ValueError(f"scatter_update: reduction must be None or 'add', got {reduction!r}")
    rows, idx = _index_rows(indices)
    hit = np.zeros(inputs.shape, bool)
    hit[tuple(rows.T)] = True
    return where(Tensor(hit), added, inputs)


def slice(inputs, start_indices, shape):
    """The block of ``shape`` starting at ``start_indices``.

    >>> slice([[1, 2, 3], [4, 5, 6]], (0, 1), (2, 2)).numpy().tolist()
    [[2, 3], [5, 6]]
    """
    if symbolic(locals()):
        return record("slice", locals())
    x = convert_to_tensor(inputs)
    start = [int(s) for s in np.asarray(start_indices.numpy() if hasattr(start_indices, "numpy") else start_indices)]
    size = [x.shape[i] - start[i] if s == -1 else s for i, s in enumerate(as_shape(shape))]
    return x[tuple(_py_slice(a, a + n) for a, n in zip(start, size))]


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``.

    >>> slice_update([0, 0, 0, 0], (1,), [7, 8]).numpy().tolist()
    [0, 7, 8, 0]
    """
    if symbolic(locals()):
        return record("slice_update", locals())
    x, u = convert_to_tensor(inputs), convert_to_tensor(updates)
    start = [int(s) for s in np.asarray(start_indices.numpy() if hasattr(start_indices, "numpy") else start_indices)]
    widths = [(a, d - a - n) for a, d, n in zip(start, x.shape, u.shape)]
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise ValueError(f"slice_update: updates of shape {u.shape} at {start} do not fit in {x.shape}")
    mask = np.zeros(x.shape, bool)
    mask[tuple(_py_slice(a, a + n) for a, n in zip(start, u.shape))] = True
    return where(Tensor(mask), pad(u.astype(x.dtype), widths), x)


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list.

    >>> [t.numpy().tolist() for t in unstack([[1, 2], [3, 4]])]
    [[1, 2], [3, 4]]
    """
    if symbolic(locals()):
        return record("unstack", locals())
    x = convert_to_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"unstack: num={num} but axis {axis} has size {x.shape[axis]}")
    return [x[(_py_slice(None),) * axis + (i,)] for i in range(x.shape[axis])]


def saturate_cast(x, dtype):
    """Cast, clipping values into ``dtype``'s range first.

    >>> saturate_cast([300.0, -5.0], "uint8").numpy().tolist()
    [255, 0]
    """
    if symbolic(locals()):
        return record("saturate_cast", locals())
    x = convert_to_tensor(x)
    dtype = dtypes.standardize_dtype(dtype)
    target = np.dtype(dtype)
    info = np.iinfo(target) if target.kind in "iu" else np.finfo(target) if target.kind == "f" else None
    if info is not None and x.data.dtype.kind in "fiu":
        lo = max(float(info.min), float(np.finfo(np.float64).min))
        x = clip(x, lo, float(info.max)) if x.data.dtype.kind == "f" else x
    return x.astype(dtype)


def dtype(x):
    """The dtype's Keras name.

    >>> dtype([1.0])
    'float32'
    """
    if symbolic(locals()):
        return record("dtype", locals())
    return dtypes.standardize_dtype(convert_to_tensor(x).dtype)

