"""Preprocessing state in Keras 3 files (issue 19): adapted lookup layers keep
their vocabulary in the ``.keras`` archive's ``assets/<object path>/vocabulary.txt``
and a tf_idf layer its ``idf_weights`` as a named dataset of
``model.weights.h5``; Normalization keeps its statistics as variables,
Discretization, Hashing and CategoryEncoding everything in the config.
With real Keras (``keras`` marker; Keras's lookup layers need TensorFlow
installed even on the torch backend): files written by one load in the
other and every layer gives the same outputs (ids exactly, floats within 1e-6)."""
import io
import json
import zipfile

import numpy as np
import pytest

import tinykeras as tk

h5py = pytest.importorskip("h5py")
TEXTS = ["the cat sat", "the dog sat down", "a cat", "The cat!"]


def lookups(lib):
    """A model of adapted (and given) lookup layers, and an input for each layer by name."""
    words = lib.layers.StringLookup(num_oov_indices=2, name="words")
    words.adapt(np.array(["a", "b", "a", "c", "ü", "b", "a"]))
    nums = lib.layers.IntegerLookup(mask_token=0, output_mode="multi_hot", name="nums")
    nums.adapt(np.array([3, 5, 3, 7, 0, 5, 3]))
    tf_idf = lib.layers.TextVectorization(output_mode="tf_idf", max_tokens=8, name="tf_idf")
    tf_idf.adapt(TEXTS)
    ids = lib.layers.TextVectorization(output_sequence_length=5, ngrams=2, name="ids")
    ids.adapt(TEXTS)
    given = lib.layers.StringLookup(vocabulary=["x", "y"], output_mode="tf_idf", idf_weights=[0.5, 0.25],
                                    name="given")
    s, i, t = lib.Input((1,), dtype="string"), lib.Input((2,), dtype="int64"), lib.Input((1,), dtype="string")
    model = lib.Model([s, i, t], [words(s), nums(i), tf_idf(t), ids(t), given(s)])
    inputs = {"words": np.array([["a"], ["zz"], ["ü"], ["c"]]), "nums": np.array([[3, 9], [5, 0]]),
              "tf_idf": np.array(["the cat", "a dog dog, sat"]), "ids": np.array(["the cat sat", "a dog"]),
              "given": np.array([["x"], ["q"], ["y"]])}
    return model, inputs


def outputs(model, inputs):
    """Each layer's output on its input (Keras on torch runs string models layer by layer only)."""
    return {n: np.asarray(model.get_layer(n)(x)) for n, x in inputs.items()}


def assert_same(got, want):
    """Ids and counts equal; float outputs within 1e-6 (Normalization rounds
    its division differently on torch).  Dtypes are not compared: Keras's
    multi_hot lookups give int64 eagerly on torch, floatx symbolically (tinykeras: floatx)."""
    for name in want:
        assert got[name].shape == want[name].shape, name
        tolerance = 1e-6 if want[name].dtype.kind == "f" else 0
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=tolerance, err_msg=name)


def members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def keras_with_lookups():
    """Real Keras 3 whose lookup and hashing layers work (they need TensorFlow), or skip."""
    from keras_zoo import keras_or_skip
    keras = keras_or_skip()
    pytest.importorskip("tensorflow", reason="Keras's lookup and hashing layers need TensorFlow, even on torch")
    return keras


