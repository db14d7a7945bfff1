"""keras.utils.FeatureSpace: encodings against NumPy formulas, the
functional-model path, adapt from a dataset, config round trips, errors.
(Keras's FeatureSpace runs on TensorFlow, so its documented behaviour is
the reference.)"""
import json

import numpy as np
import pytest

import tinykeras as tk

FS = tk.utils.FeatureSpace
DATA = {"price": np.array([1.0, 2.0, 4.0, 9.0]), "rooms": np.array([2.0, 3.0, 3.0, 5.0]),
        "age": np.array([10.0, 0.0, 5.0, 1.0])}


def _numeric_space(output_mode="concat"):
    return FS({"price": "float_normalized", "rooms": FS.float_rescaled(scale=0.5, offset=1.0),
               "age": FS.float(name="age")}, output_mode=output_mode)


def test_numeric_features_concatenate_in_sorted_name_order():
    space = _numeric_space()
    space.adapt(DATA)
    out = space({k: v[:3] for k, v in DATA.items()})
    price = (DATA["price"] - DATA["price"].mean()) / DATA["price"].std()
    expected = np.stack([DATA["age"], price, DATA["rooms"] * 0.5 + 1.0], -1)[:3]  # age, price, rooms
    assert isinstance(out, tk.Tensor) and out.dtype == "float32" and out.shape == (3, 3)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    one = space({"price": 4.0, "rooms": 3.0, "age": 5.0})  # one unbatched sample
    assert one.shape == (3,)
    np.testing.assert_allclose(one.numpy(), expected[2], rtol=1e-5, atol=1e-6)
    as_dict = _numeric_space("dict")
    as_dict.adapt(DATA)
    encoded = as_dict({"price": [9.0], "rooms": [5.0], "age": [1.0]})
    assert sorted(encoded) == ["age", "price", "rooms"] and encoded["price"].shape == (1, 1)
    np.testing.assert_allclose(encoded["price"].numpy(), [[price[3]]], rtol=1e-5)
    assert set(space.preprocessors) == {"age", "price", "rooms"}
    assert isinstance(space.preprocessors["price"], tk.layers.Normalization)


def test_functional_model_from_inputs_and_encoded_features_matches_eager_call():
    space = _numeric_space()
    space.adapt(tk.utils.Dataset.from_arrays(DATA).batch(3))  # adapt from dict batches
    np.testing.assert_allclose(space.preprocessors["price"].adapt_mean.numpy(), [DATA["price"].mean()], rtol=1e-6)
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert sorted(inputs) == ["age", "price", "rooms"] and tuple(inputs["age"].shape) == (None, 1)
    assert tuple(encoded.shape) == (None, 3)
    dense = tk.layers.Dense(2)
    model = tk.Model(inputs, dense(encoded))
    batch = {k: v[:, None].astype("float32") for k, v in DATA.items()}
    expected = dense(space(DATA)).numpy()
    np.testing.assert_allclose(model.predict(batch, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_custom_features_and_one_hot_rules():
    codes = {"code": np.array([0, 2, 1])}
    space = FS({"code": FS.feature(dtype="int32", preprocessor=tk.layers.CategoryEncoding(3, output_mode="one_hot"),
                                   output_mode="float")})
    np.testing.assert_array_equal(space(codes).numpy(), np.eye(3)[[0, 2, 1]])
    with pytest.raises(ValueError, match="should return an integer dtype"):
        FS({"x": FS.feature("float32", tk.layers.Identity(), "one_hot")})({"x": [1.0]})
    with pytest.raises(ValueError, match="has not been encoded"):
        FS({"x": FS.feature("int32", tk.layers.Identity(), "int")})({"x": [1]})
    ints = FS({"x": FS.feature("int32", tk.layers.Identity(), "int")}, output_mode="dict")({"x": [1, 2]})
    assert ints["x"].numpy().tolist() == [[1], [2]]


def test_config_round_trip_rebuilds_the_same_space():
    space = _numeric_space()
    config = space.get_config()
    json.dumps(config)  # plain JSON data
    assert config["features"]["price"]["class_name"] == "Feature"
    assert config["features"]["price"]["config"]["preprocessor"]["class_name"] == "Normalization"
    again = FS.from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config
    assert again.preprocessors["rooms"].scale == 0.5 and again.output_mode == "concat"
    again.adapt(DATA)
    space.adapt(DATA)
    np.testing.assert_allclose(again(DATA).numpy(), space(DATA).numpy())
    rebuilt = tk.utils.deserialize_keras_object(tk.utils.serialize_keras_object(space))
    adapted = space.get_config()  # as Keras's: a built preprocessor's config carries its build_config
    assert adapted["features"]["price"]["config"]["preprocessor"]["build_config"] == {"input_shape": [None, 1]}
    assert isinstance(rebuilt, FS) and rebuilt.get_config() == adapted


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FS({})
    with pytest.raises(ValueError, match="Invalid feature type: floaty"):
        FS({"x": "floaty"})
    with pytest.raises(ValueError, match="'dict', 'concat'"):
        FS({"x": "float"}, output_mode="stack")
    with pytest.raises(ValueError, match="Expected one of {'int', 'one_hot', 'float'}"):
        FS.feature("float32", tk.layers.Identity(), "multi_hot")
    space = FS({"x": "float_normalized"})
    with pytest.raises(ValueError, match="call `.adapt"):
        space({"x": [1.0]})
    with pytest.raises(ValueError, match="only be called with a dict"):
        FS({"x": "float"})([1.0])
    with pytest.raises(ValueError, match="can only be called on a dataset or a dict"):
        space.adapt(np.ones(3))


@pytest.mark.parametrize("suffix", [".safetensors", ".keras"])
def test_save_and_load_model_keep_the_adapted_state(tmp_path, suffix):
    space = _numeric_space()
    space.adapt(DATA)
    path = str(tmp_path / f"space{suffix}")
    space.save(path)
    loaded = tk.models.load_model(path)
    assert isinstance(loaded, FS) and loaded.get_config() == space.get_config()
    np.testing.assert_array_equal(loaded(DATA).numpy(), space(DATA).numpy())
