"""``Masking``: mark the time steps whose features all equal ``mask_value`` as padding.

The layers after it that support masking (recurrent layers, attention,
``GlobalAveragePooling1D``...) then skip those steps.  Masked steps are
also zeroed in the output, as in Keras.

>>> import numpy as np, tinykeras as tk
>>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
>>> out = tk.layers.Masking(mask_value=0.0)(x)
>>> out._keras_mask.numpy().tolist()
[[True, False, True]]
"""
from ... import ops
from ..layer import Layer


class Masking(Layer):
    """``Masking(mask_value=0.0)``: the mask is ``any(inputs != mask_value, axis=-1)``."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        keep = ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return ops.where(keep, inputs, 0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
