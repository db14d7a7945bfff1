"""Activations: hand-computed values, Keras's relu options and gelu default,
gradients through them, get/serialize, and real Keras on a grid."""
import math
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import activations as A

X = [-2.0, -0.5, 0.0, 1.0, 3.0]


def values(fn, x=X, **kwargs):
    return fn(tk.Tensor(np.asarray(x, np.float32)), **kwargs).numpy().astype(np.float64)


def sig(x):
    return 1 / (1 + np.exp(-np.asarray(x)))


@pytest.mark.parametrize("fn,expected", [
    (A.relu, [0, 0, 0, 1, 3]),
    (A.relu6, [0, 0, 0, 1, 3]),
    (A.leaky_relu, [-0.4, -0.1, 0, 1, 3]),
    (A.linear, X),
    (A.tanh, np.tanh(X)),
    (A.sigmoid, sig(X)),
    (A.exponential, np.exp(X)),
    (A.elu, [math.expm1(-2), math.expm1(-0.5), 0, 1, 3]),
    (A.selu, 1.0507009873554805 * np.where(np.array(X) > 0, X, 1.6732632423543772 * np.expm1(X))),
    (A.softplus, np.log1p(np.exp(X))),
    (A.softsign, np.array(X) / (1 + np.abs(X))),
    (A.silu, np.array(X) * sig(X)),
    (A.swish, np.array(X) * sig(X)),
    (A.hard_sigmoid, np.clip((np.array(X) + 3) / 6, 0, 1)),
    (A.hard_silu, np.array(X) * np.clip((np.array(X) + 3) / 6, 0, 1)),
    (A.mish, np.array(X) * np.tanh(np.log1p(np.exp(X)))),
    (A.gelu, [0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in X]),
    (A.log_sigmoid, np.log(sig(X))),
    (A.hard_tanh, np.clip(X, -1, 1)),
    (A.celu, np.where(np.array(X) > 0, X, np.expm1(X))),
])
def test_hand_computed(fn, expected):
    np.testing.assert_allclose(values(fn), expected, rtol=1e-5, atol=1e-6)


def test_relu_options_as_keras():
    np.testing.assert_allclose(values(A.relu, negative_slope=0.1), [-0.2, -0.05, 0, 1, 3], rtol=1e-6)
    np.testing.assert_allclose(values(A.relu, max_value=2.0), [0, 0, 0, 1, 2])
    np.testing.assert_allclose(values(A.relu, threshold=1.5), [0, 0, 0, 0, 3])
    # below threshold: negative_slope * (x - threshold); above: x, capped at max_value
    np.testing.assert_allclose(values(A.relu, negative_slope=0.5, threshold=1.0, max_value=2.5),
                               [-1.5, -0.75, -0.5, 0.0, 2.5], rtol=1e-6)


def test_gelu_default_is_exact_unlike_ops():
    exact = values(A.gelu, [1.0])[0]
    approx = values(A.gelu, [1.0], approximate=True)[0]
    assert exact == pytest.approx(0.8413447, rel=1e-6)
    assert approx == pytest.approx(0.8411920, rel=1e-6)
    assert values(tk.ops.gelu, [1.0])[0] == pytest.approx(approx)


def test_softmax_family():
    x = tk.Tensor(np.array([[1.0, 2.0], [3.0, 5.0]], np.float32))
    e = np.exp([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(A.softmax(x).numpy(), e / e.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(A.softmax(x, axis=0).numpy(), e / e.sum(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(A.log_softmax(x).numpy(), np.log(e / e.sum(1, keepdims=True)), rtol=1e-6)
    np.testing.assert_allclose(A.glu(x).numpy(), [[1 * sig(2.0)], [3 * sig(5.0)]], rtol=1e-6)


def test_gradients_flow():
    x = tk.Tensor(np.array([-1.0, 0.5, 2.0], np.float32), requires_grad=True)
    A.get("relu")(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 1, 1])
    x = tk.Tensor(np.array([0.0, 1.0], np.float32), requires_grad=True)
    A.silu(x).sum().backward()
    s = sig([0.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), s * (1 + np.array([0.0, 1.0]) * (1 - s)), rtol=1e-6)


def test_get_and_serialize():
    assert A.get(None) is A.linear and A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get({"class_name": "function", "config": "tanh"}) is A.tanh
    custom = lambda x: x * 2  # noqa: E731
    assert A.get(custom) is custom
    for name in ("relu", "sigmoid", "softmax", "gelu", "selu", "mish", "log_softmax", "hard_silu"):
        assert A.serialize(A.get(name)) == name and A.deserialize(name) is A.get(name)
    assert A.serialize(A.swish) == "silu"
    with pytest.raises(ValueError, match="Valid names:.*relu"):
        A.get("rellu")
    with pytest.raises(ValueError):
        A.serialize(custom)


@pytest.mark.keras
def test_matches_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras = pytest.importorskip("keras")
    x = np.stack([np.linspace(-4, 4, 41), np.linspace(-2, 2, 41)], 1).astype(np.float32)
    names = ["relu", "sigmoid", "softmax", "log_softmax", "tanh", "linear", "elu", "selu", "gelu",
             "softplus", "softsign", "silu", "swish", "exponential", "hard_sigmoid", "hard_silu",
             "leaky_relu", "relu6", "mish", "celu", "glu", "hard_tanh", "hard_shrink", "soft_shrink",
             "tanh_shrink", "squareplus", "sparse_plus", "sparse_sigmoid", "log_sigmoid"]
    for name in names:
        expected = keras.ops.convert_to_numpy(keras.activations.get(name)(keras.ops.convert_to_tensor(x)))
        np.testing.assert_allclose(A.get(name)(tk.Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6,
                                   err_msg=name)
    for kwargs in ({"negative_slope": 0.1}, {"max_value": 6.0}, {"max_value": 2.5}, {"threshold": 1.0},
                   {"negative_slope": 0.3, "max_value": 2.0, "threshold": 0.5}):
        expected = keras.ops.convert_to_numpy(keras.activations.relu(keras.ops.convert_to_tensor(x), **kwargs))
        np.testing.assert_allclose(A.relu(tk.Tensor(x), **kwargs).numpy(), expected, rtol=1e-6, atol=1e-7)
