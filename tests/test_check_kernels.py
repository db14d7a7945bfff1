"""``TINYKERAS_CHECK_KERNELS=1``: every kernel call of a non-reference
backend is compared with the NumPy kernel, and on the NumPy backend every
kernel a plugin overrides is compared with the built-in one; the first op
that disagrees is named, with the plugin.  Off, nothing is wrapped.  (A "mirror" backend runs NumPy's kernels
with a few wrong ones; the OpenCL tests skip without a device.)"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import Tensor, hookimpl
from tinykeras.numpy_plugin import numpy_backend
from tinykeras.core import registry
from tinykeras.core.kernel_check import KernelMismatchError
from tinykeras.testing import opencl_device

pytestmark = pytest.mark.usefixtures("clean_registry")


def mirror(**wrong):
    """Backend "mirror": NumPy's kernels, except the ``wrong`` ones given."""
    class Mirror:
        @hookimpl
        def tinykeras_register_backends(self, register):
            register("mirror")

        @hookimpl
        def tinykeras_register_kernels(self, register):
            for op, fn in {**registry.KERNELS["numpy"], **wrong}.items():
                register("mirror", op, fn)
    registry.register(Mirror(), name="mirror")


@pytest.fixture
def checking(monkeypatch):
    monkeypatch.setenv("TINYKERAS_CHECK_KERNELS", "1")


def test_off_nothing_is_wrapped(monkeypatch):
    monkeypatch.delenv("TINYKERAS_CHECK_KERNELS", raising=False)
    mirror(exp=lambda x: np.exp(x) + 1)
    tk.backend.set_backend("mirror")
    assert all(registry.ACTIVE[op] is fn for op, fn in registry.KERNELS["mirror"].items())
    assert Tensor([0.0]).exp().item() == 2.0  # wrong, and nobody checks


def test_on_the_first_op_that_disagrees_is_named(checking):
    mirror(exp=lambda x: np.exp(x) * (1 + 1e-3 * (x.ndim == 2)),  # wrong on 2-d inputs only
           tanh=lambda x: np.tanh(x) + 1)                          # always wrong
    tk.backend.set_backend("mirror")
    assert registry.ACTIVE["exp"] is not registry.KERNELS["mirror"]["exp"]
    np.testing.assert_allclose(Tensor([0.0, 1.0]).exp().numpy(), [1.0, np.e], rtol=1e-6)  # agrees
    with pytest.raises(KernelMismatchError, match=r"backend 'mirror' disagrees with NumPy on op 'exp' "
                       r"\(kernel from plugin 'mirror'\) \(inputs: \(1, 2\) float32; params: \{\}\): 2 of 2 values differ"):
        Tensor([[0.5, 1.0]]).exp().tanh()  # exp runs first, so exp is named, not tanh
    with pytest.raises(KernelMismatchError, match="op 'tanh'"):
        Tensor([0.5]).tanh()


def test_on_shape_and_dtype_mismatches_are_named(checking):
    mirror(negative=lambda x: np.negative(x).astype(np.float64),
           sum=lambda x, axis=None, keepdims=False: np.sum(x, axis=axis, keepdims=True))
    tk.backend.set_backend("mirror")
    with pytest.raises(KernelMismatchError, match="op 'negative'.*output dtype float64, NumPy gives float32"):
        -Tensor([1.0])
    with pytest.raises(KernelMismatchError, match=r"op 'sum'.*output shape \(1,\), NumPy gives \(\)"):
        Tensor([1.0, 2.0]).sum()


