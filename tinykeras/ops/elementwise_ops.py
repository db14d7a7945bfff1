"""More elementwise math with Keras 3 names: inverse trigonometric and
hyperbolic functions, ``log2``/``log10``/``exp2``, ``logaddexp``, ``hypot``, ...,
(the complex-number ops are in ``complex_ops.py``).

Each op is declared once with :func:`declare_composite`: its composite is
written with primitives (so it runs and differentiates on every backend);
the NumPy backend has a kernel for most (``numpy_plugin/numpy_math.py``), used
with the op's backward ``rule``.  Integer inputs give floats, as in Keras.

>>> import tinykeras as tk
>>> round(tk.ops.arctan(1.0).item() * 4, 6), tk.ops.log2([8.0]).numpy().tolist()
(3.141593, [3.0])
"""
import math

import numpy as np

from .. import backend as _backend
from ..core.primitives import where
from ..core.tensor import _lift, apply
from .common import convert_to_tensor, declare_composite, record, symbolic, tensors
from .math_ops import erf, expm1, floor, maximum

__all__ = ["arctan", "arcsin", "arccos", "tan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "log2",
           "log10", "exp2", "cbrt", "rsqrt", "erfc", "erfinv", "arctan2", "hypot", "logaddexp", "logaddexp2",
           "fmod", "deg2rad", "rad2deg", "sinc", "trunc", "fabs", "ldexp", "heaviside", "signbit"]
U = "unary"
_PI = math.pi
_TAN_PI_12 = 2.0 - math.sqrt(3.0)
_SQRT3 = math.sqrt(3.0)


def floating(x):
    """``x`` as a Tensor of a float dtype (ints and bools become ``floatx``).

    >>> floating([1, 2]).dtype
    'float32'
    """
    x = convert_to_tensor(x)
    return x if x.data.dtype.kind in "fc" else x.astype(_backend.floatx())


def _atan(x):
    """arctan by argument reduction (to |t| <= tan(pi/12)) and its Taylor series."""
    t = abs(x)
    big = t > 1
    t = where(big, 1 / where(big, t, 1.0), t)
    mid = t > _TAN_PI_12
    t = where(mid, (t * _SQRT3 - 1) / (t + _SQRT3), t)   # tan(a - pi/6)
    z, acc = t * t, 0.0
    for k in range(12, -1, -1):  # sum (-1)^k z^k / (2k + 1), Horner
        acc = acc * z + (-1) ** k / (2 * k + 1)
    r = t * acc + where(mid, _lift(_PI / 6, t), 0.0)
    return x.sign() * where(big, _PI / 2 - r, r)


def _unary_op(name, composite, rule, sample="unary"):
    declare_composite(name, rule=rule, sample=sample)(composite)

    def op(x):
        if symbolic(locals()):
            return record(name, locals())
        return apply(name, (floating(x),))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"NumPy's ``{name}``, elementwise (ints give floats).\n\n>>> {name}([0.5]).shape\n(1,)\n"
    return op


def _sq(x):
    return x * x


arctan = _unary_op("arctan", _atan, lambda g, o, x: (g / (1 + x * x),))
arcsin = _unary_op("arcsin", lambda x: _atan(x / (1 - x * x).sqrt()),
                   lambda g, o, x: (g / (1 - x * x).sqrt(),), (U, "unit"))
arccos = _unary_op("arccos", lambda x: _PI / 2 - _atan(x / (1 - x * x).sqrt()),
                   lambda g, o, x: (-g / (1 - x * x).sqrt(),), (U, "unit"))
tan = _unary_op("tan", lambda x: x.sin() / x.cos(), lambda g, o, x: (g * (1 + o * o),), (U, "halfpi"))
sinh = _unary_op("sinh", lambda x: (expm1(x) - expm1(-x)) / 2, lambda g, o, x: (g * cosh(x),))
cosh = _unary_op("cosh", lambda x: (x.exp() + (-x).exp()) / 2, lambda g, o, x: (g * sinh(x),))
arcsinh = _unary_op("arcsinh", lambda x: x.sign() * (abs(x) + (x * x + 1).sqrt()).log(),
                    lambda g, o, x: (g / (x * x + 1).sqrt(),))
arccosh = _unary_op("arccosh", lambda x: (x + (x * x - 1).sqrt()).log(),
                    lambda g, o, x: (g / (x * x - 1).sqrt(),), (U, "above1"))
arctanh = _unary_op("arctanh", lambda x: ((1 + x) / (1 - x)).log() / 2,
                    lambda g, o, x: (g / (1 - x * x),), (U, "unit"))
log2 = _unary_op("log2", lambda x: x.log() / math.log(2), lambda g, o, x: (g / (x * math.log(2)),),
                 ("unary", "positive"))
log10 = _unary_op("log10", lambda x: x.log() / math.log(10), lambda g, o, x: (g / (x * math.log(10)),),
                  ("unary", "positive"))
exp2 = _unary_op("exp2", lambda x: (x * math.log(2)).exp(), lambda g, o, x: (g * o * math.log(2),))
cbrt = _unary_op("cbrt", lambda x: x.sign() * (abs(x).log() / 3).exp(),
                 lambda g, o, x: (g / (3 * o * o),), ("unary", "nonzero"))
rsqrt = _unary_op("rsqrt", lambda x: 1 / x.sqrt(), lambda g, o, x: (-0.5 * g * o / x,), ("unary", "positive"))
erfc = _unary_op("erfc", lambda x: 1 - erf(x), lambda g, o, x: (-g * (2 / math.sqrt(_PI)) * (-x * x).exp(),))


