"""The NumPy reference backend: the living definition of every op.

It is an ordinary plugin, registered through the same plugin manager as
any other but with ``trylast=True``, so every other plugin can override
any of its kernels.  Every other backend is tested against these kernels.

>>> from tinykeras.core import registry
>>> registry.kernel("add", "numpy")(np.ones(2), np.ones(2)).tolist()
[2.0, 2.0]
"""
import functools

import numpy as np

from ..core.hookspecs import hookimpl
from . import numpy_attention, numpy_conv, numpy_fused, numpy_math, numpy_optimizers, numpy_parallel, numpy_rnn, numpy_threads

try:  # SciPy's erf is faster; fall back to math.erf, vectorised
    from scipy.special import erf as _erf_any_dtype
except ImportError:  # pragma: no cover - scipy is optional
    import math
    _erf_any_dtype = np.vectorize(math.erf, otypes=[np.float64])


def _reduction(fn):
    def kernel(x, axis=None, keepdims=False):
        return np.asarray(fn(x, axis=axis, keepdims=keepdims))
    kernel.__name__ = fn.__name__
    return kernel


def _sum(x, axis=None, keepdims=False):
    dtype = np.int32 if x.dtype == np.bool_ else x.dtype  # sums keep their dtype, as in Keras
    lead = tuple(range(len(axis))) if isinstance(axis, tuple) else ()
    if lead and axis == lead and len(lead) < x.ndim and x.size >= 1 << 16 and x.flags.c_contiguous \
            and numpy_fused.blas_can(x):
        rows = x.size // int(np.prod(x.shape[len(lead):]))
        if x.size // rows <= 512:   # a bias's gradient: the sums of a matrix's short columns
            total = numpy_fused.column_sums(x.reshape(rows, -1))
            return total.reshape((1,) * len(lead) * keepdims + x.shape[len(lead):])
    return np.asarray(np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype))


def _big_binary(fn):
    """Binary ufunc ``fn`` as a kernel: on big arrays in pieces on threads
    (``numpy_parallel.elementwise``), else the ufunc itself."""
    plain = _array(fn)

    def kernel(a, b):
        if a.size < numpy_parallel.BIG_ELEMENTWISE and b.size < numpy_parallel.BIG_ELEMENTWISE:
            return plain(a, b)
        return numpy_parallel.elementwise(fn, np.result_type(a, b), a, b)
    kernel.__name__ = fn.__name__
    return kernel


def _prod(x, axis=None, keepdims=False):
    dtype = np.int32 if x.dtype == np.bool_ else x.dtype
    return np.asarray(np.prod(x, axis=axis, keepdims=keepdims, dtype=dtype))


def _argreduction(fn):
    def kernel(x, axis=None, keepdims=False):
        out = fn(x, axis=axis, keepdims=keepdims)
        return np.asarray(out, dtype=np.int32)
    return kernel


def _index_add(values, key, shape):
    out = np.zeros(shape, dtype=values.dtype)
    if len(key) == 1 and isinstance(key[0], np.ndarray) and key[0].dtype.kind in "iu" and shape:
        _rows_add(out, key[0].ravel(), values.reshape((key[0].size,) + tuple(shape[1:])))
    elif any(isinstance(k, np.ndarray) for k in key):
        np.add.at(out, key, values)   # repeated indices accumulate
    else:
        out[key] = values             # basic index: no repeats, plain store is faster
    return out


def _rows_add(out, rows, values):
    """``np.add.at(out, rows, values)`` (an Embedding's gradient), in the same
    order but faster: sort the rows, then add the first occurrence of each
    row, then the second, ... (each round has no repeats, so a plain ``+=``;
    the first round a plain store into ``out``'s zeros).  Rows that fit in 16
    bits are sorted as such: NumPy's stable sort is then a radix sort, seven
    times faster than on 32-bit rows (190 µs of an Embedding's 820 saved)."""
    rows, n = np.where(rows < 0, rows + out.shape[0], rows), rows.size
    if n == 0:
        return
    short = out.shape[0] <= 1 << 16 and rows.min() >= 0 and rows.max() < out.shape[0]
    order = np.argsort(rows.astype(np.uint16) if short else rows, kind="stable")
    rows = rows[order]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
    rank = np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))
    top = int(rank.max())
    if top >= 8:                      # a row repeated many times: add.at is faster
        np.add.at(out, rows, values[order])
        return
    first = values[order[starts]]
    first += np.zeros((), first.dtype)   # -0.0 becomes 0.0, as 0.0 + -0.0 does in add.at
    out[rows[starts]] = first
    for r in range(1, top + 1):
        pick = rank == r
        out[rows[pick]] += values[order[pick]]


