"""F-scores, R2, IoU, correlation and the at-rate metrics: hand values,
config round trips, use in compile/fit, and real Keras over several
weighted batches."""
import re
import warnings

import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras import metrics

RNG = np.random.default_rng(11)
N, C = 12, 3
MULTI_T = RNG.integers(0, 2, (N, C)).astype(np.float32)
SCORES = RNG.random((N, C)).astype(np.float32)
REG_T, REG_P = RNG.normal(size=(2, N, C)).astype(np.float32)
IDS_T, IDS_P = RNG.integers(0, C, (2, N))
BIN_T = RNG.integers(0, 2, N).astype(np.float32)
BIN_P = RNG.random(N).astype(np.float32)
WEIGHTS = RNG.uniform(0.2, 2.0, N).astype(np.float32)


def test_hand_values():
    m = metrics.F1Score(average="macro", threshold=0.5)
    m.update_state(MULTI_T, SCORES)
    pred = SCORES > 0.5
    tp = (pred * MULTI_T).sum(0)
    f1 = 2 * tp / (pred.sum(0) + MULTI_T.sum(0))
    assert float(m.result()) == pytest.approx(f1.mean(), rel=1e-5)

    r2 = metrics.R2Score(class_aggregation=None)
    r2.update_state(REG_T, REG_P)
    expected = 1 - ((REG_T - REG_P) ** 2).sum(0) / ((REG_T - REG_T.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(r2.result().numpy(), expected, rtol=1e-4)

    iou = metrics.MeanIoU(C)
    iou.update_state(IDS_T, IDS_P)
    per_class = [np.sum((IDS_T == c) & (IDS_P == c)) / np.sum((IDS_T == c) | (IDS_P == c))
                 for c in range(C)]
    assert float(iou.result()) == pytest.approx(np.mean(per_class), rel=1e-5)

    p = metrics.PearsonCorrelation()
    p.update_state(REG_T, REG_P)
    expected = np.mean([np.corrcoef(t, q)[0, 1] for t, q in zip(REG_T, REG_P)])
    assert float(p.result()) == pytest.approx(expected, rel=1e-4)


def test_at_rate_metrics_by_hand():
    m = metrics.PrecisionAtRecall(0.5, num_thresholds=11)
    m.update_state(BIN_T, BIN_P)
    thresholds = np.linspace(0, 1, 11)
    best = 0.0
    for th in thresholds:
        pred = BIN_P > th
        tp = np.sum(pred & (BIN_T == 1))
        recall = tp / max(np.sum(BIN_T == 1), 1)
        if recall >= 0.5 and pred.sum():
            best = max(best, tp / pred.sum())
    assert float(m.result()) == pytest.approx(best, rel=1e-5)


def test_config_round_trip_and_errors():
    for m in (metrics.F1Score(average="weighted", threshold=0.3), metrics.FBetaScore(beta=0.5),
              metrics.R2Score(num_regressors=2), metrics.IoU(3, [0, 2], ignore_class=1),
              metrics.MeanIoU(4, sparse_y_pred=False), metrics.BinaryIoU([1], threshold=0.3),
              metrics.OneHotIoU(3, [1]), metrics.OneHotMeanIoU(3), metrics.PearsonCorrelation(axis=0),
              metrics.ConcordanceCorrelation(), metrics.PrecisionAtRecall(0.8, num_thresholds=50),
              metrics.RecallAtPrecision(0.7), metrics.SensitivityAtSpecificity(0.6, class_id=1),
              metrics.SpecificityAtSensitivity(0.4)):
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == m.get_config()
    assert metrics.get("f1_score").__class__ is metrics.F1Score
    with pytest.raises(ValueError, match="`beta` argument value. It should be a Python float"):
        metrics.FBetaScore(beta=1)
    with pytest.raises(ValueError, match=r"`recall` must be in the range \[0, 1\]"):
        metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="Target class id 3 is out of range"):
        metrics.IoU(3, [3])
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(BIN_T[:, None, None], BIN_P[:, None, None])
    assert metrics.PrecisionAtRecall(recall=0.3).recall == 0.3


def test_in_compile_and_fit():
    x = RNG.normal(size=(32, 4)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 32)]
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy",
                  metrics=[metrics.F1Score(average="macro"), metrics.OneHotMeanIoU(3),
                           metrics.R2Score()])
    logs = model.fit(x, y, epochs=1, batch_size=32, verbose=0).history
    pred = model.predict(x, verbose=0)
    f1 = metrics.F1Score(average="macro")
    f1.update_state(y, pred)
    evaluated = model.evaluate(x, y, verbose=0, return_dict=True)
    assert evaluated["f1_score"] == pytest.approx(float(f1.result()), rel=1e-5)
    assert sorted(logs)[:2] == ["f1_score", "loss"] and sorted(logs)[3] == "r2_score"
    assert sorted(logs)[2].startswith("one_hot_mean_io_u")


