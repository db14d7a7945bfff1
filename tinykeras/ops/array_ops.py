"""NumPy-style creation and structure ops with Keras 3 names (``keras.ops.numpy``):
``linspace``, ``meshgrid``, ``tri``, ``diag``, ``roll``, ``rot90``, stacks and
splits, ``outer``/``kron``/``tensordot``/``einsum``, ...

All are written with the existing ops (reshape, transpose, getitem,
index_add, matmul, ...), so they run on every backend and differentiate
where Keras's do.  Constants (``linspace``, windows) are made by NumPy
(``linspace``, ``logspace`` and ``geomspace`` with ops when a gradient must
reach their tensor ends).

>>> import tinykeras as tk
>>> tk.ops.linspace(0, 1, 3).numpy().tolist(), tk.ops.roll([1, 2, 3], 1).numpy().tolist()
([0.0, 0.5, 1.0], [3, 1, 2])
"""
import builtins

import numpy as np

from .. import backend as _backend
from ..core.autograd import GRAD
from ..core.primitives import where
from ..core.tensor import Tensor
from .common import as_shape, convert_to_tensor, normalize_axis, record, symbolic, tensors
from .math_ops import abs, exp, log, sum, zeros
from .shape_ops import concatenate, flip, moveaxis, scatter_add, split, swapaxes

__all__ = ["linspace", "logspace", "geomspace", "meshgrid", "tri", "diag", "diagonal", "diagflat", "trace",
           "roll", "rot90", "fliplr", "flipud", "hstack", "vstack", "dstack", "append", "hsplit", "vsplit",
           "dsplit", "array_split", "copy", "array", "empty", "empty_like", "identity", "ndim", "size", "vander",
           "bartlett", "blackman", "hamming", "hanning", "kaiser"]


def _indices(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _float_dtype(dtype):
    return np.dtype(dtype).name if dtype is not None else _backend.floatx()


def _needs_grad(*values):
    return GRAD.enabled and any(isinstance(v, Tensor) and v.requires_grad for v in values)


def _spaced(start, stop, num, endpoint, axis):
    """``linspace`` written with ops, in float64, when a gradient must reach
    ``start`` or ``stop`` (as Keras's with PyTorch); the ends are exact."""
    start, stop = [convert_to_tensor(v).astype("float64") for v in (start, stop)]
    ndim = len(np.broadcast_shapes(start.shape, stop.shape))
    steps = np.arange(num, dtype=np.float64) / builtins.max((num - 1) if endpoint else num, 1)
    out = start + Tensor(steps.reshape((num,) + (1,) * ndim)) * (stop - start)
    if endpoint and num > 1:
        out = where(Tensor((np.arange(num) == num - 1).reshape((num,) + (1,) * ndim)), stop, out)
    return moveaxis(out, 0, axis) if ndim and axis != 0 else out


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included if
    ``endpoint``); differentiable in tensor ``start`` and ``stop``.

    >>> linspace(0.0, 1.0, 5).numpy().tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if symbolic(locals()):
        return record("linspace", locals())
    values, step = np.linspace(_indices(start), _indices(stop), num, endpoint=endpoint, retstep=True, axis=axis)
    out = Tensor(values.astype(_float_dtype(dtype)))
    if _needs_grad(start, stop):
        out = _spaced(start, stop, num, endpoint, axis).astype(out.dtype)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``; differentiable in tensor ``start`` and ``stop``.

    >>> logspace(0, 2, 3).numpy().tolist()
    [1.0, 10.0, 100.0]
    """
    if symbolic(locals()):
        return record("logspace", locals())
    if _needs_grad(start, stop):
        return (float(base) ** _spaced(start, stop, num, endpoint, axis)).astype(_float_dtype(dtype))
    values = np.logspace(_indices(start), _indices(stop), num, endpoint=endpoint, base=base, axis=axis)
    return Tensor(values.astype(_float_dtype(dtype)))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Values spaced evenly on a log scale from ``start`` to ``stop``;
    differentiable in tensor ``start`` and ``stop``.

    >>> geomspace(1, 8, 4).numpy().tolist()
    [1.0, 2.0, 4.0, 8.0]
    """
    if symbolic(locals()):
        return record("geomspace", locals())
    if _needs_grad(start, stop):  # sign(start) * e ** linspace(log|start|, log|stop|)
        sign = np.sign(_indices(start)).astype(np.float64)
        grid = _spaced(log(abs(convert_to_tensor(start))), log(abs(convert_to_tensor(stop))), num, endpoint, axis)
        return (exp(grid) * Tensor(np.expand_dims(sign, axis) if sign.ndim else sign)).astype(_float_dtype(dtype))
    values = np.geomspace(_indices(start), _indices(stop), num, endpoint=endpoint, axis=axis)
    return Tensor(values.astype(_float_dtype(dtype)))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (``indexing="xy"`` or ``"ij"``).

    >>> [t.shape for t in meshgrid([1, 2, 3], [4, 5])]
    [(2, 3), (2, 3)]
    """
    if symbolic(locals()) or symbolic(dict(enumerate(x))):  # (a list among the x)
        return record("meshgrid", locals())
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [convert_to_tensor(t).reshape(-1) for t in x]
    shape = [t.shape[0] for t in xs]
    if indexing == "xy" and len(xs) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(xs):
        axis = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(xs) > 1 else i
        out.append(t.reshape([-1 if d == axis else 1 for d in range(len(xs))]).broadcast_to(tuple(shape)))
    return out


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal ``k``, zeros above.

    >>> tri(2).numpy().tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    if symbolic(locals()):
        return record("tri", locals())
    return Tensor(np.tri(N, M, k, dtype=_float_dtype(dtype)))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the planes spanned by ``axis1`` and ``axis2``
    (moved to the last axis).

    >>> diagonal([[1, 2], [3, 4]]).numpy().tolist()
    [1, 4]
    """
    if symbolic(locals()):
        return record("diagonal", locals())
    x = convert_to_tensor(x)
    a1, a2 = normalize_axis(axis1, x.ndim)[0], normalize_axis(axis2, x.ndim)[0]
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, got {axis1} and {axis2}")
    x = moveaxis(x, (a1, a2), (-2, -1))
    n, m = x.shape[-2:]
    rows = np.arange(builtins.max(0, -offset), builtins.max(0, builtins.min(n, m - offset)))
    return x[(Ellipsis, rows, rows + offset)]


