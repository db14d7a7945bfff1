"""BatchNormalization and LayerNormalization: standard checks, Keras 3's
semantics (statistics, momentum, frozen layers, masks), and comparisons
with Keras where it is installed."""
import doctest
import importlib
import os

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.testing import run_layer_test

L = tk.layers


@pytest.mark.parametrize("module", ["batch_normalization", "layer_normalization"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"tinykeras.layers.normalization.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0


# -- standard checks ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, shape, trainable, non_trainable, call_kwargs", [
    ({}, (4, 3), 2, 2, {}),
    ({}, (4, 3), 2, 2, {"training": True}),
    ({"axis": 1}, (3, 2, 2, 2), 2, 2, {"training": True}),
    ({"center": False}, (4, 2, 3), 1, 2, {"training": True}),
    ({"scale": False, "center": False}, (4, 3), 0, 2, {"training": True}),
])
def test_batch_normalization_layer_test(kwargs, shape, trainable, non_trainable, call_kwargs):
    run_layer_test(L.BatchNormalization, kwargs, input_shape=shape, expected_output_shape=shape,
                   expected_num_trainable_weights=trainable, call_kwargs=call_kwargs,
                   expected_num_non_trainable_weights=non_trainable, supports_masking=True)


@pytest.mark.parametrize("kwargs, shape, trainable", [
    ({}, (2, 4), 2),
    ({"axis": [1, 2]}, (2, 3, 2), 2),
    ({"axis": 1}, (2, 3, 2), 2),
    ({"center": False}, (2, 4), 1),
    ({"rms_scaling": True}, (2, 4), 1),
    ({"scale": False, "center": False}, (2, 4), 0),
])
def test_layer_normalization_layer_test(kwargs, shape, trainable):
    run_layer_test(L.LayerNormalization, kwargs, input_shape=shape, expected_output_shape=shape,
                   expected_num_trainable_weights=trainable, expected_num_non_trainable_weights=0,
                   supports_masking=True)


# -- BatchNormalization semantics -----------------------------------------------------

def test_batch_norm_weights_order_and_defaults():
    bn = L.BatchNormalization()
    bn(np.zeros((2, 3), dtype="float32"))
    assert [w.name for w in bn.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert [w.name for w in bn.non_trainable_weights] == ["moving_mean", "moving_variance"]
    assert [w.tolist() for w in bn.get_weights()] == [[1.0] * 3, [0.0] * 3, [0.0] * 3, [1.0] * 3]
    config = bn.get_config()
    assert (config["axis"], config["momentum"], config["epsilon"]) == (-1, 0.99, 1e-3)
    assert bn.count_params() == 12


def test_batch_norm_training_statistics_and_moving_update():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(64, 4)).astype("float32")
    bn = L.BatchNormalization(momentum=0.9)
    y = bn(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    inference = bn(x).numpy()                                   # default: moving statistics
    expected = (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-5, atol=1e-5)


def test_batch_norm_inference_does_not_update():
    bn = L.BatchNormalization()
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    bn(x)
    bn(x, training=False)
    assert bn.moving_mean.numpy().tolist() == [0.0] * 3


def test_frozen_batch_norm_runs_in_inference_mode():
    x = np.random.default_rng(2).normal(2.0, 1.0, size=(16, 3)).astype("float32")
    bn = L.BatchNormalization()
    bn(x, training=True)
    saved = [w.copy() for w in bn.get_weights()]
    bn.trainable = False
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    np.testing.assert_allclose(bn(x, training=True).numpy(), bn(x, training=False).numpy())
    for before, after in zip(saved, bn.get_weights()):
        assert np.array_equal(before, after)


def test_batch_norm_gradient_flows_through_the_batch_statistics():
    x = tk.Tensor(np.random.default_rng(3).normal(size=(5, 2)), requires_grad=True)
    out = L.BatchNormalization(dtype="float64", center=False, scale=False)(x, training=True)
    out.sum().backward()                       # normalized values sum to 0 whatever x is
    np.testing.assert_allclose(x.grad.numpy(), 0.0, atol=1e-8)


def test_batch_norm_with_mask_uses_unmasked_entries():
    x = np.array([[[1.0], [3.0], [100.0]]], dtype="float32")
    mask = tk.ops.convert_to_tensor([[True, True, False]])
    bn = L.BatchNormalization(momentum=0.0)
    bn(x, training=True, mask=mask)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [2.0], rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), [1.0], rtol=1e-5)
    with pytest.raises(ValueError, match="one dimension less"):
        bn(x, training=True, mask=tk.ops.ones((1, 3, 1), dtype="bool"))


