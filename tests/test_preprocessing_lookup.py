"""StringLookup and IntegerLookup: Keras's documented outputs (its lookup
layers need TensorFlow, which neither CI nor the dev venv has), adapt() from
arrays, lists and generators, invert, masks, OOV buckets, tf-idf,
vocabulary files, run_layer_test and saving."""
import json

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving.errors import UnsafeContentError
from tinykeras.saving.layer_config import deserialize_layer, serialize_layer
from tinykeras.testing import run_layer_test
from tinykeras.utils.dataset_utils import Dataset

L = tk.layers
VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]
IVOCAB = [12, 36, 1138, 42]
IDATA = np.array([[12, 1138, 42], [42, 1000, 36]])


def _np(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


# -- Keras's docstring examples (string_lookup.py / integer_lookup.py) ---------------------
def test_string_lookup_documented_examples():
    assert _np(L.StringLookup(vocabulary=VOCAB)(DATA)).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = L.StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert _np(layer(DATA)).tolist() == [[5, 3, 1], [1, 2, 4]]
    two_oov = L.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert _np(two_oov([["a", "c", "d"], ["m", "z", "b"]])).tolist() == [[2, 4, 5], [0, 1, 3]]
    one_hot = L.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    np.testing.assert_array_equal(_np(one_hot), np.eye(5)[[1, 2, 3, 4, 0]])
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    multi = L.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data)
    np.testing.assert_array_equal(_np(multi), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    count = L.StringLookup(vocabulary=VOCAB, output_mode="count")(data)
    np.testing.assert_array_equal(_np(count), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tfidf = L.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(_np(tfidf(data)), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    tfidf = L.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(_np(tfidf(data)), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inverse = L.StringLookup(vocabulary=VOCAB, invert=True)([[1, 3, 4], [4, 0, 2]])
    assert inverse.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    forward = L.StringLookup(vocabulary=VOCAB)(DATA)
    assert L.StringLookup(vocabulary=VOCAB, invert=True)(forward).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_integer_lookup_documented_examples():
    assert _np(L.IntegerLookup(vocabulary=IVOCAB)(IDATA)).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = L.IntegerLookup()
    layer.adapt(IDATA)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert _np(layer(IDATA)).tolist() == [[5, 2, 1], [1, 3, 4]]
    two_oov = L.IntegerLookup(vocabulary=IVOCAB, num_oov_indices=2)
    assert _np(two_oov(np.array([[12, 1138, 42], [37, 1000, 36]]))).tolist() == [[2, 4, 5], [1, 0, 3]]
    oov = np.array([100, 300, 700, 1100, 1700, 2000])
    assert _np(L.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4)(oov)).tolist() == [0] * 6
    farm = L.IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4, oov_method="farmhash")
    assert _np(farm(oov)).tolist() == [3, 3, 2, 2, 0, 1]
    data = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
    tfidf = L.IntegerLookup(output_mode="tf_idf", vocabulary=[-1] + IVOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(_np(tfidf(data)), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    inverse = L.IntegerLookup(vocabulary=IVOCAB, invert=True)(np.array([[1, 3, 4], [4, 0, 2]]))
    assert inverse.dtype == "int64" and _np(inverse).tolist() == [[12, 1138, 42], [42, -1, 36]]


# -- adapt --------------------------------------------------------------------------------
def test_adapt_sources_and_limits():
    batches = [np.array([["x", "y"], ["y", "y"]]), np.array([["z", "x"]])]
    from_generator = L.StringLookup()
    from_generator.adapt(b for b in batches)
    from_dataset = L.StringLookup()
    from_dataset.adapt(Dataset.from_arrays(np.concatenate(batches)).batch(2), steps=1)
    from_array = L.StringLookup(max_tokens=3)
    from_array.adapt(np.concatenate(batches).astype(bytes))         # bytes are decoded
    assert from_generator.get_vocabulary() == ["[UNK]", "y", "x", "z"]
    assert from_dataset.get_vocabulary() == ["[UNK]", "y", "x"]
    assert from_array.get_vocabulary() == ["[UNK]", "y", "x"]
    masked = L.StringLookup(mask_token="", num_oov_indices=2)
    masked.adapt(["", "q", "[UNK]", "q", "r"])                       # special tokens are not learned
    assert masked.get_vocabulary() == ["", "[UNK]", "[UNK]", "q", "r"]
    with pytest.raises(ValueError, match="cannot adapt layer"):
        L.StringLookup(vocabulary=VOCAB).adapt(["a"])
    with pytest.raises(ValueError, match=r"ds.map\(lambda x, y: x\)"):
        L.StringLookup().adapt(iter([(np.array(["a"]), np.array([1]))]))


def test_adapt_tf_idf_weights():
    # Each row is a document: idf = log(1 + documents / (1 + document count)), OOV gets their mean.
    docs = [["a", "a", "b"], ["b", "c", "c"], ["b", "b", "b"]]
    layer = L.StringLookup(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    idf = np.log(1 + 3 / (1 + np.array([3.0, 1.0, 1.0])))
    np.testing.assert_allclose(layer.idf_weights, np.concatenate([[idf.mean()], idf]), rtol=1e-6)
    np.testing.assert_allclose(_np(layer([["a", "b", "b", "q"]])), [[idf.mean(), 2 * idf[0], 0, idf[2]]], rtol=1e-6)


# -- masks, OOV, errors -------------------------------------------------------------------
def test_mask_and_oov_handling():
    layer = L.StringLookup(vocabulary=VOCAB, mask_token="", num_oov_indices=0)
    assert _np(layer([["a", "", "d"]])).tolist() == [[1, 0, 4]]
    with pytest.raises(ValueError, match=r"num_oov_indices=0.*OOV values \['z'\]"):
        layer([["z"]])
    multi = L.StringLookup(vocabulary=VOCAB, mask_token="", output_mode="multi_hot")
    np.testing.assert_array_equal(_np(multi([["", "a"]])), [[0, 1, 0, 0, 0]])    # the mask is dropped
    inverse = L.IntegerLookup(vocabulary=IVOCAB, mask_token=0, invert=True)
    assert _np(inverse(np.array([0, 1, 2, 9]))).tolist() == [0, -1, 12, -1]
    salted = L.StringLookup(vocabulary=VOCAB, num_oov_indices=3, salt=5)
    assert set(_np(salted(["m", "n", "o", "p", "q", "r"])).tolist()) <= {0, 1, 2}
    with pytest.raises(ValueError, match="repeated term"):
        L.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="reserved mask token"):
        L.StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match="larger than the maximum"):
        L.StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ValueError, match="must be `'int'` when `invert`"):
        L.StringLookup(invert=True, output_mode="count")
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        L.StringLookup(output_mode="count")(["a"])
    with pytest.raises(TypeError, match=r"StringLookup 'sl'.*expects strings"):
        L.StringLookup(vocabulary=VOCAB, name="sl")(np.array([1.5]))
    with pytest.raises(ValueError, match="salt` can only be used"):
        L.IntegerLookup(salt=3)


def test_vocabulary_file_and_padding(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n\n", encoding="utf-8")
    layer = L.StringLookup(vocabulary=str(path), output_mode="count", pad_to_max_tokens=True, max_tokens=6)
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    np.testing.assert_array_equal(_np(layer([["c", "c", "x"]])), [[1, 0, 0, 2, 0, 0]])
    ints = tmp_path / "ints.txt"
    ints.write_text("7\n3\n", encoding="utf-8")
    assert L.IntegerLookup(vocabulary=str(ints)).get_vocabulary() == [-1, 7, 3]
    # the config holds the tokens, never the path; a path in a loaded config is refused
    assert layer.get_config()["vocabulary"] == ["[UNK]", "a", "b", "c"]
    config = serialize_layer(L.StringLookup(vocabulary=VOCAB))
    config["config"]["vocabulary"] = str(path)
    with pytest.raises(UnsafeContentError):
        deserialize_layer(config)


# -- the standard checks and saving -----------------------------------------------------
@pytest.mark.parametrize("kwargs, shape", [
    ({"vocabulary": VOCAB}, (2, 3)), ({"vocabulary": VOCAB, "output_mode": "multi_hot"}, (2, 5)),
    ({"vocabulary": VOCAB, "output_mode": "tf_idf", "idf_weights": [1.0, 2.0, 3.0, 4.0]}, (2, 5)),
    ({"vocabulary": VOCAB, "mask_token": "", "num_oov_indices": 2}, (2, 3)),
])
def test_string_lookup_layer_test(kwargs, shape):
    run_layer_test(L.StringLookup, kwargs, input_data=np.array(DATA), expected_output_shape=shape,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   check_gradients=False, run_training_check=False)


@pytest.mark.parametrize("kwargs, data, shape", [
    ({"vocabulary": IVOCAB}, IDATA, (2, 3)), ({"vocabulary": IVOCAB, "output_mode": "count"}, IDATA, (2, 5)),
    ({"vocabulary": IVOCAB, "invert": True}, np.array([[0, 1, 4]]), (1, 3)),
    ({"vocabulary": IVOCAB, "output_mode": "one_hot"}, IDATA[:, :1], (2, 5)),
])
def test_integer_lookup_layer_test(kwargs, data, shape):
    run_layer_test(L.IntegerLookup, kwargs, input_data=data, expected_output_shape=shape,
                   check_gradients=False, run_training_check=False)


def test_adapted_state_is_saved(tmp_path):
    words = L.StringLookup(output_mode="tf_idf", name="words")
    words.adapt([["x", "y", "y"], ["z", "y", "w"]])
    nums = L.IntegerLookup(mask_token=0, name="nums")
    nums.adapt(np.array([5, 5, 9, 0]))
    a, b = tk.Input((3,), dtype="string"), tk.Input((2,), dtype="int64")
    model = tk.Model([a, b], [words(a), nums(b)])
    x = [np.array([["x", "q", "y"], ["w", "w", "z"]]), np.array([[5, 0], [9, 4]])]
    before = model.predict(x, verbose=0)
    for name in ("m.keras", "m.safetensors"):
        model.save(tmp_path / name)
        again = tk.models.load_model(tmp_path / name)
        for got, expected in zip(again.predict(x, verbose=0), before):
            np.testing.assert_array_equal(got, expected)
    config = json.loads(json.dumps(serialize_layer(words)))
    clone = deserialize_layer(config)
    assert clone.get_vocabulary() == words.get_vocabulary() and clone.get_config() == words.get_config()
    np.testing.assert_array_equal(clone.idf_weights, words.idf_weights)
