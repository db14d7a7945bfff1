"""Short keras.io-style programs, each written once as a function of the
``keras`` module (``K``): run with tinykeras and, where Keras 3 is installed
(torch backend), with real Keras too, with the same weights copied across;
shapes, dtypes, parameter counts and numbers must agree.

The programs of issue 15's blockers live where their feature is tested
(docs/keras-programs.md lists them all); this file holds the ones no other
file does: operators on ``keras.Input`` and Keras's dtype rules for Python
scalars, ``!=`` as a graph node, custom layers traced through ops (a
plugin's op included), loading weights into a freshly built copy, and
``TextVectorization.adapt`` on datasets and generators.
"""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import assert_close, assert_same_model, copy_weights, real_keras
from tinykeras import hookimpl
from tinykeras.core import registry

RNG = np.random.default_rng(15)


def _fresh(K):
    K.backend.clear_session()
    return K


def on_both(program, *args):
    """``program(tinykeras, *args)``; with Keras installed, also ``program(keras, ...)``
    with Keras's weights copied into ours, and the two results compared."""
    ours = program(_fresh(tk), *args)
    try:
        keras = real_keras()
    except pytest.skip.Exception:
        return ours, None
    theirs = program(_fresh(keras), *args)
    return ours, theirs


# -- arithmetic on keras.Input -----------------------------------------------------
def doubled_plus_input(K):
    """The blocker's repro, exactly: ``keras.Model(x, x * 2 + x)``."""
    x = K.Input((4,))
    return K.Model(x, x * 2 + x)


def masked_token_average(K):
    """Token ids to a masked mean of embeddings, with operators on int inputs."""
    L, ops = K.layers, K.ops
    ids = K.Input((6,), dtype="int32")
    mask = ops.cast(ids != 0, "float32")                   # NotEqual node, bool -> float32
    h = L.Embedding(20, 4)(ids) * ops.expand_dims(mask, -1)
    mean = ops.sum(h, axis=1) / (ops.sum(mask, axis=1, keepdims=True) + 1e-3)
    position = ops.cast(ids, "float32") * 0.0 + ids * 0.5  # int32 * 0.5 is float32, as in Keras
    return K.Model(ids, L.Dense(2)(ops.concatenate([mean, position], axis=-1)))


@pytest.mark.parametrize("program", [doubled_plus_input, masked_token_average], ids=lambda p: p.__name__)
def test_operator_programs_agree_with_keras(program):
    x = RNG.integers(0, 20, (5, 6)).astype("int32") if program is masked_token_average else \
        RNG.normal(size=(5, 4)).astype("float32")
    x[:, -2:] = 0
    ours, theirs = on_both(program)
    if program is doubled_plus_input:
        np.testing.assert_allclose(ours.predict(x, verbose=0), 3 * x, rtol=1e-6)
    if theirs is None:
        pytest.skip("keras 3 is not installed: only tinykeras ran")
    assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    assert_same_model(theirs, ours)
    copy_weights(theirs, ours)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


EXPRESSIONS = ["i * 0.5", "i + 1", "i / 2", "i // 2", "i // 2.0", "i % 2.5", "i ** 2", "i ** 0.5",
               "b + 1", "b * 1.5", "b + True", "h * 2.0", "h + 1", "i * True", "ops.add(i, 0.5)",
               "ops.maximum(i, 0.5)", "ops.where(b, i, 0.5)", "ops.where(b, 1, 0.5)", "ops.power(i, 2.0)",
               "i != 1", "f != i", "2.0 - i", "0.5 * b"]


def _dtypes(K):
    ops = K.ops
    i, b = K.Input((3,), dtype="int32"), K.Input((3,), dtype="bool")
    h, f = K.Input((3,), dtype="float16"), K.Input((3,))
    scope = dict(i=i, b=b, h=h, f=f, ops=ops)
    outputs = [eval(e, scope) for e in EXPRESSIONS]  # noqa: S307 (fixed test expressions)
    return [str(t.dtype) for t in outputs], K.Model([i, b, h, f], outputs)


