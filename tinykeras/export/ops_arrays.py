"""ONNX mappings of the ``tk.ops`` that move, index, reduce and compare
arrays (``ops_table.py`` has the elementwise math and the activations).

Each entry takes the op's tensor inputs and its parameters under the names
of the ``tk.ops`` function (``reshape(x, newshape)``, ``concatenate(xs,
axis)``), as a symbolic op node records them.

>>> from tinykeras.export.graph import GraphBuilder, Value
>>> g = GraphBuilder()
>>> _ = OPS["get_item"](g, Value("x", (None, 4, 6), "float32"), (slice(None), 1, slice(None, None, -1)))
>>> [n.op_type for n in g.nodes]
['Slice', 'Squeeze']
"""
import numpy as np

from .graph import OPS, converts

_INT64_MAX, _INT64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


def _dtype(g, dtype):
    return g.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _axes(axis, ndim):
    """``axis`` (int, sequence or None: every axis) as a list of non-negative axes."""
    if axis is None:
        return list(range(ndim))
    return sorted(a % ndim for a in ([axis] if isinstance(axis, int) else axis))


@converts(OPS, "cast")
def _cast(g, x, dtype):
    return g.op("Cast", x, to=_dtype(g, dtype))


@converts(OPS, "convert_to_tensor")
def _convert_to_tensor(g, x, dtype=None):
    return g.op("Identity", x) if dtype is None else _cast(g, x, dtype)


@converts(OPS, "reshape")
def _reshape(g, x, newshape):
    return g.reshape(x, [-1 if d is None else d for d in ([newshape] if isinstance(newshape, int) else newshape)])


@converts(OPS, "ravel")
def _ravel(g, x):
    return g.reshape(x, [-1])


@converts(OPS, "transpose")
def _transpose(g, x, axes=None):
    return g.transpose(x, axes if axes is not None else tuple(reversed(range(x.ndim))))


@converts(OPS, "moveaxis")
def _moveaxis(g, x, source, destination):
    source, destination = _axes(source, x.ndim), [d % x.ndim for d in np.atleast_1d(destination)]
    perm = [a for a in range(x.ndim) if a not in source]
    for dst, src in sorted(zip(destination, source)):
        perm.insert(dst, src)
    return g.transpose(x, perm)


@converts(OPS, "swapaxes")
def _swapaxes(g, x, axis1, axis2):
    perm = list(range(x.ndim))
    perm[axis1 % x.ndim], perm[axis2 % x.ndim] = perm[axis2 % x.ndim], perm[axis1 % x.ndim]
    return g.transpose(x, perm)


@converts(OPS, "expand_dims")
def _expand_dims(g, x, axis):
    return g.op("Unsqueeze", x, g.ints([axis] if isinstance(axis, int) else axis))


@converts(OPS, "squeeze")
def _squeeze(g, x, axis=None):
    return g.op("Squeeze", x, None if axis is None else g.ints([axis] if isinstance(axis, int) else axis))


@converts(OPS, "concatenate")
def _concatenate(g, xs, axis=0):
    return g.op("Concat", *xs, axis=int(axis))


@converts(OPS, "stack")
def _stack(g, x, axis=0):
    return g.op("Concat", *[g.op("Unsqueeze", t, g.ints([axis])) for t in x], axis=int(axis))


@converts(OPS, "split")
def _split(g, x, indices_or_sections, axis=0):
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        return g.op("Split", x, axis=int(axis), num_outputs=n, outputs=n)
    size = x.shape[axis]
    if size is None:
        raise ValueError(f"ONNX export: split at indices needs a known size along axis {axis}, got {x.shape}")
    bounds = [0] + list(indices_or_sections) + [size]
    sizes = [b - a for a, b in zip(bounds, bounds[1:])]
    return g.op("Split", x, g.ints(sizes), axis=int(axis), outputs=len(sizes))


@converts(OPS, "flip")
def _flip(g, x, axis=None):
    axes = _axes(axis, x.ndim)
    n = len(axes)
    return g.op("Slice", x, g.ints([-1] * n), g.ints([_INT64_MIN] * n), g.ints(axes), g.ints([-1] * n))


