"""``Projection``: the EinsumDense-like dense layer inside ``MultiHeadAttention``.

It contracts the last ``contract_dims`` axes of its input with the first
axes of a kernel of shape ``input_shape[-contract_dims:] + output_shape``
and adds a bias of shape ``output_shape``: Keras's ``EinsumDense`` for the
two equations multi-head attention uses, ``"abc,cde->abde"`` (a head
projection, ``contract_dims=1``) and ``"abcd,cde->abe"`` (the output
projection, ``contract_dims=2``).  It runs as one reshape, one matmul and
one reshape, so the kernels are Keras's, weight for weight.

>>> import tinykeras as tk
>>> proj = Projection((4, 8), name="query")            # 4 heads of size 8
>>> proj(tk.ops.ones((2, 5, 16))).shape, proj.kernel.shape, proj.bias.shape
((2, 5, 4, 8), (16, 4, 8), (4, 8))
>>> Projection((16,), contract_dims=2)(tk.ops.ones((2, 5, 4, 8))).shape
(2, 5, 16)
"""
import math

from ... import constraints, initializers, regularizers
from ...serialization import serialize
from ..layer import Layer


class Projection(Layer):
    """``Projection(output_shape, contract_dims=1, use_bias=True, activation=None, ...)``."""

    def __init__(self, output_shape, contract_dims=1, use_bias=True, activation=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        from ... import activations
        self.partial_output_shape = tuple(int(d) for d in output_shape)
        self.contract_dims = int(contract_dims)
        self.use_bias = use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        contracted = tuple(input_shape[-self.contract_dims:])
        if len(input_shape) <= self.contract_dims or any(d is None for d in contracted):
            raise ValueError(f"Projection {self.name!r}: input shape {tuple(input_shape)} needs "
                             f"{self.contract_dims} known trailing axes after the batch axis")
        self.kernel = self.add_weight(shape=contracted + self.partial_output_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.bias = self.add_weight(shape=self.partial_output_shape, initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None

    def call(self, inputs):
        n_in = math.prod(self.kernel.shape[:self.contract_dims])
        lead = tuple(inputs.shape[:-self.contract_dims])
        y = inputs.reshape((-1, n_in)) @ self.kernel.reshape((n_in, math.prod(self.partial_output_shape)))
        y = y.reshape(lead + self.partial_output_shape)
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-self.contract_dims]) + self.partial_output_shape

    def get_config(self):
        from ... import activations
        return {**super().get_config(), "output_shape": list(self.partial_output_shape),
                "contract_dims": self.contract_dims, "use_bias": self.use_bias,
                "activation": activations.serialize(self.activation),
                "kernel_initializer": serialize(self.kernel_initializer),
                "bias_initializer": serialize(self.bias_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer),
                "bias_regularizer": serialize(self.bias_regularizer),
                "kernel_constraint": serialize(self.kernel_constraint),
                "bias_constraint": serialize(self.bias_constraint)}
