"""Movement ops with Keras 3 names: reshape, transpose, stack, take, ...

All of them are built on the primitives reshape, transpose, broadcast_to,
pad, concatenate, getitem and index_add, so their gradients come for free.

>>> import tinykeras as tk
>>> tk.ops.stack([tk.ops.ones(2), tk.ops.zeros(2)]).shape
(2, 2)
"""
import numpy as np

from ..core.tensor import apply
from .common import as_shape, convert_to_tensor, normalize_axis, record, symbolic, tensors
from .specs import index_key


def reshape(x, newshape):
    """Give ``x`` a new shape with the same number of values (-1 is inferred).

    >>> reshape([1, 2, 3, 4], (2, -1)).shape
    (2, 2)
    """
    if symbolic(locals()):
        return record("reshape", locals())
    return convert_to_tensor(x).reshape(as_shape(newshape))


def transpose(x, axes=None):
    """Permute the axes (default: reverse them).

    >>> transpose([[1, 2, 3]]).shape
    (3, 1)
    """
    if symbolic(locals()):
        return record("transpose", locals())
    x = convert_to_tensor(x)
    return x.transpose(axes) if axes is not None else x.transpose()


def swapaxes(x, axis1, axis2):
    """Exchange two axes.

    >>> swapaxes(np.zeros((2, 3, 4)), 0, 2).shape
    (4, 3, 2)
    """
    if symbolic(locals()):
        return record("swapaxes", locals())
    x = convert_to_tensor(x)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return x.transpose(axes)


def moveaxis(x, source, destination):
    """Move axes to new positions.

    >>> moveaxis(np.zeros((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    if symbolic(locals()):
        return record("moveaxis", locals())
    x = convert_to_tensor(x)
    source = [a % x.ndim for a in ((source,) if isinstance(source, int) else source)]
    destination = [a % x.ndim for a in ((destination,) if isinstance(destination, int) else destination)]
    if len(source) != len(destination):
        raise ValueError(f"moveaxis: source {source} and destination {destination} differ in length")
    order = [a for a in range(x.ndim) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return x.transpose(tuple(order))


def expand_dims(x, axis):
    """Insert size-1 axes at ``axis``.

    >>> expand_dims([1, 2], 0).shape
    (1, 2)
    """
    if symbolic(locals()):
        return record("expand_dims", locals())
    x = convert_to_tensor(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = x.ndim + len(axes)
    axes = sorted(a % ndim for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return x.reshape(shape)


def squeeze(x, axis=None):
    """Remove size-1 axes (all, or those in ``axis``).

    >>> squeeze(np.zeros((1, 2, 1))).shape
    (2,)
    """
    if symbolic(locals()):
        return record("squeeze", locals())
    x = convert_to_tensor(x)
    axes = normalize_axis(axis, x.ndim) if axis is not None else tuple(
        i for i, s in enumerate(x.shape) if s == 1)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1 (shape {x.shape})")
    return x.reshape([s for i, s in enumerate(x.shape) if i not in axes])


def broadcast_to(x, shape):
    """Repeat ``x`` along size-1 (or missing leading) axes to reach ``shape``.

    >>> broadcast_to([1, 2], (3, 2)).shape
    (3, 2)
    """
    if symbolic(locals()):
        return record("broadcast_to", locals())
    return convert_to_tensor(x).broadcast_to(as_shape(shape))


def concatenate(xs, axis=0):
    """Join tensors along an existing axis.

    >>> concatenate([[1, 2], [3]]).numpy().tolist()
    [1, 2, 3]
    """
    if symbolic(locals()):
        return record("concatenate", locals())
    xs = tensors(*xs)
    dtype = xs[0].dtype
    xs = [x.astype(dtype) for x in xs]
    ndim = xs[0].ndim
    if any(x.ndim != ndim for x in xs):
        raise ValueError(f"concatenate: all inputs need rank {ndim}, got shapes {[x.shape for x in xs]}")
    axis = normalize_axis(axis, ndim)[0]
    for x in xs:
        if x.shape[:axis] + x.shape[axis + 1:] != xs[0].shape[:axis] + xs[0].shape[axis + 1:]:
            raise ValueError(f"concatenate: shapes {[x.shape for x in xs]} differ outside axis {axis}")
    return apply("concatenate", tuple(xs), {"axis": axis})


def stack(x, axis=0):
    """Join tensors along a new axis.

    >>> stack([[1, 2], [3, 4]], axis=1).numpy().tolist()
    [[1, 3], [2, 4]]
    """
    if symbolic(locals()):
        return record("stack", locals())
    xs = tensors(*x)
    return concatenate([expand_dims(t, axis) for t in xs], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Split into equal sections or at indices along ``axis``.

    >>> [t.shape for t in split(np.zeros((4, 2)), 2)]
    [(2, 2), (2, 2)]
    """
    if symbolic(locals()):
        return record("split", locals())
    x = convert_to_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]
    n = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {n} does not divide into {indices_or_sections}")
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0, *indices_or_sections, n]
    lead = (slice(None),) * axis
    return [x[lead + (slice(a, b),)] for a, b in zip(bounds, bounds[1:])]


def take(x, indices, axis=None):
    """Gather values at ``indices`` along ``axis`` (flattened if None).

    >>> take([10, 20, 30], [2, 0]).numpy().tolist()
    [30, 10]
    """
    if symbolic(locals()):
        return record("take", locals())
    x = convert_to_tensor(x)
    idx = np.asarray(indices.numpy() if hasattr(indices, "numpy") else indices).astype(np.int64)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = normalize_axis(axis, x.ndim)[0]
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    return x[(slice(None),) * axis + (idx,)]


