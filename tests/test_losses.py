"""Losses: hand-computed values, Keras's reductions and sample weights,
gradients, the fused sparse path, get/resolve/config, and real Keras."""
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import losses
from tinykeras.core import registry

T = tk.Tensor


def val(x):
    return np.asarray(x, dtype=np.float64)


@pytest.mark.parametrize("loss,y_true,y_pred,expected", [
    (losses.MeanSquaredError(), [[0.0, 1.0], [2.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], (0.5 + 2.0) / 2),
    (losses.MeanAbsoluteError(), [[0.0, 1.0], [2.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]], (0.5 + 1.0) / 2),
    (losses.MeanAbsolutePercentageError(), [[2.0, 4.0]], [[1.0, 4.0]], 25.0),
    (losses.MeanSquaredLogarithmicError(), [[np.e - 1]], [[0.0]], 1.0),
    (losses.Huber(delta=1.0), [[0.0, 0.0]], [[0.5, 3.0]], (0.125 + 2.5) / 2),
    (losses.LogCosh(), [[0.0]], [[1.0]], np.log(np.cosh(1.0))),
    (losses.BinaryCrossentropy(), [[1.0], [0.0]], [[0.8], [0.4]], -(np.log(0.8) + np.log(0.6)) / 2),
    (losses.BinaryCrossentropy(from_logits=True), [[1.0]], [[2.0]], np.log1p(np.exp(-2.0))),
    (losses.BinaryCrossentropy(label_smoothing=0.2), [[1.0]], [[0.8]],
     -(0.9 * np.log(0.8) + 0.1 * np.log(0.2))),
    (losses.CategoricalCrossentropy(), [[0, 1, 0]], [[0.2, 0.7, 0.1]], -np.log(0.7)),
    (losses.CategoricalCrossentropy(), [[0, 1, 0]], [[0.4, 1.4, 0.2]], -np.log(0.7)),  # renormalised
    (losses.CategoricalCrossentropy(from_logits=True), [[1, 0]], [[0.0, 0.0]], np.log(2.0)),
    (losses.CategoricalCrossentropy(label_smoothing=0.3), [[0, 1]], [[0.25, 0.75]],
     -(0.15 * np.log(0.25) + 0.85 * np.log(0.75))),
    (losses.SparseCategoricalCrossentropy(), [1], [[0.2, 0.7, 0.1]], -np.log(0.7)),
    (losses.SparseCategoricalCrossentropy(from_logits=True), [[2]], [[1.0, 2.0, 3.0]],
     np.log(np.exp([1, 2, 3]).sum()) - 3.0),
    (losses.KLDivergence(), [[0.5, 0.5]], [[0.25, 0.75]], 0.5 * np.log(2) + 0.5 * np.log(2 / 3)),
    (losses.Poisson(), [[1.0, 2.0]], [[2.0, 2.0]], ((2 - np.log(2)) + (2 - 2 * np.log(2))) / 2),
    (losses.Hinge(), [[1.0, 0.0]], [[0.25, -0.5]], (0.75 + 0.5) / 2),
    (losses.SquaredHinge(), [[-1.0, 1.0]], [[0.5, 0.5]], (2.25 + 0.25) / 2),
    (losses.CategoricalHinge(), [[0.0, 1.0]], [[0.5, 0.25]], 1.25),
    (losses.CosineSimilarity(), [[1.0, 0.0]], [[1.0, 1.0]], -1 / np.sqrt(2)),
    (losses.BinaryFocalCrossentropy(gamma=2.0), [[1.0]], [[0.75]], 0.25 ** 2 * -np.log(0.75)),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.3), [[0.0]], [[0.25]],
     0.7 * 0.25 ** 2 * -np.log(0.75)),
    (losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0), [[0.0, 1.0]], [[0.25, 0.75]],
     0.5 * 0.25 * -np.log(0.75)),
])
def test_hand_computed(loss, y_true, y_pred, expected):
    out = loss(y_true, y_pred)
    assert out.shape == () and out.dtype == "float32"
    assert float(out) == pytest.approx(expected, rel=1e-5)


