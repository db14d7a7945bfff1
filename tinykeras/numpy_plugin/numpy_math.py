"""NumPy kernels for the elementwise ops of ``tinykeras/ops/elementwise_ops.py``
(each op also has a composite there, which other backends run), and for the
complex-number ops of ``tinykeras/core/complex_parts.py``.

>>> KERNELS["arctan2"](np.array([1.0]), np.array([-1.0])).round(4).tolist()
[2.3562]
"""
import numpy as np


def _ufunc(fn):
    def kernel(*xs):
        with np.errstate(all="ignore"):  # out of the domain: nan or inf, as in Keras
            return np.asarray(fn(*xs))
    kernel.__name__ = fn.__name__
    return kernel


def _rsqrt(x):
    with np.errstate(all="ignore"):
        return np.asarray(1 / np.sqrt(x))


KERNELS = {name: _ufunc(getattr(np, name)) for name in (
    "arctan", "arcsin", "arccos", "tan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "log2", "log10",
    "exp2", "cbrt", "arctan2", "hypot", "logaddexp", "logaddexp2", "fmod")}
KERNELS["rsqrt"] = _rsqrt


def _complex(re, im):
    out = np.empty(re.shape, np.result_type(re.dtype, np.complex64))
    out.real, out.imag = re, im
    return out


KERNELS.update({"real": lambda z: np.array(z.real, order="C"), "imag": lambda z: np.array(z.imag, order="C"),
                "conj": np.conj, "complex": _complex})
