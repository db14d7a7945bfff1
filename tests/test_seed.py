"""``keras.utils.set_random_seed(n)`` makes a whole program repeat bit for bit
(issue 13): initial weights, Dropout/noise masks, augmentation, shuffling and
``validation_split``, checked by running the same program twice in fresh
interpreters.  Plus Keras 3's ``SeedGenerator`` and ``seed=`` semantics."""
import json
import subprocess
import sys

import numpy as np
import pytest

import tinykeras as keras

PROGRAM = r"""
import hashlib, json, sys
import numpy as np
import tinykeras as keras

keras.utils.set_random_seed(int(sys.argv[1]))
data = np.random.default_rng(0)                 # the data itself is fixed
x = data.random((48, 6, 6, 1)).astype("float32")
y = data.integers(0, 3, 48)
model = keras.Sequential([
    keras.Input((6, 6, 1)),
    keras.layers.RandomFlip("horizontal"),
    keras.layers.RandomContrast(0.3, value_range=(0, 1)),
    keras.layers.Flatten(),
    keras.layers.GaussianNoise(0.1),
    keras.layers.Dense(8, activation="relu"),
    keras.layers.Dropout(0.5),
    keras.layers.Dense(3, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, shuffle=True, verbose=0)
weights = hashlib.sha256(b"".join(w.tobytes() for w in model.get_weights())).hexdigest()
print(json.dumps({"weights": weights, "history": history.history}))
"""


def _run(seed):
    out = subprocess.run([sys.executable, "-c", PROGRAM, str(seed)], capture_output=True,
                         text=True, check=True, timeout=300).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_set_random_seed_makes_two_runs_bit_identical():
    first, second, other = _run(3), _run(3), _run(4)
    assert first == second                      # weights hash and every history number
    # and the seed is what decides: another seed gives other weights and another history
    assert other["weights"] != first["weights"] and other["history"] != first["history"]
    assert set(first["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(first["history"]["val_loss"]) == 3


def test_seed_generator_advances_and_repeats_as_in_keras():
    gen = keras.random.SeedGenerator(42)
    a = keras.random.normal((3,), seed=gen).numpy()
    b = keras.random.normal((3,), seed=gen).numpy()
    assert not np.array_equal(a, b)
    assert gen.state.tolist() == [42, 2] and gen.get_config() == {"seed": 42}
    again = keras.random.SeedGenerator.from_config(gen.get_config())
    assert np.array_equal(keras.random.normal((3,), seed=again).numpy(), a)
    # an int seed is stateless: the same values on every call
    assert np.array_equal(keras.random.uniform((4,), seed=5).numpy(),
                          keras.random.uniform((4,), seed=5).numpy())
    with pytest.raises(ValueError, match="seed"):
        keras.random.normal((1,), seed="x")
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        keras.random.SeedGenerator(1, bogus=2)


def test_unseeded_generators_and_layers_follow_set_random_seed():
    def draws():
        keras.utils.set_random_seed(11)
        layer = keras.layers.Dropout(0.5)
        x = np.ones((4, 8), "float32")
        return (keras.random.normal((2,), seed=keras.random.SeedGenerator()).numpy(),
                layer(x, training=True).numpy(), layer(x, training=True).numpy())
    first, second = draws(), draws()
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    assert not np.array_equal(first[1], first[2])  # successive masks differ


def test_layer_seed_argument_fixes_its_draws():
    x = np.ones((4, 8), "float32")
    masks = [keras.layers.Dropout(0.5, seed=7)(x, training=True).numpy() for _ in range(2)]
    assert np.array_equal(*masks)
    assert json.dumps(keras.layers.Dropout(0.5, seed=7).get_config()["seed"]) == "7"
