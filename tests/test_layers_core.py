"""Core layers: Activation, Identity, the noise layers, Flatten/Reshape/
Permute/RepeatVector, Lambda, Embedding and Rescaling.

Each layer passes ``run_layer_test`` (shapes, config round trip, float64
gradients, a fit step); then come behaviour tests, and, where Keras 3 is
installed, comparisons with Keras given the same weights.
"""
import doctest
import importlib
import os

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.testing import run_layer_test

L = tk.layers


@pytest.mark.parametrize("module", [
    "activation", "identity", "dropout", "reshaping", "lambda_layer", "embedding", "rescaling"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"tinykeras.layers.core.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- the standard layer checks ---------------------------------------------------

@pytest.mark.parametrize("cls, kwargs, shape, expected, extra", [
    (L.Activation, {"activation": "tanh"}, (2, 3), (2, 3), {}),
    (L.Activation, {"activation": "softmax"}, (2, 3, 4), (2, 3, 4), {}),
    (L.Identity, {}, (2, 3), (2, 3), {}),
    (L.Dropout, {"rate": 0.5, "seed": 1}, (2, 3), (2, 3), {}),
    (L.Dropout, {"rate": 0.3, "noise_shape": (None, 1)}, (2, 3), (2, 3), {}),
    (L.GaussianNoise, {"stddev": 0.2, "seed": 1}, (2, 3), (2, 3), {}),
    (L.GaussianDropout, {"rate": 0.2}, (2, 3), (2, 3), {}),
    (L.AlphaDropout, {"rate": 0.2}, (2, 3), (2, 3), {}),
    (L.Flatten, {}, (2, 3, 2), (2, 6), {}),
    (L.Flatten, {"data_format": "channels_first"}, (2, 3, 2, 2), (2, 12), {}),
    (L.Reshape, {"target_shape": (3, -1)}, (2, 6), (2, 3, 2), {}),
    (L.Reshape, {"target_shape": (4,)}, (2, 2, 2), (2, 4), {}),
    (L.Permute, {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3), {}),
    (L.Permute, {"dims": (3, 1, 2)}, (2, 3, 2, 2), (2, 2, 3, 2), {}),
    (L.RepeatVector, {"n": 3}, (2, 4), (2, 3, 4), {}),
    (L.Rescaling, {"scale": 0.5, "offset": 1.0}, (2, 3), (2, 3), {}),
    (L.Rescaling, {"scale": [1.0, 2.0, 3.0]}, (2, 2, 3), (2, 2, 3), {}),
    (L.Lambda, {"function": lambda x: x * x + 1.0}, (2, 3), (2, 3), {"check_json_config": False}),
])
def test_run_layer_test(cls, kwargs, shape, expected, extra):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=expected,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0, **extra)


def test_embedding_run_layer_test():
    run_layer_test(L.Embedding, {"input_dim": 5, "output_dim": 2}, input_shape=(2, 3),
                   input_dtype="int32", expected_output_shape=(2, 3, 2),
                   expected_num_trainable_weights=1, expected_num_non_trainable_weights=0)
    run_layer_test(L.Embedding, {"input_dim": 4, "output_dim": 3, "mask_zero": True},
                   input_shape=(2, 5), input_dtype="int64", expected_output_shape=(2, 5, 3),
                   supports_masking=True, expected_mask_shape=(2, 5))


# -- Activation, Identity ---------------------------------------------------------

def test_activation_string_and_callable():
    x = tk.ops.convert_to_tensor([[-1.0, 0.5]])
    assert L.Activation("relu")(x).numpy().tolist() == [[0.0, 0.5]]
    assert L.Activation(tk.activations.sigmoid).get_config()["activation"] == "sigmoid"
    assert L.Activation(None)(x).numpy().tolist() == x.numpy().tolist()
    with pytest.raises(ValueError):
        L.Activation("no_such_activation")


def test_identity_passes_structures_and_masks():
    a, b = tk.ops.ones((2, 3)), tk.ops.zeros((2, 1))
    out = L.Identity()({"a": a, "b": [b]})
    assert out["a"] is a and out["b"][0] is b
    emb = L.Embedding(5, 2, mask_zero=True)(np.array([[1, 0]]))
    assert L.Identity()(emb)._keras_mask.numpy().tolist() == [[True, False]]


# -- noise layers -------------------------------------------------------------------

def test_dropout_training_statistics_and_scaling():
    x = np.ones((200, 50), dtype="float32")
    layer = L.Dropout(0.3, seed=5)
    y = layer(x, training=True).numpy()
    assert np.allclose(y[y != 0], 1 / 0.7)
    assert abs((y == 0).mean() - 0.3) < 0.02
    assert np.array_equal(layer(x).numpy(), x)                      # inference: identity
    assert np.array_equal(layer(x, training=False).numpy(), x)
    again = L.Dropout(0.3, seed=5)(x, training=True).numpy()        # same seed, same mask
    assert np.array_equal(again, y)


def test_dropout_noise_shape_shares_the_mask():
    x = np.ones((4, 6, 5), dtype="float32")
    y = L.Dropout(0.5, noise_shape=(None, 1, 5), seed=0)(x, training=True).numpy()
    assert np.all(y == y[:, :1, :])
    with pytest.raises(ValueError, match="noise_shape"):
        L.Dropout(0.5, noise_shape=(None, 0))
    with pytest.raises(ValueError, match="noise_shape"):
        L.Dropout(0.5, noise_shape=(1, 2))(x, training=True)


@pytest.mark.parametrize("cls, arg", [(L.Dropout, "rate"), (L.GaussianNoise, "stddev"),
                                      (L.GaussianDropout, "rate"), (L.AlphaDropout, "rate")])
def test_noise_layers_validate_and_are_identity_at_inference(cls, arg):
    with pytest.raises(ValueError, match=arg):
        cls(1.5)
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    layer = cls(0.2, seed=3)
    assert np.array_equal(layer(x).numpy(), x)
    assert not np.array_equal(layer(x, training=True).numpy(), x)
    assert np.array_equal(cls(0.0)(x, training=True).numpy(), x)
    assert layer.get_config()[arg] == 0.2 and layer.get_config()["seed"] == 3


def test_dropout_rate_one_zeros_everything():
    assert np.all(L.Dropout(1.0)(np.ones((2, 3)), training=True).numpy() == 0)


def test_gaussian_layers_statistics():
    x = np.ones((400, 100), dtype="float32")
    noisy = L.GaussianNoise(0.5, seed=1)(x, training=True).numpy()
    assert abs(noisy.mean() - 1) < 0.01 and abs(noisy.std() - 0.5) < 0.01
    dropped = L.GaussianDropout(0.2, seed=1)(x, training=True).numpy()
    assert abs(dropped.mean() - 1) < 0.01 and abs(dropped.std() - 0.5) < 0.01  # sqrt(.2/.8)
    z = np.random.default_rng(0).normal(size=(400, 100)).astype("float32")
    alpha = L.AlphaDropout(0.2, seed=1)(z, training=True).numpy()
    assert abs(alpha.mean()) < 0.03 and abs(alpha.std() - 1) < 0.03   # self-normalizing


def test_dropout_follows_the_training_flag_inside_a_model():
    model = tk.Sequential([tk.Input((20,)), L.Dropout(0.5, seed=0)])
    x = np.ones((8, 20), dtype="float32")
    assert np.array_equal(model.predict(x, verbose=0), x)
    assert not np.array_equal(model(x, training=True).numpy(), x)


# -- reshaping -----------------------------------------------------------------------

def test_flatten_shapes():
    assert L.Flatten()(tk.Input((3, 4))).shape == (None, 12)
    assert L.Flatten()(tk.Input((None, 4))).shape == (None, None)
    assert L.Flatten()(tk.ops.ones((2,))).shape == (2, 1)
    x = np.arange(12, dtype="float32").reshape(1, 3, 2, 2)          # channels first
    expected = np.transpose(x, (0, 2, 3, 1)).reshape(1, -1)
    assert np.array_equal(L.Flatten(data_format="channels_first")(x).numpy(), expected)
    with pytest.raises(ValueError, match="data_format"):
        L.Flatten(data_format="channels_middle")


def test_reshape_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"'bad'.*\(6,\).*\(4, -1\)"):
        L.Reshape((4, -1), name="bad")(tk.ops.ones((2, 6)))
    with pytest.raises(ValueError, match="target_shape"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="cannot be reshaped"):
        L.Reshape((5,))(tk.Input((2, 3)))
    assert L.Reshape((-1, 2))(tk.Input((None, 4))).shape == (None, None, 2)


