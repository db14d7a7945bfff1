"""The factorizations of ``keras.ops.linalg`` with several outputs (``qr``,
``svd``, ``eig``, ``eigh``, ``lu_factor``) and ``pinv``/``lstsq``, differentiable.

Autograd nodes have one output, so each output is its own op (``qr_q`` and
``qr_r``, ``svd_u``/``svd_s``/``svd_vh``, ``eig_values``/``eig_vectors``,
``eigh_values``/``eigh_vectors``):
its forward runs NumPy's LAPACK on the host copy (a composite, so every
backend has it), and its backward rule, written with ops, is the
factorization's adjoint with the other outputs' gradients zero (adjoints
are linear in the output gradients, so the sum over the outputs is the
whole gradient).  The rules are the standard ones (Murray 2016; Liao et al.
2019; PyTorch's ``linalg_qr_backward``/``svd_backward``/``linalg_eig_backward``/``eigh_backward``;
Golub and Pereyra 1973 for ``pinv``; PyTorch's ``linalg_lu_backward`` for
``lu_factor``, whose pivots are not differentiable); they assume distinct
eigenvalues or singular values and full rank, as those do.

>>> import tinykeras as tk
>>> x = tk.Tensor([[3.0, 1.0], [1.0, 2.0]], requires_grad=True)
>>> tk.ops.eigh(x)[0].sum().backward()   # d(trace)/dx: the identity (lower triangle read)
>>> x.grad.numpy().round(6).tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""
import numpy as np

from ..core import registry
from ..core.complex_parts import conj, real
from ..core.registry import OpDef
from ..core.tensor import Tensor, apply
from .common import on_host, record, symbolic, tensors
from .elementwise_ops import floating
from .linalg_ops import _mT, _square

__all__ = ["qr", "svd", "eig", "eigh", "lu_factor", "lstsq", "pinv"]


def _const(a, like):
    return Tensor(np.asarray(a, like.data.dtype))


def _col(v):
    """``(..., k)`` as ``(..., 1, k)``: scales the columns of a matrix."""
    return v.reshape(v.shape[:-1] + (1, v.shape[-1]))


def _row(v):
    return v.reshape(v.shape + (1,))


# -- QR ------------------------------------------------------------------------
def _qr_square_or_tall(a, q, r, gq, gr):
    """``a`` (m >= n) = ``q r``, reduced: gA = [gQ + Q copyltu(M)] R^-T, M = R gR^T - gQ^T Q."""
    n = r.shape[-1]
    m = r @ _mT(gr) - _mT(gq) @ q
    lower = _const(np.tril(np.ones((n, n))), m)
    strict = _const(np.tril(np.ones((n, n)), -1), m)
    copyltu = m * lower + _mT(m * strict)
    b = gq + q @ copyltu
    return _mT(apply("solve_triangular", (r, _mT(b)), {"lower": False}))


def _qr_vjp(a, mode, gq=None, gr=None):
    q, r = apply("qr_q", (a,), {"mode": mode}), apply("qr_r", (a,), {"mode": mode})
    gq = gq if gq is not None else q * 0.0
    gr = gr if gr is not None else r * 0.0
    m, n = a.shape[-2], a.shape[-1]
    if m >= n:
        if mode == "complete" and m > n:
            raise ValueError("qr: mode='complete' with more rows than columns is not differentiable (the extra "
                             "columns of q are not unique); use mode='reduced'")
        return _qr_square_or_tall(a, q, r, gq, gr)
    x, y = a[..., :, :m], a[..., :, m:]
    u, gu, gv = r[..., :, :m], gr[..., :, :m], gr[..., :, m:]
    gx = _qr_square_or_tall(x, q, u, gq + y @ _mT(gv), gu)
    return apply("concatenate", (gx, q @ gv), {"axis": a.ndim - 1})


# -- SVD -----------------------------------------------------------------------
def _svd_vjp(a, full_matrices, gu=None, gs=None, gvh=None):
    """PyTorch's svd_backward (real): gA = U [(skew(U^T gU) / E) S + S (skew(V^T gV) / E) + diag(gS)] V^T
    + (gU - U U^T gU) S^-1 V^T + U S^-1 (gV - V V^T gV)^T, E_jk = s_k^2 - s_j^2."""
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    s = apply("svd_s", (a,), {})
    if gu is None and gvh is None:
        u = apply("svd_u", (a,), {"full_matrices": False})
        vh = apply("svd_vh", (a,), {"full_matrices": False})
        return (u * _col(gs)) @ vh
    if full_matrices and m != n:
        raise ValueError("svd: the gradient of u or v with full_matrices=True is defined only for square "
                         "matrices (the extra columns are not unique); use full_matrices=False")
    u = apply("svd_u", (a,), {"full_matrices": False})
    vh = apply("svd_vh", (a,), {"full_matrices": False})
    v = _mT(vh)
    gu = gu[..., :, :k] if gu is not None else u * 0.0
    gv = _mT(gvh[..., :k, :]) if gvh is not None else v * 0.0
    gs = gs if gs is not None else s * 0.0
    s2 = s * s
    e = _col(s2) - _row(s2) + _const(np.eye(k), s)  # E_jk = s_k^2 - s_j^2, 1 on the diagonal
    uhgu, vhgv = _mT(u) @ gu, _mT(v) @ gv
    inner = ((uhgu - _mT(uhgu)) / e) * _col(s) + _row(s) * ((vhgv - _mT(vhgv)) / e)
    inner = inner + _row(gs) * _const(np.eye(k), s)
    ga = u @ inner @ vh
    if m > k:
        ga = ga + ((gu - u @ uhgu) / _col(s)) @ vh
    if n > k:
        ga = ga + (u / _col(s)) @ _mT(gv - v @ vhgv)
    return ga


# -- eigh ----------------------------------------------------------------------
def _eigh_vjp(a, gw=None, gv=None):
    """S = V (diag(gw) + F o (V^T gV)) V^T, F_ij = 1 / (w_j - w_i); NumPy reads
    only the lower triangle, so its off-diagonal entries get S_ij + S_ji."""
    w, v = apply("eigh_values", (a,), {}), apply("eigh_vectors", (a,), {})
    n = a.shape[-1]
    eye = _const(np.eye(n), w)
    inner = _row(gw) * eye if gw is not None else None
    if gv is not None:
        diff = _col(w) - _row(w) + eye  # w_j - w_i off the diagonal
        f = (1.0 - eye) / diff
        inner = f * (_mT(v) @ gv) if inner is None else inner + f * (_mT(v) @ gv)
    s = v @ inner @ _mT(v)
    return (s + _mT(s)) * _const(np.tril(np.ones((n, n)), -1), s) + s * eye


# -- eig -------------------------------------------------------------------------
def _eig_vjp(a, gw=None, gv=None):
    """PyTorch's ``linalg_eig_backward`` (already in its complex convention):
    gA = V^-H (diag(gw) + conj(F) o (V^H gV - V^H V diag(Re diag(V^H gV)))) V^H,
    F_ij = 1 / (w_j - w_i) off the diagonal; autograd keeps the real part
    for a real ``a``.  Eigenvectors are defined up to a phase, so only a
    loss that does not depend on it has a gradient (as in PyTorch)."""
    w, v = apply("eig_values", (a,), {}), apply("eig_vectors", (a,), {})
    n = a.shape[-1]
    eye = _const(np.eye(n), w)
    inner = _row(gw) * eye if gw is not None else None
    vh = conj(_mT(v))
    if gv is not None:
        vhgv = vh @ gv
        diag = real((vhgv * eye).sum(axis=-2)).astype(w.dtype)
        f = conj((1.0 - eye) / (_col(w) - _row(w) + eye))  # 1 / (w_j - w_i) off the diagonal
        term = f * (vhgv - (vh @ v) * _col(diag))
        inner = term if inner is None else inner + term
    return apply("solve", (vh, inner @ vh))


def _eig(x, part):
    w, v = np.linalg.eig(x)
    dtype = np.result_type(x.dtype, np.complex64)  # complex even when every eigenvalue is real (as torch)
    return (w if part == 0 else v).astype(dtype)


def _nonsymmetric(rng, n, batch=(), rotate=False):
    """Eigenvalues well apart: real ones, or (``rotate``) a complex pair."""
    p = rng.normal(size=batch + (n, n)) + 2 * np.eye(n)
    d = np.zeros(batch + (n, n))
    d[..., range(n), range(n)] = np.arange(1, n + 1) * 1.5
    if rotate:
        d[..., 0, 1], d[..., 1, 0] = 1.0, -1.0  # 1.5 +- i on the first two
    return (p @ d @ np.linalg.inv(p)).astype(np.float32)


def _eig_sample(rng):
    return [([_nonsymmetric(rng, 3)], {}), ([_nonsymmetric(rng, 2, (2,))], {})]


# -- pinv and lstsq --------------------------------------------------------------
def _pinv_vjp(a, p, g):
    """Golub and Pereyra: gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    m, n = a.shape[-2], a.shape[-1]
    pt, gt = _mT(p), _mT(g)
    return (-(pt @ g @ pt) + (_const(np.eye(m), a) - a @ p) @ gt @ p @ pt
            + pt @ p @ gt @ (_const(np.eye(n), a) - p @ a))