def take_along_axis(x, indices, axis=None):
    """Pick ``x[..., indices[...], ...]`` along ``axis`` (NumPy semantics).

    >>> take_along_axis([[1, 2], [3, 4]], [[1], [0]], axis=1).numpy().tolist()
    [[2], [3]]
    """
    if symbolic(locals()):
        return record("take_along_axis", locals())
    x = convert_to_tensor(x)
    idx = np.asarray(indices.numpy() if hasattr(indices, "numpy") else indices).astype(np.int64)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = normalize_axis(axis, x.ndim)[0]
    shape = np.broadcast_shapes(x.shape[:axis] + (1,) + x.shape[axis + 1:],
                                idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
    key = []
    for d in range(x.ndim):
        if d == axis:
            key.append(np.broadcast_to(idx, shape[:axis] + idx.shape[axis:axis + 1] + shape[axis + 1:]))
        else:
            r = np.arange(shape[d]).reshape([-1 if i == d else 1 for i in range(x.ndim)])
            key.append(np.minimum(r, x.shape[d] - 1))
    return x[tuple(key)]


def scatter_add(shape, indices, updates):
    """Zeros of ``shape`` plus ``updates`` added at integer ``indices`` (rows of
    coordinates); repeated indices accumulate.

    >>> scatter_add((3,), [[0], [0], [2]], [1.0, 1.0, 5.0]).numpy().tolist()
    [2.0, 0.0, 5.0]
    """
    if symbolic(locals()):
        return record("scatter_add", locals())
    updates = convert_to_tensor(updates)
    idx = np.asarray(indices.numpy() if hasattr(indices, "numpy") else indices).astype(np.int64)
    key = tuple(idx[..., i] for i in range(idx.shape[-1]))
    return apply("index_add", (updates,), {"key": key, "shape": as_shape(shape)})


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad with a constant (``mode="constant"`` only).

    >>> pad([1, 2], [(1, 0)]).numpy().tolist()
    [0, 1, 2]
    """
    if symbolic(locals()):
        return record("pad", locals())
    x = convert_to_tensor(x)
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    width = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2), (x.ndim, 2))
    if (width < 0).any():
        raise ValueError(f"pad: negative pad width {pad_width}")
    width = tuple((int(a), int(b)) for a, b in width)
    return apply("pad", (x,), {"pad_width": width, "value": constant_values or 0})


def flip(x, axis=None):
    """Reverse the order along ``axis`` (all axes if None).

    >>> flip([1, 2, 3]).numpy().tolist()
    [3, 2, 1]
    """
    if symbolic(locals()):
        return record("flip", locals())
    x = convert_to_tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else normalize_axis(axis, x.ndim)
    return x[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim))]


def repeat(x, repeats, axis=None):
    """Repeat each value ``repeats`` times along ``axis`` (an int repeat count).

    >>> repeat([1, 2], 2).numpy().tolist()
    [1, 1, 2, 2]
    """
    if symbolic(locals()):
        return record("repeat", locals())
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = normalize_axis(axis, x.ndim)[0]
    idx = np.repeat(np.arange(x.shape[axis]), repeats)
    return x[(slice(None),) * axis + (idx,)]


def tile(x, repeats):
    """Repeat the whole tensor along each axis.

    >>> tile([1, 2], 2).numpy().tolist()
    [1, 2, 1, 2]
    """
    if symbolic(locals()):
        return record("tile", locals())
    x = convert_to_tensor(x)
    reps = as_shape(repeats)
    reps = (1,) * (x.ndim - len(reps)) + reps
    x = x.reshape((1,) * (len(reps) - x.ndim) + x.shape)
    for axis, r in enumerate(reps):
        if r != 1:
            x = x[(slice(None),) * axis + (np.tile(np.arange(x.shape[axis]), r),)]
    return x


def ravel(x):
    """Flatten to 1-D.

    >>> ravel([[1, 2], [3, 4]]).shape
    (4,)
    """
    if symbolic(locals()):
        return record("ravel", locals())
    return convert_to_tensor(x).reshape(-1)


def tril(x, k=0):
    """Zero everything above diagonal ``k`` (last two axes).

    >>> tril([[1, 2], [3, 4]]).numpy().tolist()
    [[1, 0], [3, 4]]
    """
    if symbolic(locals()):
        return record("tril", locals())
    from .math_ops import where
    x = convert_to_tensor(x)
    mask = np.tril(np.ones(x.shape[-2:], dtype=bool), k)
    return where(mask, x, 0)


def triu(x, k=0):
    """Zero everything below diagonal ``k`` (last two axes).

    >>> triu([[1, 2], [3, 4]]).numpy().tolist()
    [[1, 2], [0, 4]]
    """
    if symbolic(locals()):
        return record("triu", locals())
    from .math_ops import where
    x = convert_to_tensor(x)
    mask = np.triu(np.ones(x.shape[-2:], dtype=bool), k)
    return where(mask, x, 0)


def get_item(x, key):
    """``x[key]`` (Keras's ``GetItem``); a list of slices is taken as a tuple,
    as a saved graph stores it.

    >>> get_item([[1, 2, 3]], [slice(None), slice(1, None)]).numpy().tolist()
    [[2, 3]]
    """
    if symbolic(locals()):
        return record("get_item", locals())
    return convert_to_tensor(x)[index_key(key)]


def shape(x):
    """The shape as a tuple of ints.

    >>> shape([[1, 2, 3]])
    (1, 3)
    """
    if symbolic(locals()):
        return record("shape", locals())
    return convert_to_tensor(x).shape