@converts(OPS, "tile")
def _tile(g, x, repeats):
    repeats = [repeats] if isinstance(repeats, int) else list(repeats)
    ndim = max(x.ndim, len(repeats))
    if len(repeats) > x.ndim:
        x = g.op("Unsqueeze", x, g.ints(range(len(repeats) - x.ndim)))
    return g.op("Tile", x, g.ints([1] * (ndim - len(repeats)) + repeats))


@converts(OPS, "repeat")
def _repeat(g, x, repeats, axis=None):
    if not isinstance(repeats, int):
        counts = set(np.ravel(repeats).tolist())
        if len(counts) != 1:
            raise ValueError("ONNX export: repeat with different counts per element is not exported")
        repeats = counts.pop()
    if axis is None:
        x, axis, ndim = g.reshape(x, [-1]), 0, 1
    else:
        ndim = x.ndim
        axis %= ndim
    tiled = g.op("Tile", g.op("Unsqueeze", x, g.ints([axis + 1])),
                 g.ints([1] * (axis + 1) + [repeats] + [1] * (ndim - axis - 1)))
    parts = [g.op("Shape", x, end=axis)] if axis else []
    parts.append(g.ints([-1]))
    if axis + 1 < ndim:
        parts.append(g.op("Shape", x, start=axis + 1))
    return g.op("Reshape", tiled, g.op("Concat", *parts, axis=0))


@converts(OPS, "broadcast_to")
def _broadcast_to(g, x, shape):
    return g.op("Expand", x, g.ints(shape))


@converts(OPS, "pad")
def _pad(g, x, pad_width, mode="constant", constant_values=None):
    if mode != "constant":
        raise ValueError(f"ONNX export: pad mode {mode!r} is not exported (tk.ops.pad has 'constant')")
    widths = np.broadcast_to(np.asarray(pad_width, "int64"), (x.ndim, 2))
    value = g.const(constant_values or 0, x.dtype)
    return g.op("Pad", x, g.ints(list(widths[:, 0]) + list(widths[:, 1])), value)


@converts(OPS, "get_item")
def _get_item(g, x, key):
    """Basic indexing: ints, slices, None and one ``...``."""
    items = list(key) if isinstance(key, (tuple, list)) else [key]
    real = sum(k is not None and k is not Ellipsis for k in items)
    at = next((i for i, k in enumerate(items) if k is Ellipsis), len(items))
    items[at:at + 1] = [slice(None)] * (x.ndim - real)
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = out = 0
    for k in items:
        if k is None:
            unsqueeze.append(out)
            out += 1
            continue
        if isinstance(k, (int, np.integer)):
            starts, ends, axes, steps = starts + [k], ends + [k + 1 or _INT64_MAX], axes + [axis], steps + [1]
            squeeze.append(axis)
        elif isinstance(k, slice):
            step = 1 if k.step is None else k.step
            if k != slice(None):
                first, last = (0, _INT64_MAX) if step > 0 else (_INT64_MAX, _INT64_MIN)
                starts.append(first if k.start is None else k.start)
                ends.append(last if k.stop is None else k.stop)
                axes, steps = axes + [axis], steps + [step]
            out += 1
        else:
            raise ValueError(f"ONNX export: get_item takes ints, slices, None and ...; got {k!r}")
        axis += 1
    y = g.op("Slice", x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)) if axes else x
    if squeeze:
        y = g.op("Squeeze", y, g.ints(squeeze))
    return g.op("Unsqueeze", y, g.ints(unsqueeze)) if unsqueeze else (y if axes or squeeze else g.op("Identity", y))


@converts(OPS, "take")
def _take(g, x, indices, axis=None):
    if axis is None:
        x, axis = g.reshape(x, [-1]), 0
    ids = indices if hasattr(indices, "name") else g.ints(np.asarray(indices).reshape(-1)) \
        if np.ndim(indices) else g.const(indices, "int64")
    if not hasattr(indices, "name") and np.ndim(indices) > 1:
        ids = g.reshape(ids, list(np.shape(indices)))
    return g.op("Gather", x, ids, axis=int(axis))


@converts(OPS, "take_along_axis")
def _take_along_axis(g, x, indices, axis=None):
    if axis is None:
        x, axis = g.reshape(x, [-1]), 0
    return g.op("GatherElements", x, indices, axis=int(axis))


