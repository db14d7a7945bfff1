"""Correlation metrics (Pearson, concordance) and the metrics that read one
point off the ROC/PR curve (SensitivityAtSpecificity, SpecificityAtSensitivity,
PrecisionAtRecall, RecallAtPrecision), on the confusion counts of
``confusion.update_confusion_matrix_variables``.

>>> import tinykeras as tk
>>> round(tk.metrics.pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.5]]).item(), 4)
0.9979
"""
import numpy as np

from .. import backend, ops
from ..losses.labels import check, expects
from ..losses.loss import squeeze_or_expand_to_same_rank
from .base import Metric, MeanMetricWrapper, divide_no_nan
from .confusion import FN, FP, TN, TP, update_confusion_matrix_variables


def _aligned(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    if not y_pred.dtype.startswith("float"):
        y_pred = y_pred.astype(backend.floatx())
    return squeeze_or_expand_to_same_rank(ops.convert_to_tensor(y_true, dtype=y_pred.dtype), y_pred)


@expects("same")
def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient of ``y_true`` and ``y_pred`` along ``axis``.

    >>> pearson_correlation([[1.0, 2.0, 3.0]], [[3.0, 2.0, 1.0]]).numpy().round(4).tolist()
    [-1.0]
    """
    check(pearson_correlation, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _aligned(y_true, y_pred)
    t = y_true - ops.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - ops.mean(y_pred, axis=axis, keepdims=True)
    t = t / ops.std(t, axis=axis, keepdims=True)
    p = p / ops.std(p, axis=axis, keepdims=True)
    return ops.mean(t * p, axis=axis)


@expects("same")
def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis``, as Keras computes it (its
    covariance term centres ``y_true`` on the mean of ``y_pred``).

    >>> concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]]).numpy().round(4).tolist()
    [1.0]
    """
    check(concordance_correlation, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _aligned(y_true, y_pred)
    t_mean = ops.mean(y_true, axis=axis, keepdims=True)
    p_mean = ops.mean(y_pred, axis=axis, keepdims=True)
    t_var = ops.var(y_true - t_mean, axis=axis, keepdims=True)
    p_var = ops.var(y_pred - p_mean, axis=axis, keepdims=True)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    norm = t_var + p_var + ops.square(t_mean - p_mean)
    return ops.mean(2.0 * covar / (norm + backend.epsilon()), axis=axis)


class _AxisCorrelation(MeanMetricWrapper):
    _fn, _default_name = None, None

    def __init__(self, name=None, dtype=None, axis=-1):
        super().__init__(type(self)._fn, name=name or self._default_name, dtype=dtype, axis=axis)
        self.axis, self._direction = axis, "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_AxisCorrelation):
    """Mean over samples of :func:`pearson_correlation`.

    >>> m = PearsonCorrelation(); m.update_state([[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.0]])
    >>> round(float(m.result()), 4)
    1.0
    """
    _fn, _default_name = staticmethod(pearson_correlation), "pearson_correlation"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_AxisCorrelation):
    """Mean over samples of :func:`concordance_correlation`.

    >>> m = ConcordanceCorrelation(); m.update_state([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])
    >>> round(float(m.result()), 4)
    1.0
    """
    _fn, _default_name = staticmethod(concordance_correlation), "concordance_correlation"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(name=name, dtype=dtype, axis=axis)


class SensitivitySpecificityBase(Metric):
    """Confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1]
    (just 0.5 when ``num_thresholds == 1``); subclasses read the best value of
    one rate among the thresholds where the other rate is at least ``value``."""
    _constrained, _dependent, _value_name = None, None, None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value, self.class_id, self.num_thresholds = value, class_id, num_thresholds
        setattr(self, self._value_name, value)
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True
        for attr in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, attr, self.add_variable((len(self.thresholds),), "zeros", name=attr))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {TP: self.true_positives, TN: self.true_negatives, FP: self.false_positives,
             FN: self.false_negatives}, y_true, y_pred, self.thresholds,
            thresholds_distributed_evenly=self._evenly, class_id=self.class_id,
            sample_weight=sample_weight, metric_name=self.name)

    def _rates(self):
        tp, fp = self.true_positives.numpy(), self.false_positives.numpy()
        tn, fn = self.true_negatives.numpy(), self.false_negatives.numpy()
        return {"sensitivity": divide_no_nan(tp, tp + fn), "recall": divide_no_nan(tp, tp + fn),
                "specificity": divide_no_nan(tn, tn + fp), "precision": divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        feasible = rates[self._constrained] >= self.value
        return self._out(np.max(np.where(feasible, rates[self._dependent], 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Best sensitivity among thresholds whose specificity is at least ``specificity``.

    >>> m = SensitivityAtSpecificity(0.5); m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> float(m.result())
    1.0
    """
    _constrained = _value_name = "specificity"
    _dependent = "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Best specificity among thresholds whose sensitivity is at least ``sensitivity``.

    >>> m = SpecificityAtSensitivity(1.0); m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> float(m.result())
    0.5
    """
    _constrained = _value_name = "sensitivity"
    _dependent = "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(SensitivitySpecificityBase):
    """Best precision among thresholds whose recall is at least ``recall``.

    >>> m = PrecisionAtRecall(1.0); m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> round(float(m.result()), 4)
    0.6667
    """
    _constrained = _value_name = "recall"
    _dependent = "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(SensitivitySpecificityBase):
    """Best recall among thresholds whose precision is at least ``precision``.

    >>> m = RecallAtPrecision(1.0); m.update_state([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> float(m.result())
    0.5
    """
    _constrained = _value_name = "precision"
    _dependent = "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
