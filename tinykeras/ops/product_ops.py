"""Products with Keras 3 names (``keras.ops.numpy``): ``outer``, ``inner``,
``vdot``, ``cross``, ``kron``, ``tensordot`` and ``einsum``, written with
reshape/transpose/multiply/matmul (so differentiable on every backend).

>>> import tinykeras as tk
>>> tk.ops.einsum("ij,j->i", np.ones((2, 3)), np.ones(3)).numpy().tolist()
[3.0, 3.0]
"""
import builtins
import string

import numpy as np

from ..core.complex_parts import conj
from .array_ops import diagonal
from .common import normalize_axis, record, symbolic, tensors
from .math_ops import matmul, sum, zeros
from .shape_ops import concatenate, moveaxis, stack

__all__ = ["outer", "inner", "vdot", "cross", "kron", "tensordot", "einsum"]


def outer(x1, x2):
    """The outer product of the flattened inputs.

    >>> outer([1, 2], [3, 4]).numpy().tolist()
    [[3, 4], [6, 8]]
    """
    if symbolic(locals()):
        return record("outer", locals())
    x1, x2 = tensors(x1, x2)
    return x1.reshape(-1, 1) * x2.reshape(1, -1)


def inner(x1, x2):
    """Sum of products over the last axes (a scalar times a tensor for 0-d inputs).

    >>> inner([1, 2], [3, 4]).item()
    11
    """
    if symbolic(locals()):
        return record("inner", locals())
    x1, x2 = tensors(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return tensordot(x1, x2, axes=((x1.ndim - 1,), (x2.ndim - 1,)))


def vdot(x1, x2):
    """Dot product of the flattened inputs (``x1`` conjugated, as NumPy and torch).

    >>> vdot([[1, 2]], [3, 4]).item()
    11
    """
    if symbolic(locals()):
        return record("vdot", locals())
    x1, x2 = tensors(x1, x2)
    return sum(conj(x1).reshape(-1) * x2.reshape(-1))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors are taken with z = 0).

    >>> cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy().tolist()
    [0.0, 0.0, 1.0]
    """
    if symbolic(locals()):
        return record("cross", locals())
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = tensors(x1, x2)
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    for t in (a, b):
        if t.shape[-1] not in (2, 3):
            raise ValueError(f"cross: vectors must have 2 or 3 components, got shape {t.shape}")
    two = a.shape[-1] == 2 and b.shape[-1] == 2
    pad3 = [t if t.shape[-1] == 3 else concatenate([t, zeros(t.shape[:-1] + (1,), t.dtype)], -1) for t in (a, b)]
    a, b = pad3
    c = [a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1], a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
         a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]]
    if two:
        return c[2]
    return moveaxis(stack(c, axis=-1), -1, axisc)


def kron(x1, x2):
    """The Kronecker product.

    >>> kron([1, 2], [1, 10]).numpy().tolist()
    [1, 10, 2, 20]
    """
    if symbolic(locals()):
        return record("kron", locals())
    a, b = tensors(x1, x2)
    n = builtins.max(a.ndim, b.ndim)
    a = a.reshape((1,) * (n - a.ndim) + a.shape)
    b = b.reshape((1,) * (n - b.ndim) + b.shape)
    out = a.reshape([d for s in a.shape for d in (s, 1)]) * b.reshape([d for s in b.shape for d in (1, s)])
    return out.reshape([p * q for p, q in zip(a.shape, b.shape)])


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int: the last of ``x1`` with the first of ``x2``).

    >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    if symbolic(locals()):
        return record("tensordot", locals())
    a, b = tensors(x1, x2)
    if isinstance(axes, (int, np.integer)):
        axes = (list(range(a.ndim - axes, a.ndim)), list(range(axes)))
    ax_a = [normalize_axis(int(i), a.ndim)[0] for i in np.atleast_1d(axes[0])]
    ax_b = [normalize_axis(int(i), b.ndim)[0] for i in np.atleast_1d(axes[1])]
    if [a.shape[i] for i in ax_a] != [b.shape[i] for i in ax_b]:
        raise ValueError(f"tensordot: shapes {a.shape} and {b.shape} do not match on axes {axes}")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = int(np.prod([a.shape[i] for i in ax_a], dtype=np.int64))
    am = a.transpose(free_a + ax_a).reshape(-1, k)
    bm = b.transpose(ax_b + free_b).reshape(k, -1)
    return matmul(am, bm).reshape([a.shape[i] for i in free_a] + [b.shape[i] for i in free_b])


def _parse_einsum(subscripts, operands):
    spec = subscripts.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: {subscripts!r} names {len(inputs)} operands, got {len(operands)}")
    free = [c for c in string.ascii_letters if c not in spec]
    n_ell = builtins.max([t.ndim - len(s.replace("...", "")) for s, t in zip(inputs, operands) if "..." in s],
                         default=0)
    ell = "".join(free[:n_ell])
    inputs = [s.replace("...", ell[len(ell) - (t.ndim - len(s.replace("...", ""))):] if n_ell else "")
              for s, t in zip(inputs, operands)]
    if not arrow:
        letters = "".join(inputs)
        output = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    return inputs, output.replace("...", ell)


def einsum(subscripts, *operands):
    """Einstein summation: each operand's axes are named by letters; letters
    absent from the output are summed over.

    >>> einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> einsum("ii", [[1, 2], [3, 4]]).item()
    5
    """
    if symbolic(locals()) or symbolic(dict(enumerate(operands))):  # (a list among the operands)
        return record("einsum", locals())
    ops_ = tensors(*operands)
    inputs, output = _parse_einsum(subscripts, ops_)
    sizes, terms = {}, []
    for s, t in zip(inputs, ops_):
        if len(s) != t.ndim:
            raise ValueError(f"einsum: subscripts {s!r} do not match an operand of shape {t.shape}")
        for c, d in zip(s, t.shape):  # repeated letters in one operand: take the diagonal
            if sizes.get(c, 1) not in (1, d) and d != 1:
                raise ValueError(f"einsum: axis {c!r} has sizes {sizes[c]} and {d}")
            sizes[c] = builtins.max(sizes.get(c, 1), d)
        while len(set(s)) < len(s):
            c = next(c for c in s if s.count(c) > 1)
            i, j = s.index(c), s.index(c, s.index(c) + 1)
            t = diagonal(t, 0, i, j)
            s = s[:i] + s[i + 1:j] + s[j + 1:] + c
        terms.append((s, t))
    letters = list(output) + sorted({c for s, _ in terms for c in s} - set(output))
    product = None
    for s, t in terms:  # each operand over all letters (size 1 where absent), then multiply
        t = t.transpose([s.index(c) for c in letters if c in s])
        t = t.reshape([sizes[c] if c in s else 1 for c in letters])
        product = t if product is None else product * t
    summed = tuple(range(len(output), len(letters)))
    out = product.sum(summed) if summed else product
    return out.broadcast_to(tuple(sizes[c] for c in output)) if out.shape != tuple(
        sizes[c] for c in output) else out
