"""Sorting, searching, counting and integer ops with Keras 3 names:
``argsort``/``sort``/``top_k``, ``unique``, ``nonzero``, ``bincount``,
``searchsorted``, bitwise ops, ...

Ops whose result is indices, counts or bits are not differentiable and
have no formula in other ops: each is declared once with
:func:`declare_host`, whose composite runs NumPy on the host copy of the
inputs (``to_numpy``) and hands the result back (``asarray``), so it works
on every backend.  Values picked by such indices (``sort``, ``top_k``'s
values) are gathered with ``take_along_axis``, so their gradients flow.

>>> import tinykeras as tk
>>> tk.ops.argsort([3.0, 1.0, 2.0]).numpy().tolist(), tk.ops.sort([3.0, 1.0, 2.0]).numpy().tolist()
([1, 2, 0], [1.0, 2.0, 3.0])
"""
import numpy as np

from ..core import registry
from ..core.registry import OpDef
from ..core.tensor import Tensor, apply
from .common import convert_to_tensor, normalize_axis, on_host, record, symbolic, tensors
from .shape_ops import take_along_axis

__all__ = ["argsort", "sort", "argpartition", "top_k", "in_top_k", "unique", "nonzero", "bincount", "digitize",
           "searchsorted", "histogram", "unravel_index", "gcd", "lcm", "nextafter", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift",
           "left_shift", "right_shift", "view"]


def declare_host(name, fn, sample, n_inputs=1, params=(), rule=None):
    """Declare op ``name`` computed by the NumPy function ``fn`` on the
    host (not differentiable unless given a backward ``rule``); returns the
    op's runner ``run(*tensors, **params)``.

    >>> run = declare_host("demo_host_op", np.cumsum, "unary")  # doctest: +SKIP
    """
    registry.declare(OpDef(name, n_inputs, tuple(params), rule=rule, composite=on_host(name, fn, rule is not None),
                           sample=sample, differentiable=rule is not None, doc=(fn.__doc__ or "").strip()))

    def run(*xs, **kw):
        return apply(name, tuple(xs), kw)
    return run


def _argsort(x, axis):
    return np.argsort(x, axis=axis, kind="stable").astype(np.int32)


def _sample_axis(rng):
    def vals(shape):
        return (rng.permutation(int(np.prod(shape))) * 0.5 - 1).reshape(shape).astype(np.float32)
    return [([vals(s)], {"axis": a}) for s, a in [((5,), -1), ((2, 3), 0), ((2, 3), 1), ((0, 3), 1), ((1, 4), -1)]]


_argsort_op = declare_host("argsort", _argsort, _sample_axis, params=("axis",))


def argsort(x, axis=-1):
    """Indices that sort ``x`` along ``axis`` (flattened if None), int32.

    >>> argsort([[3, 1], [0, 2]], axis=0).numpy().tolist()
    [[1, 0], [0, 1]]
    """
    if symbolic(locals()):
        return record("argsort", locals())
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.ndim == 0:
        return Tensor(np.zeros((), np.int32))
    return _argsort_op(x, axis=normalize_axis(axis, x.ndim)[0])


def sort(x, axis=-1):
    """``x`` sorted along ``axis`` (differentiable: a gather).

    >>> sort([[3, 1], [0, 2]]).numpy().tolist()
    [[1, 3], [0, 2]]
    """
    if symbolic(locals()):
        return record("sort", locals())
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.ndim == 0:
        return x
    return take_along_axis(x, argsort(x, axis), axis=axis)


def _argpartition(x, kth, axis):
    return np.argpartition(x, kth, axis=axis).astype(np.int32)


_argpartition_op = declare_host("argpartition", _argpartition,
                                lambda rng: [(c[0], {"kth": 1, **c[1]}) for c in _sample_axis(rng)
                                             if c[0][0].shape[c[1]["axis"]] > 1], params=("kth", "axis"))


