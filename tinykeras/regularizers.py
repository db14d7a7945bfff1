"""Weight regularizers: penalties added to the loss, as ``keras.regularizers``.

A regularizer is called on a weight and returns a scalar Tensor; layers
collect these into ``model.losses``.

>>> import tinykeras as tk
>>> tk.regularizers.L2(0.1)(tk.Tensor([1.0, 2.0])).item()
0.5
"""
import math

from . import ops, serialization


def _validate(value, name):
    if (not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value}")
    return float(value)


class Regularizer:
    """Base class: ``__call__(weight) -> scalar``; subclasses add ``get_config``.

    >>> Regularizer()(ops.ones((2,)))
    0.0
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w**2)``; both default to 0.0.

    >>> L1L2(l1=0.5, l2=0.25)(ops.convert_to_tensor([1.0, -2.0])).item()
    2.75
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        total = ops.zeros((), dtype=x.dtype)
        if self.l1:
            total = total + ops.sum(ops.abs(x)) * self.l1
        if self.l2:
            total = total + ops.sum(ops.square(x)) * self.l2
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|w|)``, ``l1`` defaults to 0.01.

    >>> round(L1()(ops.convert_to_tensor([1.0, -2.0])).item(), 6)
    0.03
    """

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(w**2)``, ``l2`` defaults to 0.01.

    >>> round(L2()(ops.convert_to_tensor([1.0, -2.0])).item(), 6)
    0.05
    """

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards orthonormality:
    ``factor * 0.5 * sum(|offdiag(W_n W_n^T)|) / num_pairs`` with L2-normalised rows.

    >>> OrthogonalRegularizer(1.0)(ops.eye(2)).item()
    0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode}")
        self.mode = mode

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={x.shape}")
        x = x if self.mode == "rows" else x.T
        n = ops.sqrt(ops.sum(ops.square(x), axis=1, keepdims=True))
        x = x * ops.minimum(1.0 / n, 1e7)
        size = x.shape[0]
        product = (x @ x.T) * (1.0 - ops.eye(size, dtype=x.dtype))
        return ops.sum(ops.abs(product)) * (self.factor * 0.5 / (size * (size - 1.0) / 2.0))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS, {"l1_l2": L1L2})
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def serialize(regularizer):
    """Keras-style config dict.

    >>> serialize(L2())["config"]
    {'l2': 0.01}
    """
    return serialization.serialize(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    """The regularizer described by ``config``.

    >>> deserialize({"class_name": "L1", "config": {"l1": 0.5}}).l1
    0.5
    """
    obj = serialization.deserialize(config, ALL_OBJECTS_DICT, "regularizer", custom_objects)
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """A regularizer from a name (``"l2"``, ``"L1L2"``), a config dict, or a callable.

    >>> type(get("l2")).__name__, get(None)
    ('L2', None)
    """
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "regularizer")
