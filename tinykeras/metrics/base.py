"""``Metric`` (Keras 3's stateful-metric API), ``Mean``, ``Sum`` and
``MeanMetricWrapper`` (the one class behind every function-based metric).

State lives in non-trainable Variables made with ``add_variable``, so
user-written Keras metrics run unchanged.  The built-in metrics do their
arithmetic on the host with NumPy (``np.asarray`` of the Tensors the
trainer passes) and keep float32 accumulators, as Keras does.

>>> import tinykeras as tk
>>> m = tk.metrics.Mean()
>>> m.update_state([1.0, 2.0, 3.0]); m.update_state([4.0], sample_weight=[2.0])
>>> round(float(m.result()), 4)  # (1 + 2 + 3 + 2 * 4) / (3 + 2)
2.8
"""
import numpy as np

from .. import backend, initializers, serialization
from ..core.tensor import Tensor
from ..losses import labels
from ..losses.loss import squeeze_or_expand_to_same_rank
from ..variables import Variable


def host(x, dtype=None):
    """``x`` (Tensor, array, list or number) as a NumPy array on the host.

    >>> host(Tensor([1, 2]), "float32").dtype.name
    'float32'
    """
    a = x.numpy() if isinstance(x, Tensor) else np.asarray(x)
    return a if dtype is None or a.dtype == dtype else a.astype(dtype)


def divide_no_nan(x, y):
    """``x / y`` with 0 where ``y == 0``.

    >>> float(divide_no_nan(np.float32(1), np.float32(0)))
    0.0
    """
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(y == 0, 0.0, x / np.where(y == 0, 1, y))
    return out.astype(np.result_type(x.dtype, y.dtype, np.float32), copy=False)


