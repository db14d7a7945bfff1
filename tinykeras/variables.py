"""``tk.Variable``: a named, assignable Tensor that layers and optimizers own.

A Variable *is* a leaf Tensor: layers compute with it directly
(``x @ self.kernel``) and ``backward()`` leaves its gradient in ``.grad``.

>>> import tinykeras as tk
>>> v = tk.Variable([1.0, 2.0], name="w")
>>> v.assign([3.0, 4.0]).numpy().tolist()
[3.0, 4.0]
>>> (v * 2).sum().backward(); v.grad.numpy().tolist()
[2.0, 2.0]
"""
import contextvars

import numpy as np

from .core.registry import ACTIVE
from .core.tensor import Tensor
from .global_state import scoped

# While a model file loads, an object whose ``charge(shape, name, dtype)``
# raises before an allocation the file does not pay for
# (see ``tinykeras.saving.budget``).
ALLOCATION_BUDGET = contextvars.ContextVar("tinykeras_allocation_budget", default=None)


class Variable(Tensor):
    """``Variable(initializer, shape=None, dtype=None, trainable=True, name=None)``.

    ``initializer`` is an array-like value, or a callable
    ``initializer(shape, dtype)`` (any ``tk.initializers`` object).
    ``trainable`` variables require gradients; ``path`` is Keras's: the
    name scopes open where it was made, then its name (``"dense/kernel"``,
    or ``"sequential/dense/kernel"`` for a layer a Sequential built); it
    names the variable in messages and ``OptimizerMap`` keys match it (files
    store weights by structure, see ``tk.saving.object_paths``).
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None,
                 constraint=None, regularizer=None):
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {name!r}: a callable initializer needs a shape")
            budget = ALLOCATION_BUDGET.get()
            if budget is not None:
                budget.charge(tuple(shape), name, dtype or "float32")
            value = initializer(tuple(shape), dtype or "float32")
        else:
            value = initializer
        value = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
        if dtype is None:
            dtype = "float32" if value.dtype.kind == "f" else value.dtype
        super().__init__(value, dtype=dtype)
        if shape is not None and tuple(shape) != self.shape:
            raise ValueError(f"Variable {name!r}: initial value has shape {self.shape}, expected {tuple(shape)}")
        self.name = name or "variable"
        self.path = scoped(self.name)  # "outer/w" inside keras.name_scope("outer")
        self.constraint = constraint
        self.regularizer = regularizer
        self.trainable = trainable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, flag):
        self._trainable = bool(flag)
        self.requires_grad = bool(flag) and self.data.dtype.kind in "fc"

    def numpy(self):
        """A copy of the values, as Keras's ``Variable.numpy()`` (optimizers
        update the buffer in place, so a live view would change under you)."""
        return np.array(super().numpy())

    @property
    def value(self):
        """The Variable itself (Keras code reads ``variable.value``)."""
        return self

    def assign(self, value):
        """Replace the values (same shape); returns the Variable."""
        data = value.data if isinstance(value, Tensor) else ACTIVE["asarray"](
            np.asarray(value, dtype=self.dtype))
        if tuple(data.shape) != self.shape:
            raise ValueError(f"Variable {self.path!r}: cannot assign a value of shape "
                             f"{tuple(data.shape)} to a variable of shape {self.shape}")
        if data.dtype != self.data.dtype:
            data = ACTIVE["cast"](data, self.dtype)
        self.data = data
        return self

    def assign_add(self, value):
        return self.assign(Tensor.__add__(self.detach(), value))

    def assign_sub(self, value):
        return self.assign(Tensor.__sub__(self.detach(), value))

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.array2string(self.numpy(), threshold=6)}>")
