"""Complex tensors: ``polar``, ``view_as_complex``/``view_as_real``, the
complex parts, arithmetic, ``matmul`` and ``eig``, against real Keras 3
(torch backend) on generated inputs (broadcasting, complex64/complex128,
real and integer operands), gradients in PyTorch's convention against
float64 finite differences and against torch's autograd, errors, symbolic
tensors, and the OpenCL backend (complex tensors on the host) against NumPy.
"""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core.complex_parts import make_complex
from tinykeras.testing import check_gradients, isolated_registry, opencl_device
from tinykeras.core import registry

from keras_zoo import keras_or_skip

RNG = np.random.default_rng(1818)


def f(*shape, lo=-2.0, hi=2.0, dtype="float32"):
    return RNG.uniform(lo, hi, size=shape).astype(dtype)


def c(*shape, dtype="complex64"):
    return (f(*shape, dtype="float64") + 1j * f(*shape, dtype="float64")).astype(dtype)


def nonsymmetric(n, batch=(), rotate=False):
    """A real matrix with eigenvalues well apart: real ones, or a complex pair."""
    p = RNG.normal(size=batch + (n, n)) + 2 * np.eye(n)
    d = np.zeros(batch + (n, n))
    d[..., range(n), range(n)] = np.arange(1, n + 1) * 1.5
    if rotate:
        d[..., 0, 1], d[..., 1, 0] = 1.0, -1.0
    return (p @ d @ np.linalg.inv(p)).astype("float32")


POS = dict(lo=0.5, hi=3.0)
WITH_REAL_VALUES = np.array([1 + 0j, -2 + 0j, 0j, 3 - 1j], "complex64")
CALLS = [  # (op, args): each runs in tinykeras and in Keras
    ("polar", [f(2, 3, **POS), f(2, 3)]), ("polar", [f(2, 1, **POS), f(3)]),
    ("polar", [f(4, **POS, dtype="float64"), f(4, dtype="float64")]),
    ("polar", [f(4, **POS, dtype="float64"), f(4)]), ("polar", [np.arange(1, 4, dtype="int32"), f(3)]),
    ("polar", [2.0, 0.5]), ("polar", [f(0, 3), f(3)]),
    ("view_as_complex", [f(2, 3, 2)]), ("view_as_complex", [f(4, 2, dtype="float64")]),
    ("view_as_complex", [np.arange(6, dtype="int32").reshape(3, 2)]), ("view_as_complex", [f(2)]),
    ("view_as_real", [c(2, 3)]), ("view_as_real", [c(4, dtype="complex128")]), ("view_as_real", [c()]),
    *[(op, [x]) for op in ("real", "imag", "conj", "conjugate", "angle", "absolute", "abs", "isreal",
                           "negative", "exp", "sqrt", "square", "sum", "mean")
      for x in (c(2, 3), c(3, dtype="complex128"), WITH_REAL_VALUES)],
    *[(op, [c(2, 3), y]) for op in ("add", "subtract", "multiply", "divide")
      for y in (c(2, 3), c(3), f(2, 1), f(3, dtype="float64"), c(1, dtype="complex128"),
                np.arange(1, 4, dtype="int32"))],
    ("matmul", [c(2, 3), c(3, 4)]), ("matmul", [c(2, 2, 3), c(3)]), ("matmul", [c(2, 3), f(3, 2)]),
    ("matmul", [f(1, 2, 3), c(4, 3, 2)]), ("vdot", [c(6), c(6)]),
    ("eig", [nonsymmetric(3)]), ("eig", [nonsymmetric(4, rotate=True)]),
    ("eig", [nonsymmetric(3, (2,), rotate=True)]), ("eig", [nonsymmetric(3).astype("float64")]),
]


def _np(value):
    if isinstance(value, (list, tuple)):
        return [_np(v) for v in value]
    if isinstance(value, tk.Tensor):
        return value.numpy()
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _phase_fixed(v):
    """Unit eigenvectors up to a phase: each column made real and positive at its largest entry."""
    pick = np.take_along_axis(v, np.abs(v).argmax(-2)[..., None, :], -2)
    return v * np.exp(-1j * np.angle(pick))


def _keras_args(keras, args):
    return [keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) and a.dtype.kind == "c" else a
            for a in args]


def _ids(calls):
    return [f"{call[0]}-{n}" for n, call in enumerate(calls)]


