"""``GroupNormalization``: normalize each sample over groups of channels.

>>> import numpy as np, tinykeras as tk
>>> gn = tk.layers.GroupNormalization(groups=2)
>>> y = gn(np.array([[1.0, 3.0, 10.0, 30.0]], dtype="float32")).numpy()
>>> y.round(3).tolist(), [w.name for w in gn.weights]
([[-1.0, 1.0, -1.0, 1.0]], ['gamma', 'beta'])
"""
from ... import ops
from ..input_spec import InputSpec
from ..layer import Layer
from .affine import add_affine_weight, affine_config, set_affine_args


class GroupNormalization(Layer):
    """``GroupNormalization(groups=32, axis=-1, epsilon=1e-3, center=True,
    scale=True, beta_initializer="zeros", gamma_initializer="ones", ...)``.

    The channels of ``axis`` are split into ``groups`` groups; each sample
    is normalized over every axis but the batch within each group, then
    scaled by ``gamma`` and shifted by ``beta`` (one per channel).
    ``groups=-1`` is instance normalization, ``groups=1`` layer normalization.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive "
                             f"integer (or `-1` for instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self.center, self.scale = center, scale
        set_affine_args(self, beta_initializer, gamma_initializer, beta_regularizer,
                        gamma_regularizer, beta_constraint, gamma_constraint)
        self.gamma = self.beta = None

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"GroupNormalization {self.name!r}: axis {self.axis} of the input "
                             f"should have a defined dimension, got input shape {tuple(input_shape)}")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"GroupNormalization {self.name!r}: number of groups ({self.groups}) "
                             f"cannot be more than the number of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"GroupNormalization {self.name!r}: the number of channels ({dim}) "
                             f"must be a multiple of the number of groups ({self.groups}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        if self.scale:
            self.gamma = add_affine_weight(self, "gamma", (dim,))
        if self.center:
            self.beta = add_affine_weight(self, "beta", (dim,))

    def call(self, inputs):
        ndim, axis = inputs.ndim, self.axis % inputs.ndim
        dim = inputs.shape[axis]
        shape = list(inputs.shape)
        group_shape = shape[:axis] + [self.groups, dim // self.groups] + shape[axis + 1:]
        grouped = ops.reshape(inputs, group_shape)
        reduce_axes = tuple(a for a in range(1, ndim + 1) if a != axis)
        mean, variance = ops.moments(grouped, axes=reduce_axes, keepdims=True)
        inv = 1.0 / ops.sqrt(variance + self.epsilon)
        broadcast = [1] * (ndim + 1)
        broadcast[axis], broadcast[axis + 1] = self.groups, dim // self.groups
        if self.gamma is not None:
            inv = inv * ops.reshape(self.gamma, broadcast)
        shift = -mean * inv
        if self.beta is not None:
            shift = shift + ops.reshape(self.beta, broadcast)
        return ops.reshape(grouped * inv + shift, shape)

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        return input_shape

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **affine_config(self)}