def test_python_scalars_follow_kerass_dtype_rules():
    """Symbolic results are typed as Keras types them, and as running the model gives."""
    (ours, model), theirs = on_both(_dtypes)
    data = [np.array([[1, 2, 3]], "int32"), np.array([[True, False, True]]), np.ones((1, 3), "float16"),
            np.full((1, 3), 2.0, "float32")]
    ran = [str(np.asarray(v).dtype) for v in model.predict(data, verbose=0)]
    assert dict(zip(EXPRESSIONS, ran)) == dict(zip(EXPRESSIONS, ours))
    assert ours[0] == "float32" and ours[EXPRESSIONS.index("i != 1")] == "bool"
    if theirs is None:
        pytest.skip("keras 3 is not installed: only the eager check ran")
    assert dict(zip(EXPRESSIONS, ours)) == dict(zip(EXPRESSIONS, theirs[0]))


def test_not_equal_is_a_node_and_equality_stays_identity():
    def program(K):
        x = K.Input((3,))
        flags = x != 0.0
        return flags, x == x, x == 1.0, {x: "key"}[x], K.Model(x, flags)

    ours, theirs = on_both(program)
    flags, same, other, key, model = ours
    assert flags.dtype == "bool" and type(flags._keras_history[0]).__name__ == "OpCall"
    assert (same, other, key) == (True, False, "key")
    x = np.array([[0.0, 1.0, -2.0]], "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), [[False, True, True]])
    if theirs is not None:
        assert (theirs[0].dtype, theirs[1:4]) == ("bool", (True, False, "key"))
        np.testing.assert_array_equal(np.asarray(theirs[4].predict(x, verbose=0)), [[False, True, True]])
        assert type(theirs[0]._keras_history[0]).__name__ == "NotEqual"


def feature_extractor(K):
    """keras.io "The Sequential model": every layer's output as a feature."""
    L = K.layers
    initial = K.Sequential([K.Input((10, 10, 3)), L.Conv2D(4, 3, strides=2, activation="relu"),
                            L.Conv2D(4, 3, activation="relu"), L.Flatten(), L.Dense(2)])
    extractor = K.Model(inputs=initial.inputs, outputs=[layer.output for layer in initial.layers])
    first = initial.layers[0]
    return initial, extractor, (first.input.shape, first.output.shape)


def test_layer_outputs_as_features_agree_with_keras():
    (initial, extractor, shapes), theirs = on_both(feature_extractor)
    assert shapes == ((None, 10, 10, 3), (None, 4, 4, 4))
    with pytest.raises(AttributeError, match="has never been called and thus has no defined output"):
        tk.layers.Dense(2).output
    if theirs is None:
        pytest.skip("keras 3 is not installed: only tinykeras ran")
    assert tuple(map(tuple, theirs[2])) == shapes
    copy_weights(theirs[0], initial)
    x = RNG.normal(size=(2, 10, 10, 3)).astype("float32")
    assert_close(extractor.predict(x, verbose=0), theirs[1].predict(x, verbose=0))


# -- custom layers traced through ops --------------------------------------------------
def gated_program(K):
    """keras.io "Making new layers": a layer with weights and no compute_output_shape."""
    class Gated(K.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="w")

        def call(self, x):
            gate = K.ops.sigmoid(K.ops.sum(x * self.w, axis=-1, keepdims=True))
            return K.ops.concatenate([x * gate, K.ops.square(x)[:, :2]], axis=-1)

    x = K.Input((5,))
    return K.Model(x, K.layers.Dense(3)(Gated()(x)))


def test_custom_layer_without_output_shape_agrees_with_keras():
    ours, theirs = on_both(gated_program)
    assert ours.layers[1].output.shape == (None, 7)
    if theirs is None:
        pytest.skip("keras 3 is not installed: only tinykeras ran")
    assert_same_model(theirs, ours)
    copy_weights(theirs, ours)
    x = RNG.normal(size=(4, 5)).astype("float32")
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


def transformer_classifier(K):
    """keras.io "Text classification with Transformer", small: custom layers holding a
    MultiHeadAttention and a Sequential feed-forward block, positions from ops.shape."""
    L, ops = K.layers, K.ops

    class TransformerBlock(L.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = K.Sequential([L.Dense(ff_dim, activation="relu"), L.Dense(embed_dim)])
            self.layernorm1, self.layernorm2 = L.LayerNormalization(epsilon=1e-6), L.LayerNormalization(epsilon=1e-6)
            self.dropout1, self.dropout2 = L.Dropout(rate), L.Dropout(rate)

        def call(self, inputs):
            out1 = self.layernorm1(inputs + self.dropout1(self.att(inputs, inputs)))
            return self.layernorm2(out1 + self.dropout2(self.ffn(out1)))

    class TokenAndPositionEmbedding(L.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = L.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = L.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            positions = self.pos_emb(ops.arange(start=0, stop=ops.shape(x)[-1], step=1))
            return self.token_emb(x) + positions

    inputs = L.Input(shape=(12,))
    x = TransformerBlock(8, 2, 16)(TokenAndPositionEmbedding(12, 50, 8)(inputs))
    x = L.Dense(10, activation="relu")(L.Dropout(0.1)(L.GlobalAveragePooling1D()(x)))
    return K.Model(inputs=inputs, outputs=L.Dense(2, activation="softmax")(x))


def test_transformer_classifier_agrees_with_keras():
    ours, theirs = on_both(transformer_classifier)
    x = RNG.integers(0, 50, (4, 12)).astype("float32")
    assert ours.predict(x, verbose=0).shape == (4, 2)
    if theirs is None:
        pytest.skip("keras 3 is not installed: only tinykeras ran")
    assert_same_model(theirs, ours)
    copy_weights(theirs, ours)
    assert_close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))


class CubePlugin:
    """Three plugin ops: with a composite, with a spec only, with neither."""
    calls = []

    def kernel(self, x, k=1.0):
        CubePlugin.calls.append(x.shape)
        return np.asarray(x * x * x + k, dtype=x.dtype)

    @hookimpl
    def tinykeras_register_ops(self, register):
        register(registry.OpDef("i15_cube", 1, ("k",), composite=lambda x, k=1.0: x * x * x + k,
                                rule=lambda g, o, x, k=1.0: (3 * g * x * x,)))
        register(registry.OpDef("i15_cube_spec", 1, ("k",), spec=lambda x, k=1.0: (x.shape, x.dtype),
                                rule=lambda g, o, x, k=1.0: (3 * g * x * x,)))
        register(registry.OpDef("i15_cube_bare", 1, ("k",), differentiable=False))

    @hookimpl
    def tinykeras_register_kernels(self, register):
        for name in ("i15_cube", "i15_cube_spec", "i15_cube_bare"):
            register("numpy", name, self.kernel)


def _plugin_layer(op):
    class Cube(tk.layers.Layer):  # no compute_output_shape: traced, as Keras traces call
        def call(self, x):
            return tk.core.apply(op, (tk.ops.convert_to_tensor(x),), {"k": 2.0})[:, 1:] * 0.5
    return Cube()


@pytest.mark.usefixtures("clean_registry")
@pytest.mark.parametrize("op", ["i15_cube", "i15_cube_spec"])
def test_a_plugin_op_in_a_layer_without_output_shape(op):
    registry.register(CubePlugin(), name="i15-cube")
    CubePlugin.calls.clear()
    x = tk.Input((4,))
    model = tk.Model(x, _plugin_layer(op)(x))
    assert model.output_shape == (None, 3) and CubePlugin.calls == []  # nothing ran to find the shape
    data = RNG.normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(data, verbose=0), (data ** 3 + 2.0)[:, 1:] * 0.5, rtol=1e-6)
    assert CubePlugin.calls == [(2, 4)]