# -- tinykeras alone -------------------------------------------------------
def test_archive_keeps_vocabularies_where_keras_does(tmp_path):
    model, inputs = lookups(tk)
    path = str(tmp_path / "m.keras")
    model.save(path)
    files = members(path)
    assets = {n: v for n, v in files.items() if n.startswith("assets/")}
    bigrams = assets.get("assets/layers/text_vectorization_1/vocabulary.txt", b"")
    assert assets == {  # the given vocabularies stay in the config, the adapted ones move to assets/
        "assets/layers/string_lookup/vocabulary.txt": "[UNK]\n[UNK]\na\nb\nü\nc".encode(),
        "assets/layers/integer_lookup/vocabulary.txt": b"-1\n3\n5\n7",
        "assets/layers/text_vectorization/vocabulary.txt": b"[UNK]\nthe\ncat\nsat\ndown\ndog\na",
        "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt": b"[UNK]\nthe\ncat\nsat\ndown\ndog\na",
        "assets/layers/text_vectorization_1/vocabulary.txt": bigrams,
        "assets/layers/text_vectorization_1/_lookup_layer/vocabulary.txt": bigrams}
    assert bigrams.startswith(b"\n[UNK]\nthe\ncat\n") and b"\nthe cat\n" in bigrams
    config = {e["config"]["name"]: e["config"] for e in json.loads(files["config.json"])["config"]["layers"]}
    assert [config[n]["vocabulary"] for n in ("words", "nums", "tf_idf", "ids")] == [None] * 4
    assert config["given"]["vocabulary"] == ["[UNK]", "x", "y"] and config["tf_idf"]["idf_weights"] is None
    with h5py.File(io.BytesIO(files["model.weights.h5"])) as f:
        np.testing.assert_array_equal(f["layers/text_vectorization/vars/idf_weights"][()],
                                      model.get_layer("tf_idf")._lookup_layer.idf_weights)
        np.testing.assert_allclose(f["layers/string_lookup_1/vars/idf_weights"][()], [0.375, 0.5, 0.25])
    again = tk.models.load_model(path)
    assert_same(outputs(again, inputs), outputs(model, inputs))
    words = again.get_layer("words")
    words.adapt(np.array(["new", "new"]))  # an adapted vocabulary stays adaptable, as in Keras
    assert words.get_vocabulary() == ["[UNK]", "[UNK]", "new"]
    with pytest.raises(ValueError, match="cannot adapt"):
        again.get_layer("given").adapt(np.array(["z"]))
    assert json.loads(model.to_json())["config"]["layers"][1]["config"]["vocabulary"][:3] == ["[UNK]", "[UNK]", "a"]


def test_tf_idf_weights_travel_in_weights_h5(tmp_path):
    """``.weights.h5`` holds the named idf dataset both ways (Keras's save_own_variables)."""
    def model():
        layer = tk.layers.StringLookup(vocabulary=["x", "y"], output_mode="tf_idf", idf_weights=[0.5, 0.25])
        return tk.Sequential([tk.Input((2,), dtype="string"), layer])
    source = model()
    source.layers[0].idf_weights = np.array([1.0, 2.0, 3.0], "float32")
    source.save_weights(str(tmp_path / "m.weights.h5"))
    target = model()
    target.load_weights(str(tmp_path / "m.weights.h5"))
    got = target.predict(np.array([["x", "q"]]), verbose=0)
    np.testing.assert_array_equal(got, [[1.0, 2.0, 0.0]])  # [[0.375, 0.5, 0]] with the given idf_weights


def test_a_token_with_a_line_break_cannot_be_saved_to_an_archive(tmp_path):
    layer = tk.layers.StringLookup()
    layer.adapt(np.array(["one\ntwo", "three"]))
    model = tk.Sequential([tk.Input((1,), dtype="string"), layer])
    with pytest.raises(ValueError, match=r"StringLookup .*'one\\ntwo' cannot be saved in a .keras archive"):
        model.save(str(tmp_path / "m.keras"))
    model.save(str(tmp_path / "m.safetensors"))  # the config holds it there
    model.save_weights(str(tmp_path / "m.weights.h5"))  # no vocabulary there
    assert tk.models.load_model(str(tmp_path / "m.safetensors")).layers[0].get_vocabulary() == \
        ["[UNK]", "three", "one\ntwo"]


