"""Intersection-over-union metrics (IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU) from one accumulated ``(num_classes, num_classes)``
confusion matrix, Keras's integer state and all.

>>> import tinykeras as tk
>>> m = tk.metrics.MeanIoU(num_classes=2)
>>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
0.3333
"""
import warnings

import numpy as np

from .. import backend
from ..losses.labels import check_labels
from .base import Metric, host


class IoU(Metric):
    """``TP / (TP + FP + FN)`` of each class in ``target_class_ids``, averaged
    over the classes present.  Labels and predictions are class ids
    (``sparse_y_true``/``sparse_y_pred``) or scores along ``axis`` (argmax is
    taken); ids out of range and ``ignore_class`` are left out.

    >>> m = IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1]); round(float(m.result()), 4)
    0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros", self.dtype,
                                          name="total_confusion_matrix")
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which is "
                             f"[0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.sparse_y_true == self.sparse_y_pred:    # ids and ids, or scores and one-hot rows
            check_labels(self.name, "same", y_true, y_pred)
        elif self.sparse_y_true:                        # ids and scores
            check_labels(self.name, "sparse", y_true, y_pred, {"axis": self.axis})
        y_true, y_pred = host(y_true), host(y_pred)
        if not self.sparse_y_true:
            y_true = np.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(y_pred, axis=self.axis)
        dtype = self.dtype
        y_true, y_pred = y_true.astype(dtype).reshape(-1), y_pred.astype(dtype).reshape(-1)
        if sample_weight is None:
            weights = np.ones((), dtype)
        else:
            weights = host(sample_weight)
            if weights.dtype.kind == "f" and "int" in dtype:
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                              "result in an incorrect weight due to type casting Consider using "
                              "integer weights.")
            weights = weights.astype(dtype).reshape(-1)
        weights = np.broadcast_to(weights, y_true.shape)
        n = self.num_classes
        keep = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        cm = np.zeros((n, n), dtype)
        np.add.at(cm, (y_true[keep].astype(np.int64), y_pred[keep].astype(np.int64)), weights[keep])
        self._add(self.total_cm, cm)

    def result(self):
        cm = self.total_cm.numpy()
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        denominator = denominator.astype(np.float32)
        tp = tp[self.target_class_ids].astype(np.float32)
        valid = denominator > 1e-9
        eps = np.float32(backend.epsilon())
        iou = np.where(valid, tp / (denominator + eps), np.float32(0.0))
        return self._out(np.sum(iou, axis=self.axis) / (np.float32(valid.sum()) + eps))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of 0/1 labels and scores thresholded at ``threshold`` (``>=``).

    >>> m = BinaryIoU(target_class_ids=[1]); m.update_state([0, 1, 1], [0.2, 0.6, 0.4])
    >>> round(float(m.result()), 4)
    0.5
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        check_labels(self.name, "binary", y_true, y_pred)
        y_pred = (host(y_pred, "float32") >= self.threshold).astype(self.dtype)
        super().update_state(host(y_true).astype(self.dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (those present).

    >>> m = MeanIoU(3); m.update_state([0, 1, 2], [0, 1, 1]); round(float(m.result()), 4)
    0.5
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU with one-hot labels (and scores, unless ``sparse_y_pred``).

    >>> m = OneHotIoU(num_classes=2, target_class_ids=[1])
    >>> m.update_state([[1, 0], [0, 1]], [[0.4, 0.6], [0.3, 0.7]]); round(float(m.result()), 4)
    0.5
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot labels (and scores, unless ``sparse_y_pred``).

    >>> m = OneHotMeanIoU(2); m.update_state([[1, 0], [0, 1]], [[0.6, 0.4], [0.3, 0.7]])
    >>> round(float(m.result()), 4)
    1.0
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
