"""Hashing and HashedCrossing: the hash functions against published values
(FarmHash's and SipHash's reference vectors, TensorFlow's and Keras's
documented bins: Keras's layers need TensorFlow, which CI lacks), the layers
through run_layer_test, masks, salts, output modes and saving."""
import json

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers.preprocessing.hashing.hash_functions import (fingerprint64, fingerprint_cat64, hash_buckets,
                                                                   siphash64)
from tinykeras.saving.layer_config import deserialize_layer, serialize_layer
from tinykeras.testing import run_layer_test

LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


def test_fingerprint64_reference_values():
    # farmhash's own test (farmhash.cc, farmhashna): Hash64 of the empty string is k2;
    # TensorFlow's tf.fingerprint / to_hash_bucket_fast docs: ["Hello", "TensorFlow", "2.x"] -> [0, 2, 2].
    assert fingerprint64(b"") == 0x9ae16a3b2f90404f
    assert hash_buckets(np.array(["Hello", "TensorFlow", "2.x"]), 3).tolist() == [0, 2, 2]
    # Values checked against pyfarmhash's fingerprint64 (Google's C++), one per length branch:
    # 0-16, 17-32, 33-64 and the >64-byte loop (with a partial last block).
    assert fingerprint64(b"Hello") == 0xd5c87c1e326b2087
    assert fingerprint64(b"x" * 100) == 0x5b7616b854568a1f
    assert fingerprint64("".join(chr(32 + (i * 7) % 95) for i in range(300)).encode()) == 0xcb95560c0c241380
    for data, expected in [(b"abcdefghijklmnopqrst", 0x65fed21c0de0497e), (b"0123456789" * 5, 0xcd3c9ed8ce499908)]:
        assert fingerprint64(data) == expected, data


def test_siphash_reference_values():
    # The SipHash paper's test vector (key 00..0f, message 00..0e).
    assert siphash64(bytes(range(15)), (0x0706050403020100, 0x0f0e0d0c0b0a0908)) == 0xa129ca6149be45e5
    # TensorFlow's to_hash_bucket_strong docs: ["Hello", "TF"], 3 buckets, key [1, 2] -> [2, 0].
    assert hash_buckets(np.array(["Hello", "TF"]), 3, (1, 2)).tolist() == [2, 0]


def test_fingerprint_cat64_is_tensorflow_cross():
    # HashedCrossing's documented example, computed by hand from the TF kernel's steps.
    h = fingerprint_cat64(fingerprint_cat64(0xDECAFCAFFE, fingerprint64(b"A")), 101)
    assert h % 5 == 1


@pytest.mark.parametrize("kwargs, data, expected", [
    ({"num_bins": 3}, LETTERS, [1, 0, 1, 1, 2]),                                  # Keras docstring: FarmHash64
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),              # SipHash64
    ({"num_bins": 3, "salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
])
def test_hashing_matches_keras_documented_bins(kwargs, data, expected):
    out = tk.layers.Hashing(**kwargs)(data)
    assert out.dtype == "int64" and out.shape == (5, 1)
    assert out.numpy().ravel().tolist() == expected


def test_hashing_integers_floats_and_masks():
    layer = tk.layers.Hashing(num_bins=7)
    ints = np.array([[1, 22], [333, -4]])
    # Keras hashes integers through their decimal strings (tf.as_string), floats truncated first.
    np.testing.assert_array_equal(layer(ints).numpy(), layer(np.array([["1", "22"], ["333", "-4"]])).numpy())
    np.testing.assert_array_equal(layer(np.array([[1.7, 22.2]])).numpy(), layer(np.array([[1, 22]])).numpy())
    masked = tk.layers.Hashing(num_bins=4, mask_value=0)(np.array([0, 5, 0, 9]))
    assert masked.numpy()[[0, 2]].tolist() == [0, 0] and (masked.numpy()[[1, 3]] > 0).all()
    assert masked.numpy()[1] == hash_buckets(np.array(["5"]), 3)[0] + 1
    with pytest.raises(TypeError, match="Hashing 'h'.*strings or integers"):
        tk.layers.Hashing(num_bins=2, name="h")(np.array([[True, 1j]]))


def test_hashing_output_modes():
    data = np.array([["A", "B"], ["C", "C"]])
    ids = tk.layers.Hashing(num_bins=3)(data).numpy()
    multi = tk.layers.Hashing(num_bins=3, output_mode="multi_hot")(data)
    count = tk.layers.Hashing(num_bins=3, output_mode="count")(data)
    np.testing.assert_array_equal(count.numpy(), [np.bincount(r, minlength=3) for r in ids])
    np.testing.assert_array_equal(multi.numpy(), np.minimum(count.numpy(), 1))
    assert count.dtype == "float32"
    one_hot = tk.layers.Hashing(num_bins=3, output_mode="one_hot")(np.array([["A"], ["B"]]))
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(3)[[1, 0]])
    with pytest.raises(ValueError, match="non-positive"):
        tk.layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="dtype` should be an integer"):
        tk.layers.Hashing(num_bins=2, dtype="float32")
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        tk.layers.Hashing(num_bins=2, output_mode="count", sparse=True)