def _pinv(a, rcond):
    return np.linalg.pinv(a, **({} if rcond is None else {"rcond": rcond}))


def _lstsq_rule(g, o, a, b, rcond):
    p = apply("pinv", (a,), {"rcond": rcond})
    vec = b.ndim == 1
    g2, b2 = (_row(g), _row(b)) if vec else (g, b)
    gb = _mT(p) @ g2
    return _pinv_vjp(a, p, g2 @ _mT(b2)), gb.reshape(b.shape)


def _matrices(rng, shapes):
    return [rng.normal(size=s).astype(np.float32) + (np.eye(*s[-2:]) * 2).astype(np.float32) for s in shapes]


def _sym(rng, n, batch=()):
    """Symmetric, eigenvalues well apart."""
    q, _ = np.linalg.qr(rng.normal(size=batch + (n, n)))
    w = np.arange(1, n + 1) * 1.5 + rng.uniform(-0.3, 0.3, size=batch + (n,))
    return ((q * w[..., None, :]) @ np.swapaxes(q, -1, -2)).astype(np.float32)


# -- LU ------------------------------------------------------------------------
def _lu_packed(a):
    """LAPACK's ``getrf`` (partial pivoting) on a stack of ``(m, n)``
    matrices, in float64: the packed factors (``L`` below the diagonal, its
    unit diagonal left out, ``U`` on and above) and the ``min(m, n)``
    0-based row swaps."""
    m = np.array(a, np.float64).reshape((-1,) + a.shape[-2:])
    k_max, stack = min(m.shape[-2:]), np.arange(len(m))
    pivots = np.zeros((len(m), k_max), np.int32)
    for k in range(k_max):
        p = k + np.argmax(np.abs(m[:, k:, k]), axis=-1)
        pivots[:, k] = p
        row = m[stack, k].copy()
        m[stack, k], m[stack, p] = m[stack, p], row
        pivot = m[:, k, k]
        m[:, k + 1:, k] /= np.where(pivot == 0, 1.0, pivot)[:, None]  # a zero pivot: the column is zero
        m[:, k + 1:, k + 1:] -= m[:, k + 1:, k, None] * m[:, k, None, k + 1:]
    return m.reshape(a.shape), pivots.reshape(a.shape[:-2] + (k_max,))


