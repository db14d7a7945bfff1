"""The Normalization preprocessing layer: adapt() from arrays and batches,
given statistics, invert, saving, and real Keras."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.testing import run_layer_test

RNG = np.random.default_rng(4)
DATA = RNG.normal(3.0, 2.0, size=(40, 5, 3)).astype(np.float32)


@pytest.mark.parametrize("kwargs, shape, non_trainable", [
    ({}, (4, 3), 3), ({"axis": (1, 2)}, (2, 3, 4), 3), ({"axis": None}, (3, 4), 3),
    ({"mean": 2.0, "variance": 4.0}, (3, 4), 0),
    ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0], "invert": True}, (2, 5, 3), 0),
])
def test_layer_test(kwargs, shape, non_trainable):
    run_layer_test(tk.layers.Normalization, kwargs, input_shape=shape, expected_output_shape=shape,
                   expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=non_trainable, check_gradients=False,
                   run_training_check=False)


def test_adapt_by_hand_and_batches_agree():
    norm = tk.layers.Normalization(axis=-1)
    norm.adapt(DATA)
    flat = DATA.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(norm.adapt_mean.numpy(), flat.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.adapt_variance.numpy(), flat.var(0), rtol=1e-5)
    out = norm(DATA).numpy()
    np.testing.assert_allclose(out.reshape(-1, 3).mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.reshape(-1, 3).std(0), 1.0, rtol=1e-4)
    batched = tk.layers.Normalization()
    batched.adapt(DATA[i:i + 7] for i in range(0, 40, 7))      # a generator of unequal batches
    np.testing.assert_allclose(batched.adapt_mean.numpy(), flat.mean(0), rtol=1e-5)
    np.testing.assert_allclose(batched.adapt_variance.numpy(), flat.var(0), rtol=1e-5)
    back = tk.layers.Normalization(mean=flat.mean(0), variance=flat.var(0), invert=True)
    np.testing.assert_allclose(back(out).numpy(), DATA, rtol=1e-4, atol=1e-4)


def test_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        tk.layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="must have the same shape"):
        tk.layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    norm = tk.layers.Normalization()
    norm.adapt(DATA)
    with pytest.raises(ValueError, match="incompatible shape"):
        norm.adapt(np.zeros((4, 5, 2), np.float32))
    with pytest.raises(ValueError, match="empty iterable"):
        tk.layers.Normalization().adapt([])


def test_adapted_state_is_saved(tmp_path):
    norm = tk.layers.Normalization()
    norm.adapt(DATA)
    model = tk.Sequential([tk.Input((5, 3)), norm, tk.layers.Dense(2)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = tk.models.load_model(path)
    np.testing.assert_array_equal(again.predict(DATA, verbose=0), model.predict(DATA, verbose=0))
    np.testing.assert_array_equal(again.layers[0].adapt_mean.numpy(), norm.adapt_mean.numpy())


@pytest.mark.keras
@pytest.mark.parametrize("kwargs", [{}, {"axis": (1, 2)}, {"axis": None}, {"axis": 1, "invert": True},
                                    {"mean": [1.0, 2.0, 3.0], "variance": [2.0, 3.0, 4.0]}])
@pytest.mark.parametrize("batched", [False, True])
def test_matches_keras(kwargs, batched):
    keras = real_keras()
    layers = [lib.layers.Normalization(**kwargs) for lib in (keras, tk)]
    if "mean" not in kwargs:     # Keras adapts from batches only through tf.data: it gets the array
        layers[0].adapt(DATA)
        layers[1].adapt([DATA[i:i + 16] for i in range(0, 40, 16)] if batched else DATA)
    k_out = keras.ops.convert_to_numpy(layers[0](DATA))
    np.testing.assert_allclose(layers[1](DATA).numpy(), k_out, rtol=1e-4, atol=1e-4)
    for k_w, t_w in zip(layers[0].weights, layers[1].weights):
        assert k_w.name == t_w.name and k_w.dtype == t_w.dtype
        np.testing.assert_allclose(t_w.numpy(), keras.ops.convert_to_numpy(k_w), rtol=1e-5, atol=1e-5)
    k_config, t_config = layers[0].get_config(), layers[1].get_config()
    assert {k: v for k, v in t_config.items() if k not in ("name", "dtype")} == \
        {k: v for k, v in k_config.items() if k not in ("name", "dtype")}
