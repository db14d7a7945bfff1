"""Weights by structure: tinykeras names every weight by the object path
Keras 3 gives it in ``.weights.h5`` files (``layers/dense/vars/0``), for
every architecture of the parity tests, so files load into fresh copies
whatever their automatic layer names.  And every variable's ``path`` is
Keras's (``sequential/dense/kernel``: the scopes of the models that built
the layer), so an ``OptimizerMap`` written for Keras picks the same
variables."""
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


def subclassed(lib):
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
    return net, np.ones((1, 2), "float32")


@pytest.mark.keras
def test_subclassed_model_paths_are_keras_3s(tmp_path):
    keras = zoo.keras_or_skip()
    ours = sorted((p, tuple(v.shape)) for p, v in object_paths(subclassed(tk)[0]))
    assert ours == _keras_paths(keras, subclassed(keras)[0], tmp_path)


# -- variable.path ----------------------------------------------------------------------------

@pytest.fixture
def fresh_names():
    """Automatic names counted from zero in both libraries (and left so for the next test)."""
    tk.backend.clear_session()
    yield
    tk.backend.clear_session()


def nested_sequential(lib):
    """A Sequential inside a Sequential, a layer with its own weight and a sub-layer, a layer built alone."""
    L = lib.layers

    class Block(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = L.Dense(2)

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(1,), name="scale")

        def call(self, x):
            return self.inner(x) * self.scale
    alone = L.Dense(3, name="alone")
    alone.build((None, 3))  # built before the model: its paths stay "alone/..."
    inner = lib.Sequential([L.Dense(3), L.LayerNormalization()], name="inner")
    model = lib.Sequential([lib.Input((3,)), alone, inner, Block(name="block"), L.Dense(1)], name="outer")
    return model, np.ones((2, 3), "float32")


def clone(lib):
    model = zoo.mlp(lib)[0]
    return lib.models.clone_model(model), None


PATH_CASES = zoo.ARCHITECTURES + [subclassed, nested_sequential, clone]


def variable_paths(lib, build):
    lib.backend.clear_session()
    return [v.path for v in build(lib)[0].weights]


def layer_paths(lib, build):
    lib.backend.clear_session()
    return [layer.path for layer in build(lib)[0].layers]


def test_variable_paths_of_ordinary_models(fresh_names):
    assert variable_paths(tk, nested_sequential) == [
        "alone/kernel", "alone/bias", "outer/inner/dense/kernel", "outer/inner/dense/bias",
        "outer/inner/layer_normalization/gamma", "outer/inner/layer_normalization/beta",
        "outer/block/scale", "outer/block/dense_1/kernel", "outer/block/dense_1/bias",
        "outer/dense_2/kernel", "outer/dense_2/bias"]
    assert variable_paths(tk, subclassed) == [f"net/dense{n}/{w}" for n in ("", "_1", "_2", "_3")
                                              for w in ("kernel", "bias")]
    assert variable_paths(tk, zoo.nested)[::2] == ["sequential/dense/kernel", "dense_1/kernel"]  # functional: no prefix
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)], name="net")
    assert model.layers[0].path == "net/dense_2" and model.layers[0].kernel.path == "net/dense_2/kernel"
    assert tk.layers.Dense(1).path is None  # not built yet


@pytest.mark.keras
@pytest.mark.parametrize("build", PATH_CASES, ids=[f.__name__ for f in PATH_CASES])
def test_variable_paths_are_keras_3s(build, fresh_names):
    keras = zoo.keras_or_skip()
    assert variable_paths(tk, build) == variable_paths(keras, build)
    assert layer_paths(tk, build) == layer_paths(keras, build)


def optimizer_choices(lib):
    """``(path, optimizer name)`` of each trainable variable of ``nested_sequential``
    under a map with an exact path, a model-prefixed pattern and a suffix pattern."""
    model = nested_sequential(lib)[0]
    opt = lib.optimizers
    table = {"outer/inner/.*": opt.Adam(name="adam"), "outer/block/scale": opt.Lion(name="lion"),
             "alone/bias": opt.SGD(name="sgd"), ".*dense_2/.*": opt.Adagrad(name="adagrad")}
    mapping = opt.OptimizerMap(opt.RMSprop(name="rmsprop"), table)
    multi = opt.MultiOptimizer(mapping)
    multi.build(model.trainable_weights)
    return [(v.path, mapping(v).name) for v in model.trainable_weights], \
        [(o.name, len(o.variables)) for o in multi.optimizers]


def test_optimizer_map_keys_are_keras_paths(fresh_names):
    choices, built = optimizer_choices(tk)
    assert [name for _, name in choices] == ["rmsprop", "sgd"] + ["adam"] * 4 + ["lion"] + ["rmsprop"] * 2 + \
        ["adagrad"] * 2
    assert built == [("adam", 2 + 2 * 4), ("lion", 2 + 1), ("sgd", 2 + 0), ("adagrad", 2 + 2), ("rmsprop", 2 + 3)]
    with pytest.raises(ValueError, match="Multiple optimizers assigned to variable outer/inner/dense/bias"):
        tk.optimizers.OptimizerMap(tk.optimizers.SGD(), {"outer/inner/.*": tk.optimizers.Adam(),
                                                         ".*bias": tk.optimizers.Lion()})["outer/inner/dense/bias"]


@pytest.mark.keras
def test_an_optimizer_map_written_for_keras_picks_the_same_variables(fresh_names):
    keras = zoo.keras_or_skip()
    assert variable_paths(tk, nested_sequential) == variable_paths(keras, nested_sequential)
    tk.backend.clear_session()
    ours = optimizer_choices(tk)
    keras.backend.clear_session()
    assert ours == optimizer_choices(keras)
