"""The example plugin, through tinykeras.testing: discovery, the snake op
(forward, gradient, composite fallback), the Snake layer saved and loaded,
and the ``relu`` override winning and being undone."""
import os
import subprocess
import sys
import textwrap
from importlib import metadata

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.testing import (check_backend_conformance, check_gradients,
                               run_layer_test, sample_cases)

tke = pytest.importorskip("tinykeras_example")
pytestmark = pytest.mark.usefixtures("example")


def formula(x, alpha):
    x64 = x.astype(np.float64)
    return (x64 + np.sin(alpha * x64) ** 2 / alpha).astype(x.dtype)


def test_discovered_through_its_entry_points():
    try:
        dist = metadata.distribution("tinykeras-example")
    except metadata.PackageNotFoundError:
        pytest.skip("not installed: pip install -e plugins/tinykeras-example --no-deps")
    eps = {ep.name: ep.value for ep in dist.entry_points if ep.group == "tinykeras"}
    assert eps == {"example": "tinykeras_example.plugin", "example_relu": "tinykeras_example.relu"}
    assert registry.pm.dists.get("example") == f"tinykeras-example {dist.version}"
    assert not {"example", "example_relu"} & set(registry.FAILED)
    info = {p.name: p for p in tk.plugins.plugins()}
    assert info["example"].ops == ["snake"] and "numpy:snake" in info["example"].kernels
    assert info["example"].serializables == ["tinykeras_example>Snake"]
    assert info["example_relu"].kernels == ["numpy:relu"]


def test_snake_forward_matches_the_formula():
    rng = np.random.default_rng(0)
    for inputs, params in sample_cases(registry.OPS["snake"], rng):
        for x in (inputs[0], inputs[0].astype(np.float64)):
            got = tke.snake(x, **params).numpy()
            assert got.dtype == x.dtype and got.shape == x.shape
            np.testing.assert_allclose(got, formula(x, params["alpha"]), rtol=1e-6, atol=1e-6)
    y = tke.snake(tk.Tensor(np.array([0.0, np.pi / 2])), alpha=1.0)
    assert y.dtype == "float64" and y.numpy().tolist() == [0.0, np.pi / 2 + 1]


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5])
def test_snake_gradient_matches_finite_differences(alpha):
    x = np.linspace(-3, 3, 7)
    check_gradients(tke.snake, [x], {"alpha": alpha})                       # the rule
    check_gradients(tke.ops.snake_composite, [x], {"alpha": alpha})         # the composite


def test_numpy_kernel_conforms_and_matches_the_composite():
    assert check_backend_conformance("numpy", ops=["snake"]) >= 5
    for inputs, params in sample_cases(registry.OPS["snake"], np.random.default_rng(1)):
        x = inputs[0].astype(np.float64)
        np.testing.assert_allclose(tke.ops.snake_numpy(x, **params),
                                   tke.ops.snake_composite(tk.Tensor(x), **params).numpy(), rtol=1e-12)


def test_a_backend_without_the_kernel_runs_the_composite():
    class Mirror:  # every NumPy kernel except snake's, on backend "mirror"
        @tk.hookimpl
        def tinykeras_register_backends(self, register):
            register("mirror")

        @tk.hookimpl
        def tinykeras_register_kernels(self, register):
            for op, fn in registry.KERNELS["numpy"].items():
                if op != "snake":
                    register("mirror", op, fn)

    registry.register(Mirror(), name="mirror")
    tk.backend.set_backend("mirror")
    assert "snake" not in registry.ACTIVE
    x = tk.Tensor([0.5, -1.0], requires_grad=True)
    y = tke.snake(x, alpha=2.0)
    assert y._ctx[0] != "snake"  # recorded as the composite's own ops
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), formula(np.float32([0.5, -1.0]), 2.0), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), 1 + np.sin(4 * np.float32([0.5, -1.0])), rtol=1e-6)
    check_gradients(tke.snake, [np.array([0.2, 1.3])], {"alpha": 0.5})


