"""``Normalization``: ``(x - mean) / sqrt(variance)`` with the statistics
given or learned by ``adapt()``.

>>> import numpy as np, tinykeras as tk
>>> norm = tk.layers.Normalization()
>>> norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]], "float32"))
>>> norm(np.array([[1.0, 20.0]], "float32")).numpy().tolist()
[[0.0, 0.0]]
>>> [w.name for w in norm.weights]
['mean', 'variance', 'count']
"""
import math

import numpy as np

from ... import backend, ops
from ...core.tensor import Tensor
from ..layer import Layer


def _host(batch):
    batch = batch[0] if isinstance(batch, (tuple, list)) else batch
    return np.asarray(batch.numpy() if isinstance(batch, Tensor) else batch)


class Normalization(Layer):
    """``Normalization(axis=-1, mean=None, variance=None, invert=False)``, as Keras 3.

    ``axis`` (an int, a tuple or None) names the axes that keep their own
    statistics (the others are reduced).  Given ``mean`` and ``variance``
    the layer has no weights; otherwise ``adapt(data)`` (an array, a Tensor
    or an iterable of batches) stores them in the non-trainable weights
    ``mean``, ``variance`` (and Keras's unused ``count``), which are saved with
    the model.  Outputs are ``(x - mean) / max(sqrt(variance), epsilon)``;
    ``invert=True`` maps back: ``mean + x * max(sqrt(variance), epsilon)``.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be set. "
                             f"Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` must have the "
                                 f"same shape. Received: mean shape {np.shape(mean)} and variance "
                                 f"shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError("The rank of `mean` must be less than or equal to the number of "
                                 f"axes ({len(self.axis)}). Received: mean shape {np.shape(mean)} "
                                 f"for axis {self.axis}")

    def build(self, input_shape):
        ndim = len(input_shape)
        self._build_input_shape = tuple(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received inputs "
                             f"with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        unknown = [d for d in self._keep_axis if input_shape[d] is None]
        if unknown:
            raise ValueError(f"All `axis` values to be kept must have a known shape. Received "
                             f"axis={self.axis}, inputs.shape={tuple(input_shape)}, with unknown "
                             f"axis at index {unknown[0]}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            shape = self._mean_and_var_shape
            self.adapt_mean = self.add_weight(name="mean", shape=shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=shape, initializer="ones",
                                                  trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
        else:
            self._fixed = [self._broadcast(np.asarray(v, self.dtype))
                           for v in (self.input_mean, self.input_variance)]

    def _broadcast(self, value):
        """``value`` (rank <= kept axes, aligned right to left) as the broadcast shape."""
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        return np.broadcast_to(value.reshape(expanded), self._broadcast_shape)

    def adapt(self, data):
        """Compute ``mean`` and ``variance`` from ``data``: an array or Tensor,
        or an iterable of batches (combined exactly, batch by batch)."""
        if isinstance(data, (np.ndarray, Tensor)):
            batches, first = None, _host(data)
        elif hasattr(data, "__iter__"):
            batches = iter(data)
            first = next(batches, None)
            if first is None:
                raise ValueError("Normalization.adapt() received an empty iterable (no batches). "
                                 "Pass a non-empty iterable of arrays, e.g. layer.adapt([x]).")
            first = _host(first)
        else:
            raise TypeError(f"Normalization.adapt(): unsupported data type {type(data).__name__}; "
                            "give an array, a Tensor or an iterable of batches")
        if not self.built:
            self.build(first.shape)
            self.built = True
        elif any(first.shape[d] != self._build_input_shape[d] for d in self._keep_axis):
            raise ValueError(f"The layer was built with input_shape={self._build_input_shape}, but "
                             "adapt() is being called with data with an incompatible shape, "
                             f"data.shape={first.shape}")
        if batches is None:
            mean, var = np.mean(first, axis=self._reduce_axis), np.var(first, axis=self._reduce_axis)
        else:
            mean, var, count = 0.0, 0.0, 0
            for batch in [first] + [_host(b) for b in batches]:
                batch = batch.astype(self.dtype, copy=False)
                n = math.prod(batch.shape[d] for d in self._reduce_axis)
                count += n
                w = float(n) / count
                new_mean = mean * (1.0 - w) + np.mean(batch, axis=self._reduce_axis) * w
                var = ((var + (mean - new_mean) ** 2) * (1.0 - w)
                       + (np.var(batch, axis=self._reduce_axis)
                          + (np.mean(batch, axis=self._reduce_axis) - new_mean) ** 2) * w)
                mean = new_mean
        self.adapt_mean.assign(np.asarray(mean, self.adapt_mean.dtype))
        self.adapt_variance.assign(np.asarray(var, self.adapt_variance.dtype))

    def call(self, inputs):
        inputs = ops.convert_to_tensor(inputs, dtype=self.dtype)
        if self.input_mean is None:
            mean = ops.reshape(self.adapt_mean, self._broadcast_shape)
            variance = ops.reshape(self.adapt_variance, self._broadcast_shape)
        else:
            mean, variance = (ops.convert_to_tensor(v) for v in self._fixed)
        scale = ops.maximum(ops.sqrt(variance), backend.epsilon())
        return mean + inputs * scale if self.invert else (inputs - mean) / scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}