def test_permute_and_repeat_vector_validate():
    with pytest.raises(ValueError, match="dims"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match='layer "perm".*ndim=3'):
        L.Permute((2, 1), name="perm")(tk.ops.ones((2, 3)))
    with pytest.raises(ValueError, match='layer "rep".*ndim=2'):
        L.RepeatVector(2, name="rep")(tk.ops.ones((2, 3, 4)))
    with pytest.raises(TypeError):
        L.RepeatVector(2.0)
    with pytest.raises(ValueError):
        L.RepeatVector(0)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    assert np.array_equal(L.RepeatVector(2)(x).numpy(), np.stack([x, x], axis=1))


# -- Lambda ----------------------------------------------------------------------------

def test_lambda_arguments_training_and_mask():
    seen = {}

    def fn(x, scale, training=None):
        seen["training"] = training
        return x * scale

    layer = L.Lambda(fn, arguments={"scale": 3.0})
    assert layer(tk.ops.ones((1, 2)), training=True).numpy().tolist() == [[3.0, 3.0]]
    assert seen["training"] is True
    config = layer.get_config()
    assert config["function"] is fn and config["arguments"] == {"scale": 3.0}
    assert L.Lambda.from_config(config)(tk.ops.ones((1, 1))).numpy().tolist() == [[3.0]]
    masked = L.Lambda(lambda x: x, mask=lambda inputs, mask: inputs[..., 0] > 0)
    assert masked(tk.ops.convert_to_tensor([[[1.0], [-1.0]]]))._keras_mask.numpy().tolist() == \
        [[True, False]]


