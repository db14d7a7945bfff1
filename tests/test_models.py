"""Models: Sequential, functional and subclassed; layers, weights order,
freezing, shape errors, building on first use; and, where Keras 3 is
installed, the same predictions as Keras given Keras's weights."""
import os

import numpy as np
import pytest

import tinykeras as tk

L = tk.layers
RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


def mlp(name=None):
    return tk.Sequential([tk.Input((4,)), L.Dense(8, activation="relu"), L.Dense(2)], name=name)


# -- Sequential -------------------------------------------------------------------------

def test_sequential_from_a_list():
    model = mlp()
    assert model.built and model.output_shape == (None, 2) and model.input_shape == (None, 4)
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense"]
    assert model.predict(rand(3, 4), verbose=0).shape == (3, 2)


def test_sequential_add_and_pop():
    model = tk.Sequential([tk.Input((4,))])
    model.add(L.Dense(3, name="first"))
    assert model.output_shape == (None, 3)
    model.add(L.Dense(5, name="second"))
    assert model.output_shape == (None, 5) and len(model.weights) == 4
    popped = model.pop()
    assert popped.name == "second" and model.output_shape == (None, 3)
    assert [l.name for l in model.layers] == ["first"] and len(model.weights) == 2
    with pytest.raises(ValueError, match="only layers"):
        model.add("dense")
    with pytest.raises(ValueError, match="unique names"):
        model.add(L.Dense(1, name="first"))
    model.pop()
    with pytest.raises(ValueError, match="no layer"):
        tk.Sequential().pop()


def test_sequential_without_input_builds_on_first_use():
    model = tk.Sequential([L.Dense(3), L.Dense(1)])
    assert not model.built and model.weights == []
    with pytest.raises(ValueError, match="not yet been built"):
        model.output_shape
    with pytest.raises(ValueError, match="isn't built"):
        model.count_params()
    assert model.predict(rand(5, 7), verbose=0).shape == (5, 1)       # predict before build
    assert model.built and model.input_shape == (None, 7) and model.count_params() == 24 + 4


def test_sequential_input_shape_argument_and_build():
    model = tk.Sequential([L.Dense(2, input_shape=(3,))])
    assert model.built and model.input_shape == (None, 3)
    built = tk.Sequential([L.Dense(2)])
    built.build((None, 6))
    assert [w.shape for w in built.weights] == [(6, 2), (2,)]


# -- functional -------------------------------------------------------------------------

def test_functional_multi_input_multi_output():
    a, b = tk.Input((4,), name="a"), tk.Input((3,), name="b")
    h = L.Concatenate()([L.Dense(5, name="da")(a), b])
    out1, out2 = L.Dense(1, name="score")(h), L.Dense(3, activation="softmax", name="probs")(h)
    model = tk.Model([a, b], [out1, out2])
    assert model.input_names == ["a", "b"] and model.output_shape == [(None, 1), (None, 3)]
    xa, xb = rand(6, 4), rand(6, 3)
    s, p = model.predict_on_batch([xa, xb])
    assert s.shape == (6, 1) and p.shape == (6, 3)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    by_name = model({"b": xb, "a": xa})
    np.testing.assert_allclose(by_name[0].numpy(), s, rtol=1e-6)
    with pytest.raises(ValueError, match="expects 2 input"):
        model(xa)


def test_functional_layer_order_matches_keras():
    """Keras orders ``model.layers`` (and so ``weights``) by depth from the
    outputs, then by depth-first discovery; get_weights() follows it."""
    a, b = tk.Input((4,), name="a"), tk.Input((4,), name="b")
    x1 = L.Dense(3, name="da2")(L.Dense(3, name="da")(a))
    x2 = L.Dense(5, name="db")(b)
    out1 = L.Dense(1, name="o1")(L.Concatenate(name="cat")([x1, x2]))
    out2 = L.Dense(2, name="o2")(x2)
    model = tk.Model([a, b], [out1, out2])
    assert [l.name for l in model.layers] == ["a", "da", "b", "da2", "db", "cat", "o1", "o2"]
    assert [w.path for w in model.weights][::2] == ["da/kernel", "da2/kernel", "db/kernel",
                                                     "o1/kernel", "o2/kernel"]
    swapped = tk.Model([a, b], [out2, out1])
    assert [l.name for l in swapped.layers] == ["a", "b", "da", "db", "da2", "cat", "o2", "o1"]


