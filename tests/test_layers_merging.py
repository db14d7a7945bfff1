"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot) and their functional forms."""
import doctest
import importlib
import os

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.testing import run_layer_test

L = tk.layers
RNG = np.random.default_rng(0)


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


@pytest.mark.parametrize("module", ["base_merge", "elementwise", "concatenate", "dot"])
def test_docstring_examples(module):
    mod = importlib.import_module(f"tinykeras.layers.merging.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0 and result.attempted > 0


# -- standard checks ------------------------------------------------------------------

@pytest.mark.parametrize("cls, kwargs, shapes, expected", [
    (L.Add, {}, [(2, 3), (2, 3), (2, 3)], (2, 3)),
    (L.Add, {}, [(2, 4, 3), (2, 3)], (2, 4, 3)),          # lower rank: axis inserted after batch
    (L.Subtract, {}, [(2, 3), (2, 3)], (2, 3)),
    (L.Multiply, {}, [(2, 3), (2, 1), (2, 3)], (2, 3)),
    (L.Average, {}, [(2, 3, 2), (2, 3, 2)], (2, 3, 2)),
    (L.Maximum, {}, [(2, 3), (2, 3), (2, 3)], (2, 3)),
    (L.Minimum, {}, [(2, 3), (2, 3)], (2, 3)),
    (L.Concatenate, {}, [(2, 3), (2, 2)], (2, 5)),
    (L.Concatenate, {"axis": 1}, [(2, 1, 3), (2, 2, 3)], (2, 3, 3)),
    (L.Dot, {"axes": 1}, [(2, 3), (2, 3)], (2, 1)),
    (L.Dot, {"axes": (1, 2)}, [(2, 3, 4), (2, 2, 3)], (2, 4, 2)),
    (L.Dot, {"axes": -1, "normalize": True}, [(2, 2, 3), (2, 4, 3)], (2, 2, 4)),
    (L.Dot, {"axes": [1, 2]}, [(2, 4), (2, 3, 4)], (2, 3)),
])
def test_run_layer_test(cls, kwargs, shapes, expected):
    run_layer_test(cls, kwargs, input_shape=shapes, expected_output_shape=expected,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


# -- values ---------------------------------------------------------------------------

def test_elementwise_values():
    a, b, c = rand(2, 3), rand(2, 3), rand(2, 3)
    cases = [(L.Add, a + b + c), (L.Multiply, a * b * c), (L.Average, (a + b + c) / 3),
             (L.Maximum, np.maximum(np.maximum(a, b), c)), (L.Minimum, np.minimum(np.minimum(a, b), c))]
    for cls, expected in cases:
        np.testing.assert_allclose(cls()([a, b, c]).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(L.Subtract()([a, b]).numpy(), a - b)


def test_functional_forms():
    a, b = rand(2, 3), rand(2, 3)
    for fn, expected in ((L.add, a + b), (L.subtract, a - b), (L.multiply, a * b),
                         (L.average, (a + b) / 2), (L.maximum, np.maximum(a, b)),
                         (L.minimum, np.minimum(a, b))):
        np.testing.assert_allclose(fn([a, b]).numpy(), expected, rtol=1e-6)
    assert L.concatenate([a, b]).shape == (2, 6)
    assert L.concatenate([a, b], axis=0).shape == (4, 3)
    assert L.concatenate([a, b], 0, name="cat").shape == (4, 3)
    np.testing.assert_allclose(L.dot([a, b], axes=1).numpy(), (a * b).sum(1, keepdims=True), rtol=1e-5)
    cos = L.dot([a, b], axes=1, normalize=True).numpy()
    expected = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(cos[:, 0], expected, rtol=1e-5)
    assert L.dot([a, b]).shape == (2, 1)                       # axes defaults to -1
    x, y = tk.Input((4,), name="x"), tk.Input((4,), name="y")
    model = tk.Model([x, y], L.add([x, y], name="plus"))
    assert model.get_layer("plus").__class__ is L.Add


def test_dot_matches_einsum():
    x, y = rand(2, 5, 3, 4), rand(2, 4, 6)
    out = L.Dot(axes=(3, 1))([x, y]).numpy()
    np.testing.assert_allclose(out, np.einsum("bijk,bkl->bijl", x, y), rtol=1e-5, atol=1e-5)
    out = L.Dot(axes=(1, 2))([rand(2, 3), rand(2, 5, 3)])
    assert out.shape == (2, 5)


# -- errors ---------------------------------------------------------------------------

def test_errors_name_the_layer_and_shapes():
    a = tk.ops.ones((2, 3))
    with pytest.raises(ValueError, match="'adder'.*list of inputs"):
        L.Add(name="adder")(a)
    with pytest.raises(ValueError, match=r"'adder2'.*incompatible shapes.*\(2, 3\), \(2, 4\)"):
        L.Add(name="adder2")([a, tk.ops.ones((2, 4))])
    with pytest.raises(ValueError, match=r"'adder3'.*batch sizes"):
        L.Add(name="adder3")([a, tk.ops.ones((5, 3))])
    with pytest.raises(ValueError, match="'sub'.*exactly 2 inputs"):
        L.Subtract(name="sub")([a, a, a])
    with pytest.raises(ValueError, match=r"'cat'.*matching shapes.*\(2, 3, 1\), \(2, 4, 2\)"):
        L.Concatenate(axis=1, name="cat")([tk.ops.ones((2, 3, 1)), tk.ops.ones((2, 4, 2))])
    with pytest.raises(ValueError, match="'cat2'.*same rank"):
        L.Concatenate(name="cat2")([a, tk.ops.ones((2, 3, 1))])
    with pytest.raises(ValueError, match=r"'dot'.*axis values 3 \(at axis 1\) != 4"):
        L.Dot(axes=1, name="dot")([a, tk.ops.ones((2, 4))])
    with pytest.raises(ValueError, match="batch axis 0"):
        L.Dot(axes=0)([a, a])
    with pytest.raises(TypeError, match="axes"):
        L.Dot(axes="last")
    with pytest.raises(ValueError, match="two integers"):
        L.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="'sym'.*incompatible"):       # symbolic too
        L.Add(name="sym")([tk.Input((3,)), tk.Input((4,))])


def test_symbolic_shapes():
    a, b = tk.Input((3,)), tk.Input((None,))
    assert L.Add()([a, tk.Input((1,))]).shape == (None, 3)
    assert L.Concatenate()([a, b]).shape == (None, None)
    assert L.Concatenate(axis=1)([tk.Input((2, 5)), tk.Input((None, 5))]).shape == (None, None, 5)
    assert L.Dot(axes=(1, 2))([tk.Input((3,)), tk.Input((5, 3))]).shape == (None, 5)


# -- masks ----------------------------------------------------------------------------

def _masked(values, mask):
    t = tk.ops.convert_to_tensor(np.asarray(values, dtype="float32"))
    t._keras_mask = tk.ops.convert_to_tensor(np.asarray(mask))
    return t


def test_masks_are_combined():
    a = _masked([[[1.0], [2.0]]], [[True, False]])
    b = _masked([[[5.0], [7.0]]], [[False, False]])
    assert L.Add()([a, b])._keras_mask.numpy().tolist() == [[True, False]]
    assert getattr(L.Add()([a, tk.ops.ones((1, 2, 1))]), "_keras_mask", None) is None
    # Maximum/Minimum: a masked-out entry never wins
    assert L.Maximum()([a, _masked([[[0.0], [9.0]]], [[True, True]])]).numpy().tolist() == \
        [[[1.0], [9.0]]]
    assert L.Minimum()([a, _masked([[[3.0], [0.0]]], [[False, True]])]).numpy().tolist() == \
        [[[1.0], [0.0]]]
    # Multiply: masked entries count as 1, and 0 where every input is masked
    assert L.Multiply()([a, b]).numpy().tolist() == [[[1.0], [0.0]]]
    concat = L.Concatenate(axis=1)([a, tk.ops.ones((1, 1, 1))])
    assert concat._keras_mask.numpy().tolist() == [[True, False, True]]
    assert getattr(L.Dot(axes=-1)([a, b]), "_keras_mask", None) is None


def test_masks_flow_from_embedding_in_a_model():
    ids = tk.Input((3,), dtype="int32")
    emb = L.Embedding(5, 2, mask_zero=True)(ids)
    out = L.Add()([emb, emb])
    model = tk.Model(ids, out)
    result = model(np.array([[1, 0, 2]], dtype="int32"))
    assert result._keras_mask.numpy().tolist() == [[True, False, True]]


# -- comparisons with Keras 3 ----------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.keras
@pytest.mark.parametrize("name, kwargs, shapes", [
    ("Add", {}, [(2, 3), (2, 3), (2, 3)]),
    ("Add", {}, [(2, 4, 3), (2, 3)]),
    ("Subtract", {}, [(2, 3), (2, 3)]),
    ("Multiply", {}, [(2, 3), (2, 3)]),
    ("Average", {}, [(2, 3, 2), (2, 3, 2), (2, 3, 2)]),
    ("Maximum", {}, [(2, 3), (2, 3)]),
    ("Minimum", {}, [(2, 3), (2, 3)]),
    ("Concatenate", {}, [(2, 3), (2, 2)]),
    ("Concatenate", {"axis": 1}, [(2, 1, 3), (2, 2, 3)]),
    ("Dot", {"axes": 1}, [(2, 3), (2, 3)]),
    ("Dot", {"axes": (1, 2)}, [(2, 3, 4), (2, 2, 3)]),
    ("Dot", {"axes": (2, 1)}, [(2, 3, 4, 5), (2, 4, 2)]),
    ("Dot", {"axes": -1, "normalize": True}, [(2, 2, 3), (2, 4, 3)]),
    ("Dot", {"axes": (1, 2)}, [(2, 4), (2, 3, 4)]),
])
def test_matches_keras(keras, name, kwargs, shapes):
    inputs = [rand(*s) for s in shapes]
    k_layer, t_layer = getattr(keras.layers, name)(**kwargs), getattr(tk.layers, name)(**kwargs)
    k_out = keras.ops.convert_to_numpy(k_layer([keras.ops.convert_to_tensor(x) for x in inputs]))
    np.testing.assert_allclose(t_layer(inputs).numpy(), k_out, rtol=1e-5, atol=1e-5)
    k_sym = k_layer.compute_output_shape([(None,) + s[1:] for s in shapes])
    assert tuple(t_layer.compute_output_shape([(None,) + s[1:] for s in shapes])) == tuple(k_sym)
    assert set(k_layer.get_config()) <= set(t_layer.get_config())