@pytest.mark.usefixtures("clean_registry")
def test_a_plugin_op_without_spec_or_composite_is_a_clear_error():
    registry.register(CubePlugin(), name="i15-cube")
    CubePlugin.calls.clear()
    with pytest.raises(TypeError, match="'i15_cube_bare' .plugin 'i15-cube'. has neither a spec nor a "
                                        "composite.*compute_output_shape"):
        _plugin_layer("i15_cube_bare")(tk.Input((4,)))
    with pytest.raises(TypeError, match="'i15_cube' .plugin 'i15-cube'. got a symbolic tensor .* outside a "
                                        "layer"):
        tk.core.apply("i15_cube", (tk.Input((4,)),), {"k": 1.0})
    assert CubePlugin.calls == []


# -- weights into a freshly built copy --------------------------------------------------
def two_builds(K, folder, suffix):
    """The blocker's repro: build twice in one process, save from the first, load into the second."""
    def build():
        return K.Sequential([K.Input((3,)), K.layers.Dense(4, activation="relu"),
                             K.layers.BatchNormalization(), K.layers.Dense(2)])
    first, second = build(), build()
    first.layers[1].moving_mean.assign(np.arange(4, dtype="float32"))  # not all defaults
    path = str(folder / f"{K.__name__}{suffix}")
    first.save_weights(path)
    second.load_weights(path)
    return first, second, path