def argpartition(x, kth, axis=-1):
    """Indices that put the ``kth`` smallest value in place along ``axis``,
    smaller before it and larger after it.

    >>> argpartition([3, 1, 2], 0).numpy()[0].item()
    1
    """
    if symbolic(locals()):
        return record("argpartition", locals())
    x = convert_to_tensor(x)
    return _argpartition_op(x, kth=int(kth), axis=normalize_axis(axis, x.ndim)[0])


def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their indices (int32).

    >>> values, indices = top_k([1.0, 4.0, 3.0], 2)
    >>> values.numpy().tolist(), indices.numpy().tolist()
    ([4.0, 3.0], [1, 2])
    """
    if symbolic(locals()):
        return record("top_k", locals())
    x = convert_to_tensor(x)
    if not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k={k} is not in [0, {x.shape[-1]}] (the last axis of shape {x.shape})")
    order = argsort(-x if x.data.dtype.kind in "fi" else -(x.astype("int64")), axis=-1)[..., :k]
    return take_along_axis(x, order, axis=-1), order


def in_top_k(targets, predictions, k):
    """True where the prediction for the target class is among the ``k``
    largest of its row (ties count as in).

    >>> in_top_k([1, 0], [[0.1, 0.9], [0.1, 0.9]], 1).numpy().tolist()
    [True, False]
    """
    if symbolic(locals()):
        return record("in_top_k", locals())
    targets, predictions = convert_to_tensor(targets), convert_to_tensor(predictions)
    target_value = take_along_axis(predictions, targets.astype("int32").reshape(-1, 1), axis=-1)
    return (predictions > target_value).astype("int32").sum(-1) < k


def _unique_parts(x, return_index, return_inverse, return_counts, axis):
    return np.unique(x, return_index=return_index, return_inverse=return_inverse, return_counts=return_counts,
                     axis=axis)


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    """The distinct values of ``x`` (sorted), optionally with first indices,
    inverse indices and counts; ``size`` pads or cuts to a fixed length with
    ``fill_value`` (default: the smallest value).

    >>> unique([3, 1, 3]).numpy().tolist()
    [1, 3]
    >>> [t.numpy().tolist() for t in unique([3, 1, 3], return_counts=True)]
    [[1, 3], [1, 2]]
    """
    if symbolic(locals()):
        return record("unique", locals())
    x = convert_to_tensor(x)
    a = x.numpy()
    out = _unique_parts(a, return_index, return_inverse, return_counts, axis)
    out = list(out) if isinstance(out, tuple) else [out]
    if size is not None:
        values, n = out[0], out[0].shape[0 if axis is None else axis]
        fill = (values.min() if values.size else 0) if fill_value is None else fill_value
        if n < size:
            pad = [(0, 0)] * values.ndim
            pad[0 if axis is None else axis] = (0, size - n)
            out[0] = np.pad(values, pad, constant_values=fill)
        else:
            out[0] = np.take(values, np.arange(size), axis=0 if axis is None else axis)
    result = [Tensor(out[0].astype(a.dtype))] + [Tensor(t.astype(np.int32)) for t in out[1:]]
    return result[0] if len(result) == 1 else tuple(result)


def nonzero(x):
    """Indices of the non-zero values, one int32 tensor per axis.

    >>> [t.numpy().tolist() for t in nonzero([[0, 1], [2, 0]])]
    [[0, 1], [1, 0]]
    """
    if symbolic(locals()):
        return record("nonzero", locals())
    return tuple(Tensor(i.astype(np.int32)) for i in np.nonzero(convert_to_tensor(x).numpy()))


def _bincount(x, weights=None, minlength=0):
    return np.bincount(x.reshape(-1), weights, minlength=minlength)


def _sample_counts(rng):
    return [([rng.integers(0, 5, size=s).astype(np.int32)], {"minlength": m}) for s, m in
            [((6,), 0), ((4,), 7), ((0,), 3), ((1,), 0)]]


_bincount_op = declare_host("bincount", lambda x, minlength: _bincount(x, None, minlength).astype(np.int32),
                            _sample_counts, params=("minlength",))


def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each value 0, 1, ... occurs in the 1-D int ``x`` (weighted
    sums with ``weights``); a 2-D ``x`` counts each row.

    >>> bincount([0, 2, 2]).numpy().tolist()
    [1, 0, 2]
    """
    if symbolic(locals()):
        return record("bincount", locals())
    if sparse:
        raise ValueError("bincount: sparse=True is not supported (tinykeras has no sparse tensors)")
    x = convert_to_tensor(x)
    a = x.numpy()
    if a.size and a.min() < 0:
        raise ValueError(f"bincount: values must be non-negative, got {a.min()}")
    if weights is None and a.ndim == 1:
        return _bincount_op(x, minlength=int(minlength))
    w = None if weights is None else np.asarray(convert_to_tensor(weights).numpy())
    length = max(int(minlength), int(a.max()) + 1 if a.size else 0)
    rows = a.reshape(-1, a.shape[-1]) if a.ndim == 2 else a.reshape(1, -1)
    wrows = None if w is None else w.reshape(rows.shape)
    out = np.stack([np.bincount(r, None if wrows is None else wrows[i], minlength=length)
                    for i, r in enumerate(rows)])
    dtype = np.int32 if w is None else w.dtype
    return Tensor((out if a.ndim == 2 else out[0]).astype(dtype))


