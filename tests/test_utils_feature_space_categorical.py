"""FeatureSpace with categorical, hashed and discretized features and
crosses (the lookup/hashing layers of issue 19): one-hot widths and
positions from each layer's vocabulary and boundaries, Keras's documented
hash values, "int"/"dict" outputs, functional model and file round trips."""
import numpy as np
import pytest

import tinykeras as tk

FS = tk.utils.FeatureSpace
DATA = {"city": np.array(["rome", "oslo", "rome", "lima", "rome", "oslo"]),
        "floor": np.array([3, 1, 3, 7, 3, 1]), "size": np.array([0.1, 0.5, 0.9, 1.3, 2.0, 3.0]),
        "tag": np.array(["x", "y", "z", "x", "y", "z"])}


def _space(**kwargs):
    space = FS({"city": "string_categorical", "floor": "integer_categorical",
                "size": FS.float_discretized(num_bins=3), "tag": FS.string_hashed(num_bins=4)},
               crosses=[("city", "floor")], crossing_dim=8, **kwargs)
    space.adapt(DATA)
    return space


def _one_hot(ids, width):
    return np.eye(width, dtype="float32")[np.asarray(ids).reshape(-1)]


def test_concat_is_the_one_hot_of_each_preprocessor_in_sorted_order():
    space = _space()
    out = space(DATA).numpy()
    pre = space.preprocessors
    city_vocab, floor_vocab = pre["city"].get_vocabulary(), pre["floor"].get_vocabulary()
    assert city_vocab[0] == "[UNK]" and sorted(city_vocab[1:]) == ["lima", "oslo", "rome"]
    assert floor_vocab[0] == -1 and sorted(floor_vocab[1:]) == [1, 3, 7]
    city = [city_vocab.index(c) for c in DATA["city"]]
    floor = [floor_vocab.index(f) for f in DATA["floor"]]
    size = np.digitize(DATA["size"], pre["size"].bin_boundaries)
    tag = pre["tag"](DATA["tag"][:, None]).numpy()
    cross = space.crossers["city_X_floor"]([np.array(city)[:, None], np.array(floor)[:, None]]).numpy()
    expected = np.concatenate([_one_hot(city, 4), _one_hot(floor, 4), _one_hot(size, 3), _one_hot(tag, 4),
                               _one_hot(cross, 8)], -1)  # city, floor, size, tag, then the cross
    assert out.shape == (6, 23)
    np.testing.assert_array_equal(out, expected)
    unseen = space({"city": "paris", "floor": 99, "size": -5.0, "tag": "x"}).numpy()  # one sample, OOV values
    assert unseen.shape == (23,) and unseen[0] == 1 and unseen[4] == 1 and unseen[8] == 1


def test_int_outputs_in_dict_mode_and_keras_documented_hashes():
    space = FS({"city": FS.string_categorical(output_mode="int"), "letter": FS.string_hashed(3, output_mode="int"),
                "floor": FS.integer_hashed(5, output_mode="int")},
               crosses=[FS.cross(("city", "floor"), crossing_dim=5, output_mode="int")], output_mode="dict")
    space.adapt({"city": DATA["city"], "letter": ["A"], "floor": [1]})
    out = space({"city": DATA["city"][:5], "letter": ["A", "B", "C", "D", "E"], "floor": DATA["floor"][:5]})
    assert sorted(out) == ["city", "city_X_floor", "floor", "letter"]
    vocab = space.preprocessors["city"].get_vocabulary()
    assert out["city"].numpy()[:, 0].tolist() == [vocab.index(c) for c in DATA["city"][:5]]
    assert out["letter"].numpy()[:, 0].tolist() == [1, 0, 1, 1, 2]  # keras.layers.Hashing's docstring example
    assert out["floor"].shape == (5, 1) and ((0 <= out["floor"].numpy()) & (out["floor"].numpy() < 5)).all()
    with pytest.raises(ValueError, match="has not been encoded"):
        FS({"city": FS.string_categorical(output_mode="int")}).adapt({"city": DATA["city"]})


def test_functional_model_and_saved_files_give_the_same_encoding(tmp_path):
    space = _space()
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert inputs["city"].dtype == "string" and tuple(encoded.shape) == (None, 23)
    dense = tk.layers.Dense(2)
    model = tk.Model(inputs, dense(encoded))
    batch = {k: v[:, None] for k, v in DATA.items()}
    np.testing.assert_allclose(model.predict(batch, verbose=0), dense(space(DATA)).numpy(), rtol=1e-5, atol=1e-6)
    for suffix in (".safetensors", ".keras"):
        space.save(str(tmp_path / f"space{suffix}"))
        loaded = tk.models.load_model(str(tmp_path / f"space{suffix}"))
        np.testing.assert_array_equal(loaded(DATA).numpy(), space(DATA).numpy())
        assert loaded.preprocessors["city"].get_vocabulary() == space.preprocessors["city"].get_vocabulary()


def test_unknown_one_hot_size_and_bad_crosses_are_refused():
    text = tk.layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=2)
    with pytest.raises(ValueError, match="cannot be one-hot encoded"):
        FS({"t": FS.feature("string", text, "one_hot")})({"t": ["a b"]})
    with pytest.raises(ValueError, match="unknown features"):
        FS({"a": "string_categorical"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="`crossing_dim`"):
        FS({"a": "string_categorical", "b": "integer_categorical"}, crosses=[("a", "b")], crossing_dim=None)
    with pytest.raises(ValueError, match="Expected one of {'int', 'one_hot'}"):
        FS.cross(("a", "b"), crossing_dim=4, output_mode="float")