@pytest.mark.keras
@pytest.mark.parametrize("name,args", CALLS, ids=_ids(CALLS))
def test_op_matches_keras(name, args):
    keras = keras_or_skip()
    got = _np(getattr(tk.ops, name)(*args))
    want = _np(getattr(keras.ops, name)(*_keras_args(keras, args)))
    if name == "eig":
        got, want = [got[0], _phase_fixed(got[1])], [want[0], _phase_fixed(want[1])]
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        assert g.shape == w.shape and g.dtype == w.dtype, f"{name}: {g.shape} {g.dtype}, Keras {w.shape} {w.dtype}"
        if w.dtype.kind == "b":
            np.testing.assert_array_equal(g, w)
        else:
            double = w.dtype in (np.float64, np.complex128) and name != "mean"  # Keras: mean in complex64
            np.testing.assert_allclose(g, w, rtol=1e-9 if double else 2e-5, atol=1e-9 if double else 2e-5,
                                       err_msg=name)


def test_python_complex_numbers_follow_keras_dtypes():
    x32, x64 = tk.Tensor(f(2)), tk.Tensor(f(2, dtype="float64"))
    assert (x32 * 1j).dtype == "complex64" and (x64 * 1j).dtype == "complex128"
    assert tk.Tensor(1j).dtype == tk.Tensor([1 + 2j]).dtype == "complex64"
    assert tk.ops.convert_to_tensor(np.array([1j])).dtype == "complex128"  # NumPy arrays keep theirs
    np.testing.assert_array_equal((x32 * 1j).numpy(), x32.numpy() * 1j)


# -- gradients -------------------------------------------------------------------------------------
def _polar_loss(r, t):
    z = tk.ops.polar(r, t)
    return tk.ops.sum(tk.ops.real(z) ** 2 + tk.ops.imag(z))


GRADS = [  # (name, function, inputs): float64 / complex128 inputs, checked against finite differences
    ("polar loss", _polar_loss, [f(2, 3, **POS), f(2, 3)]),
    ("polar broadcast", tk.ops.polar, [f(2, 1, **POS), f(3)]),
    ("view_as_real", lambda z: tk.ops.view_as_real(z * z), [c(2, 3)]),
    ("real", tk.ops.real, [c(2, 3)]), ("imag", tk.ops.imag, [c(2, 3)]), ("conj", tk.ops.conj, [c(4)]),
    ("angle", tk.ops.angle, [c(2, 3)]), ("absolute", tk.ops.absolute, [c(2, 3)]),
    ("abs squared", lambda z: tk.ops.abs(z) ** 2, [c(3)]),
    ("add", tk.ops.add, [c(2, 3), c(3)]), ("subtract", tk.ops.subtract, [c(2, 3), f(2, 1)]),
    ("multiply", tk.ops.multiply, [c(2, 3), c(3)]), ("multiply real", tk.ops.multiply, [c(2, 3), f(2, 1)]),
    ("divide", tk.ops.divide, [c(2, 3), c(2, 3)]), ("divide real", tk.ops.divide, [f(3, **POS), c(2, 3)]),
    ("matmul", tk.ops.matmul, [c(2, 3), c(3, 4)]), ("vdot", tk.ops.vdot, [c(2, 3), c(6)]), ("matmul real", tk.ops.matmul, [f(2, 2, 3), c(3)]),
    ("exp sum", lambda z: tk.ops.sum(tk.ops.exp(z), axis=0), [c(3, 2)]),
    ("sqrt mean", lambda z: tk.ops.mean(tk.ops.sqrt(z + 3)), [c(2, 2)]),
    ("elementwise", lambda z: tk.ops.sin(z) * tk.ops.cos(z) + tk.ops.tanh(z) + tk.ops.log(z + 3) + tk.ops.sinh(z)
     + tk.ops.reciprocal(z + 3), [c(2, 3)]),
    ("power", lambda z, w: tk.ops.power(z + 3, w), [c(2, 3), c(3)]),
    ("movement", lambda z: tk.ops.concatenate([tk.ops.where(tk.ops.real(z) > 0, z, tk.ops.conj(z) * 2),
                                               tk.ops.pad(tk.ops.transpose(z)[1:, 1:], [[0, 0], [1, 0]])], 0),
     [c(3, 3)]),
    ("prod", lambda z: tk.ops.prod(z + 2, axis=0), [c(2, 3)]),
    ("eig values", lambda x: tk.ops.eig(x)[0], [nonsymmetric(3)]),
    ("eig values complex", lambda x: tk.ops.eig(x)[0], [nonsymmetric(4, rotate=True)]),
    ("eig values batch", lambda x: tk.ops.eig(x)[0], [nonsymmetric(3, (2,), rotate=True)]),
    ("eig vectors real", lambda x: tk.ops.eig(x)[1], [nonsymmetric(3)]),
    ("eig |vectors|", lambda x: tk.ops.abs(tk.ops.eig(x)[1]), [nonsymmetric(4, rotate=True)]),
    ("eig of complex", lambda z: tk.ops.eig(z)[0], [(nonsymmetric(3) + 1j * f(3, 3, lo=-0.3, hi=0.3))]),
]


