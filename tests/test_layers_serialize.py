"""keras.layers.serialize/deserialize: round trips, the safe registry, and
configs written by real Keras."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras

L = tk.layers


def test_round_trips():
    for layer in (L.Dense(3, activation="relu"), L.GroupNormalization(groups=2, epsilon=0.01),
                  L.Normalization(mean=[1.0, 2.0], variance=[1.0, 4.0]), L.AdaptiveMaxPooling2D(2)):
        again = L.deserialize(L.serialize(layer))
        assert type(again) is type(layer) and again.get_config() == layer.get_config()


def test_unknown_class_is_refused():
    config = L.serialize(L.Dense(2))
    config["class_name"] = "os.system"
    with pytest.raises(ValueError):
        L.deserialize(config)


@pytest.mark.keras
def test_reads_and_matches_keras_configs():
    keras = real_keras()
    for make in (lambda lib: lib.layers.Dense(4, use_bias=False),
                 lambda lib: lib.layers.UnitNormalization(axis=[1, 2]),
                 lambda lib: lib.layers.RMSNormalization(epsilon=1e-4)):
        theirs = keras.layers.serialize(make(keras))
        mine = L.deserialize(theirs)
        assert type(mine).__name__ == theirs["class_name"]
        ours = L.serialize(make(tk))
        assert ours["module"] == theirs["module"] and ours["class_name"] == theirs["class_name"]
        for key, value in ours["config"].items():
            if key not in ("name", "dtype"):
                assert mine.get_config()[key] == value
    x = np.ones((1, 3), np.float32)
    assert L.deserialize(keras.layers.serialize(keras.layers.Dense(2)))(x).shape == (1, 2)