# -- real Keras 3 (torch backend), when installed -------------------------------
KERAS_CASES = [
    ("F1Score", {}, MULTI_T, SCORES), ("F1Score", {"average": "micro", "threshold": 0.4}, MULTI_T, SCORES),
    ("FBetaScore", {"beta": 2.0, "average": "weighted"}, MULTI_T, SCORES),
    ("FBetaScore", {"beta": 0.5, "average": "macro", "threshold": 0.6}, MULTI_T, SCORES),
    ("R2Score", {}, REG_T, REG_P), ("R2Score", {"class_aggregation": None}, REG_T, REG_P),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2}, REG_T, REG_P),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, IDS_T, IDS_P),
    ("MeanIoU", {"num_classes": C, "ignore_class": 1}, IDS_T, IDS_P),
    ("MeanIoU", {"num_classes": C, "sparse_y_pred": False}, IDS_T, SCORES),
    ("BinaryIoU", {"threshold": 0.3}, BIN_T, BIN_P),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1]}, MULTI_T, SCORES),
    ("OneHotMeanIoU", {"num_classes": C}, MULTI_T, SCORES),
    ("PearsonCorrelation", {}, REG_T, REG_P),
    ("ConcordanceCorrelation", {}, REG_T, REG_P),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, BIN_T, BIN_P),
    ("SpecificityAtSensitivity", {"sensitivity": 0.7, "num_thresholds": 1}, BIN_T, BIN_P),
    ("PrecisionAtRecall", {"recall": 0.5, "num_thresholds": 17}, BIN_T, BIN_P),
    ("RecallAtPrecision", {"precision": 0.6, "class_id": 2}, MULTI_T, SCORES),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,y_true,y_pred", KERAS_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_CASES)])
def test_matches_keras(name, kwargs, y_true, y_pred):
    keras = real_keras()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, mine = getattr(keras.metrics, name)(**kwargs), getattr(metrics, name)(**kwargs)
        for half, weights in ((slice(0, N // 2), None), (slice(N // 2, N), WEIGHTS[N // 2:])):
            if "IoU" in name and weights is not None:
                weights = np.round(weights * 2).astype(np.int32)   # Keras keeps integer counts
            theirs.update_state(y_true[half], y_pred[half], sample_weight=weights)
            mine.update_state(y_true[half], y_pred[half], sample_weight=weights)
        expected = keras.ops.convert_to_numpy(theirs.result())
        np.testing.assert_allclose(mine.result().numpy(), expected, rtol=1e-5, atol=1e-6)
        strip = lambda config: {**config, "name": re.sub(r"_\d+$", "", config["name"])}
        assert strip(mine.get_config()) == strip(theirs.get_config())


@pytest.mark.keras
@pytest.mark.parametrize("name", ["huber", "binary_focal_crossentropy",
                                  "categorical_focal_crossentropy", "pearson_correlation",
                                  "concordance_correlation"])
def test_metric_functions_match_keras(name):
    keras = real_keras()
    t, p = (MULTI_T, SCORES) if "focal" in name else (REG_T, REG_P)
    expected = keras.ops.convert_to_numpy(getattr(keras.metrics, name)(t, p))
    np.testing.assert_allclose(getattr(metrics, name)(t, p).numpy(), expected, rtol=2e-5, atol=1e-6)
