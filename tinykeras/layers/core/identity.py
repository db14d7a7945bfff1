"""``Identity``: returns its input unchanged (a placeholder layer).

>>> import tinykeras as tk
>>> tk.layers.Identity()(tk.ops.ones((2, 3))).shape
(2, 3)
"""
from ..layer import Layer


class Identity(Layer):
    """``Identity()``: no weights; any nested structure of tensors passes through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