@pytest.mark.parametrize("name,fn,inputs", GRADS, ids=[g[0] for g in GRADS])
def test_gradient_matches_finite_differences(name, fn, inputs):
    check_gradients(fn, inputs, name=name, rtol=1e-5, atol=1e-6)


def test_view_as_complex_gradient_matches_finite_differences():
    """Its result is complex64 (as Keras's), so the differences are taken with
    a large step (the op is linear: the step adds no error, float32 does)."""
    def fn(x):
        return tk.ops.cast(tk.ops.view_as_complex(x) * (1 + 2j), "complex128")
    check_gradients(fn, [f(3, 2)], eps=1e-2, rtol=1e-4, atol=1e-4, name="view_as_complex")


def test_gradient_convention_is_pytorchs():
    torch = pytest.importorskip("torch")
    r, t, z0 = f(2, 3, **POS, dtype="float64"), f(2, 3, dtype="float64"), c(3, dtype="complex128")
    a = nonsymmetric(3, rotate=True).astype("float64")

    def program(lib, polar, real, imag, eig, leaves):
        r_, t_, z_, a_ = leaves
        p = polar(r_, t_) * z_
        w = eig(a_)[0]
        return (real(p) ** 2 + imag(p)).sum() + (real(w) * imag(w)).sum() + (real(z_ * z_)).sum()

    tl = [torch.tensor(v, requires_grad=True) for v in (r, t, z0, a)]
    program(torch, torch.polar, torch.real, torch.imag, torch.linalg.eig, tl).backward()
    kl = [tk.Tensor(v, requires_grad=True) for v in (r, t, z0, a)]
    program(tk, tk.ops.polar, tk.ops.real, tk.ops.imag, tk.ops.eig, kl).backward()
    for got, want in zip(kl, tl):
        assert got.grad.dtype == str(want.grad.dtype).split(".")[-1]
        np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_complex_leaves_get_dl_dre_plus_i_dl_dim():
    z = tk.Tensor(np.array([3 + 4j, -1 + 2j]), requires_grad=True)   # L = sum(x^2 y)
    tk.ops.sum(tk.ops.real(z) ** 2 * tk.ops.imag(z)).backward()
    x, y = np.array([3.0, -1.0]), np.array([4.0, 2.0])
    np.testing.assert_allclose(z.grad.numpy(), 2 * x * y + 1j * x ** 2)


def test_isreal_records_no_graph_and_angle_of_reals_has_zero_gradient():
    z = tk.Tensor(c(3), requires_grad=True)
    assert not tk.ops.isreal(z).requires_grad and tk.ops.isreal(z).dtype == "bool"
    x = tk.Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    out = tk.ops.angle(x) + x * 0
    tk.ops.sum(out).backward()
    assert x.grad.numpy().tolist() == [0.0, 0.0]


# -- errors, dtypes of real inputs, symbolic tensors -----------------------------------------------
def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"view_as_complex: .*size 2.*\(2, 3\)"):
        tk.ops.view_as_complex(f(2, 3))
    with pytest.raises(ValueError, match=r"view_as_complex: .*size 2.*\(\)"):
        tk.ops.view_as_complex(1.0)
    with pytest.raises(TypeError, match="view_as_complex: expected a real tensor .*got complex64"):
        tk.ops.view_as_complex(c(3, 2))
    with pytest.raises(ValueError, match="polar: `abs_` must be a real .*got complex64"):
        tk.ops.polar(c(3), f(3))
    with pytest.raises(ValueError, match="polar: `angle` must be a real .*got complex128"):
        tk.ops.polar(f(3), c(3, dtype="complex128"))
    with pytest.raises(ValueError, match="cannot combine shapes"):
        tk.ops.polar(f(2), f(3))
    with pytest.raises(ValueError, match="eig: expected square matrices"):
        tk.ops.eig(f(2, 3))


def test_complex_parts_of_real_tensors_follow_numpy():
    x = f(2, 3)
    assert tk.ops.real(x).numpy().tolist() == x.tolist() and tk.ops.conj(x).numpy().tolist() == x.tolist()
    assert not tk.ops.imag(x).numpy().any() and tk.ops.isreal(x).numpy().all()
    np.testing.assert_array_equal(tk.ops.view_as_real(x).numpy(), np.stack([x, 0 * x], -1))


