"""Text utilities: ``tk.utils.pad_sequences`` and ``tk.layers.TextVectorization``."""
import json
import os

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers import TextVectorization
from tinykeras.utils import pad_sequences

SEQS = [[1, 2, 3, 4], [5, 6], [], [7]]


@pytest.mark.parametrize("kwargs,expected", [
    ({}, [[1, 2, 3, 4], [0, 0, 5, 6], [0, 0, 0, 0], [0, 0, 0, 7]]),
    ({"maxlen": 3}, [[2, 3, 4], [0, 5, 6], [0, 0, 0], [0, 0, 7]]),
    ({"maxlen": 3, "truncating": "post", "padding": "post"}, [[1, 2, 3], [5, 6, 0], [0, 0, 0], [7, 0, 0]]),
    ({"maxlen": 2, "value": -1}, [[3, 4], [5, 6], [-1, -1], [-1, 7]]),
])
def test_pad_sequences(kwargs, expected):
    out = pad_sequences(SEQS, **kwargs)
    assert out.dtype == np.int32 and out.tolist() == expected


def test_pad_sequences_dtypes_samples_and_errors():
    floats = pad_sequences([[0.5, 1.5], [2.5]], dtype="float32", padding="post")
    assert floats.dtype == np.float32 and floats.tolist() == [[0.5, 1.5], [2.5, 0.0]]
    vectors = pad_sequences([np.ones((2, 3)), np.ones((1, 3))], dtype="float32")
    assert vectors.shape == (2, 2, 3) and vectors[1, 0].tolist() == [0, 0, 0]
    assert pad_sequences([["a"], ["b", "c"]], dtype=object, value="").tolist() == [["", "a"], ["b", "c"]]
    assert pad_sequences([[]]).shape == (1, 0)
    for bad, match in [({"padding": "middle"}, "Padding type"), ({"truncating": "x"}, "Truncating type"),
                       ({"value": "pad"}, "dtype")]:
        with pytest.raises(ValueError, match=match):
            pad_sequences(SEQS, **bad)
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])
    with pytest.raises(ValueError, match="Shape of sample"):
        pad_sequences([np.ones((2, 3)), np.ones((1, 4))])


def test_pad_sequences_against_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except Exception as exc:
        pytest.skip(f"keras 3 is not usable here: {exc}")
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(1, 9, size=n)) for n in (0, 3, 7, 5, 1)]
    for kwargs in [{}, {"maxlen": 4}, {"maxlen": 4, "padding": "post"}, {"maxlen": 6, "truncating": "post"},
                   {"dtype": "float32", "value": 0.5}]:
        assert np.array_equal(pad_sequences(seqs, **kwargs), keras.utils.pad_sequences(seqs, **kwargs))


TEXTS = ["The cat sat.", "The dog sat down!", "the cat, the DOG"]


def test_adapt_orders_by_frequency_then_reverse_alphabetically():
    layer = TextVectorization()
    layer.adapt(TEXTS)
    # the: 4, cat/dog/sat: 2 (ties in reverse order, as Keras), down: 1
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog", "cat", "down"]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "the"
    assert layer.vocabulary_size() == 7
    out = layer(["the cat ate the dog", "sat"])
    assert out.dtype == "int64" and out.numpy().tolist() == [[2, 5, 1, 2, 4], [3, 0, 0, 0, 0]]


def test_output_sequence_length_max_tokens_and_inputs():
    layer = TextVectorization(max_tokens=4, output_sequence_length=3)
    layer.adapt(np.array(TEXTS)[:, None])                     # (N, 1) arrays work
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat"]
    assert layer(["the sat cat the"]).numpy().tolist() == [[2, 3, 1]]
    assert layer("sat").numpy().tolist() == [3, 0, 0]            # a scalar string gives one row
    assert layer([b"the"]).shape == (1, 3)