def _lu_permutation(a):
    """``P`` (a constant, ``(m, m)``) with ``a = P L U``: row ``perm[i]`` of ``a`` is row ``i`` of ``L U``."""
    m = a.shape[-2]
    pivots = _lu_packed(a.numpy())[1].reshape((-1, min(a.shape[-2:])))
    perm = np.tile(np.arange(m), (len(pivots), 1))
    stack = np.arange(len(perm))
    for k in range(pivots.shape[1]):
        perm[stack, k], perm[stack, pivots[:, k]] = perm[stack, pivots[:, k]], perm[stack, k]
    p = np.zeros(perm.shape + (m,))
    p[stack[:, None], perm, np.arange(m)] = 1.0
    return _const(p.reshape(a.shape[:-2] + (m, m)), a)


def _lu_vjp(g, lu, a):
    """With ``X = L^-1 P^T dA U^-1`` for a square ``a``: dL = L tril(X, -1),
    dU = triu(X) U, so gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T
    (gL, gU: the parts of the packed gradient).  A wide ``a = P L [U1 U2]``
    adds ``U2 = L^-1 P^T A2`` (gA2 = P L^-T gU2, and gL less
    tril(L^-T gU2 U2^T, -1)); a tall ``P^T a = [L1; L2] U`` adds
    ``L2 = B2 U^-1`` (gB2 = gL2 U^-T, and gU less triu(L2^T gL2 U^-T)), as PyTorch's."""
    m, n = a.shape[-2:]
    k = min(m, n)
    strict = _const(np.tril(np.ones((k, k)), -1), lu)
    upper = 1.0 - strict
    square, g_square = lu[..., :k, :k], g[..., :k, :k]
    lower, u = square * strict + _const(np.eye(k), lu), square * upper
    g_lower, g_upper = g_square * strict, g_square * upper

    def l_inv_t(x):    # L^-T x
        return apply("solve_triangular", (_mT(lower), x), {"lower": False})

    def times_u_inv_t(x):    # x U^-T
        return _mT(apply("solve_triangular", (u, _mT(x)), {"lower": False}))

    if m < n:
        u2, g_u2 = lu[..., :, k:], g[..., :, k:]
        g_lower = g_lower - l_inv_t(g_u2 @ _mT(u2)) * strict
    elif m > n:
        l2, g_l2 = lu[..., k:, :], g[..., k:, :]
        g_upper = g_upper - times_u_inv_t(_mT(l2) @ g_l2) * upper
    phi = (_mT(lower) @ g_lower) * strict + (g_upper @ _mT(u)) * upper
    grad = times_u_inv_t(l_inv_t(phi))
    if m < n:
        grad = apply("concatenate", (grad, l_inv_t(g_u2)), {"axis": a.ndim - 1})
    elif m > n:
        grad = apply("concatenate", (grad, times_u_inv_t(g_l2)), {"axis": a.ndim - 2})
    return _lu_permutation(a) @ grad


