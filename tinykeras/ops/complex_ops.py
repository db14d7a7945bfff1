"""Complex numbers with Keras 3's names: ``real``, ``imag``, ``conj``/``conjugate``,
``angle``, ``isreal``, ``polar`` and ``view_as_complex``/``view_as_real``.

Tensors hold ``complex64``/``complex128`` values; arithmetic, ``abs``,
``matmul`` and the other NumPy-like ops take them as NumPy (and PyTorch)
do.  The ops here are built from the four complex ops of
``tinykeras/core/complex_parts.py`` (``real``, ``imag``, ``conj`` and
``complex``, which makes ``re + i im``), so gradients follow PyTorch's
convention: ``z.grad = dL/dRe(z) + i dL/dIm(z)`` for a real loss ``L``.
Backends without complex arrays (OpenCL) keep complex tensors on the host
and run NumPy's kernels on them.

>>> import tinykeras as tk
>>> z = tk.ops.polar(2.0, 0.0)
>>> z.dtype, z.item()
('complex64', (2+0j))
>>> tk.ops.view_as_real(tk.ops.conj(tk.ops.view_as_complex([3.0, 4.0]))).numpy().tolist()
[3.0, -4.0]
"""
import math

import numpy as np

from ..core import complex_parts
from ..core.complex_parts import is_complex, make_complex
from ..core.primitives import where
from ..core.tensor import Tensor, _lift
from .common import convert_to_tensor, record, symbolic, tensors
from .elementwise_ops import arctan2, floating
from .shape_ops import stack

__all__ = ["real", "imag", "conj", "conjugate", "angle", "isreal", "polar", "view_as_complex", "view_as_real"]


def real(x):
    """The real part: float32 for complex64, float64 for complex128 (a real
    tensor is returned as it is).

    >>> real(convert_to_tensor(np.array([1 + 2j], np.complex64))).numpy().tolist()
    [1.0]
    """
    if symbolic(locals()):
        return record("real", locals())
    return complex_parts.real(convert_to_tensor(x))


def imag(x):
    """The imaginary part (zeros for a real tensor, as NumPy and JAX give).

    >>> imag(convert_to_tensor(np.array([1 + 2j], np.complex64))).numpy().tolist()
    [2.0]
    >>> imag([1.5]).numpy().tolist()
    [0.0]
    """
    if symbolic(locals()):
        return record("imag", locals())
    return complex_parts.imag(convert_to_tensor(x))


def conj(x):
    """The complex conjugate (a real tensor is returned as it is).

    >>> conj(convert_to_tensor(np.array([1 + 2j], np.complex64))).numpy().tolist()
    [(1-2j)]
    """
    if symbolic(locals()):
        return record("conj", locals())
    return complex_parts.conj(convert_to_tensor(x))


def conjugate(x):
    """``conj`` under its other Keras name (a node of this name).

    >>> conjugate([1.5]).numpy().tolist()
    [1.5]
    """
    if symbolic(locals()):
        return record("conjugate", locals())
    return conj(x)


def angle(x):
    """The argument of each value, ``arctan2(imag, real)``: pi for negative
    reals, 0 for the others; real results (float32 for complex64).

    >>> [round(v, 4) for v in angle([-1.0, 2.0]).numpy().tolist()]
    [3.1416, 0.0]
    >>> round(angle(convert_to_tensor(np.array([1j], np.complex64))).item(), 4)
    1.5708
    """
    if symbolic(locals()):
        return record("angle", locals())
    x = floating(x)
    if is_complex(x):
        return arctan2(complex_parts.imag(x), complex_parts.real(x))
    return where(x < 0, _lift(math.pi, x), 0.0)


def isreal(x):
    """True where the imaginary part is 0 (everywhere for a real tensor).

    >>> isreal(convert_to_tensor(np.array([1 + 0j, 1j], np.complex64))).numpy().tolist()
    [True, False]
    """
    if symbolic(locals()):
        return record("isreal", locals())
    x = convert_to_tensor(x)
    return complex_parts.imag(x) == 0 if is_complex(x) else Tensor(np.ones(x.shape, bool))


def _real_float(x, op, what):
    x = floating(x)
    if is_complex(x):
        raise ValueError(f"{op}: `{what}` must be a real (float or integer) tensor, got {x.dtype}")
    return x if x.dtype in ("float32", "float64") else x.astype("float32")


def polar(abs_, angle):
    """The complex tensor ``abs_ * (cos(angle) + i sin(angle))`` (as
    ``torch.polar``; the inputs broadcast).  complex128 if either input is
    float64, else complex64.

    >>> z = polar([2.0, 1.0], [0.0, math.pi / 2])
    >>> z.dtype, bool(np.allclose(z.numpy(), [2, 1j]))
    ('complex64', True)
    """
    if symbolic(locals()):
        return record("polar", locals())
    abs_, angle = tensors(abs_, angle)
    abs_, angle = _real_float(abs_, "polar", "abs_"), _real_float(angle, "polar", "angle")
    return make_complex(abs_ * angle.cos(), abs_ * angle.sin())


def view_as_complex(x):
    """The complex64 tensor of shape ``x.shape[:-1]`` whose real and
    imaginary parts are ``x[..., 0]`` and ``x[..., 1]``.

    >>> view_as_complex([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist()
    [(1+2j), (3+4j)]
    """
    if symbolic(locals()):
        return record("view_as_complex", locals())
    x = convert_to_tensor(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError("view_as_complex: the last dimension of the input must be of size 2 (real and "
                         f"imaginary parts); received shape {x.shape}")
    if is_complex(x):
        raise TypeError(f"view_as_complex: expected a real tensor (float or integer), got {x.dtype}")
    x = x.astype("float32")
    return make_complex(x[..., 0], x[..., 1])


def view_as_real(x):
    """The real tensor of shape ``x.shape + (2,)`` holding the real and the
    imaginary parts of ``x`` (float32 for complex64, float64 for complex128).

    >>> view_as_real(convert_to_tensor(np.array([1 + 2j, 3 + 4j], np.complex64))).numpy().tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """
    if symbolic(locals()):
        return record("view_as_real", locals())
    x = convert_to_tensor(x)
    return stack([complex_parts.real(x), complex_parts.imag(x)], axis=-1)