def test_batch_norm_errors_name_the_layer():
    with pytest.raises(ValueError, match='layer "bn".*expected axis -1 of input shape to have value 3'):
        bn = L.BatchNormalization(name="bn")
        bn(np.zeros((2, 3), dtype="float32"))
        bn(np.zeros((2, 4), dtype="float32"))
    with pytest.raises(ValueError, match="'bn2'.*axis 3 is out of bounds"):
        L.BatchNormalization(axis=3, name="bn2")(np.zeros((2, 3), dtype="float32"))
    with pytest.raises(ValueError, match="not supported"):
        L.BatchNormalization(renorm=True)


def test_batch_norm_in_fit_updates_statistics_but_predict_does_not():
    model = tk.Sequential([tk.Input((3,)), L.BatchNormalization()])
    x = np.random.default_rng(4).normal(5.0, 1.0, size=(32, 3)).astype("float32")
    model.predict(x, verbose=0)
    assert model.layers[0].moving_mean.numpy().tolist() == [0.0] * 3
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, x, epochs=1, batch_size=32, verbose=0)
    assert np.all(model.layers[0].moving_mean.numpy() > 0.01)


# -- LayerNormalization ----------------------------------------------------------------

def test_layer_norm_values_and_axis_list():
    x = np.random.default_rng(5).normal(size=(2, 3, 4)).astype("float32")
    ln = L.LayerNormalization(axis=[1, 2], epsilon=1e-5)
    y = ln(x).numpy()
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-5)
    assert [w.shape for w in ln.weights] == [(3, 4), (3, 4)] and ln.axis == [1, 2]
    rms = L.LayerNormalization(rms_scaling=True)(x).numpy()
    np.testing.assert_allclose(rms, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3), rtol=1e-4,
                               atol=1e-5)


def test_layer_norm_errors():
    with pytest.raises(TypeError, match="axis"):
        L.LayerNormalization(axis="last")
    with pytest.raises(ValueError, match="'ln'.*axis 2 is out of bounds"):
        L.LayerNormalization(axis=2, name="ln")(np.zeros((2, 3), dtype="float32"))
    with pytest.raises(ValueError, match="known sizes"):
        L.LayerNormalization()(tk.Input((None,)))


# -- comparisons with Keras 3 ----------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _random_weights(layer, rng):
    return [rng.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in layer.get_weights()]


@pytest.mark.keras
@pytest.mark.parametrize("name, kwargs, shape", [
    ("BatchNormalization", {}, (6, 3)),
    ("BatchNormalization", {"axis": 1, "momentum": 0.8, "epsilon": 1e-2}, (4, 3, 2, 2)),
    ("BatchNormalization", {"center": False}, (5, 2, 3)),
    ("LayerNormalization", {}, (3, 5)),
    ("LayerNormalization", {"axis": [1, 2]}, (2, 3, 4)),
    ("LayerNormalization", {"axis": 1, "scale": False}, (2, 3)),  # Keras/torch: axis 1 of 3-D fails
])
@pytest.mark.parametrize("training", [False, True])
def test_matches_keras(keras, name, kwargs, shape, training):
    rng = np.random.default_rng(6)
    x = rng.normal(1.0, 2.0, size=shape).astype("float32")
    k_layer, t_layer = getattr(keras.layers, name)(**kwargs), getattr(tk.layers, name)(**kwargs)
    k_layer(x)
    weights = _random_weights(k_layer, rng)
    k_layer.set_weights(weights)
    t_layer(x)
    t_layer.set_weights(weights)
    for _ in range(2):   # twice: the second call sees updated moving statistics
        k_out = keras.ops.convert_to_numpy(k_layer(x, training=training))
        np.testing.assert_allclose(t_layer(x, training=training).numpy(), k_out, rtol=1e-4, atol=1e-4)
    for t_w, k_w in zip(t_layer.get_weights(), k_layer.get_weights()):
        np.testing.assert_allclose(t_w, k_w, rtol=1e-5, atol=1e-6)
    missing = set(k_layer.get_config()) - set(t_layer.get_config())
    assert not missing


@pytest.mark.keras
def test_frozen_batch_norm_matches_keras(keras):
    x = np.random.default_rng(7).normal(size=(8, 3)).astype("float32")
    k_bn, t_bn = keras.layers.BatchNormalization(), L.BatchNormalization()
    k_bn(x), t_bn(x)
    k_bn.trainable = t_bn.trainable = False
    k_out = keras.ops.convert_to_numpy(k_bn(x, training=True))
    np.testing.assert_allclose(t_bn(x, training=True).numpy(), k_out, rtol=1e-5, atol=1e-6)
    assert len(k_bn.non_trainable_weights) == len(t_bn.non_trainable_weights) == 4