# -- against real Keras 3 --------------------------------------------------
@pytest.mark.keras
def test_lookup_layers_both_ways_with_keras(tmp_path):
    keras = keras_with_lookups()
    theirs, inputs = lookups(keras)
    theirs.save(str(tmp_path / "k.keras"))
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in members(str(tmp_path / "k.keras"))
    want = outputs(theirs, inputs)
    loaded = tk.models.load_model(str(tmp_path / "k.keras"))
    assert_same(outputs(loaded, inputs), want)
    assert loaded.get_layer("tf_idf").get_vocabulary() == theirs.get_layer("tf_idf").get_vocabulary()
    theirs.save_weights(str(tmp_path / "k.weights.h5"))  # idf_weights travel in .weights.h5 too
    fresh = lookups(tk)[0]
    fresh.get_layer("tf_idf")._lookup_layer.idf_weights *= 0
    fresh.load_weights(str(tmp_path / "k.weights.h5"))
    assert_same(outputs(fresh, inputs), want)

    ours = lookups(tk)[0]
    assert_same(outputs(ours, inputs), want)  # adapt() learns what Keras learns
    ours.get_layer("tf_idf")._lookup_layer.idf_weights *= 3  # state of its own, so the file must carry it
    ours.save(str(tmp_path / "m.keras"))
    want = outputs(ours, inputs)
    moved = keras.models.load_model(str(tmp_path / "m.keras"))
    assert_same(outputs(moved, inputs), want)
    ours.save_weights(str(tmp_path / "m.weights.h5"))
    fresh = lookups(keras)[0]
    fresh.load_weights(str(tmp_path / "m.weights.h5"))
    assert_same(outputs(fresh, inputs), want)
    assert moved.get_layer("words").get_config()["vocabulary"] is None  # adapted, not given, in Keras too


@pytest.mark.keras
def test_padded_tf_idf_from_keras(tmp_path):
    """Keras writes a padded tf_idf layer's idf weights at ``max_tokens`` values
    (and then cannot load its own file); tinykeras reads it."""
    keras = keras_with_lookups()
    layer = keras.layers.TextVectorization(output_mode="tf_idf", max_tokens=10, pad_to_max_tokens=True, name="p")
    layer.adapt(TEXTS)
    text = keras.Input((1,), dtype="string")
    keras.Model(text, layer(text)).save(str(tmp_path / "k.keras"))
    loaded = tk.models.load_model(str(tmp_path / "k.keras")).get_layer("p")
    x = np.array(["the cat", "dog dog zebra"])
    np.testing.assert_array_equal(np.asarray(loaded(x)), np.asarray(layer(x)))


def stateful(lib, x):
    """Normalization (adapted and given), Discretization (adapted and given), Hashing, CategoryEncoding."""
    adapted = lib.layers.Normalization(axis=(1, 2), name="adapted")
    adapted.adapt(x)
    given = lib.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 9.0], invert=True, name="given")
    bins = lib.layers.Discretization(num_bins=4, output_mode="multi_hot", name="bins")
    bins.adapt(x.reshape(-1, 3))
    edges = lib.layers.Discretization(bin_boundaries=[0.0, 1.0], name="edges")
    hashed = lib.layers.Hashing(num_bins=5, salt=7, name="hashed")
    counts = lib.layers.CategoryEncoding(num_tokens=6, output_mode="count", name="counts")
    grid, flat, ids = lib.Input((2, 3)), lib.Input((3,)), lib.Input((3,), dtype="int64")
    model = lib.Model([grid, flat, ids], [adapted(grid), given(flat), bins(flat), edges(flat), hashed(ids),
                                          counts(ids)])
    inputs = {"adapted": x[:3], "given": x[:4, 0], "bins": x[:4, 1], "edges": x[:4, 0],
              "hashed": np.array([[1, 2, 3], [40, 50, 6]]), "counts": np.array([[1, 2, 2], [5, 5, 0]])}
    return model, inputs


@pytest.mark.keras
def test_normalization_discretization_hashing_encoding_both_ways(tmp_path):
    keras = keras_with_lookups()  # Keras's Hashing needs TensorFlow too
    x = (np.random.default_rng(0).normal(size=(24, 2, 3)) * 3 + 1).astype("float32")
    theirs, inputs = stateful(keras, x)
    theirs.save(str(tmp_path / "k.keras"))
    assert_same(outputs(tk.models.load_model(str(tmp_path / "k.keras")), inputs), outputs(theirs, inputs))
    ours = stateful(tk, x)[0]
    ours.get_layer("adapted").adapt_variance.assign(np.full((2, 3), 4.0, "float32"))  # not what Keras would learn
    ours.save(str(tmp_path / "m.keras"))
    assert_same(outputs(keras.models.load_model(str(tmp_path / "m.keras")), inputs), outputs(ours, inputs))
