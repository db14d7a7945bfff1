"""SpectralNormalization: the standard layer checks, the power iteration
against NumPy, inference leaves the kernel alone, saving, and real Keras
(inference and training outputs, one SGD step, vector_u, config, files)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import assert_reloads_and_summary_row, keras_parity, real_keras
from tinykeras.testing import run_layer_test

L = tk.layers
RNG = np.random.default_rng(21)


def _wrapping(make):
    class Wrapped(L.SpectralNormalization):   # a fresh inner layer (of the wrapper's dtype) per instance
        def __init__(self, layer=None, **kwargs):
            super().__init__(layer or make(kwargs.get("dtype")), **kwargs)
    return Wrapped


@pytest.mark.parametrize("inner, shape", [(lambda d: L.Dense(3, dtype=d), (2, 4)),
                                          (lambda d: L.Conv2D(2, 3, padding="same", dtype=d), (2, 5, 5, 3))])
def test_layer_test(inner, shape):
    # Each training call divides the kernel by its estimated sigma again (no gradient through
    # sigma), so two calls agree only up to how far sigma still moves: a looser rtol there.
    for training in (False, True):
        run_layer_test(_wrapping(inner), {"power_iterations": 2},
                       input_shape=shape, expected_num_trainable_weights=2, expected_num_non_trainable_weights=1,
                       call_kwargs={"training": training}, check_gradients=not training,
                       rtol=1e-2 if training else 1e-5)


def test_power_iteration_against_numpy_and_inference_keeps_the_kernel():
    sn = L.SpectralNormalization(L.Conv1D(3, 2), power_iterations=3)
    x = RNG.normal(size=(2, 6, 4)).astype(np.float32)
    out = sn(x).numpy()
    kernel, u = sn.kernel.numpy().copy(), sn.vector_u.numpy().copy()
    np.testing.assert_array_equal(out, sn.layer(x).numpy())
    np.testing.assert_array_equal(sn.kernel.numpy(), kernel)          # inference: no update
    w = kernel.reshape(-1, 3).astype(np.float64)
    for _ in range(3):
        v = u @ w.T
        v /= np.linalg.norm(v)
        u = v @ w
        u /= np.linalg.norm(u)
    sigma = (v @ w @ u.T).item()
    sn(x, training=True)
    np.testing.assert_allclose(sn.vector_u.numpy(), u, rtol=1e-5)
    np.testing.assert_allclose(sn.kernel.numpy(), kernel / sigma, rtol=1e-5)
    assert sn.layer.kernel is sn.kernel
    emb = L.SpectralNormalization(L.Embedding(5, 3))
    emb(np.array([[1, 2]]), training=True)
    assert emb.kernel is emb.layer.embeddings and emb.vector_u.shape == (1, 3)


def test_errors_saving_and_summary(tmp_path):
    with pytest.raises(ValueError, match="`power_iterations` should be greater than zero"):
        L.SpectralNormalization(L.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="Dropout object has no attribute 'kernel' nor 'embeddings'"):
        L.SpectralNormalization(L.Dropout(0.1))(np.ones((2, 3), "float32"))
    model = tk.Sequential([tk.Input((4,)), L.SpectralNormalization(L.Dense(3)), L.Dense(2)])
    x = RNG.normal(size=(5, 4)).astype(np.float32)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((5, 2), np.float32), verbose=0)
    _, shape, params = assert_reloads_and_summary_row(model, x, tmp_path, model.layers[0])
    assert shape == "(None, 3)" and params == "18"


@pytest.mark.keras
def test_matches_keras(tmp_path):
    keras = real_keras()

    def build(lib):
        model = lib.Sequential([lib.Input((6, 6, 2)),
                                lib.layers.SpectralNormalization(lib.layers.Conv2D(3, 3), power_iterations=2),
                                lib.layers.Flatten(),
                                lib.layers.SpectralNormalization(lib.layers.Dense(2))])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model
    x = RNG.normal(size=(4, 6, 6, 2)).astype(np.float32)
    y = RNG.normal(size=(4, 2)).astype(np.float32)
    k_model, t_model = build(keras), build(tk)
    weights = [RNG.normal(size=w.shape).astype(np.float32) for w in k_model.get_weights()]
    k_model.set_weights(weights)
    t_model.set_weights(weights)
    np.testing.assert_allclose(t_model(x, training=True).numpy(),    # normalizes the kernels (both sides)
                               k_model(x, training=True).detach().numpy(), rtol=1e-4, atol=1e-5)
    weights = [np.asarray(w) for w in k_model.get_weights()]
    keras_parity(keras, k_model, t_model, x, y, tmp_path, weights, label="SpectralNormalization")
    k_config, t_config = k_model.layers[0].get_config(), t_model.layers[0].get_config()
    assert set(k_config) == set(t_config) and t_config["power_iterations"] == 2
