"""Regression metrics: the error means (over Keras's loss functions) and RMSE.

>>> import tinykeras as tk
>>> m = tk.metrics.RootMeanSquaredError()
>>> m.update_state([[0.0], [0.0]], [[3.0], [4.0]])
>>> round(float(m.result()), 4)
3.5355
"""
import numpy as np

from .. import losses
from ..losses import labels
from ..losses.loss import squeeze_or_expand_to_same_rank
from .base import Mean, MeanMetricWrapper, host, wrapper_class

_MOD = __name__
MeanSquaredError = wrapper_class(
    "MeanSquaredError", losses.mean_squared_error, "mean_squared_error", "down",
    """Mean of squared errors.

    >>> m = MeanSquaredError(); m.update_state([[0.0, 1.0]], [[1.0, 1.0]]); float(m.result())
    0.5
    """, _MOD)
MeanAbsoluteError = wrapper_class(
    "MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error", "down",
    """Mean of absolute errors.

    >>> m = MeanAbsoluteError(); m.update_state([[0.0, 1.0]], [[1.0, 1.0]]); float(m.result())
    0.5
    """, _MOD)
MeanAbsolutePercentageError = wrapper_class(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "down",
    """Mean absolute percentage error.

    >>> m = MeanAbsolutePercentageError(); m.update_state([[2.0]], [[1.0]]); float(m.result())
    50.0
    """, _MOD)
MeanSquaredLogarithmicError = wrapper_class(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "down",
    """Mean squared error of ``log(1 + x)``.

    >>> m = MeanSquaredLogarithmicError(); m.update_state([[1.0]], [[1.0]]); float(m.result())
    0.0
    """, _MOD)
LogCoshError = wrapper_class(
    "LogCoshError", losses.log_cosh, "logcosh", "down",
    """Mean of ``log(cosh(error))``.

    >>> m = LogCoshError(); m.update_state([[1.0]], [[1.0]]); float(m.result())
    0.0
    """, _MOD)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (1: same direction).

    >>> m = CosineSimilarity(); m.update_state([[1.0, 0.0]], [[2.0, 0.0]]); round(float(m.result()), 4)
    1.0
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self._direction = "up"


def cosine_similarity(y_true, y_pred, axis=-1):
    """``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (the metric's sign).

    >>> round(cosine_similarity([[1.0, 1.0]], [[1.0, 1.0]]).item(), 4)
    1.0
    """
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_pred - y_true)**2))`` over everything seen.

    >>> m = RootMeanSquaredError(); m.update_state([[0.0]], [[2.0]]); float(m.result())
    2.0
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels.check_labels(self.name, "same", y_true, y_pred)
        y_true, y_pred = squeeze_or_expand_to_same_rank(host(y_true, self.dtype),
                                                         host(y_pred, self.dtype))
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return self._out(np.sqrt(np.asarray(super().result())))
