"""Device selection, laziness, clear errors, the kernel cache and the memory pool."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinykeras_opencl as tko
from tinykeras_opencl import device as device_mod
from tinykeras_opencl.device import cl

pytestmark = pytest.mark.opencl


def test_importing_the_plugin_creates_no_context():
    code = ("import tinykeras_opencl, tinykeras_opencl.kernels, tinykeras_opencl.device as d\n"
            "assert d._current is None\n"
            "tinykeras_opencl.all_kernels()\n"
            "assert d._current is None\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_plugin_before_tinykeras_still_registers_the_backend():
    pytest.importorskip("tinykeras")
    code = ("import tinykeras_opencl\n"        # first: import tinykeras must not meet a half module
            "import tinykeras\n"
            "from tinykeras.core import registry\n"
            "assert 'opencl' in registry.BACKENDS, registry.FAILED\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_device_spec_by_number_name_and_kind(monkeypatch):
    first = device_mod._all_devices()[0]
    spec = f"{first[0]}:{first[1]}"
    assert tko.find_device(spec) == first[3]
    assert tko.find_device(first[3].name[:5].lower()) == first[3]
    kind = "cpu" if first[3].type & cl.device_type.CPU else "gpu"
    assert tko.find_device(kind).type & getattr(cl.device_type, kind.upper())
    monkeypatch.setenv(device_mod.ENV_VAR, spec)
    assert tko.find_device() == first[3]
    assert spec in tko.list_devices()
    assert "OpenCL" in tko.describe()


def test_unknown_device_lists_what_exists(monkeypatch):
    monkeypatch.setenv(device_mod.ENV_VAR, "no-such-device-xyz")
    with pytest.raises(tko.NoDeviceError, match="Available devices") as info:
        tko.find_device()
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(tko.NoDeviceError):
        tko.find_device("99:0")


def test_no_platform_is_a_clear_runtime_error(monkeypatch):
    def no_platforms():
        raise cl.LogicError("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")
    monkeypatch.setattr(cl, "get_platforms", no_platforms)
    monkeypatch.setattr(device_mod, "_current", None)  # describe() opens the device
    with pytest.raises(tko.NoPlatformError, match="pocl") as info:
        tko.describe()
    assert isinstance(info.value, RuntimeError)


def test_build_failure_shows_the_build_log(dev):
    with pytest.raises(tko.KernelBuildError, match="undefined_function") as info:
        dev.kernel(("test", "broken"), lambda: "__kernel void k() { undefined_function(); }", "k")
    assert dev.name in str(info.value) and isinstance(info.value, RuntimeError)


def test_out_of_memory_is_a_clear_error(dev):
    with pytest.raises(tko.OutOfDeviceMemoryError, match=dev.name):
        tko.empty((dev.max_alloc // 4 + 1,), np.float32)


def test_unsupported_dtype_says_which(dev):
    with pytest.raises(TypeError, match="complex64"):
        tko.full((2,), 0, np.complex64)


def test_kernels_are_built_once_and_reused(dev):
    x = tko.asarray(np.ones((3, 5), np.float32))
    tko.kernel("tanh")(x)
    count = len(dev._kernels)
    for shape in [(3, 5), (7,), (2, 2)]:  # another shape of the same rank-1 collapse: same kernel
        tko.kernel("tanh")(tko.asarray(np.ones(shape, np.float32)))
    assert len(dev._kernels) == count
    knl = dev.kernel(("tanh-probe",), lambda: "__kernel void k() {}", "k")
    assert dev.kernel(("tanh-probe",), lambda: 1 / 0, "k") is knl  # cache hit: no rebuild


def test_steady_state_training_step_allocates_nothing_new(dev):
    rng = np.random.default_rng(0)
    w = tko.asarray(rng.standard_normal((64, 32)).astype(np.float32))
    x = tko.asarray(rng.standard_normal((16, 64)).astype(np.float32))
    k = tko.kernel

    def step(w):
        h = k("relu")(k("matmul")(x, w))
        g = k("matmul")(k("transpose")(x, axes=(1, 0)), k("sign")(h))
        return k("subtract")(w, k("multiply")(g, tko.full((), 0.01, np.float32)))

    for _ in range(3):
        w = step(w)
    dev.queue.finish()
    before = dev.pool.managed_bytes
    for _ in range(20):
        w = step(w)
    dev.queue.finish()
    assert dev.pool.managed_bytes == before


def test_set_device_switches_and_env_var_is_read_lazily(monkeypatch):
    old = device_mod._current
    try:
        new = tko.set_device("0:0")
        assert tko.get_device() is new and new is not old
    finally:
        device_mod._current = old


def test_device_array_basics():
    x = tko.asarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert (x.shape, x.dtype, x.size, x.ndim, len(x)) == ((2, 3), np.int32, 6, 2, 2)
    assert "DeviceArray(shape=(2, 3)" in repr(x)
    np.testing.assert_array_equal(np.asarray(x), np.arange(6).reshape(2, 3))
