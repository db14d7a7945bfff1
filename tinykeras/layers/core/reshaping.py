"""Layers that only move values around: ``Flatten``, ``Reshape``,
``Permute`` and ``RepeatVector``.  The batch axis is never touched.

>>> import tinykeras as tk
>>> x = tk.ops.ones((2, 3, 4))
>>> tk.layers.Flatten()(x).shape, tk.layers.Reshape((4, -1))(x).shape
((2, 12), (2, 4, 3))
>>> tk.layers.Permute((2, 1))(x).shape, tk.layers.RepeatVector(5)(tk.ops.ones((2, 3))).shape
((2, 4, 3), (2, 5, 3))
"""
import math

from ... import backend, ops
from ..input_spec import InputSpec
from ..layer import Layer


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


class Flatten(Layer):
    """``Flatten(data_format=None)``: ``(batch, d1, d2, ...)`` to ``(batch, d1*d2*...)``.

    With ``data_format="channels_first"`` the channel axis is moved last
    first, so the order of values matches a ``channels_last`` model's.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.supports_masking = False
        self.built = True

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return ops.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(d is None for d in rest) else math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


def _data_format(value):
    value = value or backend.image_data_format()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {value!r}")
    return value


class Reshape(Layer):
    """``Reshape(target_shape)``: new shape for each sample; one entry may be
    -1 (inferred).  ``Reshape((3, 4))`` turns ``(batch, 12)`` into ``(batch, 3, 4)``."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(
                not isinstance(d, int) or (d < 0 and d != -1) for d in target_shape):
            raise ValueError(f"Reshape {self.name!r}: target_shape must hold positive integers and "
                             f"at most one -1, got {target_shape}")
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, sample_shape):
        """``target_shape`` for samples of ``sample_shape``, -1 resolved (None if unknown)."""
        known = math.prod(d for d in self.target_shape if d != -1)
        if any(d is None for d in sample_shape):
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(sample_shape)
        if (-1 in self.target_shape and (known == 0 or size % known)) or (
                -1 not in self.target_shape and size != known):
            raise ValueError(f"Reshape {self.name!r}: the input's samples have shape "
                             f"{_shape_str(sample_shape)} ({size} values), which cannot be reshaped "
                             f"into target_shape={self.target_shape}")
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape[1:]))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """``Permute(dims)``: reorder the non-batch axes; ``dims`` counts from 1,
    so ``Permute((2, 1))`` swaps the two axes of ``(batch, a, b)``."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute {self.name!r}: invalid permutation dims={self.dims}; the "
                             "indices must be consecutive and start from 1")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """``RepeatVector(n)``: ``(batch, features)`` to ``(batch, n, features)``."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector {self.name!r}: expected an integer value for `n`, got "
                            f"{type(n).__name__}")
        if n <= 0:
            raise ValueError(f"RepeatVector {self.name!r}: `n` should be a positive integer, got {n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
