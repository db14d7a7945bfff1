"""The snake op's OpenCL kernel on a real device (PoCL is enough); every
test is skipped without pyopencl, tinykeras-opencl or a usable OpenCL device
(fails, with TINYKERAS_REQUIRE_OPENCL=1)."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.testing import check_backend_conformance, check_gradients, opencl_device

tke = pytest.importorskip("tinykeras_example")
pytestmark = [pytest.mark.opencl, pytest.mark.usefixtures("example")]


@pytest.fixture
def device():
    return opencl_device()


def run(x, alpha):
    import tinykeras_opencl as tko
    return tko.to_numpy(tke.opencl.snake(tko.asarray(x), alpha))


def test_the_plugin_gives_the_opencl_kernel(device):
    assert registry.PROVIDERS[("opencl", "snake")] == "example"
    assert registry.kernel("snake", "opencl") is tke.opencl.snake


def test_conforms_to_the_numpy_kernel(device):
    assert check_backend_conformance("opencl", ops=["snake"]) >= 5


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shapes_and_dtypes(device, dtype):
    if dtype == "float64" and not device.has_fp64:
        pytest.skip(f"{device.name} has no float64")
    rng = np.random.default_rng(0)
    for shape in [(), (1,), (1000,), (3, 257), (0, 4)]:
        x = rng.normal(scale=3, size=shape).astype(dtype)
        got = run(x, 0.7)
        assert got.dtype == x.dtype and got.shape == x.shape
        np.testing.assert_allclose(got, tke.ops.snake_numpy(x, 0.7), rtol=2e-6 if dtype == "float32" else 1e-12,
                                   atol=1e-6 if dtype == "float32" else 1e-12)


def test_other_dtypes_are_refused_clearly(device):
    with pytest.raises(TypeError, match="float32 or float64 arrays, not int32"):
        run(np.arange(3, dtype=np.int32), 1.0)


def test_forward_and_gradient_on_the_opencl_backend(device):
    tk.backend.set_backend("opencl")
    x = tk.Tensor(np.float32([[0.5, -1.0, 2.0]]), requires_grad=True)
    y = tke.snake(x, alpha=2.0)
    assert type(y.data).__name__ == "DeviceArray" and y._ctx[0] == "snake"  # the kernel ran
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), tke.ops.snake_numpy(x.numpy(), 2.0), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 1 + np.sin(4 * x.numpy()), rtol=1e-5, atol=1e-6)
    if device.has_fp64:  # finite differences need float64
        check_gradients(tke.snake, [np.array([0.3, -1.2, 2.0])], {"alpha": 0.7})


def test_the_layer_trains_on_the_opencl_backend(device, monkeypatch):
    monkeypatch.setenv("TINYKERAS_CHECK_KERNELS", "1")  # every kernel call checked against NumPy
    tk.backend.set_backend("opencl")
    assert registry.ACTIVE["snake"] is not tke.opencl.snake  # wrapped by the check
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(8), tke.Snake(alpha=0.5), tk.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