def test_symbolic_complex_ops_build_a_model():
    z_in, r_in = tk.Input((3,), dtype="complex64"), tk.Input((3,))
    pieces = {"real": tk.ops.real(z_in), "angle": tk.ops.angle(z_in), "abs": tk.ops.abs(z_in),
              "conj": tk.ops.conj(z_in), "pair": tk.ops.view_as_real(z_in), "isreal": tk.ops.isreal(z_in),
              "polar": tk.ops.polar(r_in, r_in), "back": tk.ops.view_as_complex(tk.ops.view_as_real(z_in))}
    specs = {k: (v.shape, v.dtype) for k, v in pieces.items()}
    assert specs == {"real": ((None, 3), "float32"), "angle": ((None, 3), "float32"), "abs": ((None, 3), "float32"),
                     "conj": ((None, 3), "complex64"), "pair": ((None, 3, 2), "float32"),
                     "isreal": ((None, 3), "bool"), "polar": ((None, 3), "complex64"),
                     "back": ((None, 3), "complex64")}
    model = tk.Model([z_in, r_in], list(pieces.values()))
    z, r = c(2, 3), f(2, 3)
    outs = [o.numpy() for o in model([z, r])]
    np.testing.assert_allclose(outs[4], np.stack([z.real, z.imag], -1))
    np.testing.assert_allclose(outs[6], r * np.exp(1j * r), rtol=1e-6)
    np.testing.assert_array_equal(outs[7], z)
    w, v = tk.ops.eig(tk.Input((3, 3)))
    assert (w.shape, w.dtype, v.shape, v.dtype) == ((None, 3), "complex64", (None, 3, 3), "complex64")


# -- OpenCL: complex tensors stay on the host ------------------------------------------------------
OPENCL_PROGRAMS = {  # run with Tensors on a backend; compared between "numpy" and "opencl"
    "polar": lambda r, t, z: tk.ops.polar(r, t),
    "parts": lambda r, t, z: tk.ops.concatenate([tk.ops.view_as_real(z), tk.ops.view_as_real(tk.ops.conj(z))], -1),
    "angle abs": lambda r, t, z: tk.ops.angle(z) + tk.ops.abs(z) * r,
    "arithmetic": lambda r, t, z: (z * r + z / (r + 1j) - z) @ tk.ops.conj(tk.ops.transpose(z)),
    "reductions": lambda r, t, z: tk.ops.stack([tk.ops.sum(z, axis=0), tk.ops.mean(z, axis=0)]),
    "view_as_complex": lambda r, t, z: tk.ops.view_as_complex(tk.ops.stack([r, t], -1)),
    "eig": lambda r, t, z: tk.ops.abs(tk.ops.eig(r[:, :2] @ tk.ops.transpose(t[:, :2]) + r[:2, :2])[0]),
    "isreal": lambda r, t, z: tk.ops.isreal(z * 0 + tk.ops.real(z)),
}


def _on_backend(backend, program, arrays, grad):
    with isolated_registry():
        registry.set_backend(backend)
        leaves = [tk.Tensor(a, requires_grad=grad and a.dtype.kind in "fc") for a in arrays]
        out = program(*leaves)
        grads = []
        if grad:
            loss = tk.ops.sum(tk.ops.real(out) * 0.5 + tk.ops.imag(out) * 2.0)
            loss.backward()
            grads = [leaf.grad.numpy() for leaf in leaves if leaf.grad is not None]
        return [out.numpy()] + grads


@pytest.mark.opencl
@pytest.mark.parametrize("name", sorted(OPENCL_PROGRAMS))
def test_opencl_runs_complex_ops_like_numpy(name):
    opencl_device()
    arrays = [f(2, 2, **POS), f(2, 2), c(2, 2)]
    grad = name != "isreal"
    want = _on_backend("numpy", OPENCL_PROGRAMS[name], arrays, grad)
    got = _on_backend("opencl", OPENCL_PROGRAMS[name], arrays, grad)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5, err_msg=name)


@pytest.mark.opencl
def test_opencl_keeps_real_tensors_on_the_device():
    opencl_device()
    import tinykeras_opencl
    with isolated_registry():
        registry.set_backend("opencl")
        z = tk.ops.polar(tk.Tensor(f(3, **POS)), tk.Tensor(f(3)))
        assert isinstance(z.data, np.ndarray)
        assert isinstance(tk.ops.abs(z).data, tinykeras_opencl.DeviceArray)
        assert isinstance(tk.ops.real(z).data, tinykeras_opencl.DeviceArray)
        assert isinstance(make_complex(tk.ops.real(z), tk.ops.imag(z)).data, np.ndarray)
