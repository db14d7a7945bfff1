"""``Rescaling``: ``inputs * scale + offset`` (e.g. pixels from [0, 255] to [0, 1]).

>>> import tinykeras as tk
>>> layer = tk.layers.Rescaling(1.0 / 255)
>>> layer(tk.ops.convert_to_tensor([[0, 255]])).numpy().tolist()
[[0.0, 1.0]]
>>> tk.layers.Rescaling(1.0 / 127.5, offset=-1)(tk.ops.convert_to_tensor([[0.0, 255.0]])).numpy().tolist()
[[-1.0, 1.0]]
"""
import numpy as np

from ... import backend, ops
from ..layer import Layer


class Rescaling(Layer):
    """``Rescaling(scale, offset=0.0)``: ``scale`` and ``offset`` are numbers or
    per-channel lists (broadcast against the last axis; against axis 1 when
    ``image_data_format()`` is ``"channels_first"``).  Integer inputs give
    floats of the layer's dtype."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = _plain(scale), _plain(offset)
        self.supports_masking = True
        self.built = True

    def _constant(self, value):
        value = np.asarray(value, dtype=self.dtype)
        if value.ndim and backend.image_data_format() == "channels_first":
            value = value.reshape(value.shape + (1,) * (3 - value.ndim))
        return ops.convert_to_tensor(value)

    def call(self, inputs):
        inputs = ops.cast(inputs, self.dtype)
        return inputs * self._constant(self.scale) + self._constant(self.offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def _plain(value):
    """Numbers stay numbers; arrays and tuples become (JSON-ready) lists."""
    if isinstance(value, (int, float)):
        return value
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    return array.item() if array.ndim == 0 else array.tolist()