def test_shared_layers():
    a, b = tk.Input((4,)), tk.Input((4,))
    shared = L.Dense(3, name="shared")
    out = L.Subtract()([shared(a), shared(b)])
    model = tk.Model([a, b], out)
    assert len(model.weights) == 2 and sum(l is shared for l in model.layers) == 1
    x = rand(2, 4)
    np.testing.assert_allclose(model([x, x]).numpy(), 0.0, atol=1e-6)


def test_nested_models_as_layers():
    inner = mlp(name="inner")
    x = tk.Input((4,))
    model = tk.Model(x, L.Dense(1, name="head")(inner(x)))
    assert [l.name for l in model.layers][1:] == ["inner", "head"]
    assert [w.shape for w in model.weights] == [(4, 8), (8,), (8, 2), (2,), (2, 1), (1,)]
    data = rand(3, 4)
    expected = inner(data).numpy() @ model.get_layer("head").get_weights()[0] + \
        model.get_layer("head").get_weights()[1]
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    outer = tk.Sequential([tk.Input((4,)), model, L.Dense(2)])
    assert outer.output_shape == (None, 2) and outer.count_params() == 40 + 18 + 3 + 4


# -- subclassed ----------------------------------------------------------------------------

class TwoLayer(tk.Model):
    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(6, activation="relu")
        self.norm = L.BatchNormalization()
        self.drop = L.Dropout(0.5, seed=1)
        self.out = L.Dense(1)

    def call(self, x, training=False):
        return self.out(self.drop(self.norm(self.hidden(x), training=training), training=training))


def test_subclassed_model():
    model = TwoLayer()
    assert not model.built and model.weights == []
    x = rand(8, 3)
    pred = model.predict(x, verbose=0)                              # predict before build
    assert pred.shape == (8, 1) and model.built
    assert [w.name for w in model.weights] == ["kernel", "bias", "gamma", "beta", "moving_mean",
                                               "moving_variance", "kernel", "bias"]
    assert model.count_params() == 24 + 24 + 7
    np.testing.assert_allclose(model.predict(x, verbose=0), pred, rtol=1e-6)   # inference: no noise
    assert not np.allclose(model(x, training=True).numpy(), pred)


# -- inspecting and moving weights ---------------------------------------------------------

def test_get_layer():
    model = tk.Sequential([tk.Input((2,)), L.Dense(3, name="h"), L.Dense(1, name="o")])
    assert model.get_layer("h").units == 3 and model.get_layer(index=1).name == "o"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 5"):
        model.get_layer(index=5)


def test_get_and_set_weights():
    model, twin = mlp(), mlp()
    assert [w.shape for w in model.get_weights()] == [(4, 8), (8,), (8, 2), (2,)]
    x = rand(5, 4)
    twin.set_weights(model.get_weights())
    np.testing.assert_allclose(twin.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="expects a list of 4 arrays, got 3"):
        twin.set_weights(model.get_weights()[:3])
    with pytest.raises(ValueError, match=r"shape \(4, 8\).*\(8, 4\)"):
        twin.set_weights([np.zeros((8, 4))] + model.get_weights()[1:])


def test_count_params():
    model = tk.Sequential([tk.Input((3,)), L.Dense(4), L.BatchNormalization(), L.Dense(1)])
    assert model.count_params() == 16 + 16 + 5
    assert sum(w.size for w in model.trainable_weights) == 16 + 8 + 5


# -- freezing --------------------------------------------------------------------------------

def test_freezing_a_model_and_a_layer():
    model = tk.Sequential([tk.Input((3,)), L.Dense(4, name="a"), L.Dense(1, name="b")])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rand(16, 3), rand(16, 1)
    model.get_layer("a").trainable = False
    assert [w.path for w in model.trainable_weights] == [f"{model.name}/b/kernel", f"{model.name}/b/bias"]
    frozen = model.get_layer("a").get_weights()
    moving = model.get_layer("b").get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(u, v) for u, v in zip(frozen, model.get_layer("a").get_weights()))
    assert not np.array_equal(moving[0], model.get_layer("b").get_weights()[0])
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4
    model.trainable = True
    assert len(model.trainable_weights) == 4


