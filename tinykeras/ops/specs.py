"""Output specs of ``tk.ops`` functions: shape and dtype from input shapes
and dtypes, without data (what a symbolic call of an op needs).

Most ops belong to a family (elementwise with broadcasting, reduction over
``axis``, movement by ``shape``/``axes``, matmul, conv/pool through
``conv_shapes``), so :data:`SPECS` maps each public op name to
``(n_tensor_args, spec)``: the first ``n_tensor_args`` arguments are the op's
tensor inputs (recorded in the graph node), the others its parameters, and
``spec(*args, **params)`` returns ``(shape, dtype)`` (a list of them for
several outputs).  ``None`` in a shape is an unknown size.

>>> class T:  # anything with a shape and a dtype
...     shape, dtype = (None, 4, 6), "float32"
>>> SPECS["mean"][1](T(), axis=-1, keepdims=True)
((None, 4, 1), 'float32')
>>> SPECS["reshape"][1](T(), (-1, 24))
((None, 24), 'float32')
"""
import math

import numpy as np


SPECS = {}       # public op name -> (number of leading tensor arguments, spec function)
_BOOL, _INT, _F = "bool", "int32", "float32"


def shape_dtype(x):
    """``(shape, dtype)`` of a tensor-like (KerasTensor, Tensor, array) or a
    Python scalar (a "weak" scalar: its dtype is its type, as in Keras)."""
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return tuple(x.shape), str(np.dtype(x.dtype).name if not isinstance(x.dtype, str) else x.dtype)
    if isinstance(x, (bool, int, float)):
        return (), type(x)
    arr = np.asarray(x)
    return arr.shape, {"f": _F, "i": _INT, "u": _INT, "b": _BOOL}.get(arr.dtype.kind, arr.dtype.name)


def _kind(dtype):
    return np.dtype(dtype).kind if dtype else None


def promote(*dtypes):
    """Keras-style result dtype: int with float gives the float; weak Python
    scalars (their types) follow the tensors, but a float makes ints float32
    and an int makes bools int32 (``keras.backend.result_type``)."""
    real, weak = [d for d in dtypes if isinstance(d, str)], [d for d in dtypes if isinstance(d, type)]
    if not real:  # besides symbolic tensors, only Python scalars: ops.where(cond, 1, 0.5)
        real = [{bool: _BOOL, int: _INT, float: _F}[t] for t in weak] or [_F]
    floats = [d for d in real if _kind(d) in "fc"]
    out = np.result_type(*(floats or real)).name
    return _F if float in weak and not floats else _INT if int in weak and out == _BOOL else out