def _lu_sample(rng):
    """Pivots that finite differences do not flip: each column's largest entry well above the rest."""
    def well_pivoted(shape):
        x = rng.uniform(-1, 1, size=shape)
        k = min(shape[-2:])
        x[..., rng.permutation(shape[-2])[:k], np.arange(k)] += 4.0 * np.sign(rng.uniform(-1, 1, size=k))
        return x.astype(np.float32)
    return [([well_pivoted(s)], {}) for s in [(1, 1), (3, 3), (4, 4), (2, 3, 3), (3, 5), (5, 3), (2, 4, 2)]]


_SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 2)]
registry.declare(
    *[OpDef(f"qr_{part}", 1, ("mode",), composite=on_host(f"qr_{part}", lambda x, mode, k=k: np.linalg.qr(x, mode)[k]),
            rule=lambda g, o, a, mode, part=part: (_qr_vjp(a, mode, **{f"g{part}": g}),),
            sample=lambda rng: [([x], {"mode": mode}) for x in _matrices(rng, _SHAPES)
                                for mode in ("reduced", "complete") if mode == "reduced" or x.shape[-2] <= x.shape[-1]])
      for k, part in enumerate("qr")],
    OpDef("svd_s", 1, composite=on_host("svd_s", lambda x: np.linalg.svd(x, compute_uv=False)),
          rule=lambda g, o, a: (_svd_vjp(a, False, gs=g),), sample=lambda rng: [([x], {}) for x in _matrices(rng, _SHAPES)]),
    *[OpDef(f"svd_{part}", 1, ("full_matrices",),
            composite=on_host(f"svd_{part}", lambda x, full_matrices, k=k: np.linalg.svd(x, full_matrices)[k]),
            rule=lambda g, o, a, full_matrices, part=part: (_svd_vjp(a, full_matrices, **{f"g{part}": g}),),
            sample=lambda rng: [([x], {"full_matrices": full}) for x in _matrices(rng, _SHAPES)
                                for full in (False, True) if not full or x.shape[-1] == x.shape[-2]])
      for k, part in ((0, "u"), (2, "vh"))],
    OpDef("eigh_values", 1, composite=on_host("eigh_values", lambda x: np.linalg.eigh(x)[0]),
          rule=lambda g, o, a: (_eigh_vjp(a, gw=g),), sample=lambda rng: [([_sym(rng, 3)], {}), ([_sym(rng, 2, (2,))], {})]),
    OpDef("eigh_vectors", 1, composite=on_host("eigh_vectors", lambda x: np.linalg.eigh(x)[1]),
          rule=lambda g, o, a: (_eigh_vjp(a, gv=g),), sample=lambda rng: [([_sym(rng, 3)], {}), ([_sym(rng, 2, (2,))], {})]),
    *[OpDef(f"eig_{part}", 1, composite=on_host(f"eig_{part}", lambda x, k=k: _eig(x, k)), holomorphic=False,
            rule=lambda g, o, a, grad=grad: (_eig_vjp(a, **{grad: g}),), sample=_eig_sample)
      for k, (part, grad) in enumerate((("values", "gw"), ("vectors", "gv")))],
    OpDef("lu_factor", 1, composite=on_host("lu_factor", lambda x: _lu_packed(x)[0].astype(x.dtype)),
          rule=lambda g, o, a: (_lu_vjp(g, o, a),), sample=_lu_sample),
    OpDef("pinv", 1, ("rcond",), composite=on_host("pinv", _pinv), rule=lambda g, o, a, rcond: (_pinv_vjp(a, o, g),),
          sample=lambda rng: [([x], {"rcond": None}) for x in _matrices(rng, _SHAPES)]),
    OpDef("lstsq", 2, ("rcond",), rule=_lstsq_rule,
          composite=on_host("lstsq", lambda a, b, rcond: np.linalg.lstsq(a, b, rcond=rcond)[0]),
          sample=lambda rng: [([x, rng.normal(size=s).astype(np.float32)], {"rcond": None})
                              for x, s in zip(_matrices(rng, [(4, 2), (3, 3), (4, 3)]), [(4,), (3, 2), (4, 1)])]),
)


