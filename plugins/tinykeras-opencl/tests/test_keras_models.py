"""Keras-level checks on backend "opencl": models, layers and gradients give the
NumPy backend's numbers.

Arrays of one backend do not move to another, so every model is built while its
backend is active, inside ``on_backend`` (which restores the previous backend
afterwards, even when the test fails); only NumPy arrays (``get_weights()``,
predictions, losses) cross between the two.
"""
import contextlib
import importlib
import pathlib
import sys

import numpy as np
import pytest

tk = pytest.importorskip("tinykeras")
from tinykeras.core import registry  # noqa: E402
from tinykeras.testing import check_gradients, isolated_registry  # noqa: E402

pytestmark = pytest.mark.opencl


@pytest.fixture(autouse=True)
def _opencl_backend_installed():
    if "opencl" not in registry.KERNELS:
        pytest.skip("tinykeras-opencl is not installed (pip install -e plugins/tinykeras-opencl)")


@contextlib.contextmanager
def on_backend(name):
    """Run the block with backend ``name`` active; the previous backend comes back after."""
    with isolated_registry():
        tk.backend.set_backend(name)
        yield


def _digits(n=64):
    (x, y), _ = tk.datasets.digits.load_data()
    return (x[:n, ..., None] / 16).astype("float32"), y[:n].astype("int32")


def _convnet():
    L = tk.layers
    return tk.Sequential([
        tk.Input((8, 8, 1)),
        L.Conv2D(4, 3, activation="relu"),                   # 6x6x4
        L.MaxPooling2D(),                                    # 3x3x4
        L.Conv2D(8, 2, padding="same", activation="relu"),   # 3x3x8
        L.MaxPooling2D(padding="same"),                      # 2x2x8
        L.Flatten(),
        L.Dense(10, activation="softmax"),
    ])


def _mlp():
    L = tk.layers
    return tk.Sequential([tk.Input((8, 8, 1)), L.Flatten(), L.Dense(32, activation="relu"),
                          L.Dense(10)])


def _op_nodes():
    """A functional model whose graph holds tk.ops calls and operators (op nodes)."""
    L, ops = tk.layers, tk.ops
    x = tk.Input((8, 8, 1))
    h = ops.reshape(ops.transpose(x, (0, 2, 1, 3)), (-1, 64))
    h = h * 0.5 + ops.mean(h, axis=-1, keepdims=True)
    d = L.Dense(32)(h)
    h = ops.concatenate([ops.relu(d) + d[:, ::-1] / 2.0, h[:, ::2]], axis=-1)
    return tk.Model(x, L.Dense(10)(ops.tanh(h)))


MODELS = {
    "convnet": (_convnet, "sparse_categorical_crossentropy"),
    "mlp": (_mlp, tk.losses.SparseCategoricalCrossentropy(from_logits=True)),
    "op_nodes": (_op_nodes, tk.losses.SparseCategoricalCrossentropy(from_logits=True)),
}


def _train(backend, make, loss, weights, x, y):
    """Build on ``backend``, start from ``weights`` (None: the model's own), fit one epoch
    with Adam, and return everything as NumPy: initial and final weights, the loss
    history, ``evaluate`` and ``predict`` results, and the type of the weights' arrays."""
    with on_backend(backend):
        tk.utils.set_random_seed(0)
        model = make()
        if weights is not None:
            model.set_weights(weights)
        start = model.get_weights()
        model.compile(optimizer=tk.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0).history
        return dict(start=start, weights=model.get_weights(), history=history,
                    evaluate=model.evaluate(x, y, batch_size=32, verbose=0),
                    predict=model.predict(x, batch_size=32, verbose=0),
                    array_type=type(model.weights[0].data).__name__)


@pytest.mark.parametrize("name", list(MODELS))
def test_one_epoch_of_adam_matches_numpy(name):
    make, loss = MODELS[name]
    x, y = _digits()
    want = _train("numpy", make, loss, None, x, y)
    got = _train("opencl", make, loss, want["start"], x, y)
    assert got["array_type"] == "DeviceArray"       # the weights really live on the device
    assert tk.backend.backend() == "numpy"          # and the backend came back
    np.testing.assert_allclose(got["history"]["loss"], want["history"]["loss"], rtol=1e-5)
    np.testing.assert_allclose(got["history"]["accuracy"], want["history"]["accuracy"])
    assert len(got["weights"]) == len(want["weights"])
    for g, w in zip(got["weights"], want["weights"]):
        assert g.dtype == w.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)
    assert not np.allclose(want["weights"][0], want["start"][0])  # training did move them
    np.testing.assert_allclose(got["evaluate"], want["evaluate"], rtol=1e-5)
    assert got["predict"].dtype == np.float32
    np.testing.assert_allclose(got["predict"], want["predict"], rtol=1e-4, atol=1e-6)


