"""``ActivityRegularization``: the identity, adding an L1/L2 penalty on its
input to the model's losses.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.ActivityRegularization(l1=0.5)
>>> _ = layer(np.array([[1.0, -3.0]], "float32"))
>>> [float(loss) for loss in layer.losses]   # 0.5 * (1 + 3) / batch size 1
[2.0]
"""
from ... import regularizers
from ..layer import Layer


class ActivityRegularization(Layer):
    """``ActivityRegularization(l1=0.0, l2=0.0)``: passes its input through and
    adds ``(l1 * sum|x| + l2 * sum x**2) / batch_size`` to ``losses``.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = l1, l2
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