def digitize(x, bins):
    """Index of the bin each value falls in (``bins`` increasing), int32.

    >>> digitize([0.5, 1.5, 3.0], [1.0, 2.0]).numpy().tolist()
    [0, 1, 2]
    """
    if symbolic(locals()):
        return record("digitize", locals())
    x, bins = tensors(x, bins)
    return searchsorted(bins, x, side="right")


_searchsorted_op = declare_host(
    "searchsorted", lambda s, v, side: np.searchsorted(s, v, side=side).astype(np.int32),
    lambda rng: [([np.sort(rng.normal(size=5)).astype(np.float32), rng.normal(size=sv).astype(np.float32)],
                  {"side": side}) for sv in [(3,), (2, 2), (0,), ()] for side in ("left", "right")],
    n_inputs=2, params=("side",))


def searchsorted(sorted_sequence, values, side="left"):
    """Where ``values`` would go in the 1-D ``sorted_sequence`` to keep it sorted, int32.

    >>> searchsorted([1.0, 2.0, 3.0], [2.0, 2.5]).numpy().tolist()
    [1, 2]
    """
    if symbolic(locals()):
        return record("searchsorted", locals())
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    s, v = tensors(sorted_sequence, values)
    if s.ndim != 1:
        raise ValueError(f"searchsorted: sorted_sequence must be 1-D, got shape {s.shape}")
    return _searchsorted_op(s, v.astype(s.dtype), side=side)


def histogram(x, bins=10, range=None):
    """Counts of ``x`` in ``bins`` equal bins over ``range`` (default: min to
    max), and the bin edges.

    >>> counts, edges = histogram([0.0, 0.5, 1.0], bins=2)
    >>> counts.numpy().tolist(), edges.numpy().tolist()
    ([1, 2], [0.0, 0.5, 1.0])
    """
    if symbolic(locals()):
        return record("histogram", locals())
    a = convert_to_tensor(x).numpy()
    if a.ndim != 1:
        raise ValueError(f"histogram: x must be 1-D, got shape {a.shape}")
    counts, edges = np.histogram(a, bins=bins, range=range)
    return Tensor(counts.astype(np.int32)), Tensor(edges.astype(a.dtype if a.dtype.kind == "f" else np.float32))


def unravel_index(indices, shape):
    """Flat indices into ``shape`` as one coordinate tensor per axis.

    >>> [t.numpy().tolist() for t in unravel_index([5, 1], (2, 3))]
    [[1, 0], [2, 1]]
    """
    if symbolic(locals()):
        return record("unravel_index", locals())
    a = np.asarray(convert_to_tensor(indices).numpy())
    return tuple(Tensor(i.astype(a.dtype)) for i in np.unravel_index(a, tuple(shape)))