@pytest.mark.parametrize("suffix", [".weights.h5", ".weights.safetensors"])
def test_a_fresh_copy_loads_saved_weights_like_keras(tmp_path, suffix):
    if suffix == ".weights.safetensors":
        first, second, _ = two_builds(_fresh(tk), tmp_path, suffix)
        assert [l.name for l in first.layers] != [l.name for l in second.layers]
        assert_close(second.get_weights(), first.get_weights())
        return
    ours, theirs = on_both(two_builds, tmp_path, suffix)
    assert_close(ours[1].get_weights(), ours[0].get_weights())
    if theirs is None:
        pytest.skip("keras 3 is not installed: only tinykeras ran")
    x = RNG.normal(size=(5, 3)).astype("float32")
    for loader, path, source in [(theirs[1], ours[2], ours[0]), (ours[1], theirs[2], theirs[0])]:
        loader.load_weights(path)                     # each library reads the other's file
        assert_close(loader.predict(x, verbose=0), source.predict(x, verbose=0))
    import h5py
    keys = []
    for path in (ours[2], theirs[2]):
        with h5py.File(path) as f:
            names = []
            f.visit(names.append)
            keys.append(sorted(n for n in names if "/vars/" in n))
    assert keys[0] == keys[1] and "layers/dense_1/vars/0" in keys[0]


# -- TextVectorization.adapt on what Keras takes ------------------------------------------
TEXTS = ["the cat sat", "the dog sat down", "a cat and a dog", "the end"]


def _vocabulary(data, **kwargs):
    layer = tk.layers.TextVectorization(**kwargs)
    layer.adapt(data)
    return layer.get_vocabulary()


def test_adapt_takes_lists_arrays_generators_and_datasets(tmp_path):
    expected = _vocabulary(TEXTS)
    assert expected[:4] == ["", "[UNK]", "the", "sat"]
    batches = [np.array(TEXTS[:2]), np.array(TEXTS[2:])]
    for data in [np.array(TEXTS), np.array(TEXTS)[:, None], tuple(TEXTS), (b for b in batches),
                 iter(batches), tk.utils.Dataset.from_arrays(np.array(TEXTS)).batch(3),
                 (np.array([[t]]) for t in TEXTS)]:
        assert _vocabulary(data) == expected
    layer = tk.layers.TextVectorization()
    layer.adapt(iter(batches + [np.array(["zebra"])] * 5), steps=2)  # steps batches, as Keras
    assert layer.get_vocabulary() == expected


def test_adapt_on_a_text_dataset_from_a_directory(tmp_path):
    """keras.io "Text classification from scratch": adapt on the texts of a labelled dataset."""
    for label, texts in (("neg", TEXTS[:2]), ("pos", TEXTS[2:])):
        (tmp_path / label).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(text)
    train = tk.utils.text_dataset_from_directory(str(tmp_path), batch_size=3, seed=1, verbose=False)
    layer = tk.layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    with pytest.raises(ValueError, match=r"yields tuples .*ds\.map\(lambda x, y: x\)"):
        layer.adapt(train)
    layer.adapt(train.map(lambda x, y: x))
    assert layer.get_vocabulary() == _vocabulary(TEXTS, max_tokens=20)
    vectorized = train.map(lambda x, y: (layer(x), y))
    ids, labels = next(iter(vectorized))
    assert ids.shape == (3, 5) and labels.shape == (3,)
    model = tk.Sequential([tk.Input((5,), dtype="int64"), tk.layers.Embedding(20, 4),
                           tk.layers.GlobalAveragePooling1D(), tk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(vectorized, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