def test_bad_alpha_and_a_missing_plugin_are_clear_errors():
    with pytest.raises(ValueError, match="alpha must be > 0"):
        tke.snake([1.0], alpha=0)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        tke.Snake(alpha=-1.0)
    registry.unregister(name="example")
    with pytest.raises(RuntimeError, match="tinykeras-example plugin is not loaded"):
        tke.snake([1.0])


def test_snake_layer_passes_the_standard_layer_checks():
    run_layer_test(tke.Snake, {"alpha": 0.5}, input_shape=(2, 3), expected_output_shape=(2, 3),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   supports_masking=True)


LOAD = '''
import sys, numpy as np, tinykeras as tk
model = tk.models.load_model(sys.argv[1])
layer = model.layers[1]
print(type(layer).__module__, layer.alpha)
np.save(sys.argv[2], model.predict(np.load(sys.argv[3]), verbose=0))
'''


def test_a_model_with_the_layer_saves_and_loads(tmp_path):
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(8), tke.Snake(alpha=0.5), tk.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    model.fit(x, x[:, :2], epochs=1, verbose=0)  # gradients flow through the snake rule
    path = str(tmp_path / "snake.safetensors")
    model.save(path)
    loaded = tk.models.load_model(path)
    assert isinstance(loaded.layers[1], tke.Snake) and loaded.layers[1].alpha == 0.5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    if registry.pm.dists.get("example") is None:
        return  # not installed: a fresh process would not find the plugin
    # a fresh process that never imports tinykeras_example: the entry point registers the layer
    np.save(tmp_path / "x.npy", x)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(LOAD), path, str(tmp_path / "y.npy"),
                           str(tmp_path / "x.npy")], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["tinykeras_example.layers", "0.5"]
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0))


def test_the_relu_override_wins_and_unregistering_restores_the_reference():
    from tinykeras.numpy_plugin import numpy_fused
    reference = numpy_fused.KERNELS["relu"]
    assert registry.kernel("relu", "numpy") is tke.relu.relu
    assert registry.PROVIDERS[("numpy", "relu")] == "example_relu"
    assert ("numpy", "relu", "example_relu", "numpy") in registry.SHADOWED
    assert tk.ops.relu(tk.Tensor([-1.0, 2.0])).numpy().tolist() == [0.0, 2.0]
    registry.unregister(name="example_relu")
    assert registry.kernel("relu", "numpy") is reference
    assert registry.PROVIDERS[("numpy", "relu")] == "numpy"
    assert not [s for s in registry.SHADOWED if s[1] == "relu"]
    assert "snake" in registry.OPS  # the other plugin of the distribution is untouched


def test_tryfirst_beats_an_ordinary_plugin_registered_later():
    class Later:
        @tk.hookimpl
        def tinykeras_register_kernels(self, register):
            register("numpy", "relu", lambda x: np.maximum(x, 0) + 1)

    registry.register(Later(), name="later")
    assert registry.PROVIDERS[("numpy", "relu")] == "example_relu"
    assert ("numpy", "relu", "example_relu", "later") in registry.SHADOWED


def test_the_override_gives_exactly_the_reference_numbers():
    from tinykeras.numpy_plugin import numpy_fused
    special = np.array([-0.0, 0.0, np.nan, -np.inf, np.inf, -1.5, 2.5])
    cases = [special.astype(d) for d in ("float16", "float32", "float64")]
    cases += [np.array(-2.0, np.float32), np.arange(-3, 3, dtype=np.int32), np.zeros((0, 3), np.float32)]
    for x in cases:
        want, got = numpy_fused.KERNELS["relu"](x), tke.relu.relu(x)
        assert got.dtype == want.dtype and got.shape == np.shape(want)
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
    x = np.array([-1.0, 1.0])
    tke.relu.relu(x)
    assert x.tolist() == [-1.0, 1.0]  # the input is never written


@pytest.mark.parametrize("module", ["tinykeras_example", "tinykeras_example.ops",
                                    "tinykeras_example.layers", "tinykeras_example.relu",
                                    "tinykeras_example.plugin"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
