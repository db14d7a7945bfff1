"""Complex numbers: the four ops that move between a complex tensor and its
real and imaginary parts, and the convention their gradients follow.

Tensors may hold ``complex64``/``complex128`` arrays; the elementwise
primitives, reductions, movement and ``matmul`` take them as NumPy does.
Gradients follow PyTorch: for a real loss ``L`` and a complex ``z``,
``z.grad = dL/dRe(z) + i dL/dIm(z)``.  The ops below (not primitives: a
backend without complex arrays need not give them) have rules in that
convention; every other rule is written as for real numbers, and
``autograd.backward`` conjugates around it on complex outputs.

>>> import numpy as np
>>> from tinykeras.core.tensor import Tensor
>>> z = Tensor(np.array([3 + 4j], np.complex64), requires_grad=True)
>>> loss = (real(z) * imag(z)).sum()     # L = x * y: dL/dx = y, dL/dy = x
>>> loss.backward()
>>> z.grad.numpy().tolist()
[(4+3j)]
"""
from .registry import OpDef
from .tensor import apply


def is_complex(x):
    """True for a Tensor of a complex dtype.

    >>> from tinykeras.core.tensor import Tensor
    >>> is_complex(Tensor(1j)), is_complex(Tensor(1.0))
    (True, False)
    """
    return x.data.dtype.kind == "c"


def real(x):
    """The real part (a real tensor is returned as it is).

    >>> from tinykeras.core.tensor import Tensor
    >>> real(Tensor([1 + 2j])).numpy().tolist()
    [1.0]
    """
    return apply("real", (x,)) if is_complex(x) else x


def imag(x):
    """The imaginary part (zeros for a real tensor).

    >>> from tinykeras.core.tensor import Tensor
    >>> imag(Tensor([1 + 2j])).numpy().tolist(), imag(Tensor([1.0])).numpy().tolist()
    ([2.0], [0.0])
    """
    return apply("imag", (x,)) if is_complex(x) else x * 0


def conj(x):
    """The complex conjugate (a real tensor is returned as it is).

    >>> from tinykeras.core.tensor import Tensor
    >>> conj(Tensor([1 + 2j])).numpy().tolist()
    [(1-2j)]
    """
    return apply("conj", (x,)) if is_complex(x) else x


def make_complex(re, im):
    """``re + i im`` from two real tensors of one shape and float dtype
    (complex64 from float32, complex128 from float64).

    >>> from tinykeras.core.tensor import Tensor
    >>> make_complex(Tensor([1.0]), Tensor([2.0])).numpy().tolist()
    [(1+2j)]
    """
    return apply("complex", (re, im))


COMPLEX_OPS = [
    OpDef("real", 1, rule=lambda g, o, z: (g.astype(z.dtype),), holomorphic=False, sample="complex"),
    OpDef("imag", 1, rule=lambda g, o, z: (make_complex(g * 0, g),), holomorphic=False, sample="complex"),
    OpDef("conj", 1, rule=lambda g, o, z: (conj(g),), holomorphic=False, sample="complex"),
    OpDef("complex", 2, rule=lambda g, o, re, im: (real(g), imag(g)), holomorphic=False, sample="complex"),
]
for _op in COMPLEX_OPS:
    _op.plugin = "tinykeras"
