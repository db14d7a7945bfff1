"""Metrics: hand-computed results over several batches, sample weights,
state handling, Keras 3's API for user metrics, compile-time resolution,
config, and real Keras."""
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import metrics

T = tk.Tensor


def result(m):
    return np.asarray(m.result(), dtype=np.float64)


def test_mean_sum_and_weights():
    m = metrics.Mean()
    m.update_state([1.0, 2.0, 3.0])
    m.update_state([4.0], sample_weight=[2.0])
    assert float(m.result()) == pytest.approx(14 / 5)
    m.reset_state()
    assert float(m.result()) == 0.0 and [v.numpy().item() for v in m.variables] == [0.0, 0.0]
    m.update_state([[1.0, 3.0], [5.0, 7.0]], sample_weight=[1.0, 0.0])  # rows averaged first
    assert float(m.result()) == pytest.approx(2.0)
    s = metrics.Sum()
    s.update_state([[1.0, 2.0]], sample_weight=[[1.0, 0.5]])
    assert float(s.result()) == pytest.approx(2.0)


@pytest.mark.parametrize("metric,batches,expected", [
    (metrics.Accuracy(), [([1, 2, 3], [1, 2, 0]), ([4], [4])], 3 / 4),
    (metrics.BinaryAccuracy(), [([[1], [0]], [[0.6], [0.4]]), ([[1], [1]], [[0.5], [0.9]])], 3 / 4),
    (metrics.BinaryAccuracy(threshold=0.8), [([[1], [0]], [[0.7], [0.1]])], 1 / 2),
    (metrics.CategoricalAccuracy(), [([[0, 1], [1, 0]], [[0.3, 0.7], [0.4, 0.6]])], 1 / 2),
    (metrics.SparseCategoricalAccuracy(), [([[1], [0], [2]], [[0.1, 0.8, 0.1], [0.6, 0.3, 0.1],
                                                              [0.5, 0.2, 0.3]])], 2 / 3),
    (metrics.TopKCategoricalAccuracy(k=2), [([[0, 0, 1], [0, 1, 0]], [[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])], 1 / 2),
    (metrics.SparseTopKCategoricalAccuracy(k=2), [([2, 1], [[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])], 1 / 2),
    (metrics.MeanSquaredError(), [([[0.0, 0.0]], [[1.0, 3.0]]), ([[1.0, 1.0]], [[1.0, 1.0]])], 2.5),
    (metrics.MeanAbsoluteError(), [([[0.0, 0.0]], [[1.0, 3.0]])], 2.0),
    (metrics.RootMeanSquaredError(), [([[0.0], [0.0]], [[3.0], [4.0]])], np.sqrt(12.5)),
    (metrics.MeanAbsolutePercentageError(), [([[2.0], [4.0]], [[1.0], [4.0]])], 25.0),
    (metrics.CosineSimilarity(), [([[1.0, 0.0]], [[1.0, 1.0]])], 1 / np.sqrt(2)),
    (metrics.BinaryCrossentropy(), [([[1.0], [0.0]], [[0.8], [0.4]])], -(np.log(0.8) + np.log(0.6)) / 2),
    (metrics.CategoricalCrossentropy(), [([[0, 1]], [[0.25, 0.75]])], -np.log(0.75)),
    (metrics.SparseCategoricalCrossentropy(from_logits=True), [([0], [[0.0, 0.0]])], np.log(2.0)),
    (metrics.KLDivergence(), [([[0.5, 0.5]], [[0.5, 0.5]])], 0.0),
    (metrics.Poisson(), [([[1.0]], [[2.0]])], 2 - np.log(2)),
    (metrics.Hinge(), [([[1.0]], [[0.25]])], 0.75),
    (metrics.TruePositives(), [([0, 1, 1, 1], [0.9, 0.8, 0.3, 0.6])], 2.0),
    (metrics.FalsePositives(), [([0, 1, 1, 1], [0.9, 0.8, 0.3, 0.6])], 1.0),
    (metrics.TrueNegatives(), [([0, 0, 1], [0.1, 0.2, 0.9])], 2.0),
    (metrics.FalseNegatives(), [([0, 1, 1, 1], [0.9, 0.8, 0.3, 0.6])], 1.0),
    (metrics.Precision(), [([0, 1, 1, 1], [1, 0, 1, 1])], 2 / 3),
    (metrics.Recall(), [([0, 1, 1, 1], [1, 0, 1, 1]), ([1], [0])], 2 / 4),
    (metrics.AUC(), [([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])], 0.75),
])
def test_hand_computed(metric, batches, expected):
    for y_true, y_pred in batches:
        metric.update_state(T(np.asarray(y_true, np.float32)), T(np.asarray(y_pred, np.float32)))
    assert result(metric) == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_confusion_metric_options():
    tp = metrics.TruePositives(thresholds=[0.25, 0.5, 0.75])
    tp.update_state([1, 1, 1, 0], [0.3, 0.6, 0.9, 0.8])
    np.testing.assert_allclose(result(tp), [3, 2, 1])
    p = metrics.Precision(top_k=1)
    p.update_state([[0, 1, 1], [1, 0, 0]], [[0.2, 0.7, 0.1], [0.1, 0.8, 0.1]])
    assert result(p) == pytest.approx(0.5)
    r = metrics.Recall(class_id=2)
    r.update_state([[0, 0, 1], [0, 0, 1]], [[0.1, 0.2, 0.7], [0.6, 0.2, 0.2]])
    assert result(r) == pytest.approx(0.5)
    w = metrics.Precision()
    w.update_state([1, 0], [0.9, 0.9], sample_weight=[3.0, 1.0])
    assert result(w) == pytest.approx(0.75)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[1.5])


def test_auc_curves_and_summation():
    y_true, y_pred = [0, 0, 1, 1, 1, 0], [0.1, 0.4, 0.35, 0.8, 0.9, 0.7]
    exact = metrics.AUC(num_thresholds=1000)
    exact.update_state(y_true, y_pred)
    # exact ROC AUC: fraction of (pos, neg) pairs ranked correctly = 7/9
    assert result(exact) == pytest.approx(7 / 9, abs=1e-3)
    # 5 thresholds (-eps, .25, .5, .75, 1+eps): FPR = 1, 2/3, 1/3, 0, 0 and
    # TPR = 1, 1, 2/3, 2/3, 0, so the rectangles of width 1/3 have heights
    # min (1, 2/3, 2/3), max (1, 1, 2/3) or the trapezoid means (1, 5/6, 2/3)
    for method, expected in [("minoring", 7 / 9), ("majoring", 8 / 9), ("interpolation", 5 / 6)]:
        m = metrics.AUC(num_thresholds=5, summation_method=method)
        m.update_state(y_true, y_pred)
        assert result(m) == pytest.approx(expected, rel=1e-6)
    pr = metrics.AUC(curve="PR")
    pr.update_state([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1])
    assert result(pr) == pytest.approx(1.0, abs=1e-3)
    ml = metrics.AUC(multi_label=True)
    ml.update_state([[1, 0], [0, 1], [1, 1], [0, 0]], [[0.9, 0.2], [0.1, 0.8], [0.8, 0.3], [0.2, 0.4]])
    assert result(ml) == pytest.approx((1.0 + 0.75) / 2, abs=1e-3)
    assert [v.shape for v in ml.variables] == [(200, 2)] * 4


def test_user_written_metric_with_keras_api():
    class BatchCount(metrics.Metric):
        def __init__(self, name="batch_count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.batches = self.add_variable(shape=(), initializer="zeros", name="batches")
            self.inner = metrics.Mean()

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.batches.assign_add(1.0)
            self.inner.update_state(tk.ops.abs(y_true - y_pred))

        def result(self):
            return self.batches * 10 + self.inner.result()

    m = BatchCount()
    m.update_state(T([[1.0]]), T([[3.0]]))
    m.update_state(T([[0.0]]), T([[0.0]]))
    assert float(m.result()) == pytest.approx(21.0)
    assert [v.path for v in m.variables] == ["batch_count/batches", "mean/total", "mean/count"] or \
        len(m.variables) == 3
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.get_config() == {"name": "batch_count", "dtype": "float32"}


def test_resolve_accuracy_and_crossentropy():
    cases = [((8, 1), (8, 1), "BinaryAccuracy", "BinaryCrossentropy"),
             ((8,), (8, 5), "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy"),
             ((8, 1), (8, 5), "SparseCategoricalAccuracy", "SparseCategoricalCrossentropy"),
             ((8, 5), (8, 5), "CategoricalAccuracy", "CategoricalCrossentropy")]
    for yt, yp, acc, ce in cases:
        for name in ("accuracy", "acc", "ACC"):
            m = metrics.resolve(name, np.zeros(yt), T(np.zeros(yp, np.float32)))
            assert type(m).__name__ == acc and m.name == name
        for name in ("crossentropy", "ce"):
            m = metrics.resolve(name, np.zeros(yt), np.zeros(yp))
            assert type(m).__name__ == ce and m.name == name
    m = metrics.resolve("mse", np.zeros((2, 1)), np.zeros((2, 1)))
    assert isinstance(m, metrics.MeanSquaredError) and m.name == "mse"
    m = metrics.resolve(tk.losses.mean_absolute_error, None, None)
    assert isinstance(m, metrics.MeanMetricWrapper) and m.name == "mean_absolute_error"
    m.update_state([[1.0]], [[3.0]])
    assert float(m.result()) == 2.0
    obj = metrics.AUC(name="my_auc")
    assert metrics.resolve(obj, None, None) is obj and obj.name == "my_auc"


def test_get_and_config_round_trip():
    for name, cls in [("mse", metrics.MeanSquaredError), ("MAE", metrics.MeanAbsoluteError),
                      ("AUC", metrics.AUC), ("auc", metrics.AUC), ("binary_accuracy", metrics.BinaryAccuracy),
                      ("SparseTopKCategoricalAccuracy", metrics.SparseTopKCategoricalAccuracy)]:
        assert isinstance(metrics.get(name), cls)
    with pytest.raises(ValueError, match="Valid names:.*binary_accuracy"):
        metrics.get("binary_acuracy")
    for m in (metrics.BinaryAccuracy(threshold=0.3), metrics.AUC(curve="PR", num_thresholds=50),
              metrics.Precision(thresholds=[0.2, 0.6], top_k=2), metrics.TopKCategoricalAccuracy(k=3),
              metrics.MeanMetricWrapper(tk.losses.hinge, name="h"),
              metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)):
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == m.get_config()
    assert metrics.BinaryAccuracy().get_config() == {"name": "binary_accuracy", "dtype": "float32",
                                                     "threshold": 0.5}


def test_direction_hints_for_callbacks():
    assert metrics.BinaryAccuracy()._direction == "up" and metrics.AUC()._direction == "up"
    assert metrics.MeanSquaredError()._direction == "down"
    assert metrics.MeanMetricWrapper(tk.losses.mean_squared_error)._direction == "down"


# -- real Keras 3 (torch backend), when installed -------------------------------
RNG = np.random.default_rng(2)
N, C = 40, 5
PROBS = RNG.dirichlet(np.ones(C), N).astype(np.float32)
ONEHOT = np.eye(C, dtype=np.float32)[RNG.integers(0, C, N)]
LABELS = RNG.integers(0, C, N)
BIN_T = RNG.integers(0, 2, (N, 1)).astype(np.float32)
BIN_P = RNG.uniform(0, 1, (N, 1)).astype(np.float32)
BIN_P[:3] = [[0.0], [1.0], [0.5]]
ML_T = RNG.integers(0, 2, (N, 3)).astype(np.float32)
ML_P = RNG.uniform(0, 1, (N, 3)).astype(np.float32)
REG_T, REG_P = RNG.standard_normal((2, N, 3)).astype(np.float32)
KERAS_CASES = [
    ("Accuracy", {}, LABELS, RNG.integers(0, C, N)), ("BinaryAccuracy", {"threshold": 0.3}, BIN_T, BIN_P),
    ("CategoricalAccuracy", {}, ONEHOT, PROBS), ("SparseCategoricalAccuracy", {}, LABELS[:, None], PROBS),
    ("TopKCategoricalAccuracy", {"k": 2}, ONEHOT, PROBS),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, LABELS, PROBS),
    ("BinaryCrossentropy", {}, BIN_T, BIN_P.clip(0.01, 0.99)),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, ONEHOT, PROBS),
    ("SparseCategoricalCrossentropy", {}, LABELS, PROBS), ("KLDivergence", {}, ONEHOT, PROBS),
    ("Poisson", {}, np.abs(REG_T), np.abs(REG_P)), ("SquaredHinge", {}, BIN_T, BIN_P),
    ("CategoricalHinge", {}, ONEHOT, PROBS), ("MeanSquaredError", {}, REG_T, REG_P),
    ("RootMeanSquaredError", {}, REG_T, REG_P), ("MeanAbsolutePercentageError", {}, REG_T, REG_P),
    ("MeanSquaredLogarithmicError", {}, np.abs(REG_T), np.abs(REG_P)),
    ("CosineSimilarity", {}, REG_T, REG_P), ("LogCoshError", {}, REG_T, REG_P),
    ("Precision", {}, BIN_T, BIN_P), ("Recall", {"thresholds": [0.0, 0.5, 1.0]}, BIN_T, BIN_P),
    ("Precision", {"top_k": 2}, ONEHOT, PROBS), ("Recall", {"class_id": 2}, ONEHOT, PROBS),
    ("Precision", {"top_k": 2, "class_id": 1}, ONEHOT, PROBS),
    ("FalsePositives", {"thresholds": [0.3, 0.6]}, BIN_T, BIN_P), ("TrueNegatives", {}, BIN_T, BIN_P),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, BIN_T, BIN_P),
    ("AUC", {}, BIN_T, BIN_P), ("AUC", {"curve": "PR"}, BIN_T, BIN_P),
    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}, BIN_T, BIN_P),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, BIN_T, BIN_P),
    ("AUC", {"curve": "PRGAIN"}, BIN_T, BIN_P), ("AUC", {"thresholds": [0.1, 0.4, 0.8]}, BIN_T, BIN_P),
    ("AUC", {"multi_label": True}, ML_T, ML_P),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 0.5], "curve": "PR"}, ML_T, ML_P),
    ("AUC", {"label_weights": [0.2, 1.0, 0.5]}, ML_T, ML_P),
    ("AUC", {"from_logits": True}, BIN_T, BIN_P * 4 - 2),
    ("AUC", {"multi_label": True, "thresholds": [0.3, 0.6]}, ML_T, ML_P),
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
    for w in (None, weights):
        km, tm = getattr(keras.metrics, name)(**kwargs), getattr(metrics, name)(**kwargs)
        for part in (slice(0, 25), slice(25, N)):
            sw = None if w is None else w[part]
            km.update_state(y_true[part], y_pred[part], sample_weight=sw)
            tm.update_state(T(y_true[part]), T(y_pred[part]), sample_weight=sw)
        expected = keras.ops.convert_to_numpy(km.result())
        got = np.asarray(tm.result())
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        assert len(km.variables) == len(tm.variables)