def _broadcast_to(x, shape):
    out = np.empty(shape, dtype=x.dtype)  # a real array: ~10x faster than np.broadcast_to
    out[...] = x                          # for the small tensors Python overhead dominates
    return out


def _pad(x, pad_width, value=0):
    return np.pad(x, pad_width, mode="constant", constant_values=value)


def _reshape(x, shape):
    return x.reshape(shape)


def _transpose(x, axes):
    return x.transpose(axes)


def _concatenate(*xs, axis):
    return np.concatenate(xs, axis=axis)


def _getitem(x, key):
    return np.asarray(x[key])


def _cast(x, dtype):
    return x.astype(dtype)


def _array(fn):
    """Ufunc ``fn`` returning an array where NumPy would give a scalar.

    NumPy ufuncs (and ``np.matmul`` of two vectors) turn 0-d results into
    scalars (``np.float32``); a kernel must return an array (it may be
    written in place, e.g. by the optimizer kernels).  NumPy >= 2.3 says so
    with ``out=...``, so the kernel is the ufunc itself with that argument
    (no Python frame in between); older NumPy gets a small wrapper.
    """
    if _OUT_ELLIPSIS:
        return functools.partial(fn, out=...)

    def kernel(*args):
        out = fn(*args)
        return out if type(out) is np.ndarray else np.asarray(out)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _divide(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):  # x / 0 is inf or nan, as in Keras
        return np.asarray(np.divide(x, y))


def _erf(x):
    return np.asarray(_erf_any_dtype(x), dtype=x.dtype)


def _round(x):
    return np.asarray(np.round(x))  # np.round is no ufunc: no out=...


def _full(shape, value, dtype):
    return np.full(shape, value, dtype=dtype)


_OUT_ELLIPSIS = np.lib.NumpyVersion(np.__version__) >= "2.3.0"

# op name -> kernel: these are the callables the registry stores and apply() calls.
KERNELS = {
    "asarray": np.asarray,
    "to_numpy": np.asarray,
    "full": _full,
    "negative": _array(np.negative), "exp": _array(np.exp), "log": _array(np.log),
    "log1p": _array(np.log1p), "expm1": _array(np.expm1), "sqrt": _array(np.sqrt),
    "abs": _array(np.abs), "sign": _array(np.sign), "sin": _array(np.sin), "cos": _array(np.cos),
    "tanh": _array(np.tanh), "erf": _erf, "floor": _array(np.floor), "ceil": _array(np.ceil),
    "round": _round, "logical_not": _array(np.logical_not),
    "add": _big_binary(np.add), "subtract": _big_binary(np.subtract), "multiply": _big_binary(np.multiply),
    "divide": _divide, "power": _array(np.power), "maximum": _array(np.maximum),
    "minimum": _array(np.minimum), "floor_divide": _array(np.floor_divide), "mod": _array(np.mod),
    "equal": _array(np.equal), "not_equal": _array(np.not_equal), "less": _array(np.less),
    "less_equal": _array(np.less_equal), "greater": _array(np.greater),
    "greater_equal": _array(np.greater_equal), "logical_and": _array(np.logical_and),
    "logical_or": _array(np.logical_or),
    "where": np.where,
    "sum": _sum, "max": _reduction(np.max), "min": _reduction(np.min),
    "prod": _prod,
    "argmax": _argreduction(np.argmax), "argmin": _argreduction(np.argmin),
    "reshape": _reshape,
    "transpose": _transpose,
    "broadcast_to": _broadcast_to,
    "pad": _pad,
    "concatenate": _concatenate,
    "getitem": _getitem,
    "index_add": _index_add,
    "cast": _cast,
    "matmul": numpy_parallel.matmul,
}


@hookimpl(trylast=True)
def tinykeras_register_backends(register):
    register("numpy", describe=lambda: f"NumPy {np.__version__} on the CPU")


def builtin_kernels():
    """``{op: kernel}``: every built-in NumPy kernel (plugins may override some).

    >>> builtin_kernels()["add"](np.ones(2), np.ones(2)).tolist()
    [2.0, 2.0]
    """
    return {**KERNELS, **numpy_fused.KERNELS, **numpy_optimizers.KERNELS, **numpy_conv.KERNELS,
            **numpy_rnn.KERNELS, **numpy_math.KERNELS, **numpy_attention.KERNELS}


@hookimpl(trylast=True)
def tinykeras_register_kernels(register):
    for op, fn in builtin_kernels().items():
        register("numpy", op, fn)