def diag(x, k=0):
    """The diagonal ``k`` of a matrix, or a matrix with a vector on diagonal ``k``.

    >>> diag([1, 2]).numpy().tolist(), diag([[1, 2], [3, 4]], 1).numpy().tolist()
    ([[1, 0], [0, 2]], [2])
    """
    if symbolic(locals()):
        return record("diag", locals())
    x = convert_to_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag: expected a 1-D or 2-D input, got shape {x.shape}")
    n = x.shape[0] + builtins.abs(k)
    rows = np.arange(x.shape[0]) + builtins.max(0, -k)
    return scatter_add((n, n), np.stack([rows, rows + k], -1), x)


def diagflat(x, k=0):
    """A matrix with the flattened ``x`` on diagonal ``k``.

    >>> diagflat([[1, 2]]).shape
    (2, 2)
    """
    if symbolic(locals()):
        return record("diagflat", locals())
    return diag(convert_to_tensor(x).reshape(-1), k)


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum along a diagonal.

    >>> trace([[1, 2], [3, 4]]).item()
    5
    """
    if symbolic(locals()):
        return record("trace", locals())
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


def roll(x, shift, axis=None):
    """Shift values along ``axis`` (flattened if None), wrapping around.

    >>> roll([[1, 2], [3, 4]], 1, axis=1).numpy().tolist()
    [[2, 1], [4, 3]]
    """
    if symbolic(locals()):
        return record("roll", locals())
    x = convert_to_tensor(x)
    if axis is None:
        return roll(x.reshape(-1), shift, 0).reshape(x.shape)
    shifts = (shift,) * len(axis) if isinstance(axis, (tuple, list)) and isinstance(shift, int) else shift
    for s, a in zip(np.atleast_1d(shifts), np.atleast_1d(axis)):
        a = normalize_axis(int(a), x.ndim)[0]
        x = x[(slice(None),) * a + (np.roll(np.arange(x.shape[a]), int(s)),)]
    return x


def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``.

    >>> rot90([[1, 2], [3, 4]]).numpy().tolist()
    [[2, 4], [1, 3]]
    """
    if symbolic(locals()):
        return record("rot90", locals())
    x = convert_to_tensor(array)
    if len(axes) != 2 or axes[0] % x.ndim == axes[1] % x.ndim:
        raise ValueError(f"rot90: axes must be two different axes, got {axes}")
    k %= 4
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, axes[0]), axes[1])
    if k == 1:
        return swapaxes(flip(x, axes[1]), axes[0], axes[1])
    return flip(swapaxes(x, axes[0], axes[1]), axes[1])


def fliplr(x):
    """Reverse the second axis.

    >>> fliplr([[1, 2]]).numpy().tolist()
    [[2, 1]]
    """
    if symbolic(locals()):
        return record("fliplr", locals())
    return flip(x, 1)


def flipud(x):
    """Reverse the first axis.

    >>> flipud([[1], [2]]).numpy().tolist()
    [[2], [1]]
    """
    if symbolic(locals()):
        return record("flipud", locals())
    return flip(x, 0)


def _atleast(x, n):
    x = convert_to_tensor(x)
    if x.ndim >= n:
        return x
    if n == 3 and x.ndim == 2:
        return x.reshape(x.shape + (1,))
    shape = {0: (1,) * n, 1: (1, x.shape[0], 1)[:n] if n == 3 else (1, x.shape[0])}[x.ndim]
    return x.reshape(shape)


def hstack(xs):
    """Join along the second axis (the first for 1-D inputs).

    >>> hstack([[1, 2], [3]]).numpy().tolist()
    [1, 2, 3]
    """
    if symbolic(locals()):
        return record("hstack", locals())
    xs = tensors(*xs)
    return concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


