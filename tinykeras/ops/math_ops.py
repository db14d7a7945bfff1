"""NumPy-style ops with Keras 3 names (``keras.ops.numpy`` and ``keras.ops.math``).

>>> import tinykeras as tk
>>> tk.ops.mean(tk.ops.arange(4.0)).item()
1.5
"""
import numpy as np

from ..core.primitives import where as _where
from ..core.registry import ACTIVE
from ..core.tensor import Tensor, apply, _binary, _wrap
from .common import as_shape, convert_to_tensor, declare_composite, normalize_axis, record, symbolic, tensors


def _unary(name, doc, kernel_op=None):
    kernel_op = kernel_op or name

    def op(x):
        if symbolic(locals()):
            return record(name, locals())
        return apply(kernel_op, (convert_to_tensor(x),))
    op.__name__ = op.__qualname__ = name
    op.__code__ = op.__code__.replace(co_name=name, co_qualname=name)  # stack traces name the op
    op.__doc__ = f"{doc}, elementwise.\n\n>>> {name}([1.0]).shape\n(1,)\n"
    return op


def _binary_op(name, doc):
    def op(x1, x2):
        if symbolic(locals()):
            return record(name, locals())
        x1, x2 = tensors(x1, x2)
        return _binary(name, x1, x2)
    op.__name__ = op.__qualname__ = name
    op.__code__ = op.__code__.replace(co_name=name, co_qualname=name)  # stack traces name the op
    op.__doc__ = f"{doc}, elementwise with broadcasting.\n\n>>> {name}([1.0], [2.0]).shape\n(1,)\n"
    return op


negative = _unary("negative", "-x")
exp = _unary("exp", "e**x")
log = _unary("log", "Natural logarithm")
log1p = _unary("log1p", "log(1 + x)")
expm1 = _unary("expm1", "e**x - 1")
sqrt = _unary("sqrt", "Square root")
abs = _unary("abs", "|x|")
absolute = _unary("absolute", "|x|", kernel_op="abs")
sign = _unary("sign", "Sign (-1, 0, 1)")
sin = _unary("sin", "Sine")
cos = _unary("cos", "Cosine")
tanh = _unary("tanh", "Hyperbolic tangent")
erf = _unary("erf", "The error function")
floor = _unary("floor", "Round down")
ceil = _unary("ceil", "Round up")
logical_not = _unary("logical_not", "Logical not")

add = _binary_op("add", "x1 + x2")
subtract = _binary_op("subtract", "x1 - x2")
multiply = _binary_op("multiply", "x1 * x2")
power = _binary_op("power", "x1 ** x2")
maximum = _binary_op("maximum", "The larger value")
minimum = _binary_op("minimum", "The smaller value")
floor_divide = _binary_op("floor_divide", "x1 // x2")
mod = _binary_op("mod", "x1 % x2")
equal = _binary_op("equal", "x1 == x2")
not_equal = _binary_op("not_equal", "x1 != x2")
less = _binary_op("less", "x1 < x2")
less_equal = _binary_op("less_equal", "x1 <= x2")
greater = _binary_op("greater", "x1 > x2")
greater_equal = _binary_op("greater_equal", "x1 >= x2")
logical_and = _binary_op("logical_and", "Logical and")
logical_or = _binary_op("logical_or", "Logical or")


def divide(x1, x2):
    """x1 / x2; integer inputs give float32, as in Keras.

    >>> divide([1], [2]).numpy().tolist()
    [0.5]
    """
    if symbolic(locals()):
        return record("divide", locals())
    x1, x2 = tensors(x1, x2)
    if x1.data.dtype.kind not in "fc" and x2.data.dtype.kind not in "fc":
        x1, x2 = x1.astype("float32"), x2.astype("float32")
    return _binary("divide", x1, x2)


def true_divide(x1, x2):
    """x1 / x2: ``divide`` under the name Keras records for the ``/`` operator.

    >>> true_divide([1], [2]).numpy().tolist()
    [0.5]
    """
    if symbolic(locals()):
        return record("true_divide", locals())
    return divide(x1, x2)


def round(x, decimals=0):
    """Round half to even (as NumPy), to ``decimals`` places.

    >>> round([0.5, 1.26], 1).numpy()
    array([0.5, 1.3], dtype=float32)
    """
    if symbolic(locals()):
        return record("round", locals())
    x = convert_to_tensor(x)
    if decimals == 0:
        return apply("round", (x,))
    scale = 10.0 ** decimals
    return apply("round", (x * scale,)) / scale


def square(x):
    """x * x.

    >>> square([3.0]).item()
    9.0
    """
    if symbolic(locals()):
        return record("square", locals())
    x = convert_to_tensor(x)
    return x * x


def reciprocal(x):
    """1 / x.

    >>> reciprocal([4.0]).item()
    0.25
    """
    if symbolic(locals()):
        return record("reciprocal", locals())
    return divide(1.0, convert_to_tensor(x))


