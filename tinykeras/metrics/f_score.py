"""FBetaScore, F1Score and R2Score: metrics whose state Variables are shaped
by the first batch (one entry per class / output column), as in Keras.

>>> import tinykeras as tk
>>> m = tk.metrics.F1Score(average="micro")
>>> m.update_state([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]); round(float(m.result()), 4)
0.5
"""
import warnings

import numpy as np

from .. import backend
from ..losses.labels import check_labels
from ..losses.loss import squeeze_or_expand_to_same_rank
from .base import Metric, host


def _check_2d(name, t_shape, p_shape):
    if len(p_shape) != 2 or len(t_shape) != 2:
        raise ValueError(f"{name} expects 2D inputs with shape (batch_size, output_dim). Received "
                         f"input shapes: y_pred.shape={p_shape} and y_true.shape={t_shape}.")


class FBetaScore(Metric):
    """``(1 + beta**2) P R / (beta**2 P + R)`` per class (``average=None``) or
    averaged ("micro": over all entries, "macro": mean of classes, "weighted":
    by class support).  Without ``threshold`` each row's top score is the
    positive prediction; with it, scores above it are.

    >>> m = FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.1], [0.2, 0.8]]); m.result().numpy().astype(float).round(4).tolist()
    [0.5556, 1.0]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', "
                             f"'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, t_shape, p_shape):
        _check_2d("FBetaScore", t_shape, p_shape)
        shape = () if self.average == "micro" else (p_shape[-1],)
        for attr in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, attr, self.add_variable(shape, "zeros", self.dtype, name=attr))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        check_labels(self.name, "same", y_true, y_pred)
        y_true, y_pred = host(y_true, self.dtype), host(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            pred = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            pred = y_pred > self.threshold
        pred = pred.astype(self.dtype)
        w = None if sample_weight is None else host(sample_weight, self.dtype)[:, None]

        def weighted_sum(values):
            return np.sum(values if w is None else values * w, axis=self.axis)
        self._add(self.true_positives, weighted_sum(pred * y_true))
        self._add(self.false_positives, weighted_sum(pred * (1 - y_true)))
        self._add(self.false_negatives, weighted_sum((1 - pred) * y_true))
        self._add(self.intermediate_weights, weighted_sum(y_true))

    def result(self):
        if not self._built:
            return self._out(0.0)
        eps = np.float32(backend.epsilon())
        tp, fp = self.true_positives.numpy(), self.false_positives.numpy()
        fn = self.false_negatives.numpy()
        precision, recall = tp / (tp + fp + eps), tp / (tp + fn + eps)
        b2 = np.float32(self.beta ** 2)
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights.numpy()
            score = np.sum(score * weights / (np.sum(weights) + eps))
        elif self.average is not None:
            score = np.mean(score)
        return self._out(score)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall: ``FBetaScore(beta=1.0)``.

    >>> m = F1Score(threshold=0.5); m.update_state([[1, 0], [1, 1]], [[0.9, 0.1], [0.2, 0.8]])
    >>> m.result().numpy().astype(float).round(4).tolist()
    [0.6667, 1.0]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """Coefficient of determination ``1 - SS_res / SS_tot`` per output column,
    aggregated by ``class_aggregation`` ("uniform_average",
    "variance_weighted_average" or None); ``num_regressors > 0`` gives the
    adjusted R2.

    >>> m = R2Score(); m.update_state([[1.0], [2.0], [3.0]], [[1.0], [2.0], [2.0]])
    >>> round(float(m.result()), 4)
    0.5
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, t_shape, p_shape):
        _check_2d("R2Score", t_shape, p_shape)
        n = p_shape[-1]
        self.squared_sum = self.add_variable((n,), "zeros", name="squared_sum")
        self.sum = self.add_variable((n,), "zeros", name="sum")
        self.total_mse = self.add_variable((n,), "zeros", name="residual")
        self.count = self.add_variable((n,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        check_labels(self.name, "same", y_true, y_pred)
        y_true, y_pred = squeeze_or_expand_to_same_rank(host(y_true, self.dtype),
                                                        host(y_pred, self.dtype))
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        w = np.asarray(1 if sample_weight is None else host(sample_weight), self.dtype)
        if w.ndim == 1:
            w = w[:, None]
        w = np.broadcast_to(w, y_true.shape)
        self._add(self.sum, np.sum(y_true * w, axis=0))
        self._add(self.squared_sum, np.sum(y_true * y_true * w, axis=0))
        self._add(self.total_mse, np.sum((y_true - y_pred) ** 2 * w, axis=0))
        self._add(self.count, np.sum(w, axis=0))
        self._add(self.num_samples, y_true.size)

    def result(self):
        if not self._built:
            return self._out(0.0)
        total_sum, count = self.sum.numpy(), self.count.numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum.numpy() - total_sum * (total_sum / count)
            raw = 1 - self.total_mse.numpy() / total
        raw = np.where(np.isinf(raw), np.float32(0.0), raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        n, p = float(self.num_samples.numpy()), self.num_regressors
        if p and p > n - 1:
            warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                          "Falling back to standard R2 score.", stacklevel=2)
        elif p and p == n - 1:
            warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 "
                          "score.", stacklevel=2)
        elif p:
            score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return self._out(score)

    def reset_state(self):
        if self._built:
            super().reset_state()
        else:
            self.num_samples.assign(np.zeros((), self.num_samples.dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