def test_on_a_whole_training_run_agrees_with_itself(checking):
    """asarray, full, variadic concatenate, in-place optimizer updates: all checked, none wrong."""
    mirror()
    tk.backend.set_backend("mirror")
    assert registry.ACTIVE["concatenate"] is not registry.KERNELS["mirror"]["concatenate"]
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(8, activation="relu"), tk.layers.Dense(3)])
    model.compile(optimizer="adam", loss=tk.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    history = model.fit(rng.normal(size=(32, 4)).astype("float32"), rng.integers(0, 3, 32), epochs=2,
                        batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert tk.ops.concatenate([tk.ops.ones((1, 2)), tk.ops.zeros((2, 2))]).shape == (3, 2)


def numpy_override(**kernels):
    """Plugin "override": replaces NumPy kernels of the built-in plugin."""
    class Override:
        @hookimpl
        def tinykeras_register_kernels(self, register):
            for op, fn in kernels.items():
                register("numpy", op, fn)
    assert registry.register(Override(), name="override") == "override"


def test_on_the_numpy_backend_only_overrides_are_wrapped(checking):
    numpy_override(exp=np.exp)
    builtin = numpy_backend.builtin_kernels()
    for op, fn in registry.KERNELS["numpy"].items():
        overridden = registry.PROVIDERS[("numpy", op)] != "numpy" and op in builtin
        assert (registry.ACTIVE[op] is not fn) == overridden, op
    assert registry.ACTIVE["exp"] is not np.exp   # a plugin's own op (snake) has nothing to compare with


def test_on_numpy_overrides_are_checked_against_the_built_in_kernel(checking):
    numpy_override(tanh=lambda x: np.tanh(x).reshape(-1, 1),       # wrong shape
                   sqrt=lambda x: np.sqrt(x.astype(np.float64)),   # float64 out of float32
                   exp=lambda x: np.exp(x) + 1e-3,                 # wrong values
                   negative=lambda x: np.array(-x))                # right: passes
    assert registry.ACTIVE["add"] is registry.KERNELS["numpy"]["add"]  # not overridden: not wrapped
    named = r"backend 'numpy' disagrees with NumPy on op '{}' \(kernel from plugin 'override'\).*"
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, activation="tanh"), tk.layers.Dense(1)])
    with pytest.raises(KernelMismatchError, match=named.format("tanh") + r"output shape \(8, 1\), "
                       r"NumPy gives \(4, 2\)"):
        model.predict(np.ones((4, 3), "float32"), verbose=0)   # not a Dense input error downstream
    with pytest.raises(KernelMismatchError, match=named.format("sqrt") + "output dtype float64, "
                       "NumPy gives float32"):
        tk.ops.sqrt(tk.ops.ones((2,)))
    with pytest.raises(KernelMismatchError, match=named.format("exp") + "2 of 2 values differ"):
        tk.ops.exp(tk.ops.zeros((2,)))
    assert (-Tensor([1.0, 2.0])).numpy().tolist() == [-1.0, -2.0]


def test_switching_the_mode_off_unwraps_on_the_next_set_backend(checking, monkeypatch):
    mirror()
    tk.backend.set_backend("mirror")
    assert registry.ACTIVE["add"] is not registry.KERNELS["mirror"]["add"]
    monkeypatch.setenv("TINYKERAS_CHECK_KERNELS", "0")
    tk.backend.set_backend("mirror")
    assert registry.ACTIVE["add"] is registry.KERNELS["mirror"]["add"]


@pytest.mark.opencl
def test_opencl_training_passes_the_check_and_a_wrong_kernel_is_caught(checking):
    opencl_device()
    tk.backend.set_backend("opencl")
    model = tk.Sequential([tk.Input((6,)), tk.layers.Dense(8, activation="relu"),
                           tk.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(32, 6)).astype("float32"), rng.integers(0, 3, 32), epochs=1,
              batch_size=16, verbose=0)

    class WrongExp:
        @hookimpl(tryfirst=True)
        def tinykeras_register_kernels(self, register):
            import tinykeras_opencl
            exp = tinykeras_opencl.kernel("exp")
            register("opencl", "exp", lambda x: exp(exp(x)))

    registry.register(WrongExp(), name="wrong-exp")
    with pytest.raises(KernelMismatchError, match="backend 'opencl' disagrees with NumPy on op 'exp'"):
        Tensor([[1.0, 2.0]]).exp()


@pytest.mark.opencl
def test_the_variable_is_read_at_import():
    opencl_device()
    code = ("import tinykeras as tk; from tinykeras.core import registry as r; "
            "print(r.current_backend(), r.ACTIVE['add'] is r.KERNELS['opencl']['add'], "
            "(tk.Tensor([1.0]) + 1).item())")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    package_root = os.path.dirname(os.path.dirname(tk.__file__))
    env.update(TINYKERAS_BACKEND="opencl", TINYKERAS_CHECK_KERNELS="1",
               PYTHONPATH=os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["opencl", "False", "2.0"]


def test_docstring_example():
    import doctest
    from tinykeras.core import kernel_check
    assert doctest.testmod(kernel_check).failed == 0
