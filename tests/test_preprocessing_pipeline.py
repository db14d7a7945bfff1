"""Pipeline: layers in turn, training flag and masks passed on, weights,
run_layer_test (gradients through its layers), config and saving, and
real Keras on the same weights."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.testing import run_layer_test

X = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")


def test_chains_layers_and_weights():
    dense = tk.layers.Dense(3, name="d")
    pipeline = tk.layers.Pipeline([tk.layers.Rescaling(2.0), dense, tk.layers.Activation("relu")])
    out = pipeline(X).numpy()
    w, b = dense.get_weights()
    np.testing.assert_allclose(out, np.maximum(2 * X @ w + b, 0), rtol=1e-6)
    assert pipeline.layers[1] is dense and [v.path for v in pipeline.weights] == [v.path for v in dense.weights]
    with pytest.raises(ValueError, match="list of Layer instances"):
        tk.layers.Pipeline(["dense"])


def test_training_flag_and_masks():
    drop = tk.layers.Pipeline([tk.layers.Dropout(0.5, seed=1)])
    assert (drop(np.ones((4, 50), "float32")).numpy() == 0).any()               # training by default, as Keras
    assert (drop(np.ones((4, 50), "float32"), training=False).numpy() == 1).all()
    model = tk.Sequential([tk.Input((50,)), drop])
    assert (model.predict(np.ones((4, 50), "float32"), verbose=0) == 1).all()   # predict: inference
    masked = tk.layers.Pipeline([tk.layers.Masking(0.0), tk.layers.LSTM(2)])
    seq = np.ones((2, 5, 3), "float32")
    seq[0, 3:] = 0
    lstm = masked.layers[1]
    np.testing.assert_allclose(masked(seq).numpy()[0], lstm(seq[:1, :3]).numpy()[0], rtol=1e-5)


class _TwoDense(tk.layers.Pipeline):
    """A Pipeline whose layers are made per instance (with its dtype), for run_layer_test."""

    def __init__(self, layers=None, **kwargs):
        dtype = kwargs.get("dtype")
        super().__init__(layers or [tk.layers.Dense(3, activation="tanh", dtype=dtype),
                                    tk.layers.Dense(2, dtype=dtype)], **kwargs)


def test_layer_test_and_saving(tmp_path):
    run_layer_test(_TwoDense, {}, input_data=X, expected_output_shape=(3, 2), expected_num_trainable_weights=4)
    model = tk.Sequential([tk.Input((4,)), tk.layers.Pipeline([tk.layers.Dense(3), tk.layers.Dense(1)])])
    for name in ("m.keras", "m.safetensors"):
        model.save(tmp_path / name)
        np.testing.assert_array_equal(tk.models.load_model(tmp_path / name).predict(X, verbose=0),
                                      model.predict(X, verbose=0))


@pytest.mark.keras
def test_matches_keras(tmp_path):
    keras = real_keras()
    ours = tk.layers.Pipeline([tk.layers.Dense(3, activation="tanh"), tk.layers.Dense(2)])
    theirs = keras.layers.Pipeline([keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(2)])
    ours(X), theirs(X)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(X).numpy(), np.asarray(theirs(X).detach()), rtol=1e-5, atol=1e-6)
    model = keras.Sequential([keras.Input((4,)), theirs])
    model.save(tmp_path / "k.keras")
    loaded = tk.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), np.asarray(model.predict(X, verbose=0)), rtol=1e-5)