def vstack(xs):
    """Join along the first axis (1-D inputs become rows).

    >>> vstack([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    if symbolic(locals()):
        return record("vstack", locals())
    return concatenate([_atleast(x, 2) for x in xs], axis=0)


def dstack(xs):
    """Join along the third axis.

    >>> dstack([[1, 2], [3, 4]]).shape
    (1, 2, 2)
    """
    if symbolic(locals()):
        return record("dstack", locals())
    return concatenate([_atleast(x, 3) for x in xs], axis=2)


def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` (both flattened if ``axis`` is None).

    >>> append([1, 2], [[3]]).numpy().tolist()
    [1, 2, 3]
    """
    if symbolic(locals()):
        return record("append", locals())
    x1, x2 = tensors(x1, x2)
    if axis is None:
        return concatenate([x1.reshape(-1), x2.reshape(-1)])
    return concatenate([x1, x2], axis=axis)


def array_split(x, indices_or_sections, axis=0):
    """Split into ``indices_or_sections`` parts that may differ by one in size.

    >>> [t.shape for t in array_split(np.zeros(5), 2)]
    [(3,), (2,)]
    """
    if symbolic(locals()):
        return record("array_split", locals())
    x = convert_to_tensor(x)
    if not isinstance(indices_or_sections, (int, np.integer)):
        return split(x, indices_or_sections, axis)
    n, k = x.shape[normalize_axis(axis, x.ndim)[0]], int(indices_or_sections)
    if k <= 0:
        raise ValueError(f"array_split: the number of sections must be positive, got {k}")
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    return split(x, list(np.cumsum(sizes)[:-1]), axis)


def _split_along(axis, name):
    def op(x, indices_or_sections):
        if symbolic(locals()):
            return record(name, locals())
        x = convert_to_tensor(x)
        return split(x, indices_or_sections, 0 if axis == 1 and x.ndim == 1 else axis)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``split`` along axis {axis}.\n\n>>> len({name}(np.zeros((2, 4, 2)), 2))\n2\n")
    return op


hsplit, vsplit, dsplit = _split_along(1, "hsplit"), _split_along(0, "vsplit"), _split_along(2, "dsplit")


def copy(x):
    """A copy of ``x`` (tinykeras tensors are never written in place, so the same values).

    >>> copy([1, 2]).numpy().tolist()
    [1, 2]
    """
    if symbolic(locals()):
        return record("copy", locals())
    return convert_to_tensor(x) * 1


def array(x, dtype=None):
    """A tensor from ``x``.

    >>> array([1, 2], dtype="float32").numpy().tolist()
    [1.0, 2.0]
    """
    if symbolic(locals()):
        return record("array", locals())
    return convert_to_tensor(x, dtype)


def empty(shape, dtype=None):
    """A tensor of ``shape`` (filled with zeros here).

    >>> empty((2,)).shape
    (2,)
    """
    if symbolic(locals()):
        return record("empty", locals())
    return zeros(as_shape(shape), _float_dtype(dtype))


def empty_like(x, dtype=None):
    """A tensor with the shape and dtype of ``x`` (zeros here).

    >>> empty_like([1, 2]).dtype
    'int32'
    """
    if symbolic(locals()):
        return record("empty_like", locals())
    x = convert_to_tensor(x)
    return zeros(x.shape, dtype or x.dtype)


def identity(n, dtype=None):
    """The ``n`` x ``n`` identity matrix.

    >>> identity(2).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if symbolic(locals()):
        return record("identity", locals())
    return Tensor(np.identity(n, dtype=_float_dtype(dtype)))


def ndim(x):
    """The number of axes.

    >>> ndim([[1, 2]])
    2
    """
    if symbolic(locals()):
        return record("ndim", locals())
    return convert_to_tensor(x).ndim


def size(x):
    """The number of values.

    >>> size([[1, 2, 3]])
    3
    """
    if symbolic(locals()):
        return record("size", locals())
    return int(np.prod(convert_to_tensor(x).shape, dtype=np.int64))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of 1-D ``x``: columns are powers of ``x``.

    >>> vander([2, 3], 3).numpy().tolist()
    [[4, 2, 1], [9, 3, 1]]
    """
    if symbolic(locals()):
        return record("vander", locals())
    x = convert_to_tensor(x)
    n = x.shape[0] if N is None else N
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    return x.reshape(-1, 1) ** Tensor(powers.astype(x.data.dtype))


def _window(np_fn, name):
    def window(x):
        if symbolic(locals()):
            return record(name, locals())
        return Tensor(np_fn(int(x)).astype(_backend.floatx()))
    window.__name__ = window.__qualname__ = name
    window.__doc__ = f"The {name} window of ``x`` points (NumPy's ``{name}``).\n\n>>> {name}(4).shape\n(4,)\n"
    return window


bartlett, blackman = _window(np.bartlett, "bartlett"), _window(np.blackman, "blackman")
hamming, hanning = _window(np.hamming, "hamming"), _window(np.hanning, "hanning")


def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape ``beta``.

    >>> kaiser(4, 0.0).numpy().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    if symbolic(locals()):
        return record("kaiser", locals())
    return Tensor(np.kaiser(int(x), float(beta)).astype(_backend.floatx()))

