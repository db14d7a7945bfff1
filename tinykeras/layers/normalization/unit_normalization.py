"""``UnitNormalization`` (L2 norm 1 along ``axis``) and ``RMSNormalization``
(root mean square 1, times a learned ``scale``).

>>> import numpy as np, tinykeras as tk
>>> tk.layers.UnitNormalization()(np.array([[3.0, 4.0]], "float32")).numpy().tolist()
[[0.6000000238418579, 0.800000011920929]]
>>> tk.layers.RMSNormalization()(np.array([[1.0, -1.0]], "float32")).numpy().round(4).tolist()
[[1.0, -1.0]]
"""
from ... import ops
from ...losses.functions import l2_normalize
from ..layer import Layer


def _check_axes(axis, input_shape):
    for a in (axis if isinstance(axis, (list, tuple)) else [axis]):
        if not -len(input_shape) <= a < len(input_shape):
            raise ValueError(f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. "
                             f"Received: axis={axis}")
    return input_shape


class UnitNormalization(Layer):
    """``UnitNormalization(axis=-1)``: ``x / max(||x||_2, 1e-12)`` along ``axis``
    (an int or a list of ints).  No weights.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple of "
                            f"ints. Received: axis={axis}")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return l2_normalize(inputs, axis=axis, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        return _check_axes(self.axis, input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """``RMSNormalization(axis=-1, epsilon=1e-6)``:
    ``x * rsqrt(mean(x**2, axis) + epsilon) * scale``; one ``scale`` weight
    shaped like the normalized axes.  After ``build`` ``axis`` is a sorted list.
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
            shape = tuple(input_shape[a] for a in self.axis)
        else:
            shape, self.axis = (input_shape[self.axis],), [self.axis]
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")

    def call(self, x):
        axes = tuple(a % x.ndim for a in self.axis)
        rrms = 1.0 / ops.sqrt(ops.mean(ops.square(x), axis=axes, keepdims=True) + self.epsilon)
        shape = tuple(x.shape[a] if a in axes else 1 for a in range(x.ndim))
        return x * rrms * ops.reshape(self.scale, shape)

    def compute_output_shape(self, input_shape):
        return _check_axes(self.axis, input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
