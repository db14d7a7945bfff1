"""Accuracy metrics and their per-sample functions (Keras 3 rules, on the host).

The functions return a float32 Tensor of per-sample matches (1.0 or 0.0).

>>> import tinykeras as tk
>>> m = tk.metrics.SparseCategoricalAccuracy()
>>> m.update_state([1, 0], [[0.1, 0.9], [0.2, 0.8]])
>>> float(m.result())
0.5
"""
import numpy as np

from .. import backend
from ..core.tensor import Tensor
from ..losses.labels import check, expects
from ..losses.loss import squeeze_or_expand_to_same_rank
from .base import MeanMetricWrapper, host, wrapper_class


def _matches(a, b, shape=None):
    out = np.equal(a, b).astype(backend.floatx())
    return Tensor(out if shape is None else out.reshape(shape))


@expects("same")
def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly.

    >>> accuracy([1, 2], [1, 3]).numpy().tolist()
    [1.0, 0.0]
    """
    check(accuracy, y_true, y_pred)
    y_pred = host(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(host(y_true, y_pred.dtype), y_pred)
    return _matches(y_true, y_pred)


@expects("same")
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``(y_pred > threshold) == y_true``.

    >>> binary_accuracy([1.0, 0.0], [0.7, 0.6]).numpy().tolist()
    [1.0, 0.0]
    """
    check(binary_accuracy, y_true, y_pred, kwargs=locals())
    y_true, y_pred = squeeze_or_expand_to_same_rank(host(y_true), host(y_pred))
    return _matches(y_true, (y_pred > threshold).astype(y_true.dtype))


@expects("one_hot")
def categorical_accuracy(y_true, y_pred):
    """1.0 where ``argmax(y_true) == argmax(y_pred)`` (one-hot labels).

    >>> categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]).numpy().tolist()
    [1.0, 0.0]
    """
    check(categorical_accuracy, y_true, y_pred)
    y_pred = host(y_pred)
    y_true = np.argmax(host(y_true), axis=-1).astype(y_pred.dtype)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim
    if reshape:
        y_true = np.squeeze(y_true, -1)
    y_pred = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    return _matches(y_true, y_pred, shape if reshape else None)


@expects("sparse")
def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals ``argmax(y_pred)``.

    >>> sparse_categorical_accuracy([[1], [0]], [[0.2, 0.8], [0.3, 0.7]]).numpy().tolist()
    [1.0, 0.0]
    """
    check(sparse_categorical_accuracy, y_true, y_pred)
    y_pred = host(y_pred)
    y_true = host(y_true, y_pred.dtype if y_pred.dtype.kind == "f" else None)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = np.squeeze(y_true, -1)
    y_pred = np.argmax(y_pred, axis=-1).astype(y_true.dtype)
    matches = np.equal(y_true, y_pred).astype(backend.floatx())
    if reshape:
        matches = matches.reshape(shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = np.squeeze(matches, -1)
    return Tensor(matches)


def _in_top_k(targets, predictions, k):
    """Keras's ``in_top_k``: the target's score is >= the k-th largest score."""
    predictions = np.asarray(predictions)
    k = min(int(k), predictions.shape[-1])
    kth = -np.partition(-predictions, k - 1, axis=-1)[:, k - 1]
    picked = np.take_along_axis(predictions, targets.astype(np.int64)[:, None], axis=-1)[:, 0]
    return picked >= kth


def _flatten_for_top_k(y_true, y_pred):
    shape = y_true.shape
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    return y_true.reshape(-1), y_pred, (shape if y_true.ndim > 1 else None)


@expects("one_hot")
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label is among the ``k`` highest predictions.

    >>> top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=2).numpy().tolist()
    [0.0]
    """
    check(top_k_categorical_accuracy, y_true, y_pred, kwargs=locals())
    y_pred = host(y_pred)
    y_true, y_pred, shape = _flatten_for_top_k(np.argmax(host(y_true), axis=-1), y_pred)
    return _matches(_in_top_k(y_true, y_pred, k), True, shape)


@expects("sparse")
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest predictions (or,
    with ``from_sorted_ids``, among the first ``k`` ids of ``y_pred``).

    >>> sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.2]], k=2).numpy().tolist()
    [0.0]
    """
    check(sparse_top_k_categorical_accuracy, y_true, y_pred, kwargs=locals())
    y_pred = host(y_pred)
    y_true, y_pred, shape = _flatten_for_top_k(host(y_true, np.int32 if not from_sorted_ids
                                                    else y_pred.dtype), y_pred)
    if from_sorted_ids:
        hits = np.any(y_true[:, None] == y_pred[:, :k], axis=1)
    else:
        hits = _in_top_k(y_true, y_pred, k)
    return _matches(hits, True, shape)


_MOD = __name__
Accuracy = wrapper_class("Accuracy", accuracy, "accuracy", "up", """How often predictions equal labels.

    >>> m = Accuracy(); m.update_state([1, 2], [1, 3]); float(m.result())
    0.5
    """, _MOD)
CategoricalAccuracy = wrapper_class(
    "CategoricalAccuracy", categorical_accuracy, "categorical_accuracy", "up",
    """How often ``argmax(y_pred)`` matches the one-hot label.

    >>> m = CategoricalAccuracy(); m.update_state([[0, 1]], [[0.4, 0.6]]); float(m.result())
    1.0
    """, _MOD)
SparseCategoricalAccuracy = wrapper_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy", "up",
    """How often ``argmax(y_pred)`` matches the integer label.

    >>> m = SparseCategoricalAccuracy(); m.update_state([0], [[0.4, 0.6]]); float(m.result())
    0.0
    """, _MOD)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label.

    >>> m = BinaryAccuracy(threshold=0.7); m.update_state([[1.0]], [[0.6]]); float(m.result())
    0.0
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold, self._direction = threshold, "up"


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the top ``k`` predictions.

    >>> m = TopKCategoricalAccuracy(k=2); m.update_state([[0, 1, 0]], [[0.5, 0.3, 0.2]])
    >>> float(m.result())
    1.0
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k, self._direction = k, "up"


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the top ``k`` predictions.

    >>> m = SparseTopKCategoricalAccuracy(k=1); m.update_state([0], [[0.5, 0.3]])
    >>> float(m.result())
    1.0
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        kwargs = {"from_sorted_ids": True} if from_sorted_ids else {}
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k, **kwargs)
        self.k, self.from_sorted_ids, self._direction = k, from_sorted_ids, "up"
