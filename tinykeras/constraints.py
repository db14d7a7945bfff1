"""Weight constraints: projections applied after each optimizer step.

The optimizer calls ``variable.assign(variable.constraint(variable))`` after
updating a variable that has a ``constraint``.

>>> import tinykeras as tk
>>> tk.constraints.NonNeg()(tk.Tensor([-1.0, 2.0])).numpy().tolist()
[0.0, 2.0]
"""
from . import backend, ops, serialization


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``__call__(w) -> projected w`` (identity here).

    >>> Constraint()(1.0)
    1.0
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale slices whose L2 norm along ``axis`` exceeds ``max_value`` (default 2, axis 0).

    >>> w = MaxNorm(1.0)(ops.convert_to_tensor([[3.0], [4.0]]))
    >>> w.numpy().ravel().astype(float).round(4).tolist()
    [0.6, 0.8]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, self.max_value)
        return w * (desired / (norms + backend.epsilon()))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Clamp negative weights to zero.

    >>> NonNeg()([-1.0, 1.0]).numpy().tolist()
    [0.0, 1.0]
    """

    def __call__(self, w):
        return ops.maximum(ops.convert_to_tensor(w), 0.0)


class UnitNorm(Constraint):
    """Divide by the L2 norm along ``axis`` (default 0).

    >>> UnitNorm()(ops.convert_to_tensor([[3.0], [4.0]])).numpy().ravel().astype(float).round(4).tolist()
    [0.6, 0.8]
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return w / (_norms(w, self.axis) + backend.epsilon())

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move norms along ``axis`` into ``[min_value, max_value]`` at ``rate``:
    ``desired = rate * clip(norm, min, max) + (1 - rate) * norm``.

    >>> w = MinMaxNorm(0.0, 1.0)(ops.convert_to_tensor([[3.0], [4.0]]))
    >>> w.numpy().ravel().astype(float).round(4).tolist()
    [0.6, 0.8]
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, self.min_value, self.max_value) * self.rate + norms * (1 - self.rate)
        return w * (desired / (norms + backend.epsilon()))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS)
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm


def serialize(constraint):
    """Keras-style config dict.

    >>> serialize(MaxNorm(3))["config"]
    {'max_value': 3, 'axis': 0}
    """
    return serialization.serialize(constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    """The constraint described by ``config``.

    >>> deserialize("non_neg").__class__.__name__
    'NonNeg'
    """
    obj = serialization.deserialize(config, ALL_OBJECTS_DICT, "constraint", custom_objects)
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """A constraint from a name (``"max_norm"``, ``"NonNeg"``), a config dict, or a callable.

    >>> type(get("unit_norm")).__name__, get(None)
    ('UnitNorm', None)
    """
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "constraint")
