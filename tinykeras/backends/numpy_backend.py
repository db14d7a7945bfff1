"""The NumPy reference backend: the living definition of every op.

It is an ordinary plugin, registered through the same plugin manager as
any other but with ``trylast=True``, so every other plugin can override
any of its kernels.  Every other backend is tested against these kernels.

>>> from tinykeras.core import registry
>>> registry.kernel("add", "numpy")(np.ones(2), np.ones(2)).tolist()
[2.0, 2.0]
"""
import numpy as np

from ..core.hookspecs import hookimpl
from . import numpy_conv, numpy_fused, numpy_optimizers, numpy_rnn

try:  # SciPy's erf is faster; fall back to math.erf, vectorised
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - scipy is optional
    import math
    _erf = np.vectorize(math.erf, otypes=[np.float64])


def _erf_same_dtype(x):
    return np.asarray(_erf(x), dtype=x.dtype)


def _reduction(fn):
    def kernel(x, axis=None, keepdims=False):
        return np.asarray(fn(x, axis=axis, keepdims=keepdims))
    kernel.__name__ = fn.__name__
    return kernel


def _sum(x, axis=None, keepdims=False):
    dtype = np.int32 if x.dtype == np.bool_ else x.dtype  # sums keep their dtype, as in Keras
    return np.asarray(np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype))


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
    if any(isinstance(k, np.ndarray) for k in key):
        np.add.at(out, key, values)   # repeated indices accumulate
    else:
        out[key] = values             # basic index: no repeats, plain store is faster
    return out


def _broadcast_to(x, shape):
    out = np.empty(shape, dtype=x.dtype)  # a real array: ~10x faster than np.broadcast_to
    out[...] = x                          # for the small tensors Python overhead dominates
    return out


def _pad(x, pad_width, value=0):
    return np.pad(x, pad_width, mode="constant", constant_values=value)


def _divide(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.divide(x, y)


def _array_result(ufunc):
    """NumPy ufuncs turn 0-d results into scalars (np.float32); a backend
    array must stay an ndarray (it is written in place, passed to __array__)."""
    def kernel(*args):
        out = ufunc(*args)
        return out if type(out) is np.ndarray else np.asarray(out)
    kernel.__name__ = getattr(ufunc, "__name__", "kernel")
    return kernel


KERNELS = {
    "asarray": np.asarray,
    "to_numpy": lambda x: x,
    "full": lambda shape, value, dtype: np.full(shape, value, dtype=dtype),
    "negative": np.negative, "exp": np.exp, "log": np.log, "log1p": np.log1p,
    "expm1": np.expm1, "sqrt": np.sqrt, "abs": np.abs, "sign": np.sign,
    "sin": np.sin, "cos": np.cos, "tanh": np.tanh, "erf": _erf_same_dtype,
    "floor": np.floor, "ceil": np.ceil, "round": np.round, "logical_not": np.logical_not,
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": _divide,
    "power": np.power, "maximum": np.maximum, "minimum": np.minimum,
    "floor_divide": np.floor_divide, "mod": np.mod,
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
    "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or,
    "where": np.where,
    "sum": _sum, "max": _reduction(np.max), "min": _reduction(np.min),
    "prod": _prod,
    "argmax": _argreduction(np.argmax), "argmin": _argreduction(np.argmin),
    "reshape": lambda x, shape: x.reshape(shape),
    "transpose": lambda x, axes: x.transpose(axes),
    "broadcast_to": _broadcast_to,
    "pad": _pad,
    "concatenate": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "getitem": lambda x, key: np.asarray(x[key]),
    "index_add": _index_add,
    "cast": lambda x, dtype: x.astype(dtype),
    "matmul": np.matmul,
}

KERNELS.update({op: _array_result(fn) for op, fn in KERNELS.items()
                if isinstance(fn, np.ufunc) or fn in (_divide, _erf_same_dtype)})

@hookimpl(trylast=True)
def tinykeras_register_backends(register):
    register("numpy", describe=lambda: f"NumPy {np.__version__} on the CPU")


@hookimpl(trylast=True)
def tinykeras_register_kernels(register):
    for op, fn in {**KERNELS, **numpy_fused.KERNELS, **numpy_optimizers.KERNELS, **numpy_conv.KERNELS,
                   **numpy_rnn.KERNELS}.items():
        register("numpy", op, fn)