def where(condition, x1=None, x2=None):
    """Pick from ``x1`` where ``condition`` holds, else from ``x2``.

    >>> where([True, False], [1.0, 2.0], [3.0, 4.0]).numpy().tolist()
    [1.0, 4.0]
    """
    if symbolic(locals()):
        return record("where", locals())
    condition = convert_to_tensor(condition)
    if x1 is None and x2 is None:
        raise ValueError("where: the one-argument form (nonzero indices) is not supported; use nonzero()")
    if condition.dtype != "bool":
        condition = condition != 0
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        x1 = convert_to_tensor(x1)
    return _where(condition, x1, x2)


def clip(x, x_min, x_max):
    """Limit values to ``[x_min, x_max]`` (gradient 1 inside, 0 outside).

    >>> clip([-2.0, 0.5, 3.0], 0.0, 1.0).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    if symbolic(locals()):
        return record("clip", locals())
    x = convert_to_tensor(x)
    return minimum(maximum(x, x_min), x_max)


def _reduction(name, kernel_op=None):
    kernel_op = kernel_op or name

    def op(x, axis=None, keepdims=False):
        if symbolic(locals()):
            return record(name, locals())
        x = convert_to_tensor(x)
        return apply(kernel_op, (x,), {"axis": normalize_axis(axis, x.ndim), "keepdims": bool(keepdims)})
    op.__name__ = op.__qualname__ = name
    op.__code__ = op.__code__.replace(co_name=name, co_qualname=name)  # stack traces name the op
    op.__doc__ = f"The {name} over ``axis`` (None: all axes).\n\n>>> {name}([1.0, 2.0]).shape\n()\n"
    return op


sum = _reduction("sum")
max, amax = _reduction("max"), _reduction("amax", kernel_op="max")
min, amin = _reduction("min"), _reduction("amin", kernel_op="min")
prod = _reduction("prod")


def _argreduction(name):
    def op(x, axis=None, keepdims=False):
        if symbolic(locals()):
            return record(name, locals())
        x = convert_to_tensor(x)
        if axis is not None:
            axis = normalize_axis(axis, x.ndim)[0]
        return apply(name, (x,), {"axis": axis, "keepdims": bool(keepdims)})
    op.__name__ = op.__qualname__ = name
    op.__code__ = op.__code__.replace(co_name=name, co_qualname=name)  # stack traces name the op
    op.__doc__ = (f"Index of the {name[3:]} along ``axis`` (int32).\n\n>>> {name}([1.0, 3.0]).item()\n"
                  f"{1 if name == 'argmax' else 0}\n")
    return op


argmax = _argreduction("argmax")
argmin = _argreduction("argmin")


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``.

    >>> mean([[1.0, 3.0]], axis=1).numpy().tolist()
    [2.0]
    """
    if symbolic(locals()):
        return record("mean", locals())
    x = convert_to_tensor(x)
    if x.data.dtype.kind not in "fc":
        x = x.astype("float32")
    return x.mean(axis, keepdims)