def _int_binary(name, np_fn, doc):
    run = declare_host(name, lambda a, b: np_fn(a, b).astype(np.result_type(a, b)), ("binary", "ints"), n_inputs=2)

    def op(x, y):
        if symbolic(locals()):
            return record(name, locals())
        x, y = tensors(x, y)
        for t in (x, y):
            if t.data.dtype.kind not in "iub":
                raise TypeError(f"{name}: expected integer or bool inputs, got {t.dtype}")
        if x.dtype != y.dtype:
            dtype = np.result_type(x.data.dtype, y.data.dtype).name
            x, y = x.astype(dtype), y.astype(dtype)
        return run(x, y)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{doc}, elementwise (integers).\n\n>>> {name}([6], [4]).numpy().tolist()\n" \
                 f"[{np_fn(np.array([6]), np.array([4]))[0]}]\n"
    return op


gcd = _int_binary("gcd", np.gcd, "Greatest common divisor")
lcm = _int_binary("lcm", np.lcm, "Least common multiple")
bitwise_and = _int_binary("bitwise_and", np.bitwise_and, "Bitwise and")
bitwise_or = _int_binary("bitwise_or", np.bitwise_or, "Bitwise or")
bitwise_xor = _int_binary("bitwise_xor", np.bitwise_xor, "Bitwise exclusive or")
bitwise_left_shift = _int_binary("bitwise_left_shift", np.left_shift, "x << y")
bitwise_right_shift = _int_binary("bitwise_right_shift", np.right_shift, "x >> y")


def left_shift(x, y):
    """``bitwise_left_shift`` under NumPy's name (a node of this name, as in Keras).

    >>> left_shift([1], [2]).numpy().tolist()
    [4]
    """
    if symbolic(locals()):
        return record("left_shift", locals())
    return bitwise_left_shift(x, y)


def right_shift(x, y):
    """``bitwise_right_shift`` under NumPy's name (a node of this name, as in Keras).

    >>> right_shift([8], [2]).numpy().tolist()
    [2]
    """
    if symbolic(locals()):
        return record("right_shift", locals())
    return bitwise_right_shift(x, y)


_invert = declare_host("bitwise_invert", np.invert, ("unary", "ints"))


def bitwise_invert(x):
    """Bitwise not (``~x``; logical not for bools).

    >>> bitwise_invert([0]).numpy().tolist()
    [-1]
    """
    if symbolic(locals()):
        return record("bitwise_invert", locals())
    x = convert_to_tensor(x)
    if x.data.dtype.kind not in "iub":
        raise TypeError(f"bitwise_invert: expected integer or bool inputs, got {x.dtype}")
    return _invert(x)


def bitwise_not(x):
    """``bitwise_invert`` under NumPy's name (a node of this name, as in Keras).

    >>> bitwise_not([0]).numpy().tolist()
    [-1]
    """
    if symbolic(locals()):
        return record("bitwise_not", locals())
    return bitwise_invert(x)


_nextafter = declare_host("nextafter", np.nextafter, "binary", n_inputs=2,
                          rule=lambda g, o, x1, x2: (g, None))  # (as PyTorch: a step of one ulp has slope 1)


def nextafter(x1, x2):
    """The next representable float after ``x1`` towards ``x2``.

    >>> bool(nextafter([1.0], [2.0]).numpy()[0] > 1.0)
    True
    """
    if symbolic(locals()):
        return record("nextafter", locals())
    from .elementwise_ops import floating
    x1, x2 = tensors(x1, x2)
    x1 = floating(x1)
    return _nextafter(x1, x2.astype(x1.dtype))


def view(x, dtype=None):
    """The same bytes seen as ``dtype`` (the last axis rescales when the item size differs).

    >>> view([1.0], "int32").numpy().tolist()
    [1065353216]
    """
    if symbolic(locals()):
        return record("view", locals())
    x = convert_to_tensor(x)
    return x if dtype is None else Tensor(np.ascontiguousarray(x.numpy()).view(np.dtype(dtype)))
