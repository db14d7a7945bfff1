"""`MonitorCallback`: the "did the monitored metric improve?" logic shared by
`EarlyStopping`, `ModelCheckpoint` and `ReduceLROnPlateau`.

* ``mode="min"``: lower is better; ``"max"``: higher is better; ``"auto"``:
  decided from the metric's name (``loss`` -> min, ``accuracy`` -> max ...).
* A value improves on the reference only if it is better by more than
  ``min_delta``: in min mode ``value + min_delta < best``.
"""

import operator
import warnings

from .callback import Callback

# "auto" mode, when the model's metrics don't say which way is better: the
# first rule whose word appears in the metric's name wins.
_DIRECTION_BY_NAME = (
    ("loss", "min"), ("error", "min"), ("crossentropy", "min"), ("hinge", "min"),
    ("divergence", "min"), ("poisson", "min"), ("logcosh", "min"),
    ("false_", "min"), ("mse", "min"), ("mae", "min"), ("mape", "min"),
    ("msle", "min"),
    ("acc", "max"), ("auc", "max"), ("precision", "max"), ("recall", "max"),
    ("f1", "max"), ("fbeta", "max"), ("iou", "max"), ("r2", "max"),
    ("cosine_similarity", "max"), ("true_", "max"), ("specificity", "max"),
    ("sensitivity", "max"),
)


def infer_mode(monitor, model=None):
    """``"min"`` or ``"max"`` for a monitored key, or ``None`` if unknown.

    >>> infer_mode("val_loss"), infer_mode("val_accuracy"), infer_mode("auc")
    ('min', 'max', 'max')
    >>> infer_mode("mean_absolute_error"), infer_mode("my_score") is None
    ('min', True)
    """
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return "min"
    # Keras asks the compiled metric itself (``metric._direction``).
    for metric in _model_metrics(model):
        direction = getattr(metric, "_direction", None)
        if getattr(metric, "name", None) == name and direction in ("up", "down"):
            return "max" if direction == "up" else "min"
    for word, mode in _DIRECTION_BY_NAME:
        if word in name:
            return mode
    return None


def _model_metrics(model):
    """The model's metric objects, containers (``.metrics``) unpacked."""
    try:
        metrics = list(getattr(model, "metrics", None) or [])
    except Exception:  # an uncompiled model may refuse
        return []
    found = []
    while metrics:
        metric = metrics.pop(0)
        inner = getattr(metric, "metrics", None)
        if isinstance(inner, (list, tuple)):
            metrics.extend(inner)
        else:
            found.append(metric)
    return found


class MonitorCallback(Callback):
    """Base class of callbacks that watch one metric and track its best value.

    Args:
        monitor: the logs key to watch, e.g. ``"val_loss"``.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        baseline: the starting best value (``None``: the first value wins).
        min_delta: the smallest change that counts as an improvement.

    Example:

    >>> watcher = MonitorCallback(monitor="val_accuracy", min_delta=0.01)
    >>> watcher._set_monitor_op()
    >>> watcher._is_improvement(0.905, 0.9), watcher._is_improvement(0.92, 0.9)
    (False, True)
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{self.__class__.__name__} mode '{mode}' is unknown, fallback "
                "to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Chooses ``<`` or ``>``; called lazily, once the model is known."""
        mode = self.mode if self.mode != "auto" else infer_mode(self.monitor, self.model)
        if mode is None:
            raise ValueError(
                f"{self.__class__.__name__} callback received "
                f"monitor={self.monitor}, but tinykeras isn't able to "
                "automatically determine whether that metric should be "
                "maximized or minimized. Pass `mode='max'` in order to "
                "monitor based on the highest metric value, or pass "
                "`mode='min'` in order to use the lowest value.")
        self.monitor_op = operator.lt if mode == "min" else operator.gt
        if mode == "min":
            self.min_delta = -self.min_delta  # so `value - min_delta` = value + |delta|

    def _is_improvement(self, monitor_value, reference_value):
        """Whether ``monitor_value`` beats ``reference_value`` by more than min_delta."""
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))

    def _get_monitor_value(self, logs, purpose, end=""):
        """``logs[monitor]``, or ``None`` with a warning naming the keys there are."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(
                f"{purpose} metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs or {})}{end}", stacklevel=3)
        return value