def broadcast(*shapes):
    """NumPy broadcasting with None as unknown.

    >>> broadcast((None, 1, 3), (4, 1))
    (None, 4, 3)
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for dims in zip(*[(1,) * (ndim - len(s)) + tuple(s) for s in shapes]):
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(f"cannot broadcast shapes {', '.join(map(str, shapes))}")
        out.append(known.pop() if known else (None if None in dims else 1))
    return tuple(out)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
    return tuple(sorted({int(a) % max(ndim, 1) for a in axes}))


def register(names, n_inputs, spec):
    for name in names.split():
        SPECS[name] = (n_inputs, spec)
    return spec


# -- elementwise -------------------------------------------------------------
_FLOAT_UNARY = ("exp log log1p expm1 sqrt sin cos tanh erf relu relu6 sigmoid softplus softsign silu "
                "swish gelu elu selu leaky_relu hard_sigmoid hard_silu hard_swish mish log_sigmoid "
                "softmax log_softmax reciprocal")


def _unary(x, **params):
    shape, dtype = shape_dtype(x)
    return shape, dtype or _F


def _float_unary(x, **params):
    shape, dtype = shape_dtype(x)
    return shape, dtype if _kind(dtype) in "fc" else _F


def _bool_unary(x):
    return shape_dtype(x)[0], _BOOL


def _binary(out=None):
    def spec(x1, x2):
        (s1, d1), (s2, d2) = shape_dtype(x1), shape_dtype(x2)
        return broadcast(s1, s2), out or promote(d1, d2)
    return spec


def _divide(x1, x2):
    (s1, d1), (s2, d2) = shape_dtype(x1), shape_dtype(x2)
    dtype = promote(d1, d2)
    return broadcast(s1, s2), dtype if _kind(dtype) in "fc" else _F


register(_FLOAT_UNARY, 1, _float_unary)
register("negative sign floor ceil round square clip stop_gradient tril triu flip "
         "convert_to_tensor", 1, _unary)
register("isfinite isnan logical_not", 1, _bool_unary)
register("add subtract multiply power maximum minimum floor_divide mod", 2, _binary())
register("equal not_equal less less_equal greater greater_equal logical_and logical_or", 2, _binary(_BOOL))
register("divide true_divide", 2, _divide)


def _where(condition, x1=None, x2=None):
    (sc, _), (s1, d1), (s2, d2) = shape_dtype(condition), shape_dtype(x1), shape_dtype(x2)
    return broadcast(sc, s1, s2), promote(d1, d2)


def _cast(x, dtype):
    return shape_dtype(x)[0], np.dtype(dtype).name


def _like(x, fill_value=None, dtype=None):
    shape, own = shape_dtype(x)
    return shape, np.dtype(dtype).name if dtype else own


register("where", 3, _where)
register("cast", 1, _cast)
register("zeros_like ones_like full_like", 1, _like)


# -- reductions ----------------------------------------------------------------
def _reduce(dtype_rule):
    def spec(x, axis=None, keepdims=False):
        shape, dtype = shape_dtype(x)
        axes = _axes(axis, len(shape))
        out = tuple(1 if i in axes else d for i, d in enumerate(shape)) if keepdims else \
            tuple(d for i, d in enumerate(shape) if i not in axes)
        return out, dtype_rule(dtype)
    return spec


_same = _reduce(lambda d: d)
_floaty = _reduce(lambda d: d if _kind(d) in "fc" else _F)
register("sum prod max min amax amin", 1, _same)
register("mean std var logsumexp", 1, _floaty)
register("all any", 1, _reduce(lambda d: _BOOL))
register("argmax argmin", 1, _reduce(lambda d: _INT))
register("count_nonzero", 1, lambda x, axis=None: _reduce(lambda d: _INT)(x, axis))
register("moments", 1, lambda x, axes, keepdims=False: [_floaty(x, axes, keepdims)] * 2)


def _loss(reduce_axis):
    def spec(target, output, from_logits=False, axis=-1):
        shape, dtype = shape_dtype(output)
        shape = broadcast(shape_dtype(target)[0], shape) if reduce_axis is None else shape
        if reduce_axis:
            shape = tuple(d for i, d in enumerate(shape) if i != _axes(axis, len(shape))[0])
        return shape, dtype
    return spec


register("binary_crossentropy", 2, _loss(None))
register("categorical_crossentropy", 2, _loss(True))
register("sparse_categorical_crossentropy", 2,
         lambda target, output, from_logits=False, axis=-1: (shape_dtype(target)[0], shape_dtype(output)[1]))


# -- movement ------------------------------------------------------------------
def _reshape(x, newshape):
    shape, dtype = shape_dtype(x)
    new = (int(newshape),) if isinstance(newshape, (int, np.integer)) else tuple(int(s) for s in newshape)
    if new.count(-1) > 1:
        raise ValueError(f"reshape: only one -1 is allowed, got {new}")
    if None not in shape:
        size, rest = math.prod(shape), math.prod(s for s in new if s != -1)
        if -1 in new:
            if rest == 0 or size % rest:
                raise ValueError(f"reshape: cannot reshape {shape} into {new}")
            new = tuple(size // rest if s == -1 else s for s in new)
        if math.prod(new) != size:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {shape} into {new}")
        return new, dtype
    return tuple(None if s == -1 else s for s in new), dtype


def _transpose(x, axes=None):
    shape, dtype = shape_dtype(x)
    axes = tuple(reversed(range(len(shape)))) if axes is None else tuple(int(a) % len(shape) for a in axes)
    if sorted(axes) != list(range(len(shape))):
        raise ValueError(f"transpose: axes {axes} do not permute the {len(shape)} axes of {shape}")
    return tuple(shape[a] for a in axes), dtype


def _swapaxes(x, axis1, axis2):
    axes = list(range(len(shape_dtype(x)[0])))
    a, b = _axes(axis1, len(axes))[0], _axes(axis2, len(axes))[0]
    axes[a], axes[b] = axes[b], axes[a]
    return _transpose(x, axes)


def _moveaxis(x, source, destination):
    ndim = len(shape_dtype(x)[0])
    src = [int(s) % ndim for s in ((source,) if isinstance(source, int) else source)]
    dst = [int(d) % ndim for d in ((destination,) if isinstance(destination, int) else destination)]
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _transpose(x, order)


def _expand_dims(x, axis):
    shape, dtype = shape_dtype(x)
    out = list(shape)
    for a in sorted(_axes(axis, len(shape) + len((axis,) if isinstance(axis, int) else axis))):
        out.insert(a, 1)
    return tuple(out), dtype


def _squeeze(x, axis=None):
    shape, dtype = shape_dtype(x)
    axes = [i for i, d in enumerate(shape) if d == 1] if axis is None else _axes(axis, len(shape))
    for a in axes:
        if shape[a] not in (1, None):
            raise ValueError(f"squeeze: axis {a} of {shape} has size {shape[a]}, not 1")
    return tuple(d for i, d in enumerate(shape) if i not in axes), dtype


def _broadcast_to(x, shape):
    target = tuple(int(s) for s in shape)
    broadcast(shape_dtype(x)[0], target)
    return target, shape_dtype(x)[1]


def _ravel(x):
    shape, dtype = shape_dtype(x)
    return (None if None in shape else math.prod(shape),), dtype


def _concatenate(xs, axis=0):
    specs = [shape_dtype(x) for x in xs]
    ndim = len(specs[0][0])
    a = _axes(axis, ndim)[0]
    out = []
    for i in range(ndim):
        dims = [s[i] for s, _ in specs]
        if i == a:
            out.append(None if None in dims else sum(dims))
        else:
            known = {d for d in dims if d is not None}
            if len(known) > 1 or any(len(s) != ndim for s, _ in specs):
                raise ValueError(f"concatenate: shapes {[s for s, _ in specs]} differ off axis {axis}")
            out.append(known.pop() if known else None)
    return tuple(out), promote(*[d for _, d in specs])


def _stack(x, axis=0):
    specs = [shape_dtype(t) for t in x]
    shape = broadcast(*[s for s, _ in specs])
    a = _axes(axis, len(shape) + 1)[0]
    return shape[:a] + (len(specs),) + shape[a:], promote(*[d for _, d in specs])


def _split(x, indices_or_sections, axis=0):
    shape, dtype = shape_dtype(x)
    a = _axes(axis, len(shape))[0]
    n = shape[a]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if n is not None and n % k:
            raise ValueError(f"split: axis {axis} of size {n} does not split into {k} equal parts")
        sizes = [None if n is None else n // k] * k
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
        sizes = [None if hi is None else hi - lo for lo, hi in zip(bounds, bounds[1:])]
    return [(shape[:a] + (s,) + shape[a + 1:], dtype) for s in sizes]


def _pad(x, pad_width, mode="constant", constant_values=None):
    shape, dtype = shape_dtype(x)
    width = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (len(shape), 2))
    return tuple(None if d is None else d + int(lo) + int(hi) for d, (lo, hi) in zip(shape, width)), dtype


def _repeat(x, repeats, axis=None):
    shape, dtype = shape_dtype(x)
    if not isinstance(repeats, (int, np.integer)):
        total = int(np.sum(repeats))
    if axis is None:
        n = None if None in shape else math.prod(shape)
        return (None if n is None else (n * repeats if isinstance(repeats, int) else total),), dtype
    a = _axes(axis, len(shape))[0]
    d = shape[a]
    new = None if d is None else (d * repeats if isinstance(repeats, (int, np.integer)) else total)
    return shape[:a] + (new,) + shape[a + 1:], dtype


def _tile(x, repeats):
    shape, dtype = shape_dtype(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    return tuple(None if d is None else d * r for d, r in zip(shape, reps)), dtype


register("reshape", 1, _reshape)
register("transpose", 1, _transpose)
register("swapaxes", 1, _swapaxes)
register("moveaxis", 1, _moveaxis)
register("expand_dims", 1, _expand_dims)
register("squeeze", 1, _squeeze)
register("broadcast_to", 1, _broadcast_to)
register("ravel", 1, _ravel)
register("concatenate", 1, _concatenate)
register("stack", 1, _stack)
register("split", 1, _split)
register("pad", 1, _pad)
register("repeat", 1, _repeat)
register("tile", 1, _tile)


# -- indexing ------------------------------------------------------------------
def index_key(key):
    """A list of slices (as a saved graph stores a key) as the tuple it was.

    >>> index_key([slice(None), 2])
    (slice(None, None, None), 2)
    """
    if isinstance(key, list) and any(k is None or k is Ellipsis or isinstance(k, slice) for k in key):
        return tuple(key)
    return key


def _get_item(x, key):
    """Basic indexing: ints, slices, None and one Ellipsis."""
    shape, dtype = shape_dtype(x)
    key = index_key(key)
    key = key if isinstance(key, tuple) else (key,)
    for k in key:
        if not (k is None or k is Ellipsis or isinstance(k, (int, np.integer, slice))):
            raise TypeError(f"get_item: a symbolic tensor takes ints, slices, None and ... as "
                            f"index, got {type(k).__name__}")
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("get_item: an index can only have a single ellipsis ('...')")
    used = sum(k is not None and k is not Ellipsis for k in key)
    if used > len(shape):
        raise IndexError(f"get_item: too many indices ({used}) for a tensor of rank {len(shape)}")
    at = key.index(Ellipsis) if Ellipsis in key else len(key)
    key = key[:at] + (slice(None),) * (len(shape) - used) + key[at + 1:]
    out, dim = [], 0
    for k in key:
        if k is None:
            out.append(1)
            continue
        d = shape[dim]
        dim += 1
        if isinstance(k, slice):
            out.append(None if d is None else len(range(*k.indices(d))))
        elif d is not None and not -d <= k < d:
            raise IndexError(f"get_item: index {k} is out of bounds for axis {dim - 1} with size {d}")
    return tuple(out), dtype


def _take(x, indices, axis=None):
    (shape, dtype), (ishape, _) = shape_dtype(x), shape_dtype(indices)
    if axis is None:
        return ishape, dtype
    a = _axes(axis, len(shape))[0]
    return shape[:a] + ishape + shape[a + 1:], dtype


def _take_along_axis(x, indices, axis=None):
    (shape, dtype), (ishape, _) = shape_dtype(x), shape_dtype(indices)
    if axis is None:
        return ishape, dtype
    a = _axes(axis, len(shape))[0]
    rest = broadcast(shape[:a] + shape[a + 1:], ishape[:a] + ishape[a + 1:])
    return rest[:a] + (ishape[a],) + rest[a:], dtype


def _one_hot(x, num_classes, axis=-1, dtype="float32"):
    shape = shape_dtype(x)[0]
    a = _axes(axis, len(shape) + 1)[0]
    return shape[:a] + (int(num_classes),) + shape[a:], np.dtype(dtype).name


def _scatter_add(shape, indices, updates):
    return tuple(int(s) for s in shape), shape_dtype(updates)[1]


register("get_item", 2, _get_item)
register("take", 2, _take)
register("take_along_axis", 2, _take_along_axis)
register("one_hot", 1, _one_hot)
register("scatter_add", 3, _scatter_add)


# -- matmul and conv -------------------------------------------------------------
def _matmul(x1, x2):
    (s1, d1), (s2, d2) = shape_dtype(x1), shape_dtype(x2)
    if not s1 or not s2:
        raise ValueError(f"matmul: inputs must be at least 1-D, got shapes {s1} and {s2}")
    a = (1,) + s1 if len(s1) == 1 else s1
    b = s2 + (1,) if len(s2) == 1 else s2
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ValueError(f"matmul: shapes {s1} and {s2} do not match ({a[-1]} != {b[-2]})")
    out = broadcast(a[:-2], b[:-2]) + (a[-2], b[-1])
    if len(s1) == 1:
        out = out[:-2] + out[-1:]
    if len(s2) == 1:
        out = out[:-1]
    return out, promote(d1, d2)


def _dot(x1, x2):
    (s1, d1), (s2, d2) = shape_dtype(x1), shape_dtype(x2)
    if not s1 or not s2:
        return _binary()(x1, x2)
    if s1[-1] is not None and s2[-1 if len(s2) == 1 else -2] not in (None, s1[-1]):
        raise ValueError(f"dot: shapes {s1} and {s2} are not aligned")
    return s1[:-1] + s2[:-2] + s2[-1:] if len(s2) > 1 else s1[:-1], promote(d1, d2)


register("matmul", 2, _matmul)
register("dot", 2, _dot)


# the conv/pool specs and the specs of the other op families, registered into SPECS
from . import specs_conv, specs_more  # noqa: E402,F401
