"""Confusion-matrix metrics: TruePositives/.../FalseNegatives, Precision,
Recall and AUC, with Keras 3's thresholds, ``top_k``/``class_id`` and AUC
summation (``keras/src/metrics/metrics_utils.py``), computed on the host.

A prediction counts as positive when it is strictly greater than the
threshold.  With evenly spaced thresholds (AUC's default) the counts come
from one bucketing pass, as in Keras's optimized path.

>>> import tinykeras as tk
>>> m = tk.metrics.Precision()
>>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
>>> round(float(m.result()), 4)
0.6667
"""
import numpy as np

from .. import backend
from ..losses.labels import check_labels
from ..losses.loss import squeeze_or_expand_to_same_rank
from .base import Metric, divide_no_nan, host

NEG_INF = -1e10
TP, FP, TN, FN = "tp", "fp", "tn", "fn"


def parse_thresholds(thresholds, default):
    """A list of thresholds (each in [0, 1]); ``default`` when None.

    >>> parse_thresholds(None, 0.5), parse_thresholds(0.3, 0.5)
    ([0.5], [0.3])
    """
    if thresholds is None:
        return [default]
    thresholds = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    bad = [t for t in thresholds if t is None or t < 0 or t > 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return thresholds


def is_evenly_distributed(thresholds):
    """True for ``k / (n - 1), k = 0..n-1`` with n >= 3 (within epsilon).

    >>> is_evenly_distributed([0.0, 0.5, 1.0]), is_evenly_distributed([0.0, 0.2, 1.0])
    (True, False)
    """
    n = len(thresholds)
    return n >= 3 and bool(np.allclose(np.asarray(thresholds, np.float64),
                                       np.arange(n, dtype=np.float32) / (n - 1),
                                       atol=backend.epsilon()))


def _filter_top_k(x, k):
    """Keep the top ``k`` scores of the last axis; the others become NEG_INF."""
    idx = np.argpartition(-x, min(k, x.shape[-1]) - 1, axis=-1)[..., :k]
    mask = np.zeros(x.shape, x.dtype)
    np.put_along_axis(mask, idx, 1, axis=-1)
    return x * mask + np.float32(NEG_INF) * (1 - mask)


def _bucketed_counts(y_true, y_pred, num_thresholds, weights, multi_label, with_epsilon):
    """tp, fp, total positives and negatives per evenly spaced threshold."""
    dtype = y_pred.dtype
    y_pred = np.clip(y_pred, 0.0, 1.0)
    y_true = (y_true != 0).astype(dtype)
    if not multi_label:
        y_true, y_pred = y_true.reshape(-1), y_pred.reshape(-1)
        weights = weights if np.ndim(weights) == 0 else weights.reshape(-1)
    true_w = y_true * weights
    false_w = (1.0 - y_true) * weights
    buckets = np.ceil(y_pred * (dtype.type(num_thresholds) - dtype.type(1))) - 1
    if with_epsilon:
        buckets = np.maximum(buckets, 0)
    buckets = buckets.astype(np.int64)

    def suffix_sums(values, ids):
        keep = ids >= 0
        counts = np.bincount(ids[keep], values[keep], minlength=num_thresholds)
        return np.cumsum(counts[::-1])[::-1].astype(dtype)

    true_w, false_w = np.broadcast_to(true_w, y_pred.shape), np.broadcast_to(false_w, y_pred.shape)
    if multi_label:
        tp = np.stack([suffix_sums(true_w[:, j], buckets[:, j]) for j in range(y_pred.shape[1])], 1)
        fp = np.stack([suffix_sums(false_w[:, j], buckets[:, j]) for j in range(y_pred.shape[1])], 1)
        return tp, fp, true_w.sum(axis=0), false_w.sum(axis=0)
    return (suffix_sums(true_w, buckets), suffix_sums(false_w, buckets),
            true_w.sum(), false_w.sum())


def update_confusion_matrix_variables(variables, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, thresholds_distributed_evenly=False,
                                      metric_name="confusion matrix"):
    """Add this batch's tp/fp/tn/fn counts (per threshold) to ``variables``,
    a dict ``{"tp": Variable, ...}``; Keras's ``update_confusion_matrix_variables``.

    >>> from tinykeras.variables import Variable
    >>> tp = Variable(np.zeros(2, np.float32))
    >>> update_confusion_matrix_variables({"tp": tp}, [1, 1, 0], [0.9, 0.4, 0.8], [0.3, 0.5])
    >>> tp.numpy().tolist()
    [2.0, 1.0]
    """
    check_labels(metric_name, "same", y_true, y_pred)
    dtype = np.dtype(next(iter(variables.values())).dtype)
    y_true, y_pred = host(y_true, dtype), host(y_pred, dtype)
    with_epsilon = thresholds_distributed_evenly and (thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    thresholds = np.asarray(thresholds, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = host(sample_weight, dtype)[..., None]
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weights = np.ones((), dtype)
    if sample_weight is not None:
        weights = np.broadcast_to(sample_weight, y_pred.shape).astype(dtype)
    if label_weights is not None and not multi_label:
        weights = weights * np.broadcast_to(np.asarray(label_weights, dtype)[None], y_pred.shape)
    if thresholds_distributed_evenly:
        tp, fp, pos, neg = _bucketed_counts(y_true, y_pred, len(thresholds), weights, multi_label,
                                            with_epsilon)
        counts = {TP: tp, FP: fp, TN: neg - fp, FN: pos - tp}
    else:
        if multi_label:
            preds, labels = y_pred[None], y_true.astype(bool)[None]
            thresh = thresholds.reshape(-1, 1, 1)
        else:
            preds, labels = y_pred.reshape(1, -1), y_true.astype(bool).reshape(1, -1)
            thresh = thresholds.reshape(-1, 1)
        w = np.broadcast_to(weights, y_pred.shape).reshape(preds.shape[1:])[None]
        pred_pos = preds > thresh

        def count(label, pred):
            return np.where(label & pred, w, dtype.type(0)).sum(axis=1).astype(dtype)
        counts = {TP: lambda: count(labels, pred_pos), FP: lambda: count(~labels, pred_pos),
                  TN: lambda: count(~labels, ~pred_pos), FN: lambda: count(labels, ~pred_pos)}
        counts = {k: counts[k]() for k in variables}
    for key, var in variables.items():
        var.assign((var.numpy() + counts[key]).astype(var.dtype))


class _ConfusionMatrixConditionCount(Metric):
    """One confusion-matrix entry per threshold (shared by TruePositives & co)."""
    _condition = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._evenly = is_evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({self._condition: self.accumulator}, y_true, y_pred,
                                          self.thresholds, sample_weight=sample_weight,
                                          thresholds_distributed_evenly=self._evenly,
                                          metric_name=self.name)

    def result(self):
        acc = self.accumulator.numpy()
        return self._out(acc[0] if len(self.thresholds) == 1 else acc)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


def _count_class(name, condition, what):
    doc = f"""Weighted count of {what} (one count per threshold).

    >>> m = {name}(); m.update_state([0, 1, 1, 0], [0.9, 0.8, 0.2, 0.1]); float(m.result())
    1.0
    """
    return type(name, (_ConfusionMatrixConditionCount,),
                {"_condition": condition, "__doc__": doc, "__module__": __name__})


TruePositives = _count_class("TruePositives", TP, "true positives")
FalsePositives = _count_class("FalsePositives", FP, "false positives")
TrueNegatives = _count_class("TrueNegatives", TN, "true negatives")
FalseNegatives = _count_class("FalseNegatives", FN, "false negatives")


class _PrecisionRecall(Metric):
    """Shared body of Precision (tp / (tp + fp)) and Recall (tp / (tp + fn))."""
    _other, _other_name = None, None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = is_evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable((n,), "zeros", name="true_positives")
        setattr(self, self._other_name, self.add_variable((n,), "zeros", name=self._other_name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {TP: self.true_positives, self._other: getattr(self, self._other_name)}, y_true,
            y_pred, self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, thresholds_distributed_evenly=self._evenly,
            metric_name=self.name)

    def result(self):
        tp = self.true_positives.numpy()
        out = divide_no_nan(tp, tp + getattr(self, self._other_name).numpy())
        return self._out(out[0] if len(self.thresholds) == 1 else out)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)``: ``Precision(thresholds=None, top_k=None, class_id=None)``.

    ``top_k`` counts only each sample's k highest scores as positive;
    ``class_id`` restricts the metric to one column.

    >>> m = Precision(top_k=1); m.update_state([[0, 1, 1]], [[0.2, 0.7, 0.1]]); float(m.result())
    1.0
    """
    _other, _other_name = FP, "false_positives"


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)``: ``Recall(thresholds=None, top_k=None, class_id=None)``.

    >>> m = Recall(); m.update_state([0, 1, 1, 1], [1, 0, 1, 1]); round(float(m.result()), 4)
    0.6667
    """
    _other, _other_name = FN, "false_negatives"


class AUC(Metric):
    """Area under the ROC or PR curve, from confusion counts at
    ``num_thresholds`` evenly spaced thresholds (Keras's Riemann sum).

    ``AUC(num_thresholds=200, curve="ROC", summation_method="interpolation",
    name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
    label_weights=None, from_logits=False)``.  ``curve``: "ROC", "PR" or
    "PRGAIN"; ``summation_method``: "interpolation" (trapezoids; for PR, the
    Davis & Goadrich interpolation), "minoring" or "majoring".

    >>> m = AUC(); m.update_state([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); round(float(m.result()), 4)
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        curves = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
        if str(curve).lower() not in curves:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are '
                             '["PR", "ROC", "PRGAIN"]')
        if str(summation_method).lower() not in ("interpolation", "majoring", "minoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected '
                             'values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._evenly = is_evenly_distributed(np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            from ..saving.budget import charge  # a file's compile_config chooses the size
            charge((num_thresholds,), "float64", f"{name or 'auc'} thresholds")
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        eps = backend.epsilon()
        self._thresholds = np.array([0.0 - eps] + thresholds + [1.0 + eps])
        self.curve = curves[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        super().__init__(name=name, dtype=dtype)
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, self.dtype)
        self._from_logits, self._built = from_logits, False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        elif num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        else:
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                                 f"{len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            var_shape = (self.num_thresholds, self._num_labels)
        else:
            var_shape = (self.num_thresholds,)
        for attr in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, attr, self.add_variable(var_shape, "zeros", name=attr))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = host(y_pred, self.dtype)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        update_confusion_matrix_variables(
            {TP: self.true_positives, TN: self.true_negatives, FP: self.false_positives,
             FN: self.false_negatives}, y_true, y_pred, self._thresholds,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            thresholds_distributed_evenly=self._evenly, metric_name=self.name)

    def _by_label(self, values):
        if not self.multi_label:
            return np.sum(values)
        by_label = np.sum(values, axis=0)
        if self.label_weights is None:
            return np.mean(by_label)
        return divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006) interpolation of the PR curve, as Keras."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        safe_ratio = np.where((p[:-1] > 0) & (p[1:] > 0),
                              divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(safe_ratio)
        increments = divide_no_nan(slope * (dtp + intercept * log_ratio),
                                   np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(increments)

    def result(self):
        if not self._built:
            return self._out(0.0)
        tp, fp = self.true_positives.numpy(), self.false_positives.numpy()
        tn, fn = self.true_negatives.numpy(), self.false_negatives.numpy()
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._out(self._interpolate_pr_auc(tp, fp, fn))
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = np.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
            precision_gain = np.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
            x, y = np.maximum(recall_gain, 0.0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._out(self._by_label((x[:-1] - x[1:]) * heights))

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