def test_reductions_and_sample_weight():
    y_true, y_pred = [[0.0], [0.0], [0.0]], [[1.0], [2.0], [3.0]]
    per_sample = [1.0, 4.0, 9.0]
    w = [1.0, 0.5, 0.0]
    mse = losses.MeanSquaredError
    assert float(mse()(y_true, y_pred)) == pytest.approx(14 / 3)
    assert float(mse(reduction="sum")(y_true, y_pred)) == pytest.approx(14.0)
    np.testing.assert_allclose(mse(reduction="none")(y_true, y_pred).numpy(), per_sample)
    np.testing.assert_allclose(mse(reduction=None)(y_true, y_pred, w).numpy(), [1.0, 2.0, 0.0])
    # sum_over_batch_size divides by the number of entries, not the weight total
    assert float(mse()(y_true, y_pred, sample_weight=w)) == pytest.approx(3.0 / 3)
    assert float(mse(reduction="mean_with_sample_weight")(y_true, y_pred, w)) == pytest.approx(3.0 / 1.5)
    assert float(mse(reduction="sum")(y_true, y_pred, sample_weight=2.0)) == pytest.approx(28.0)
    # a (N, 1) weight against (N,) values is squeezed, as Keras does
    assert float(mse(reduction="sum")(y_true, y_pred, np.array(w)[:, None])) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="reduction"):
        mse(reduction="average")


def test_per_timestep_weights_and_mask():
    y_true = np.zeros((2, 3, 1), np.float32)
    y_pred = np.arange(6, dtype=np.float32).reshape(2, 3, 1)
    w = np.array([[1, 1, 0], [1, 0, 0]], np.float32)
    out = losses.MeanSquaredError(reduction="sum")(y_true, y_pred, sample_weight=w)
    assert float(out) == pytest.approx(0 + 1 + 9)
    logits = np.zeros((4, 3), np.float32)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    # entries labelled -1 are masked out of the mean: 2 valid of 4
    assert float(loss([0, -1, 2, -1], logits)) == pytest.approx(np.log(3.0), rel=1e-6)


def test_gradients_flow_to_predictions():
    logits = T(np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]], np.float32), requires_grad=True)
    labels = np.array([1, 2])
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    loss.backward()
    x = logits.numpy()
    soft = np.exp(x) / np.exp(x).sum(-1, keepdims=True)
    np.testing.assert_allclose(logits.grad.numpy(), (soft - np.eye(3)[labels]) / 2, rtol=1e-5)
    pred = T(np.array([[0.5], [2.0]], np.float32), requires_grad=True)
    losses.MeanSquaredError()([[0.0], [1.0]], pred).backward()
    np.testing.assert_allclose(pred.grad.numpy(), [[0.5], [1.0]], rtol=1e-6)


def test_sparse_from_logits_uses_the_fused_kernel(monkeypatch):
    calls = []
    kernel = registry.ACTIVE["sparse_softmax_crossentropy"]

    def spy(*args, **kwargs):
        calls.append(1)
        return kernel(*args, **kwargs)
    monkeypatch.setitem(registry.ACTIVE, "sparse_softmax_crossentropy", spy)
    logits = T(np.zeros((3, 4), np.float32), requires_grad=True)
    out = losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([0, 1, 2]), logits)
    assert calls and float(out) == pytest.approx(np.log(4.0))


def test_functions_and_aliases():
    y_true, y_pred = [[1.0, 0.0]], [[0.5, 0.5]]
    for name in ("mse", "MSE", "mean_squared_error"):
        assert losses.get(name) is losses.mean_squared_error
    for name, fn in [("mae", losses.mean_absolute_error), ("mape", losses.mean_absolute_percentage_error),
                     ("msle", losses.mean_squared_logarithmic_error), ("bce", losses.binary_crossentropy),
                     ("kld", losses.kl_divergence), ("KLD", losses.kl_divergence)]:
        assert losses.get(name) is fn
    np.testing.assert_allclose(losses.mean_squared_error(y_true, y_pred).numpy(), [0.25])
    assert isinstance(losses.get("Huber"), losses.Huber)
    assert isinstance(losses.get({"class_name": "Huber", "config": {"delta": 3.0}}), losses.Huber)
    custom = lambda t, p: tk.ops.abs(t - p)  # noqa: E731
    assert losses.get(custom) is custom and losses.get(None) is None
    with pytest.raises(ValueError, match="Valid names:.*mean_squared_error"):
        losses.get("mean_sqared_error")


def test_resolve_crossentropy_by_shapes():
    cases = [((8, 1), (8, 1), "binary_crossentropy"), ((8,), (8, 5), "sparse_categorical_crossentropy"),
             ((8, 1), (8, 5), "sparse_categorical_crossentropy"),
             ((8, 5), (8, 5), "categorical_crossentropy")]
    for yt, yp, fn in cases:
        loss = losses.resolve("crossentropy", np.zeros(yt), np.zeros(yp))
        assert loss.fn.__name__ == fn and loss.name == "crossentropy"
    loss = losses.resolve("mse", np.zeros((2, 1)), np.zeros((2, 1)))
    assert isinstance(loss, losses.LossFunctionWrapper) and loss.name == "mse"
    obj = losses.Huber()
    assert losses.resolve(obj, None, None) is obj