def _erfinv(x):
    """Newton's method on erf, from Giles's single-precision approximation."""
    w = -((1 - x) * (1 + x)).log()
    small = w < 5
    ws = where(small, w, 5.0) - 2.5
    wb = where(small, 5.0, w).sqrt() - 3.0
    ps = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        ps = ps * ws + c
    pb = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        pb = pb * wb + c
    y = where(small, ps, pb) * x
    for _ in range(3):
        y = y - (erf(y) - x) / ((2 / math.sqrt(_PI)) * (-y * y).exp())
    return y


erfinv = _unary_op("erfinv", _erfinv,
                   lambda g, o, x: (g * (math.sqrt(_PI) / 2) * (o * o).exp(),), (U, "unit"))


def _binary_float(name, composite, rule, sample="binary"):
    declare_composite(name, 2, rule=rule, sample=sample)(composite)

    def op(x1, x2):
        if symbolic(locals()):
            return record(name, locals())
        x1, x2 = tensors(x1, x2)
        x1, x2 = floating(x1), floating(x2)
        if x1.dtype != x2.dtype:
            dtype = np.result_type(x1.data.dtype, x2.data.dtype).name
            x1, x2 = x1.astype(dtype), x2.astype(dtype)
        return apply(name, (x1, x2))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"NumPy's ``{name}``, elementwise with broadcasting (ints give floats).\n\n"
                  f">>> {name}([0.5], [1.5, 2.0]).shape\n(2,)\n")
    return op


def _atan2(y, x):
    safe = where(x == 0, 1.0, x)
    base = _atan(y / safe)
    pi = _lift(_PI, base)
    quadrant = where(x < 0, where(y >= 0, pi, -pi), 0.0)
    axis = where(y > 0, pi / 2, where(y < 0, -pi / 2, 0.0))
    return where(x == 0, axis, base + quadrant)


def _atan2_rule(g, o, y, x):
    d = x * x + y * y
    return g * x / d, -g * y / d


def _logaddexp(a, b):
    m = maximum(a, b).detach()
    return m + ((a - m).exp() + (b - m).exp()).log()


arctan2 = _binary_float("arctan2", _atan2, _atan2_rule, ("binary", "nonzero"))
hypot = _binary_float("hypot", lambda a, b: (a * a + b * b).sqrt(),
                      lambda g, o, a, b: (g * a / o, g * b / o), ("binary", "nonzero"))
logaddexp = _binary_float("logaddexp", _logaddexp,
                          lambda g, o, a, b: (g * (a - o).exp(), g * (b - o).exp()))
logaddexp2 = _binary_float("logaddexp2", lambda a, b: _logaddexp(a * math.log(2), b * math.log(2)) / math.log(2),
                           lambda g, o, a, b: (g * ((a - o) * math.log(2)).exp(),
                                               g * ((b - o) * math.log(2)).exp()))
fmod = _binary_float("fmod", lambda a, b: a - b * (floor(abs(a / b)) * (a / b).sign()),
                     lambda g, o, a, b: (g, -g * (floor(abs(a / b)) * (a / b).sign())), ("binary", "offgrid"))


def deg2rad(x):
    """Degrees to radians.

    >>> round(deg2rad([180.0]).item(), 5)
    3.14159
    """
    if symbolic(locals()):
        return record("deg2rad", locals())
    return floating(x) * (_PI / 180)


def rad2deg(x):
    """Radians to degrees.

    >>> round(rad2deg([math.pi]).item(), 3)
    180.0
    """
    if symbolic(locals()):
        return record("rad2deg", locals())
    return floating(x) * (180 / _PI)


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0.

    >>> sinc([0.0, 1.0]).numpy().round(6).tolist()
    [1.0, -0.0]
    """
    if symbolic(locals()):
        return record("sinc", locals())
    x = floating(x)
    safe = where(x == 0, 1.0, x) * _PI
    return where(x == 0, 1.0, safe.sin() / safe)


def trunc(x):
    """Round towards zero (ints stay as they are).

    >>> trunc([-1.7, 1.7]).numpy().tolist()
    [-1.0, 1.0]
    """
    if symbolic(locals()):
        return record("trunc", locals())
    x = convert_to_tensor(x)
    if x.data.dtype.kind not in "fc":
        return x
    return x.sign() * floor(abs(x))


def fabs(x):
    """|x| as a float.

    >>> fabs([-2]).numpy().tolist()
    [2.0]
    """
    if symbolic(locals()):
        return record("fabs", locals())
    return abs(floating(x))


def ldexp(x1, x2):
    """x1 * 2**x2.

    >>> ldexp([1.5], [3]).numpy().tolist()
    [12.0]
    """
    if symbolic(locals()):
        return record("ldexp", locals())
    x1 = floating(x1)
    return x1 * (convert_to_tensor(x2).astype(x1.dtype) * math.log(2)).exp()


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0.

    >>> heaviside([-1.0, 0.0, 2.0], 0.5).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    if symbolic(locals()):
        return record("heaviside", locals())
    x1, x2 = tensors(x1, x2)
    x1 = floating(x1)
    return where(x1 > 0, 1.0, where(x1 < 0, 0.0, x2.astype(x1.dtype)))


def signbit(x):
    """True where the sign bit is set (negative values, -0.0).

    >>> signbit([-1.0, 0.0, 2.0]).numpy().tolist()
    [True, False, False]
    """
    if symbolic(locals()):
        return record("signbit", locals())
    x = convert_to_tensor(x)
    if x.data.dtype.kind not in "fc":
        return x < 0
    return (x < 0) | ((x == 0) & ((1 / where(x == 0, x, 1.0)) < 0))