class Metric:
    """Base class of stateful metrics: ``update_state(...)``, ``result()``,
    ``reset_state()``; state Variables come from :meth:`add_variable`.

    ``Metric(dtype=None, name=None)`` (Keras's argument order).

    >>> class Count(Metric):
    ...     def __init__(self, name="count", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.n = self.add_variable((), initializer="zeros", name="n")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.n.assign(self.n + len(y_true))
    ...     def result(self):
    ...         return self.n
    >>> c = Count(); c.update_state([1, 2], [1, 2]); float(c.result()), len(c.variables)
    (2.0, 1)
    """
    _direction = None

    def __init__(self, dtype=None, name=None):
        object.__setattr__(self, "_metrics", [])
        self.name = name or serialization.auto_name(type(self).__name__)
        self._dtype = np.dtype(dtype or backend.floatx()).name
        self._variables = []

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and value not in self.__dict__.get("_metrics", ()):
            self.__dict__.setdefault("_metrics", []).append(value)
        object.__setattr__(self, name, value)

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A tracked, non-trainable state Variable (Keras 3's signature)."""
        if "_variables" not in self.__dict__:
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` method. "
                               "Go add it!")
        dtype = np.dtype(dtype or self.dtype).name
        from ..saving.budget import charge  # here: saving imports metrics
        charge(shape, dtype, f"{self.name}/{name or 'variable'}")
        value = initializers.get(initializer or "zeros")(tuple(shape), dtype)
        var = Variable(value, dtype=dtype, trainable=False, name=name or "variable")
        var.path = f"{self.name.replace('/', '>')}/{var.name}"
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of :meth:`add_variable` (zeros by default)."""
        return self.add_variable(shape, initializer or "zeros", dtype, name=name)

    @property
    def variables(self):
        """This metric's Variables, then those of metrics it holds as attributes."""
        out = list(self._variables)
        for metric in self._metrics:
            out.extend(metric.variables)
        return out

    def reset_state(self):
        """Set every state Variable back to zero."""
        for var in self.variables:
            var.assign(np.zeros(var.shape, dtype=var.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    # -- host-side state helpers for the built-in metrics --------------------
    def _add(self, var, value):
        """``var += value`` computed on the host in the Variable's dtype."""
        var.assign(np.asarray(var.numpy() + np.asarray(value, var.dtype), dtype=var.dtype))

    @staticmethod
    def _out(value):
        return Tensor(np.asarray(value, dtype=np.float32))


def _reduce_to_samplewise(values, sample_weight, reduce_fn, dtype):
    """Keras's ``reduce_to_samplewise_values`` on the host."""
    mask = getattr(values, "_keras_mask", None)
    values = host(values, dtype)
    if sample_weight is not None:
        sample_weight = host(sample_weight, dtype)
        if mask is not None:
            mask, sample_weight = squeeze_or_expand_to_same_rank(host(mask, dtype), sample_weight)
            sample_weight = sample_weight * mask
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        w_ndim, v_ndim = sample_weight.ndim, values.ndim
        if v_ndim > w_ndim:
            values = reduce_fn(values, axis=tuple(range(w_ndim, v_ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if w_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, w_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """Running (weighted) sum of the values.

    >>> s = Sum(); s.update_state([1.0, 2.0], sample_weight=[1.0, 0.5]); float(s.result())
    2.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _reduce_to_samplewise(values, sample_weight, np.sum, self.dtype)
        self._add(self.total, np.sum(values))

    def result(self):
        return self._out(self.total.numpy())


class Mean(Metric):
    """Running (weighted) mean: ``total / count``, where ``count`` sums the
    sample weights (or counts the samples).

    >>> m = Mean(); m.update_state([[1.0, 3.0]]); float(m.result())  # per-sample means first
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", self.dtype, name="total")
        self.count = self.add_variable((), "zeros", self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        values, sample_weight = _reduce_to_samplewise(values, sample_weight, np.mean, self.dtype)
        self._add(self.total, np.sum(values))
        if sample_weight is not None:
            count = np.sum(sample_weight)
        else:
            count = values.shape[0] if values.ndim >= 1 else 1
        self._add(self.count, count)

    def result(self):
        return self._out(divide_no_nan(self.total.numpy(), self.count.numpy()))


class MeanMetricWrapper(Mean):
    """Mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen: every
    function-based metric (accuracies, errors, crossentropies) is one.

    >>> from tinykeras.losses import mean_absolute_error
    >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
    >>> m.update_state([[1.0], [2.0]], [[0.0], [0.0]]); float(m.result())
    1.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn, self._fn_kwargs = fn, kwargs
        from .. import losses
        if fn in losses.ALL_OBJECTS or type(fn) in losses.ALL_OBJECTS:
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels.check(self._fn, y_true, y_pred, self.name, self._fn_kwargs)
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            mask = host(mask, self.dtype)
            if sample_weight is None:
                sample_weight = mask
            else:
                mask, sample_weight = squeeze_or_expand_to_same_rank(
                    mask, host(sample_weight, self.dtype))
                sample_weight = sample_weight * mask
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return serialization.wrapper_config(self, super().get_config(), self._fn, self._fn_kwargs,
                                            MeanMetricWrapper, "keras.metrics")

    @classmethod
    def from_config(cls, config):
        from . import deserialize
        return serialization.wrapper_from_config(cls, config, deserialize)


def wrapper_class(class_name, fn, default_name, direction, doc, module):
    """A MeanMetricWrapper subclass ``class_name(name=default_name, dtype=None)``
    around ``fn`` (for the metrics that take no other argument).

    >>> from tinykeras.losses import mean_absolute_error
    >>> MAE = wrapper_class("MAE", mean_absolute_error, "mae", "down", "Mean |error|.", __name__)
    >>> MAE().name, MAE()._direction
    ('mae', 'down')
    """
    def __init__(self, name=default_name, dtype=None):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype)
        self._direction = direction

    return type(class_name, (MeanMetricWrapper,),
                {"__init__": __init__, "__doc__": doc, "__module__": module})
