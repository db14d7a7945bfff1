"""Gradients of the factorizations (``qr``, ``svd``, ``eigh``, ``lu_factor``,
``pinv``, ``lstsq``) and the Fourier transforms through the public functions, against
float64 finite differences; their values against NumPy (and Keras's where
installed).  The per-output ops (``qr_q``, ``svd_u``, ...) are also in the
registry's generated tests."""
import numpy as np
import pytest

import tinykeras as tk
from keras_zoo import keras_or_skip
from tinykeras.testing import check_gradients

RNG = np.random.default_rng(1818)


def f(*shape):
    return RNG.uniform(-2, 2, size=shape)


def _weighted(outs, seed=0):
    """One scalar from several outputs (random weights), so every output counts."""
    rng = np.random.default_rng(seed)
    return sum((o * tk.Tensor(rng.uniform(0.5, 1.5, size=o.shape))).sum() for o in outs)


FACTORS = [  # (function of a float64 tensor giving outputs, input)
    ("qr", lambda x: tk.ops.qr(x), f(4, 3)), ("qr wide", lambda x: tk.ops.qr(x), f(2, 4)),
    ("qr complete square", lambda x: tk.ops.qr(x, mode="complete"), f(3, 3)),
    ("svd reduced", lambda x: tk.ops.svd(x, full_matrices=False), f(4, 2)),
    ("svd wide batched", lambda x: tk.ops.svd(x, full_matrices=False), f(2, 2, 3)),
    ("svd square", lambda x: tk.ops.svd(x), f(3, 3)), ("svd values", lambda x: [tk.ops.svd(x, compute_uv=False)], f(3, 5)),
    ("lu", lambda x: tk.ops.lu_factor(x)[:1], f(4, 4)), ("lu batched", lambda x: tk.ops.lu_factor(x)[:1], f(2, 3, 3)),
    ("pinv", lambda x: [tk.ops.pinv(x)], f(3, 2)), ("lstsq", lambda x: [tk.ops.lstsq(x, np.arange(4.0))], f(4, 2)),
]


@pytest.mark.parametrize("name,fn,x", FACTORS, ids=[c[0] for c in FACTORS])
def test_factorization_gradients(name, fn, x):
    outs = fn(tk.Tensor(x))
    product = outs[0] @ outs[1] if name.startswith("qr") else None
    if product is not None:
        np.testing.assert_allclose(product.numpy(), x, atol=1e-12)
    check_gradients(lambda t: _weighted(fn(t)), [x], name=name)