def test_multi_hot_count_and_given_vocabulary():
    vocab = ["a", "b", "c"]
    multi = TextVectorization(output_mode="multi_hot", vocabulary=vocab)
    assert multi.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert multi(["a a z c"]).numpy().tolist() == [[1, 1, 0, 1]]
    count = TextVectorization(output_mode="count", vocabulary=["[UNK]"] + vocab, max_tokens=6,
                              pad_to_max_tokens=True)
    assert count(["a a z c"]).numpy().tolist() == [[1, 2, 0, 1, 0, 0]]
    ints = TextVectorization(vocabulary=["", "[UNK]", "x", "y"])   # leading special tokens are kept once
    assert ints.get_vocabulary() == ["", "[UNK]", "x", "y"]


def test_standardize_split_and_ngrams():
    chars = TextVectorization(split="character", standardize="lower", vocabulary=["a", "b"])
    assert chars(["Ab?"]).numpy().tolist() == [[2, 3, 1]]
    grams = TextVectorization(ngrams=2, standardize=None)
    grams.adapt(["x y z"])
    assert sorted(grams.get_vocabulary()[2:]) == ["x", "x y", "y", "y z", "z"]
    custom = TextVectorization(standardize=lambda s: s.replace("-", " "), split=lambda s: s.split(" "),
                               vocabulary=["well", "known"])
    assert custom(["well-known"]).numpy().tolist() == [[2, 3]]


def test_config_round_trip_and_embedding_pipeline():
    layer = TextVectorization(max_tokens=20, output_sequence_length=5, name="vectorize")
    layer.adapt(TEXTS)
    config = layer.get_config()
    json.dumps(config)
    clone = TextVectorization.from_config(config)
    assert clone.get_config() == config and clone.get_vocabulary() == layer.get_vocabulary()
    ids = layer(TEXTS)
    model = tk.Sequential([tk.Input((5,), dtype="int64"), tk.layers.Embedding(20, 4, mask_zero=True),
                           tk.layers.LSTM(3), tk.layers.Dense(1)])
    assert model.predict(ids.numpy(), verbose=0).shape == (3, 1)


def test_tf_idf_and_vocabulary_file(tmp_path):
    """The vocabulary core is StringLookup's: tf-idf weights (each text a
    document, Keras's log(1 + documents / (1 + document count))) and files."""
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(["a a b", "b c", "b"])
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "c"]
    idf = np.log(1 + 3 / (1 + np.array([3.0, 1.0, 1.0])))
    np.testing.assert_allclose(layer(["a b b zz"]).numpy(), [[idf.mean(), 2 * idf[0], idf[1], 0]], rtol=1e-6)
    clone = TextVectorization.from_config(json.loads(json.dumps(layer.get_config())))
    np.testing.assert_array_equal(clone(["a b b zz"]).numpy(), layer(["a b b zz"]).numpy())
    path = tmp_path / "vocab.txt"
    path.write_text("x\ny\n", encoding="utf-8")
    from_file = TextVectorization(vocabulary=str(path))
    assert from_file(["y x q"]).numpy().tolist() == [[3, 2, 1]]
    assert from_file.get_config()["vocabulary"] == ["x", "y"]


def test_text_vectorization_errors():
    with pytest.raises(ValueError, match="vocab.txt does not exist"):
        TextVectorization(vocabulary="vocab.txt")
    with pytest.raises(ValueError, match="output_mode"):
        TextVectorization(output_mode="one_hot")
    with pytest.raises(ValueError, match="idf_weights"):
        TextVectorization(output_mode="tf_idf", vocabulary=["a"])
    with pytest.raises(ValueError, match=r"repeated term.*\['a'\]"):
        TextVectorization(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="`max_tokens` is 3"):
        TextVectorization(max_tokens=3, vocabulary=["a", "b"])
    with pytest.raises(ValueError, match=r"shape \(1, 2, 1\)"):
        TextVectorization(vocabulary=["a"])(np.array([[["a"], ["b"]]]))
    with pytest.raises(ValueError, match="split"):
        TextVectorization(split="commas")
