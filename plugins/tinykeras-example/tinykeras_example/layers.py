"""``Snake``: a Keras layer that applies the snake op.

Registered for saving by the plugin's ``tinykeras_register_serializables``
hook, as ``"tinykeras_example>Snake"``, so a model that uses it saves and
loads in any program where the plugin is installed (no import needed).

>>> import tinykeras as tk
>>> Snake(alpha=0.5)(tk.ops.zeros((2, 3))).shape
(2, 3)
"""
from tinykeras.layers import Layer

from .ops import snake


class Snake(Layer):
    """``Snake(alpha=1.0)``: ``x + sin(alpha * x)**2 / alpha``, element by element.

    No weights; keeps the input's shape and passes masks through.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if not float(alpha) > 0:
            raise ValueError(f"Snake: alpha must be > 0, got {alpha}")
        self.alpha = float(alpha)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return snake(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