def qr(x, mode="reduced"):
    """``(q, r)`` with ``x = q @ r``, ``q`` orthonormal, ``r`` upper triangular.

    >>> q, r = qr([[1.0, 0.0], [0.0, 2.0]]); bool(np.allclose((q @ r).numpy(), [[1, 0], [0, 2]]))
    True
    """
    if symbolic(locals()):
        return record("qr", locals())
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete', got {mode!r}")
    x = floating(x)
    return apply("qr_q", (x,), {"mode": mode}), apply("qr_r", (x,), {"mode": mode})


def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, v)`` with ``x = u @ diag(s) @ v`` (``s`` alone without ``compute_uv``).

    >>> svd([[3.0, 0.0], [0.0, 2.0]], compute_uv=False).numpy().tolist()
    [3.0, 2.0]
    """
    if symbolic(locals()):
        return record("svd", locals())
    x = floating(x)
    s = apply("svd_s", (x,), {})
    if not compute_uv:
        return s
    params = {"full_matrices": bool(full_matrices)}
    return apply("svd_u", (x,), params), s, apply("svd_vh", (x,), params)


def eig(x):
    """Eigenvalues and eigenvectors (unit columns) of general square
    matrices, complex (complex64 for float32 input, as torch's
    ``linalg.eig``), differentiable.

    >>> w, v = eig([[0.0, -1.0], [1.0, 0.0]])   # a rotation: eigenvalues +-i
    >>> w.dtype, np.round(w.numpy(), 6).tolist()
    ('complex64', [1j, -1j])
    """
    if symbolic(locals()):
        return record("eig", locals())
    x = _square(x, "eig")
    return apply("eig_values", (x,), {}), apply("eig_vectors", (x,), {})


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices (the
    lower triangle is read, as NumPy).

    >>> eigh([[2.0, 0.0], [0.0, 1.0]])[0].numpy().tolist()
    [1.0, 2.0]
    """
    if symbolic(locals()):
        return record("eigh", locals())
    x = _square(x, "eigh")
    return apply("eigh_values", (x,), {}), apply("eigh_vectors", (x,), {})


def lu_factor(x):
    """``(lu, pivots)``: LAPACK's packed LU factorization with partial pivoting
    of ``(..., m, n)`` matrices (``pivots`` int32, ``min(m, n)`` 0-based row
    swaps, as SciPy's ``lu_factor``); differentiable in ``lu`` (as
    PyTorch's), not in the pivots.

    >>> x = Tensor([[2.0, 1.0], [4.0, 4.0]], requires_grad=True)
    >>> lu, piv = lu_factor(x); piv.numpy().tolist(), lu.numpy().tolist()
    ([1, 1], [[4.0, 4.0], [0.5, -1.0]])
    >>> lu[1, 1].backward()  # U[1, 1] = x01 - x00 x11 / x10
    >>> x.grad.numpy().tolist()
    [[-1.0, 1.0], [0.5, -0.5]]
    """
    if symbolic(locals()):
        return record("lu_factor", locals())
    x = floating(x)
    if x.ndim < 2:
        raise ValueError(f"lu_factor: expected matrices (..., m, n), got shape {x.shape}")
    return apply("lu_factor", (x,), {}), Tensor(_lu_packed(x.numpy())[1])


def lstsq(a, b, rcond=None):
    """The least-squares solution of ``a @ x = b``.

    >>> lstsq([[1.0], [1.0]], [1.0, 3.0]).numpy().tolist()
    [2.0]
    """
    if symbolic(locals()):
        return record("lstsq", locals())
    a, b = tensors(a, b)
    a = floating(a)
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"lstsq: expected a of shape (m, n) and b of shape (m,) or (m, k), got {a.shape} and {b.shape}")
    return apply("lstsq", (a, b.astype(a.dtype)), {"rcond": rcond})


def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse.

    >>> pinv([[2.0, 0.0]]).numpy().tolist()
    [[0.5], [0.0]]
    """
    if symbolic(locals()):
        return record("pinv", locals())
    return apply("pinv", (floating(x),), {"rcond": rcond})