def _unpacked(lu, pivots):
    """``(P, L, U)`` with ``a = P L U`` from the packed ``(m, n)`` factors and LAPACK's row swaps."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    perm = np.arange(m)
    for i, p in enumerate(pivots):
        perm[[i, p]] = perm[[p, i]]
    return np.eye(m)[:, np.argsort(perm)].T, np.tril(lu, -1)[:, :k] + np.eye(m, k), np.triu(lu)[:k]


def test_lu_factor_is_lapack_getrf_and_its_pivots_have_no_gradient():
    a = f(2, 4, 4)
    a[1, :, 0] = [0.1, -3.0, 0.5, 0.2]  # the second matrix swaps rows at once
    lu, pivots = tk.ops.lu_factor(tk.Tensor(a, requires_grad=True))
    assert lu.requires_grad and not pivots.requires_grad and pivots.dtype == "int32"
    for k in range(2):
        p, lower, upper = _unpacked(lu.numpy()[k], pivots.numpy()[k])
        np.testing.assert_allclose(p @ lower @ upper, a[k], atol=1e-12)
        assert np.all(np.abs(lower) <= 1 + 1e-12)  # partial pivoting: |L| <= 1
    assert pivots.numpy()[1, 0] == 1
    for shape in [(3, 5), (5, 3)]:              # rectangular, as Keras's (PyTorch's getrf): min(m, n) swaps
        a = f(*shape)
        lu, pivots = tk.ops.lu_factor(a)
        assert lu.shape == shape and pivots.shape == (3,)
        p, lower, upper = _unpacked(lu.numpy(), pivots.numpy())
        np.testing.assert_allclose(p @ lower @ upper, a, atol=1e-12)
    with pytest.raises(ValueError, match=r"lu_factor: expected matrices \(\.\.\., m, n\), got shape \(3,\)"):
        tk.ops.lu_factor(f(3))


@pytest.mark.keras
@pytest.mark.parametrize("shape", [(3, 3), (5, 5), (2, 4, 4), (3, 5), (5, 3), (2, 4, 2)])
def test_lu_factor_gradient_matches_keras_torch_autograd(shape):
    keras = keras_or_skip()
    import torch
    a, w = f(*shape), RNG.uniform(0.5, 1.5, size=shape)
    x = tk.Tensor(a, requires_grad=True)
    lu, pivots = tk.ops.lu_factor(x)
    (lu * tk.Tensor(w)).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    k_lu, k_pivots = keras.ops.linalg.lu_factor(t)
    (k_lu * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(lu.numpy(), k_lu.detach().numpy(), atol=1e-12)
    np.testing.assert_array_equal(pivots.numpy(), k_pivots.numpy())
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-10)


def test_eigh_gradient_reads_the_lower_triangle():
    q, _ = np.linalg.qr(f(3, 3))
    a = (q * [1.0, 2.5, 4.0]) @ q.T
    a[0, 2] += 7.0  # the upper triangle is not read (as NumPy and Keras)
    check_gradients(lambda t: _weighted(tk.ops.eigh(t)), [a], name="eigh")
    x = tk.Tensor(a, requires_grad=True)
    tk.ops.eigh(x)[0].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.eye(3), atol=1e-12)


def test_factorizations_say_where_gradients_do_not_exist():
    x = tk.Tensor(f(4, 2), requires_grad=True)
    with pytest.raises(ValueError, match="qr: mode='complete' with more rows"):
        tk.ops.qr(x, mode="complete")[0].sum().backward()
    with pytest.raises(ValueError, match="svd: the gradient of u or v with full_matrices=True"):
        tk.ops.svd(x)[0].sum().backward()


def _pair(*shape):
    return (f(*shape), f(*shape))


FOURIER = [  # (name, args after the signal, kwargs, signal)
    ("fft", (), {}, _pair(2, 5)), ("fft2", (), {}, _pair(3, 4)), ("ifft2", (), {}, _pair(2, 3)),
    ("rfft", (), {}, f(2, 6)), ("rfft", (), {"fft_length": 8}, f(5)), ("irfft", (), {}, _pair(4)),
    ("irfft", (), {"fft_length": 7}, _pair(5)), ("stft", (8, 4, 16), {}, f(2, 24)),
    ("stft", (6, 3, 8), {"center": False, "window": "hamming"}, f(20)),
    ("istft", (8, 4, 8), {}, _pair(7, 5)), ("istft", (6, 2, 8), {"length": 14, "window": None}, _pair(2, 5, 5)),
]


@pytest.mark.parametrize("name,args,kwargs,x", FOURIER, ids=[c[0] for c in FOURIER])
def test_fourier_transforms_match_numpy_and_differentiate(name, args, kwargs, x):
    fn = getattr(tk.ops, name)
    complex_in = isinstance(x, tuple)
    got = fn(x, *args, **kwargs)
    ref = {"fft": np.fft.fft, "fft2": np.fft.fft2, "ifft2": np.fft.ifft2,
           "rfft": lambda z, fft_length=None: np.fft.rfft(z, fft_length),
           "irfft": lambda z, fft_length=None: np.fft.irfft(z, fft_length)}.get(name)
    if ref is not None:
        want = ref(x[0] + 1j * x[1] if complex_in else x, **kwargs)
        got_c = got[0].numpy() + 1j * got[1].numpy() if isinstance(got, tuple) else got.numpy()
        np.testing.assert_allclose(got_c, want, atol=1e-12)

    def scalar(*parts):
        out = fn(tuple(parts) if complex_in else parts[0], *args, **kwargs)
        return _weighted(out if isinstance(out, tuple) else [out])
    check_gradients(scalar, list(x) if complex_in else [x], name=name)
    if name == "stft":  # istft inverts it, in float32 too
        sig = x.astype("float32")
        back = tk.ops.istft(fn(sig, *args, **kwargs), *args, length=sig.shape[-1], **kwargs).numpy()
        interior = slice(args[2], -args[2]) if not kwargs.get("center", True) else slice(None)
        np.testing.assert_allclose(back[..., interior], sig[..., interior], atol=2e-5)
