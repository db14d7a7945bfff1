"""The ``Loss`` base class and Keras 3's reduction rules.

>>> import tinykeras as tk
>>> class AbsError(tk.losses.Loss):
...     def call(self, y_true, y_pred):
...         return tk.ops.mean(tk.ops.abs(y_true - y_pred), axis=-1)
>>> AbsError()([[0.0, 1.0]], [[1.0, 1.0]]).item()
0.5
"""
from .. import backend, ops, serialization
from . import labels

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    """Check ``reduction`` against Keras's allowed values.

    >>> standardize_reduction("sum")
    'sum'
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                         f"{set(REDUCTIONS)}. Received: reduction={reduction}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by one trailing size-1 axis (as Keras).

    >>> [t.shape for t in squeeze_or_expand_to_same_rank(ops.zeros((3,)), ops.zeros((3, 1)))]
    [(3, 1), (3, 1)]
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.reshape(x2.shape + (1,))
        else:
            x1 = x1.reshape(x1.shape[:-1])
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.reshape(x1.shape + (1,))
        else:
            x2 = x2.reshape(x2.shape[:-1])
    return x1, x2


def _divide_no_nan(x, y):
    return ops.where(y == 0, 0.0, x / ops.where(y == 0, 1.0, y))


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Reduce per-sample ``values`` to a scalar (already weighted).

    ``sum_over_batch_size``/``mean`` divide the sum by the number of values,
    ``mean_with_sample_weight`` by the sum of the weights.

    >>> reduce_values(ops.convert_to_tensor([1.0, 3.0])).item()
    2.0
    """
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            loss = _divide_no_nan(loss, ops.sum(sample_weight).astype(loss.dtype))
        else:
            count = values.size
            loss = loss / float(count) if count else loss * 0.0
    return loss


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean ``mask`` into ``sample_weight`` (as Keras's ``apply_mask``); for
    the mean reductions the kept entries are scaled so the mean is over them.

    >>> apply_mask(None, ops.convert_to_tensor([True, False]), "float32", "sum").numpy().tolist()
    [1.0, 0.0]
    """
    if mask is None:
        return sample_weight
    mask = ops.convert_to_tensor(mask)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = ops.sum(mask.astype(dtype))
        weight = _divide_no_nan(ops.convert_to_tensor(float(mask.size), dtype=dtype), valid)
        float_mask = ops.where(mask.astype("bool"), weight, 0.0)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight.astype(dtype))
    return sample_weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Weight ``values`` by ``sample_weight`` (and ``mask``), then reduce.

    >>> reduce_weighted_values(ops.convert_to_tensor([1.0, 3.0]), [1.0, 0.0], reduction="sum").item()
    1.0
    """
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


class Loss:
    """Base class: subclasses implement ``call(y_true, y_pred)`` returning
    per-sample values; ``__call__`` converts the inputs to ``dtype``, applies
    ``sample_weight`` and reduces (``"sum_over_batch_size"`` by default,
    also ``"sum"``, ``"mean"``, ``"mean_with_sample_weight"``, ``"none"``/None).

    A Tensor with a boolean ``_keras_mask`` attribute (on ``y_pred`` or on
    the values ``call`` returns) masks entries out, as in Keras.

    >>> MeanAbs = type("MeanAbs", (Loss,), {"call": lambda s, t, p: ops.abs(t - p)})
    >>> MeanAbs(reduction="sum")([1.0, 2.0], [0.0, 0.0]).item()
    3.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or serialization.auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = dtype or backend.floatx()

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        values = self.call(y_true, y_pred)
        out_mask = getattr(values, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = ops.logical_and(in_mask, out_mask)
        else:
            mask = in_mask if in_mask is not None else out_mask
        return reduce_weighted_values(values, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Every built-in loss class is one of these; ``compile(loss="mse")`` wraps
    the function the same way.

    >>> from tinykeras.losses import mean_squared_error
    >>> LossFunctionWrapper(mean_squared_error)([[0.0, 2.0]], [[0.0, 0.0]]).item()
    2.0
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def __call__(self, y_true, y_pred, sample_weight=None):
        name = None if self.name.startswith("loss_function_wrapper") else self.name
        labels.check(self.fn, y_true, y_pred, name, self._fn_kwargs)
        return super().__call__(y_true, y_pred, sample_weight=sample_weight)

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        return serialization.wrapper_config(self, super().get_config(), self.fn, self._fn_kwargs,
                                            LossFunctionWrapper, "keras.losses")

    @classmethod
    def from_config(cls, config):
        from . import deserialize
        return serialization.wrapper_from_config(cls, config, deserialize)

    def __repr__(self):
        fn = getattr(self.fn, "__name__", self.fn)
        return f"<{type(self).__name__}({fn}, kwargs={self._fn_kwargs})>"
