"""``LayerNormalization``: normalize each sample over its feature axes.

>>> import numpy as np, tinykeras as tk
>>> ln = tk.layers.LayerNormalization()
>>> print(np.round(ln(np.array([[1.0, 3.0]], dtype="float32")).numpy(), 4))
[[-0.9995  0.9995]]
>>> [w.name for w in ln.weights], ln.axis
(['gamma', 'beta'], [-1])
"""
from ... import ops
from ...ops import norm_ops
from ..layer import Layer
from .affine import add_affine_weight, affine_config, set_affine_args
from .batch_normalization import _broadcast_shape


class LayerNormalization(Layer):
    """``LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True,
    beta_initializer="zeros", gamma_initializer="ones", ..., rms_scaling=False)``.

    ``output = (x - mean) / sqrt(var + epsilon) * gamma + beta``, with the
    statistics taken over ``axis`` (an int or a list) for each sample.
    ``gamma`` and ``beta`` have shape ``tuple(input_shape[a] for a in axis)``.
    ``rms_scaling=True`` (deprecated in Keras, kept for its numbers) skips
    the centering and ``beta``: ``x / sqrt(var + epsilon) * gamma``.
    After ``build`` ``axis`` is a sorted list, as in Keras.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(f"LayerNormalization {self.name!r}: expected an int or a list/tuple of "
                            f"ints for the argument 'axis', but received: {axis!r}")
        self.epsilon = epsilon
        self.center, self.scale, self.rms_scaling = center, scale, rms_scaling
        set_affine_args(self, beta_initializer, gamma_initializer, beta_regularizer,
                        gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def _axes(self, ndim):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        bad = [a for a in axes if not -ndim <= a < ndim]
        if bad:
            raise ValueError(f"LayerNormalization {self.name!r}: axis {bad[0]} is out of bounds for "
                             f"an input of rank {ndim}. Received: axis={self.axis}")
        return tuple(sorted(a % ndim for a in axes))

    def build(self, input_shape):
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"LayerNormalization {self.name!r}: the normalized axes {list(axes)} "
                             f"must have known sizes, got input shape {tuple(input_shape)}")
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        if self.scale or self.rms_scaling:
            self.gamma = add_affine_weight(self, "gamma", shape)
        if self.center and not self.rms_scaling:
            self.beta = add_affine_weight(self, "beta", shape)

    def call(self, inputs):
        axes = self._axes(inputs.ndim)
        if axes == (inputs.ndim - 1,) and self.gamma is not None and self.beta is not None \
                and not self.rms_scaling:   # the usual form: one op (fused on NumPy)
            return norm_ops.layer_norm(inputs, self.gamma, self.beta, self.epsilon)
        shape = _broadcast_shape(inputs.ndim, axes, inputs.shape)
        mean, variance = ops.moments(inputs, axes=axes, keepdims=True)
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            inv = inv * ops.reshape(self.gamma, shape)
        if self.rms_scaling:
            return inputs * inv
        outputs = (inputs - mean) * inv
        if self.beta is not None:
            outputs = outputs + ops.reshape(self.beta, shape)
        return outputs

    def compute_output_shape(self, input_shape):
        self._axes(len(input_shape))
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                **affine_config(self)}