def test_lambda_shapes_in_a_functional_model():
    x = tk.Input((4,))
    y = L.Lambda(lambda t: tk.ops.concatenate([t, t], axis=-1))(x)
    assert y.shape == (None, 8)
    z = L.Lambda(lambda t: t[:, :2], output_shape=(2,))(x)
    assert z.shape == (None, 2)
    model = tk.Model(x, [y, z])
    out = model(np.ones((3, 4), dtype="float32"))
    assert [o.shape for o in out] == [(3, 8), (3, 2)]
    with pytest.raises(TypeError, match="callable"):
        L.Lambda(3)


# -- Embedding ------------------------------------------------------------------------

def test_embedding_weights_lookup_and_gradient():
    layer = L.Embedding(6, 3)
    ids = np.array([[1, 1, 4]])
    out = layer(ids)
    table = layer.get_weights()[0]
    assert table.shape == (6, 3) and np.all(np.abs(table) <= 0.05)   # "uniform": U(-0.05, 0.05)
    assert np.array_equal(out.numpy()[0], table[[1, 1, 4]])
    out.sum().backward()
    grad = layer.embeddings.grad.numpy()
    assert grad[1].tolist() == [2.0] * 3 and grad[4].tolist() == [1.0] * 3 and grad[0].sum() == 0
    assert layer(np.array([[1.0, 4.0]])).shape == (1, 2, 3)          # float ids are cast