def test_frozen_base_model_keeps_batch_norm_in_inference_mode():
    base = tk.Sequential([tk.Input((3,)), L.Dense(4), L.BatchNormalization()], name="base")
    x = rand(32, 3) + 5.0
    base(x, training=True)                                        # moving stats away from init
    saved = base.get_weights()
    base.trainable = False
    inputs = tk.Input((3,))
    model = tk.Model(inputs, L.Dense(1)(base(inputs, training=False)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, rand(32, 1), epochs=2, batch_size=8, verbose=0)
    assert all(np.array_equal(u, v) for u, v in zip(saved, base.get_weights()))
    np.testing.assert_allclose(base(x, training=True).numpy(), base(x, training=False).numpy())


def _training_seen(lib):
    """The ``training`` a layer's call receives inside a functional model whose node recorded no
    training, ``training=False`` or ``training=True``: for ``model(x)``, ``model(x, training=False)``,
    ``model(x, training=True)``, ``predict`` and ``fit``, and for that model nested in another, its node
    there recorded ``training=False``, the outer one called plainly and with ``training=True``."""
    seen = []

    class Recorder(lib.layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    x, y = rand(4, 3), rand(4, 1)
    table = {}
    for recorded in ({}, {"training": False}, {"training": True}):
        inputs = lib.Input((3,))
        model = lib.Model(inputs, lib.layers.Dense(1)(Recorder()(inputs, **recorded)))
        outer_inputs = lib.Input((3,))
        outer = lib.Model(outer_inputs, model(outer_inputs, training=False))
        model.compile(optimizer="sgd", loss="mse")
        runs = {"plain": lambda: model(x), "False": lambda: model(x, training=False),
                "True": lambda: model(x, training=True), "predict": lambda: model.predict(x, verbose=0),
                "fit": lambda: model.fit(x, y, batch_size=4, verbose=0),
                "outer plain": lambda: outer(x), "outer True": lambda: outer(x, training=True)}
        for name, run in runs.items():
            seen.clear()
            run()
            table[str(recorded.get("training", "-")), name] = seen[-1]      # (Keras first builds, in fit)
    return table


def test_training_given_to_a_functional_model_overrides_the_nodes():
    """As Keras 3 (``functional.operation_fn``): a training value given to the model wins over the
    one recorded on a node; at ``training=None`` the node's value (or the layer's default) holds."""
    seen = _training_seen(tk)
    for recorded in ("-", "False", "True"):
        node = {"-": None, "False": False, "True": True}[recorded]
        assert [seen[recorded, name] for name in ("plain", "False", "True", "predict", "fit")] == \
            [node, False, True, False, True], recorded
        assert (seen[recorded, "outer plain"], seen[recorded, "outer True"]) == (False, True), recorded


# -- errors ------------------------------------------------------------------------------------

def test_wrong_input_shape_names_the_layer():
    model = tk.Sequential([tk.Input((4,), name="features"), L.Dense(2, name="dense_out")])
    with pytest.raises(ValueError, match=r'"features".*\(None, 4\).*\(2, 5\)'):
        model.predict(np.ones((2, 5)), verbose=0)
    dense = L.Dense(2, name="dd")
    dense(np.ones((1, 3), dtype="float32"))
    with pytest.raises(ValueError, match=r'layer "dd".*axis -1 of input shape to have value 3.*\(1, 4\)'):
        dense(np.ones((1, 4), dtype="float32"))
    lazy = tk.Sequential([L.Dense(2, name="lazy_dense")])
    lazy.predict(np.ones((1, 3)), verbose=0)
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(1, 6\)"):
        lazy.predict(np.ones((1, 6)), verbose=0)


def test_functional_inputs_must_be_symbolic():
    with pytest.raises(ValueError, match="symbolic"):
        tk.Model(np.ones((1, 2)), tk.Input((2,)))


# -- a small model trains ----------------------------------------------------------------------

@pytest.mark.parametrize("call", ["fit", "evaluate", "predict", "fit-validation"])
def test_no_samples_is_a_clear_value_error(call):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((0, 3), "float32"), np.zeros((0, 2), "float32")
    some_x, some_y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
    run = {"fit": lambda: model.fit(x, y, verbose=0),
           "evaluate": lambda: model.evaluate(x, y, verbose=0),
           "predict": lambda: model.predict(x, verbose=0),
           "fit-validation": lambda: model.fit(some_x, some_y, validation_data=(x, y), verbose=0)}
    what = "evaluate" if call == "fit-validation" else call
    with pytest.raises(ValueError, match=f"^{what}: the input has no samples$"):
        run[call]()


def test_fit_reduces_the_loss_with_normalization_and_dropout():
    x = rand(64, 4)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")).astype("float32")
    model = tk.Sequential([tk.Input((4,)), L.Dense(16, activation="relu"),
                           L.BatchNormalization(), L.Dropout(0.1, seed=0),
                           L.LayerNormalization(), L.Dense(1)])
    model.compile(optimizer=tk.optimizers.Adam(learning_rate=0.01), loss="mse")
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


# -- comparisons with Keras 3 ------------------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _build_sequential(lib):
    layers = lib.layers
    return lib.Sequential([
        lib.Input((6,), dtype="int32"), layers.Embedding(10, 4), layers.Flatten(),
        layers.Dense(8, activation="relu"), layers.BatchNormalization(), layers.Dropout(0.3),
        layers.Reshape((2, 4)), layers.LayerNormalization(), layers.Permute((2, 1)),
        layers.Flatten(), layers.Dense(3, activation="softmax")])


def _build_functional(lib):
    layers = lib.layers
    a, b = lib.Input((5,), name="a"), lib.Input((5,), name="b")
    shared = layers.Dense(4, name="shared")
    ha, hb = shared(a), shared(b)
    merged = layers.Concatenate()([layers.Add()([ha, hb]), layers.Multiply()([ha, hb]),
                                   layers.Dot(axes=1, normalize=True)([ha, hb])])
    hidden = layers.Dense(6, activation="tanh")(layers.BatchNormalization()(merged))
    out1 = layers.Dense(1, name="out1")(hidden)
    out2 = layers.Dense(2, name="out2")(layers.Average()([ha, layers.Dense(4)(b)]))
    return lib.Model([a, b], [out1, out2])


def _to_numpy(keras, value):
    return [keras.ops.convert_to_numpy(v) for v in value] if isinstance(value, (list, tuple)) \
        else keras.ops.convert_to_numpy(value)


@pytest.mark.keras
def test_sequential_matches_keras_with_keras_weights(keras):
    k_model, t_model = _build_sequential(keras), _build_sequential(tk)
    assert [w.shape for w in t_model.get_weights()] == [tuple(w.shape) for w in k_model.get_weights()]
    assert t_model.count_params() == k_model.count_params()
    weights = [w + RNG.uniform(0.1, 0.5, size=w.shape).astype("float32") for w in k_model.get_weights()]
    k_model.set_weights(weights)
    t_model.set_weights(k_model.get_weights())
    ids = RNG.integers(0, 10, size=(7, 6)).astype("int32")
    np.testing.assert_allclose(t_model.predict(ids, verbose=0), k_model.predict(ids, verbose=0),
                               rtol=1e-4, atol=1e-5)
    k_model.get_layer(index=4).rate = t_model.get_layer(index=4).rate = 0.0   # deterministic
    k_train = _to_numpy(keras, k_model(keras.ops.convert_to_tensor(ids), training=True))
    # Keras computes the batch variance as E[x^2] - E[x]^2 in float32: allow for its rounding
    np.testing.assert_allclose(t_model(ids, training=True).numpy(), k_train, rtol=1e-3, atol=2e-4)
    for t_w, k_w in zip(t_model.get_weights(), k_model.get_weights()):   # moving statistics too
        np.testing.assert_allclose(t_w, k_w, rtol=1e-4, atol=1e-6)


@pytest.mark.keras
def test_functional_matches_keras_with_keras_weights(keras):
    k_model, t_model = _build_functional(keras), _build_functional(tk)
    assert [type(l).__name__ for l in t_model.layers] == [type(l).__name__ for l in k_model.layers]
    assert [w.shape for w in t_model.get_weights()] == [tuple(w.shape) for w in k_model.get_weights()]
    t_model.set_weights(k_model.get_weights())
    xa, xb = rand(4, 5), rand(4, 5)
    k_out = _to_numpy(keras, k_model([keras.ops.convert_to_tensor(xa), keras.ops.convert_to_tensor(xb)]))
    t_out = t_model([xa, xb])
    for t, k in zip(t_out, k_out):
        np.testing.assert_allclose(t.numpy(), k, rtol=1e-4, atol=1e-5)


@pytest.mark.keras
def test_subclassed_weights_order_matches_keras(keras):
    class KerasTwoLayer(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(6, activation="relu")
            self.norm = keras.layers.BatchNormalization()
            self.drop = keras.layers.Dropout(0.5, seed=1)
            self.out = keras.layers.Dense(1)

        def call(self, x, training=False):
            return self.out(self.drop(self.norm(self.hidden(x), training=training), training=training))

    x = rand(5, 3)
    k_model, t_model = KerasTwoLayer(), TwoLayer()
    k_pred = k_model.predict(x, verbose=0)
    t_model.predict(x, verbose=0)
    assert [w.name for w in t_model.weights] == [w.name for w in k_model.weights]
    t_model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_pred, rtol=1e-5, atol=1e-6)


@pytest.mark.keras
def test_training_propagation_matches_keras(keras):
    assert _training_seen(tk) == _training_seen(keras)
