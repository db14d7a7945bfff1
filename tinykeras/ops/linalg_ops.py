"""Linear algebra with Keras 3 names (``keras.ops.linalg``): ``inv``,
``det``, ``solve``, ``cholesky``, ``qr``, ``svd``, ``eig``/``eigh``, ``norm``, ...

``inv``, ``det``, ``slogdet``/``logdet``, ``solve``, ``solve_triangular``
and ``cholesky`` are ops with backward rules written with ops (so they
differentiate on every backend); their forward runs NumPy's LAPACK on the
host copy (a composite from ``to_numpy``/``asarray``), which works on every
backend.  ``qr``, ``svd``, ``eig``, ``eigh``, ``lu_factor``, ``pinv`` and
``lstsq`` (differentiable too) are in ``linalg_factor.py``.  ``norm`` is
written with ops.

>>> import tinykeras as tk
>>> tk.ops.inv([[2.0, 0.0], [0.0, 4.0]]).numpy().tolist()
[[0.5, 0.0], [0.0, 0.25]]
"""
import numpy as np

from ..core import registry
from ..core.registry import OpDef
from ..core.tensor import Tensor, apply
from .common import normalize_axis, on_host, record, symbolic, tensors
from .elementwise_ops import floating
from .math_ops import abs, max, min, sqrt, sum

__all__ = ["inv", "det", "slogdet", "logdet", "solve", "solve_triangular", "cholesky", "cholesky_inverse",
           "matrix_rank", "norm", "cdist"]


