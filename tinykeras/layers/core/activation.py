"""``Activation``: apply an activation function as a layer.

>>> import tinykeras as tk
>>> layer = tk.layers.Activation("relu")
>>> layer(tk.ops.convert_to_tensor([[-1.0, 2.0]])).numpy().tolist()
[[0.0, 2.0]]
"""
from ... import activations
from ..layer import Layer


class Activation(Layer):
    """``Activation(activation)``: ``activation`` is a name (``"relu"``) or a callable.

    It has no weights, keeps the input's shape and passes masks through.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return inputs if self.activation is None else self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