@pytest.mark.parametrize("kwargs, shape", [({"num_bins": 5}, (3, 2)),
                                           ({"num_bins": 4, "salt": 7, "output_mode": "multi_hot"}, (3, 4))])
def test_hashing_layer_test(kwargs, shape):
    run_layer_test(tk.layers.Hashing, kwargs, input_data=np.array([["a", "b"], ["c", "d"], ["e", "a"]]),
                   expected_output_shape=shape, expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0, check_gradients=False, run_training_check=False)
    run_layer_test(tk.layers.Hashing, kwargs, input_data=np.array([[1, 2], [3, 4], [5, 6]]),
                   expected_output_shape=shape, check_gradients=False, run_training_check=False)


def test_hashed_crossing_documented_examples():
    feat1, feat2 = np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])
    out = tk.layers.HashedCrossing(num_bins=5)((feat1, feat2))
    assert out.dtype == "int64" and out.numpy().tolist() == [1, 4, 1, 1, 3]
    one_hot = tk.layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2))
    np.testing.assert_array_equal(one_hot.numpy(), np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])
    # shapes (batch, 1) and () keep their shape; the order of the features matters
    col = tk.layers.HashedCrossing(num_bins=5)([feat1[:, None], feat2[:, None]]).numpy()
    assert col.shape == (5, 1) and col.ravel().tolist() == [1, 4, 1, 1, 3]
    assert tk.layers.HashedCrossing(num_bins=5)([np.array("A"), np.array(101)]).numpy().tolist() == 1
    with pytest.raises(ValueError, match="at least two inputs"):
        tk.layers.HashedCrossing(num_bins=5)([feat1])
    with pytest.raises(ValueError, match="equal shape"):
        tk.layers.HashedCrossing(num_bins=5)([feat1, feat2[:3]])
    with pytest.raises(ValueError, match="integer or string dtype"):
        tk.layers.HashedCrossing(num_bins=5)([feat1, feat2 * 0.5])


def test_hashed_crossing_layer_test_and_model():
    data = [np.array([["a"], ["b"], ["a"]]), np.array([[1], [2], [2]])]
    run_layer_test(tk.layers.HashedCrossing, {"num_bins": 4}, input_data=data, expected_output_shape=(3, 1),
                   expected_output_dtype="int64", check_gradients=False, run_training_check=False)
    run_layer_test(tk.layers.HashedCrossing, {"num_bins": 4, "output_mode": "one_hot"}, input_data=data,
                   expected_output_shape=(3, 4), check_gradients=False, run_training_check=False)


def test_saving_round_trip(tmp_path):
    a, b = tk.Input((1,), dtype="string", name="a"), tk.Input((1,), dtype="int64", name="b")
    crossed = tk.layers.HashedCrossing(num_bins=8, output_mode="one_hot")([a, b])
    hashed = tk.layers.Hashing(num_bins=6, mask_value="", salt=[3, 4], output_mode="count")(a)
    model = tk.Model([a, b], tk.layers.Concatenate()([crossed, hashed]))
    x = [np.array([["x"], [""], ["yz"]]), np.array([[1], [2], [3]])]
    before = model.predict(x, verbose=0)
    for name in ("m.keras", "m.safetensors"):
        model.save(tmp_path / name)
        again = tk.models.load_model(tmp_path / name)
        np.testing.assert_array_equal(again.predict(x, verbose=0), before)
    config = json.loads(json.dumps(serialize_layer(tk.layers.Hashing(num_bins=3, salt=5))))
    assert config["config"]["salt"] == [5, 5] and deserialize_layer(config).salt == [5, 5]
