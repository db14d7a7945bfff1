"""``PReLU``: a leaky ReLU whose negative slope ``alpha`` is learned.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.PReLU(alpha_initializer=tk.initializers.Constant(0.25))
>>> layer(np.array([[-4.0, 2.0]], dtype="float32")).numpy().tolist()
[[-1.0, 2.0]]
>>> [w.name for w in layer.weights], layer.alpha.shape
(['alpha'], (2,))
"""
from ... import activations, constraints, initializers, regularizers
from ...serialization import serialize
from ..input_spec import InputSpec
from ..layer import Layer


class PReLU(Layer):
    """``PReLU(alpha_initializer="Zeros", alpha_regularizer=None,
    alpha_constraint=None, shared_axes=None)``: ``relu(x) - alpha * relu(-x)``.

    ``alpha`` has the input's shape without the batch axis, with size 1 on
    ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` for one slope per channel
    of an image), as in Keras 3.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(shared_axes)]
        else:
            self.shared_axes = [int(a) for a in shared_axes]

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for i in self.shared_axes or ():
            param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU {self.name!r}: every non-shared axis must be known, got input "
                             f"shape {tuple(input_shape)}; use shared_axes for the unknown ones")
        self.alpha = self.add_weight(shape=param_shape, name="alpha", initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if self.shared_axes and i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        return activations.relu(inputs) - self.alpha * activations.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": serialize(self.alpha_initializer),
                "alpha_regularizer": serialize(self.alpha_regularizer),
                "alpha_constraint": serialize(self.alpha_constraint), "shared_axes": self.shared_axes}