# -- gradients through the OpenCL kernels, against finite differences ----------------------

def _on_device_float64(fn):
    """Wrap ``fn`` to assert that check_gradients feeds it float64 device arrays."""
    def run(*xs, **params):
        for x in xs:
            if x.dtype.startswith("float"):
                assert type(x.data).__name__ == "DeviceArray" and x.dtype == "float64"
        return fn(*xs, **params)
    run.__name__ = getattr(fn, "__name__", "fn")
    return run


def _conv_pool(x, w):
    y = tk.ops.conv(x, w, strides=1, padding="same")
    return tk.ops.average_pool(tk.ops.max_pool(y, 2, strides=1), 2, padding="same")


GRADIENT_CASES = {
    "tanh_softmax_matmul": (lambda a, b: tk.ops.softmax(tk.ops.tanh(a @ b), axis=-1),
                            [(3, 4), (4, 5)]),
    "sum_max_logsumexp": (lambda a: tk.ops.logsumexp(a, axis=1) + a.max(axis=0).sum(), [(3, 4)]),
    "conv_and_pools": (_conv_pool, [(1, 5, 5, 2), (3, 3, 2, 3)]),
    "getitem_concatenate": (
        lambda a: tk.ops.concatenate([a[:, 1:], a[::-1, :2] * a[0, 2:]], axis=1), [(3, 4)]),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradients_on_opencl_match_finite_differences(name, dev):
    if not dev.has_fp64:
        pytest.skip(f"{dev.name} has no float64 (cl_khr_fp64): finite differences need it")
    fn, shapes = GRADIENT_CASES[name]
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(-1, 1, s) for s in shapes]
    with on_backend("opencl"):
        check_gradients(_on_device_float64(fn), inputs, name=name)


# -- every Keras layer the saving tests can build, forward on opencl ------------------------

def _roundtrip_tests():
    """The core's ``tests/test_saving_roundtrip.py`` (its CASES table builds every layer),
    or None when this plugin is tested outside the tinykeras repository."""
    if "test_saving_roundtrip" in sys.modules:
        return sys.modules["test_saving_roundtrip"]
    tests = pathlib.Path(__file__).resolve().parents[3] / "tests"
    if not (tests / "test_saving_roundtrip.py").is_file():
        return None
    sys.path.insert(0, str(tests))
    try:
        return importlib.import_module("test_saving_roundtrip")
    finally:
        sys.path.remove(str(tests))


ROUNDTRIP = _roundtrip_tests()
LAYERS = [] if ROUNDTRIP is None else [name for name in ROUNDTRIP.LAYERS
                                       if name not in ROUNDTRIP.STANDALONE]


def _forward(name, backend, weights=None):
    """Build layer ``name``'s model on ``backend`` (with ``weights``) and run it on fixed inputs."""
    with on_backend(backend):
        model, shapes = ROUNDTRIP._model_for(name)
        rng = np.random.default_rng(1)
        if weights is None:
            ROUNDTRIP._randomize(model, rng)
        else:
            model.set_weights(weights)
        x = ROUNDTRIP._inputs(name, shapes, np.random.default_rng(2))
        out = [np.asarray(o) for o in tk.tree.flatten(model.predict_on_batch(x))]
        return model.get_weights(), out


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_runs_forward_on_opencl(name):
    """Small shapes (the saving tests' own), so each takes well under a second, or a second
    or two on a fresh PoCL cache: the layers share most of their kernels."""
    weights, want = _forward(name, "numpy")
    _, got = _forward(name, "opencl", weights)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
        if w.dtype.kind == "f":
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
        else:
            np.testing.assert_array_equal(g, w)


def test_layer_table_is_found():
    if ROUNDTRIP is None:
        pytest.skip("tests/test_saving_roundtrip.py is not here (plugin tested on its own)")
    assert len(LAYERS) > 40