def _mT(x):
    return x.transpose(tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


def _spd(rng, n, batch=()):
    a = rng.normal(size=batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(np.float32)


def _square_sample(rng):
    return [([_spd(rng, n, b)], {}) for n, b in [(2, ()), (3, ()), (2, (2,)), (1, ())]]


def _solve_sample(rng):
    return [([_spd(rng, 3), rng.normal(size=s).astype(np.float32)], {}) for s in [(3,), (3, 2)]] + \
        [([_spd(rng, 2, (2,)), rng.normal(size=(2, 2, 1)).astype(np.float32)], {})]


def _solve(a, b):
    if b.ndim == a.ndim - 1:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _solve_rule(g, o, a, b):
    vec = b.ndim == a.ndim - 1
    gb = apply("solve", (_mT(a), g))
    o2, gb2 = (o.reshape(o.shape + (1,)), gb.reshape(gb.shape + (1,))) if vec else (o, gb)
    return -(gb2 @ _mT(o2)), gb


def _tri_solve(a, b, lower):
    n = a.shape[-1]
    mask = np.tril(np.ones((n, n), bool)) if lower else np.triu(np.ones((n, n), bool))
    return _solve(np.where(mask, a, 0), b)


def _tri_rule(g, o, a, b, lower):
    n = a.shape[-1]
    mask = Tensor(np.tril(np.ones((n, n), a.data.dtype)) if lower else np.triu(np.ones((n, n), a.data.dtype)))
    ga, gb = _solve_rule(g, o, a * mask, b)
    return ga * mask, gb


def _cholesky_rule(g, o, a):
    # Murray (2016): phi(L^T G) with phi = lower triangle, half diagonal; S = L^-T phi L^-1, symmetrized
    n = a.shape[-1]
    lower = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    phi = (_mT(o) @ g) * Tensor(lower.astype(a.data.dtype))
    linv = apply("inv", (o,))
    s = _mT(linv) @ phi @ linv
    # NumPy reads only the lower triangle: off-diagonal entries there count twice
    strict, eye = np.tril(np.ones((n, n)), -1), np.eye(n)
    return ((s + _mT(s)) * Tensor(strict.astype(a.data.dtype)) + s * Tensor(eye.astype(a.data.dtype)),)


def _slogdet_abs(a):
    return np.linalg.slogdet(a)[1]


registry.declare(
    OpDef("inv", 1, composite=on_host("inv", np.linalg.inv), sample=_square_sample,
          rule=lambda g, o, a: (-(_mT(o) @ g @ _mT(o)),)),
    OpDef("det", 1, composite=on_host("det", np.linalg.det), sample=_square_sample,
          rule=lambda g, o, a: ((g * o).reshape(o.shape + (1, 1)) * _mT(apply("inv", (a,))),)),
    OpDef("logabsdet", 1, composite=on_host("logabsdet", _slogdet_abs), sample=_square_sample,
          rule=lambda g, o, a: (g.reshape(g.shape + (1, 1)) * _mT(apply("inv", (a,))),)),
    OpDef("solve", 2, composite=on_host("solve", _solve), sample=_solve_sample, rule=_solve_rule),
    OpDef("solve_triangular", 2, ("lower",), composite=on_host("solve_triangular", _tri_solve), rule=_tri_rule,
          sample=lambda rng: [(c, {"lower": lower}) for c, _ in _solve_sample(rng) for lower in (True, False)]),
    OpDef("cholesky", 1, composite=on_host("cholesky", np.linalg.cholesky), sample=_square_sample, rule=_cholesky_rule),
)


def _square(x, name):
    x = floating(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name}: expected square matrices (..., n, n), got shape {x.shape}")
    return x


def inv(x):
    """The inverse of each square matrix.

    >>> inv([[1.0, 1.0], [0.0, 1.0]]).numpy().tolist()
    [[1.0, -1.0], [0.0, 1.0]]
    """
    if symbolic(locals()):
        return record("inv", locals())
    return apply("inv", (_square(x, "inv"),))


def det(x):
    """The determinant of each square matrix.

    >>> round(det([[2.0, 1.0], [1.0, 3.0]]).item(), 5)
    5.0
    """
    if symbolic(locals()):
        return record("det", locals())
    return apply("det", (_square(x, "det"),))


def slogdet(x):
    """``(sign, log|det|)`` of each square matrix.

    >>> [round(t.item(), 4) for t in slogdet([[-2.0, 0.0], [0.0, 1.0]])]
    [-1.0, 0.6931]
    """
    if symbolic(locals()):
        return record("slogdet", locals())
    x = _square(x, "slogdet")
    sign = Tensor(np.linalg.slogdet(x.numpy())[0].astype(x.data.dtype))
    return sign, apply("logabsdet", (x,))


def logdet(x):
    """log(det(x)) of each (positive-definite) matrix.

    >>> round(logdet([[2.0, 0.0], [0.0, 2.0]]).item(), 4)
    1.3863
    """
    if symbolic(locals()):
        return record("logdet", locals())
    return apply("logabsdet", (_square(x, "logdet"),))


def solve(a, b):
    """``x`` with ``a @ x = b``.

    >>> solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0]).numpy().tolist()
    [1.0, 0.5]
    """
    if symbolic(locals()):
        return record("solve", locals())
    a, b = tensors(a, b)
    a = _square(a, "solve")
    return apply("solve", (a, b.astype(a.dtype)))


def solve_triangular(a, b, lower=False):
    """``solve`` with the lower (or upper) triangle of ``a`` only.

    >>> solve_triangular([[2.0, 9.0], [1.0, 1.0]], [2.0, 3.0], lower=True).numpy().tolist()
    [1.0, 2.0]
    """
    if symbolic(locals()):
        return record("solve_triangular", locals())
    a, b = tensors(a, b)
    a = _square(a, "solve_triangular")
    return apply("solve_triangular", (a, b.astype(a.dtype)), {"lower": bool(lower)})


def cholesky(x, upper=False):
    """The lower (or ``upper``) Cholesky factor of each positive-definite matrix.

    >>> cholesky([[4.0, 0.0], [0.0, 9.0]]).numpy().tolist()
    [[2.0, 0.0], [0.0, 3.0]]
    """
    if symbolic(locals()):
        return record("cholesky", locals())
    out = apply("cholesky", (_square(x, "cholesky"),))
    return _mT(out) if upper else out


def cholesky_inverse(x, upper=False):
    """The inverse of ``L @ L.T`` from its Cholesky factor ``x`` (``U.T @ U`` if ``upper``).

    >>> cholesky_inverse([[2.0, 0.0], [0.0, 1.0]]).numpy().tolist()
    [[0.25, 0.0], [0.0, 1.0]]
    """
    if symbolic(locals()):
        return record("cholesky_inverse", locals())
    x = _square(x, "cholesky_inverse")
    return inv(_mT(x) @ x if upper else x @ _mT(x))


def matrix_rank(x, tol=None):
    """The number of singular values above ``tol`` (int32).

    >>> matrix_rank([[1.0, 2.0], [2.0, 4.0]]).item()
    1
    """
    if symbolic(locals()):
        return record("matrix_rank", locals())
    return Tensor(np.asarray(np.linalg.matrix_rank(floating(x).numpy(), tol), np.int32))


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norms (NumPy's ``ord`` values; ``axis`` one axis for
    vectors, two for matrices; None: the 2-norm of the flattened tensor).

    >>> norm([3.0, 4.0]).item(), norm([[1.0, 2.0], [3.0, 4.0]], ord=1).item()
    (5.0, 6.0)
    """
    if symbolic(locals()):
        return record("norm", locals())
    x = floating(x)
    if axis is None:
        if ord is None:
            out = sqrt(sum(x * x))
            return out.reshape((1,) * x.ndim) if keepdims else out
        axis = tuple(range(x.ndim))
    axes = normalize_axis(axis, x.ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) != 2:
        raise ValueError(f"norm: axis must be one axis or two, got {axis}")
    return _matrix_norm(x, ord, axes, keepdims)


def _vector_norm(x, ord, axes, keepdims):
    a = abs(x)
    if ord is None or ord == 2:
        return sqrt(sum(x * x, axes, keepdims))
    if ord == np.inf:
        return max(a, axes, keepdims)
    if ord == -np.inf:
        return min(a, axes, keepdims)
    if ord == 0:
        return sum((x != 0).astype(x.dtype), axes, keepdims)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is for matrices (give two axes)")
    return sum(a ** float(ord), axes, keepdims) ** (1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    r, c = axes
    a = abs(x)
    if ord in (None, "fro"):
        out = sqrt(sum(x * x, axes, keepdims=True))
    elif ord in (1, -1):
        cols = sum(a, (r,), keepdims=True)
        out = (max if ord == 1 else min)(cols, (c,), keepdims=True)
    elif ord in (np.inf, -np.inf):
        rows = sum(a, (c,), keepdims=True)
        out = (max if ord == np.inf else min)(rows, (r,), keepdims=True)
    elif ord in (2, -2, "nuc"):
        moved = x.transpose([i for i in range(x.ndim) if i not in axes] + [r, c])
        s = apply("svd_s", (moved,), {})  # (svd of linalg_factor.py: differentiable)
        out = {2: max, -2: min}.get(ord, sum)(s, -1)
        out = out.reshape(out.shape + (1, 1))
        order = [i for i in range(x.ndim) if i not in axes] + [r, c]
        out = out.transpose(tuple(np.argsort(order)))
    else:
        raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm")
    return out if keepdims else out.reshape([d for i, d in enumerate(out.shape) if i not in axes])


def cdist(x, y):
    """Euclidean distances between the rows of ``x`` and of ``y`` (batched).

    >>> cdist([[0.0, 0.0]], [[3.0, 4.0]]).numpy().tolist()
    [[5.0]]
    """
    if symbolic(locals()):
        return record("cdist", locals())
    x, y = tensors(x, y)
    x, y = floating(x), floating(y)
    diff = x.reshape(x.shape[:-1] + (1, x.shape[-1])) - y.reshape(y.shape[:-2] + (1,) + y.shape[-2:])
    return sqrt(sum(diff * diff, -1))