def test_embedding_mask_and_errors():
    layer = L.Embedding(5, 2, mask_zero=True, name="emb")
    out = layer(np.array([[3, 0, 1]]))
    assert out._keras_mask.numpy().tolist() == [[True, False, True]]
    assert getattr(L.Embedding(5, 2)(np.array([[0]])), "_keras_mask", None) is None
    with pytest.raises(ValueError, match=r"'emb'.*id 5.*\[0, 5\)"):
        layer(np.array([[5]]))
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="input_dim"):
            L.Embedding(bad, 2)
    weights = np.arange(10, dtype="float32").reshape(5, 2)
    assert np.array_equal(L.Embedding(5, 2, weights=[weights]).get_weights()[0], weights)
    assert L.Embedding(5, 2)(tk.Input((7,), dtype="int32")).shape == (None, 7, 2)


# -- Rescaling -------------------------------------------------------------------------

def test_rescaling_int_inputs_and_per_channel():
    out = L.Rescaling(1 / 255)(np.array([[0, 255]], dtype="uint8"))
    assert out.dtype == "float32" and out.numpy().tolist() == [[0.0, 1.0]]
    per_channel = L.Rescaling([1.0, 10.0], offset=[0.0, 1.0])(np.ones((1, 2), dtype="float32"))
    assert per_channel.numpy().tolist() == [[1.0, 11.0]]
    config = L.Rescaling(np.array([0.5, 2.0])).get_config()
    assert config["scale"] == [0.5, 2.0] and config["offset"] == 0.0


# -- comparisons with Keras 3 ----------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def keras_numpy(keras, value):
    return [keras.ops.convert_to_numpy(v) for v in value] if isinstance(value, list) else \
        keras.ops.convert_to_numpy(value)


def compare_with_keras(keras, name, kwargs, inputs, call_kwargs=None, atol=1e-6):
    """Build the Keras and tinykeras layers, copy Keras's weights over, compare
    outputs (and the Keras config's keys against ours)."""
    call_kwargs = call_kwargs or {}
    k_layer, t_layer = getattr(keras.layers, name)(**kwargs), getattr(tk.layers, name)(**kwargs)
    k_out = k_layer(inputs, **call_kwargs)
    t_layer(inputs)
    t_layer.set_weights(k_layer.get_weights())
    t_out = t_layer(inputs, **call_kwargs)
    np.testing.assert_allclose(t_out.numpy(), keras_numpy(keras, k_out), rtol=1e-5, atol=atol)
    missing = set(k_layer.get_config()) - set(t_layer.get_config()) - {"quantization_config"}
    assert not missing, f"{name}: config keys missing from tinykeras: {missing}"
    return k_layer, t_layer


@pytest.mark.keras
@pytest.mark.parametrize("name, kwargs, shape", [
    ("Activation", {"activation": "gelu"}, (2, 5)),
    ("Identity", {}, (2, 3)),
    ("Dropout", {"rate": 0.4}, (2, 3)),
    ("GaussianNoise", {"stddev": 0.4}, (2, 3)),
    ("GaussianDropout", {"rate": 0.4}, (2, 3)),
    ("AlphaDropout", {"rate": 0.4}, (2, 3)),
    ("Flatten", {}, (2, 3, 4)),
    ("Flatten", {"data_format": "channels_first"}, (2, 3, 2, 2)),
    ("Reshape", {"target_shape": (2, -1)}, (2, 3, 4)),
    ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4, 5)),
    ("RepeatVector", {"n": 4}, (2, 3)),
    ("Rescaling", {"scale": 1 / 127.5, "offset": -1.0}, (2, 3)),
])
def test_matches_keras(keras, name, kwargs, shape):
    x = np.random.default_rng(1).normal(size=shape).astype("float32")
    compare_with_keras(keras, name, kwargs, x)


@pytest.mark.keras
def test_embedding_matches_keras(keras):
    ids = np.array([[1, 0, 3], [4, 4, 0]], dtype="int32")
    k_layer, t_layer = compare_with_keras(keras, "Embedding",
                                          {"input_dim": 5, "output_dim": 3, "mask_zero": True}, ids)
    k_mask = keras_numpy(keras, k_layer.compute_mask(keras.ops.convert_to_tensor(ids)))
    assert np.array_equal(t_layer(ids)._keras_mask.numpy(), k_mask)
