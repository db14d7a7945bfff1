"""Adaptive pooling: average or max over windows chosen so that the output
has ``output_size`` steps whatever the input size (PyTorch's bins, as
Keras 3 on its torch backend): output step ``i`` of an axis of length ``L``
pools input steps ``floor(i L / n)`` to ``ceil((i + 1) L / n)``.

>>> import numpy as np, tinykeras as tk
>>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)
>>> tk.layers.AdaptiveAveragePooling1D(2)(x).numpy().ravel().tolist()
[1.0, 3.0]
>>> tk.layers.AdaptiveMaxPooling1D(2)(x).numpy().ravel().tolist()
[2.0, 4.0]
"""
import math

from ... import ops
from ...ops import conv_shapes
from ..layer import Layer

_SIZES = {1: "tuple of 1 integer", 2: "(height, width) tuple", 3: "(depth, height, width) tuple"}


def adaptive_bins(length, size):
    """``[(start, end), ...]``: the input steps each of ``size`` outputs pools.

    >>> adaptive_bins(5, 2)
    [(0, 3), (2, 5)]
    """
    return [(i * length // size, math.ceil((i + 1) * length / size)) for i in range(size)]


class BaseAdaptivePooling(Layer):
    """``output_size`` (an int or one int per spatial axis), ``data_format``."""
    rank, reduce = None, None

    def __init__(self, output_size, data_format=None, **kwargs):
        if isinstance(output_size, int):
            output_size = (output_size,) * self.rank
        elif isinstance(output_size, (tuple, list)) and len(output_size) == self.rank:
            output_size = tuple(output_size)
        else:
            raise TypeError(f"`output_size` must be an integer or {_SIZES[self.rank]}. "
                            f"Received: {output_size} of type {type(output_size)}")
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = conv_shapes.normalize_data_format(data_format)

    def call(self, inputs):
        first = 1 if self.data_format == "channels_last" else 2
        out = inputs
        for axis, size in zip(range(first, first + self.rank), self.output_size):
            length = out.shape[axis]
            windows = []
            for start, end in adaptive_bins(length, size):
                index = (slice(None),) * axis + (slice(start, end),)
                windows.append(getattr(ops, self.reduce)(out[index], axis=axis, keepdims=True))
            out = ops.concatenate(windows, axis=axis)
        return out

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


def _adaptive(name, rank, reduce):
    what = "average" if reduce == "mean" else "maximum"
    doc = f"""``{name}(output_size, data_format=None)``: the {what} over adaptive
    windows of the {rank} spatial axis{'es' if rank > 1 else ''}, as Keras 3."""
    return type(name, (BaseAdaptivePooling,), {"rank": rank, "reduce": reduce, "__doc__": doc,
                                               "__module__": __name__})


AdaptiveAveragePooling1D = _adaptive("AdaptiveAveragePooling1D", 1, "mean")
AdaptiveAveragePooling2D = _adaptive("AdaptiveAveragePooling2D", 2, "mean")
AdaptiveAveragePooling3D = _adaptive("AdaptiveAveragePooling3D", 3, "mean")
AdaptiveMaxPooling1D = _adaptive("AdaptiveMaxPooling1D", 1, "max")
AdaptiveMaxPooling2D = _adaptive("AdaptiveMaxPooling2D", 2, "max")
AdaptiveMaxPooling3D = _adaptive("AdaptiveMaxPooling3D", 3, "max")
