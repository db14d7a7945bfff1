"""The tinykeras conformance check: every kernel of backend "opencl" against NumPy's,
on the core's own sample cases (plus Hypothesis-drawn shapes)."""
import numpy as np
import pytest

pytestmark = pytest.mark.opencl


def test_plugin_is_registered_through_its_entry_point():
    tk = pytest.importorskip("tinykeras")
    from tinykeras.core import registry
    assert "opencl" not in registry.FAILED, registry.FAILED.get("opencl")
    if "opencl" not in registry.KERNELS:
        pytest.skip("tinykeras-opencl is not installed (pip install -e plugins/tinykeras-opencl)")
    missing = [op for op in registry.primitives() if op not in registry.KERNELS["opencl"]]
    assert not missing
    assert tk.backend.available_backends().count("opencl") == 1


def test_conformance_with_numpy_reference():
    pytest.importorskip("tinykeras")
    from tinykeras.core import registry
    from tinykeras.testing import check_backend_conformance
    if "opencl" not in registry.KERNELS:
        pytest.skip("tinykeras-opencl is not installed (pip install -e plugins/tinykeras-opencl)")
    assert check_backend_conformance("opencl") > 400


def test_tensor_ops_run_on_the_opencl_backend():
    tk = pytest.importorskip("tinykeras")
    from tinykeras.core import registry
    if "opencl" not in registry.KERNELS:
        pytest.skip("tinykeras-opencl is not installed")
    from tinykeras.testing import isolated_registry
    with isolated_registry():
        tk.backend.set_backend("opencl")
        x = tk.Tensor(np.array([[1.0, -2.0], [3.0, 4.0]], np.float32))
        y = tk.ops.softmax(tk.ops.relu(x @ x), axis=-1)
        assert type(y.data).__name__ == "DeviceArray"
        want = np.maximum(x.numpy() @ x.numpy(), 0)
        want = np.exp(want - want.max(-1, keepdims=True))
        np.testing.assert_allclose(y.numpy(), want / want.sum(-1, keepdims=True), rtol=1e-5)
