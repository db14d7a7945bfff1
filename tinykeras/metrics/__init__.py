"""``keras.metrics``: stateful metrics, ``get``, and the compile-time
``resolve`` of ``"accuracy"``/``"acc"`` and ``"crossentropy"``/``"ce"``.

>>> import tinykeras as tk, numpy as np
>>> m = tk.metrics.resolve("accuracy", np.zeros((4,)), np.zeros((4, 10)))
>>> type(m).__name__, m.name
('SparseCategoricalAccuracy', 'accuracy')
"""
from .. import serialization
from ..losses import is_binary_or_sparse_categorical
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy,
                       binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                       sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .base import Mean, MeanMetricWrapper, Metric, Sum
from .correlation import (ConcordanceCorrelation, PearsonCorrelation, PrecisionAtRecall,
                          RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
                          concordance_correlation, pearson_correlation)
from .f_score import F1Score, FBetaScore, R2Score
from .iou import IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .confusion import (AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                        TruePositives)
from .probabilistic import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge,
                            KLDivergence, Poisson, SparseCategoricalCrossentropy, SquaredHinge)
from .regression import (CosineSimilarity, LogCoshError, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, RootMeanSquaredError)
from ..losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                      categorical_focal_crossentropy, categorical_hinge, hinge, huber,
                      kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                      mean_squared_error, mean_squared_logarithmic_error, poisson,
                      sparse_categorical_crossentropy, squared_hinge)

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity,
    LogCoshError, AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
    TruePositives, Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Accuracy,
    BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, F1Score, FBetaScore, R2Score, IoU, MeanIoU, BinaryIoU,
    OneHotIoU, OneHotMeanIoU, PearsonCorrelation, ConcordanceCorrelation, PrecisionAtRecall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity)
# Like Keras: class names and snake_case class names give classes, plus the
# loss-style aliases.
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS, {
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy, "mse": MeanSquaredError,
    "MSE": MeanSquaredError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError})
# Metric functions by name (a MeanMetricWrapper's "fn" config names one).
FUNCTIONS_DICT = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, binary_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson, hinge,
    squared_hinge, categorical_hinge, mean_squared_error, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_logarithmic_error, log_cosh,
    binary_focal_crossentropy, categorical_focal_crossentropy, huber, pearson_correlation,
    concordance_correlation)}
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error


def serialize(metric):
    """Keras-style config dict of a Metric (or a metric function).

    >>> serialize(BinaryAccuracy(threshold=0.3))["config"]["threshold"]
    0.3
    """
    return serialization.serialize(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """The metric described by ``config``.

    >>> deserialize({"class_name": "AUC", "config": {"curve": "PR"}}).curve
    'PR'
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        return serialization.deserialize(config, FUNCTIONS_DICT, "metric function", custom_objects)
    obj = serialization.deserialize(config, ALL_OBJECTS_DICT, "metric", custom_objects)
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """A metric from a name (``"mse"``, ``"AUC"``, ``"binary_accuracy"`` give
    instances), a config dict, a class, an instance or a function.  Unknown
    names raise ValueError listing the valid ones.

    >>> type(get("mae")).__name__, type(get("auc")).__name__
    ('MeanAbsoluteError', 'AUC')
    """
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "metric")


def resolve(identifier, y_true, y_pred):
    """The Metric that ``compile(metrics=[identifier])`` tracks (Keras's
    ``compile_utils.get_metric``).

    ``"accuracy"``/``"acc"`` become BinaryAccuracy when ``y_pred``'s last axis
    is 1, SparseCategoricalAccuracy when the labels are sparse (lower rank, or
    a trailing axis of 1 against several classes), else CategoricalAccuracy.
    ``"crossentropy"``/``"ce"`` pick the matching crossentropy metric the same
    way (Keras 3 resolves that pair only for losses; tf.keras did it for
    metrics too).  A string keeps the user's spelling as the metric name;
    functions are wrapped in MeanMetricWrapper.  ``y_true``/``y_pred`` may be
    arrays, Tensors or shape tuples.

    >>> import numpy as np
    >>> m = resolve("ce", np.zeros((8, 1)), np.zeros((8, 1)))
    >>> type(m).__name__, m.name
    ('BinaryCrossentropy', 'ce')
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    key = str(identifier).lower()
    if key in ("accuracy", "acc", "crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if key in ("accuracy", "acc"):
            cls = (BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse
                   else CategoricalAccuracy)
        else:
            cls = (BinaryCrossentropy if is_binary else SparseCategoricalCrossentropy if is_sparse
                   else CategoricalCrossentropy)
        metric = cls(name=str(identifier))
    else:
        metric = get(identifier)
    if isinstance(identifier, str):
        name = identifier
    else:
        name = getattr(metric, "name", None) or getattr(metric, "__name__", None)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric)
    metric.name = name
    return metric