def test_config_round_trip():
    for loss in (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                 losses.Huber(delta=2.5, reduction="sum"),
                 losses.SparseCategoricalCrossentropy(ignore_class=0, name="scce"),
                 losses.LossFunctionWrapper(losses.hinge, name="h")):
        again = losses.deserialize(losses.serialize(loss))
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert losses.MeanSquaredError().get_config() == {"name": "mean_squared_error",
                                                      "reduction": "sum_over_batch_size"}
    assert losses.serialize(losses.mse)["config"] == "mean_squared_error"


def test_subclassed_loss():
    class Cube(losses.Loss):
        def call(self, y_true, y_pred):
            return tk.ops.mean((y_pred - y_true) ** 3, axis=-1)
    assert float(Cube()([[0.0], [0.0]], [[1.0], [2.0]])) == pytest.approx(4.5)
    assert Cube().name.startswith("cube")


# -- real Keras 3 (torch backend), when installed -------------------------------
RNG = np.random.default_rng(1)
N, C = 6, 4
PROBS = RNG.dirichlet(np.ones(C), N).astype(np.float32)
ONEHOT = np.eye(C, dtype=np.float32)[RNG.integers(0, C, N)]
LABELS = RNG.integers(0, C, N)
LOGITS = RNG.standard_normal((N, C)).astype(np.float32)
BIN_T = RNG.integers(0, 2, (N, 1)).astype(np.float32)
BIN_P = RNG.uniform(0.01, 0.99, (N, 1)).astype(np.float32)
REG_T, REG_P = RNG.standard_normal((2, N, 3)).astype(np.float32)
POS_T, POS_P = RNG.uniform(0.1, 3, (2, N, 3)).astype(np.float32)
KERAS_CASES = [
    ("MeanSquaredError", {}, REG_T, REG_P), ("MeanAbsoluteError", {}, REG_T, REG_P),
    ("MeanAbsolutePercentageError", {}, REG_T, REG_P), ("MeanSquaredLogarithmicError", {}, POS_T, POS_P),
    ("Huber", {"delta": 0.7}, REG_T, REG_P), ("LogCosh", {}, REG_T, REG_P),
    ("BinaryCrossentropy", {}, BIN_T, BIN_P), ("BinaryCrossentropy", {}, BIN_T[:, 0], BIN_P),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, BIN_T, LOGITS[:, :1]),
    ("CategoricalCrossentropy", {}, ONEHOT, PROBS),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, ONEHOT, LOGITS),
    ("SparseCategoricalCrossentropy", {}, LABELS, PROBS),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, LABELS[:, None], LOGITS),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, LABELS, LOGITS),
    ("KLDivergence", {}, ONEHOT, PROBS), ("Poisson", {}, POS_T, POS_P),
    ("Hinge", {}, BIN_T, LOGITS[:, :1]), ("SquaredHinge", {}, BIN_T * 2 - 1, LOGITS[:, :1]),
    ("CategoricalHinge", {}, ONEHOT, LOGITS), ("CosineSimilarity", {}, REG_T, REG_P),
    ("BinaryFocalCrossentropy", {}, BIN_T, BIN_P),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "from_logits": True, "gamma": 1.5},
     BIN_T, LOGITS[:, :1]),
    ("CategoricalFocalCrossentropy", {}, ONEHOT, PROBS),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, ONEHOT, LOGITS),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,y_true,y_pred", KERAS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)])
def test_matches_keras(name, kwargs, y_true, y_pred):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras = pytest.importorskip("keras")
    weights = RNG.uniform(0, 2, N).astype(np.float32)
    for reduction in ("sum_over_batch_size", "sum", "none", "mean_with_sample_weight"):
        for w in (None, weights):
            expected = getattr(keras.losses, name)(reduction=reduction, **kwargs)(y_true, y_pred, w)
            got = getattr(losses, name)(reduction=reduction, **kwargs)(y_true, y_pred, w)
            expected = keras.ops.convert_to_numpy(expected)
            assert got.shape == expected.shape
            np.testing.assert_allclose(got.numpy(), expected, rtol=2e-5, atol=1e-6)