@converts(OPS, "one_hot")
def _one_hot(g, x, num_classes, axis=-1, dtype="float32"):
    """``x == arange(num_classes)`` along a new ``axis``: ids out of range give zeros."""
    axis = axis % (x.ndim + 1)
    classes = np.arange(num_classes, dtype=x.dtype).reshape((-1,) + (1,) * (x.ndim - axis))
    return _cast(g, g.op("Equal", g.op("Unsqueeze", x, g.ints([axis])), classes), dtype)


OPS["tril"] = lambda g, x, k=0: g.op("Trilu", x, g.const(k, "int64"), upper=0)
OPS["triu"] = lambda g, x, k=0: g.op("Trilu", x, g.const(k, "int64"), upper=1)


def _filled(g, x, value, dtype):
    return g.op("Expand", g.const(value, dtype or x.dtype), g.op("Shape", x))


OPS["zeros_like"] = lambda g, x, dtype=None: _filled(g, x, 0, dtype)
OPS["ones_like"] = lambda g, x, dtype=None: _filled(g, x, 1, dtype)
OPS["full_like"] = lambda g, x, fill_value, dtype=None: _filled(g, x, fill_value, dtype)


def _arg(onnx_op, g, x, axis=None, keepdims=False):
    if axis is None:
        y = g.op(onnx_op, g.reshape(x, [-1]), axis=0, keepdims=0)
        if keepdims:
            y = g.reshape(y, [1] * x.ndim)
    else:
        y = g.op(onnx_op, x, axis=int(axis), keepdims=int(bool(keepdims)))
    return _cast(g, y, "int32")


OPS["argmax"] = lambda g, x, axis=None, keepdims=False: _arg("ArgMax", g, x, axis, keepdims)
OPS["argmin"] = lambda g, x, axis=None, keepdims=False: _arg("ArgMin", g, x, axis, keepdims)


def _nonzero(g, x):
    return x if x.dtype == "bool" else g.op("Not", g.op("Equal", x, g.const(0, x.dtype)))


def _bool_reduce(onnx_op, g, x, axis=None, keepdims=False):
    as_float = g.op("Cast", _nonzero(g, x), to=_dtype(g, "float32"))
    axes = _axes(axis, x.ndim)
    return g.op("Greater", g.op(onnx_op, as_float, g.ints(axes), keepdims=int(bool(keepdims))), 0.5)


OPS["any"] = lambda g, x, axis=None, keepdims=False: _bool_reduce("ReduceMax", g, x, axis, keepdims)
OPS["all"] = lambda g, x, axis=None, keepdims=False: _bool_reduce("ReduceMin", g, x, axis, keepdims)


@converts(OPS, "count_nonzero")
def _count_nonzero(g, x, axis=None):
    as_int = g.op("Cast", _nonzero(g, x), to=_dtype(g, "int32"))
    return g.op("ReduceSum", as_int, g.ints(_axes(axis, x.ndim)), keepdims=0)


@converts(OPS, "isnan")
def _isnan(g, x):
    return g.op("IsNaN", x)


@converts(OPS, "isfinite")
def _isfinite(g, x):
    return g.op("Not", g.op("Or", g.op("IsNaN", x), g.op("IsInf", x)))


def _moments(g, x, axis, keepdims):
    axes = g.ints(_axes(axis, x.ndim))
    centered = g.op("Sub", x, g.op("ReduceMean", x, axes, keepdims=1))
    return g.op("ReduceMean", g.op("Mul", centered, centered), axes, keepdims=int(bool(keepdims)))


OPS["moments"] = lambda g, x, axes, keepdims=False: [
    g.op("ReduceMean", x, g.ints(_axes(axes, x.ndim)), keepdims=int(bool(keepdims))), _moments(g, x, axes, keepdims)]
OPS["var"] = lambda g, x, axis=None, keepdims=False: _moments(g, x, axis, keepdims)
OPS["std"] = lambda g, x, axis=None, keepdims=False: g.op("Sqrt", _moments(g, x, axis, keepdims))


@converts(OPS, "dot")
def _dot(g, x1, x2):
    """As ``tk.ops.dot``: a product with a scalar, else ``matmul``."""
    return g.op("Mul" if 0 in (x1.ndim, x2.ndim) else "MatMul", x1, x2)


@converts(OPS, "where")
def _where(g, condition, x1=None, x2=None):
    if x1 is None or x2 is None:
        raise ValueError("ONNX export: where(condition) without x1 and x2 (nonzero indices) is not exported")
    return g.op("Where", condition, x1, x2)