def var(x, axis=None, keepdims=False):
    """Variance (population, as Keras).

    >>> var([1.0, 3.0]).item()
    1.0
    """
    if symbolic(locals()):
        return record("var", locals())
    x = convert_to_tensor(x)
    centered = x - x.mean(axis, keepdims=True)
    return (centered * centered).mean(axis, keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation (population).

    >>> std([1.0, 3.0]).item()
    1.0
    """
    if symbolic(locals()):
        return record("std", locals())
    return sqrt(var(x, axis, keepdims))


def all(x, axis=None, keepdims=False):
    """True where every value along ``axis`` is true.

    >>> all([True, False]).item()
    False
    """
    if symbolic(locals()):
        return record("all", locals())
    x = convert_to_tensor(x)
    return min(x.astype("bool").astype("int32"), axis, keepdims).astype("bool")


def any(x, axis=None, keepdims=False):
    """True where some value along ``axis`` is true.

    >>> any([True, False]).item()
    True
    """
    if symbolic(locals()):
        return record("any", locals())
    x = convert_to_tensor(x)
    return max(x.astype("bool").astype("int32"), axis, keepdims).astype("bool")


def count_nonzero(x, axis=None):
    """How many values are not zero.

    >>> count_nonzero([0, 1, 2]).item()
    2
    """
    if symbolic(locals()):
        return record("count_nonzero", locals())
    return sum(not_equal(x, 0).astype("int32"), axis)


def isnan(x):
    """True where x is NaN.

    >>> isnan([float("nan"), 1.0]).numpy().tolist()
    [True, False]
    """
    if symbolic(locals()):
        return record("isnan", locals())
    x = convert_to_tensor(x)
    return not_equal(x, x)


def isfinite(x):
    """True where x is neither NaN nor infinite.

    >>> isfinite([float("inf"), 1.0]).numpy().tolist()
    [False, True]
    """
    if symbolic(locals()):
        return record("isfinite", locals())
    x = convert_to_tensor(x)
    return logical_and(equal(x, x), less(abs(x), float("inf")))


@declare_composite("logsumexp", params=("axis", "keepdims"), sample="reduce",
                   rule=lambda g, o, x, axis, keepdims: (_keep(g, x, axis, keepdims) *
                                                         (x - _keep(o, x, axis, keepdims)).exp(),))
def _logsumexp_composite(x, axis=None, keepdims=False):
    m = x.max(axis, keepdims=True).detach()
    out = (x - m).exp().sum(axis, keepdims=True).log() + m
    return out if keepdims else out.reshape(_reduced_shape(x.shape, axis))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably.

    >>> print(f"{logsumexp([0.0, 0.0]).item():.4f}")
    0.6931
    """
    if symbolic(locals()):
        return record("logsumexp", locals())
    x = convert_to_tensor(x)
    return apply("logsumexp", (x,), {"axis": normalize_axis(axis, x.ndim), "keepdims": bool(keepdims)})


def _reduced_shape(shape, axes):
    return () if axes is None else tuple(s for i, s in enumerate(shape) if i not in axes)


def _keep(g, x, axis, keepdims):
    if keepdims:
        return g
    return g.reshape([1 if axis is None or i in axis else s for i, s in enumerate(x.shape)])


def dot(x1, x2):
    """Dot product (matmul for 2-D, NumPy's ``dot`` rules for 1-D).

    >>> dot([1.0, 2.0], [3.0, 4.0]).item()
    11.0
    """
    if symbolic(locals()):
        return record("dot", locals())
    x1, x2 = tensors(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return x1 @ x2


def matmul(x1, x2):
    """Matrix product with NumPy's batching rules.

    >>> matmul([[1.0, 2.0]], [[3.0], [4.0]]).numpy().tolist()
    [[11.0]]
    """
    if symbolic(locals()):
        return record("matmul", locals())
    x1, x2 = tensors(x1, x2)
    return x1 @ x2


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)``.

    >>> arange(3).numpy().tolist()
    [0, 1, 2]
    """
    if symbolic(locals()):
        return record("arange", locals())
    values = np.arange(start, stop, step)
    if dtype is None:
        dtype = "float32" if values.dtype.kind == "f" else "int32"
    return Tensor(values.astype(dtype))


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``.

    >>> full((2,), 7.0).numpy().tolist()
    [7.0, 7.0]
    """
    if symbolic(locals()):
        return record("full", locals())
    dtype = np.dtype(dtype or ("float32" if isinstance(fill_value, float) else
                               "bool" if isinstance(fill_value, bool) else "int32")).name
    return _wrap(ACTIVE["full"](as_shape(shape), fill_value, dtype))


def zeros(shape, dtype="float32"):
    """A tensor of zeros.

    >>> zeros((2, 3)).shape
    (2, 3)
    """
    if symbolic(locals()):
        return record("zeros", locals())
    return full(shape, 0, dtype)


def ones(shape, dtype="float32"):
    """A tensor of ones.

    >>> ones(2).numpy().tolist()
    [1.0, 1.0]
    """
    if symbolic(locals()):
        return record("ones", locals())
    return full(shape, 1, dtype)


def zeros_like(x, dtype=None):
    """Zeros with the shape (and dtype) of ``x``.

    >>> zeros_like([1.0, 2.0]).numpy().tolist()
    [0.0, 0.0]
    """
    if symbolic(locals()):
        return record("zeros_like", locals())
    x = convert_to_tensor(x)
    return full(x.shape, 0, dtype or x.dtype)


def ones_like(x, dtype=None):
    """Ones with the shape (and dtype) of ``x``.

    >>> ones_like([1, 2]).numpy().tolist()
    [1, 1]
    """
    if symbolic(locals()):
        return record("ones_like", locals())
    x = convert_to_tensor(x)
    return full(x.shape, 1, dtype or x.dtype)


def full_like(x, fill_value, dtype=None):
    """``fill_value`` with the shape (and dtype) of ``x``.

    >>> full_like([1.0], 3).numpy().tolist()
    [3.0]
    """
    if symbolic(locals()):
        return record("full_like", locals())
    x = convert_to_tensor(x)
    return full(x.shape, fill_value, dtype or x.dtype)


def eye(N, M=None, k=0, dtype="float32"):
    """Identity-like matrix with ones on diagonal ``k``.

    >>> eye(2).numpy().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    if symbolic(locals()):
        return record("eye", locals())
    return Tensor(np.eye(N, M, k, dtype=dtype))


def cast(x, dtype):
    """Change the dtype (differentiable between float dtypes).

    >>> cast([1.7], "int32").numpy().tolist()
    [1]
    """
    if symbolic(locals()):
        return record("cast", locals())
    return convert_to_tensor(x).astype(dtype)
