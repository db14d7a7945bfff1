"""Weights by structure: tinykeras names every weight by the object path
Keras 3 gives it in ``.weights.h5`` files (``layers/dense/vars/0``), for
every architecture of the parity tests, so files load into fresh copies
whatever their automatic layer names."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving.object_paths import object_paths
import keras_zoo as zoo


def _keras_paths(keras, model, tmp_path):
    h5py = pytest.importorskip("h5py")
    path = str(tmp_path / "k.weights.h5")
    model.save_weights(path)
    found = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.append((name, tuple(obj.shape)))
                     if isinstance(obj, h5py.Dataset) else None)
    return sorted(found)


@pytest.mark.keras
@pytest.mark.parametrize("build", zoo.ARCHITECTURES, ids=zoo.IDS)
def test_paths_are_the_ones_keras_3_writes(build, tmp_path):
    keras = zoo.keras_or_skip()
    ours = sorted((p, tuple(v.shape)) for p, v in object_paths(build(tk)[0]))
    assert ours == _keras_paths(keras, build(keras)[0], tmp_path)


@pytest.mark.keras
def test_subclassed_model_paths_are_keras_3s(tmp_path):
    keras = zoo.keras_or_skip()

    def make(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__()
                self.hidden = lib.layers.Dense(4)
                self.blocks = [lib.layers.Dense(3), lib.layers.Dense(3)]
                self.out = lib.layers.Dense(1)

            def call(self, x):
                for block in self.blocks:
                    x = block(self.hidden(x) if block is self.blocks[0] else x)
                return self.out(x)
        net = Net()
        net(np.ones((1, 2), "float32"))
        return net
    ours = sorted((p, tuple(v.shape)) for p, v in object_paths(make(tk)))
    assert ours == _keras_paths(keras, make(keras), tmp_path)


def test_shared_layers_and_tied_weights_are_stored_once():
    shared = tk.layers.Dense(2)
    x = tk.Input((2,))
    model = tk.Model(x, tk.layers.Add()([shared(x), shared(shared(x))]))
    assert [p for p, _ in object_paths(model)] == ["layers/dense/vars/0", "layers/dense/vars/1"]
