"""``BatchNormalization``: normalize each channel with the batch's statistics
while training and with running averages of them at inference.

>>> import numpy as np, tinykeras as tk
>>> bn = tk.layers.BatchNormalization()
>>> x = np.array([[0.0, 10.0], [2.0, 30.0]], dtype="float32")
>>> print(np.round(bn(x, training=True).numpy(), 4))         # batch statistics
[[-0.9995 -1.    ]
 [ 0.9995  1.    ]]
>>> [w.name for w in bn.weights]
['gamma', 'beta', 'moving_mean', 'moving_variance']
>>> print(np.round(bn.moving_mean.numpy(), 4))                # 0.99 * 0 + 0.01 * mean
[0.01 0.2 ]

As in Keras 3 the statistics are updated only ``if training and
self.trainable``: a frozen layer (``trainable = False``, e.g. in a frozen
base model) always runs in inference mode.
"""
from ... import backend, constraints, initializers, ops, regularizers
from ...core.autograd import no_grad
from ..input_spec import InputSpec
from ..layer import Layer


def _broadcast_shape(ndim, axes, input_shape):
    """Shape that lines a per-channel vector up with ``axes`` of the input."""
    return tuple(input_shape[a] if a in axes else 1 for a in range(ndim))


class BatchNormalization(Layer):
    """``BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True,
    scale=True, beta_initializer="zeros", gamma_initializer="ones",
    moving_mean_initializer="zeros", moving_variance_initializer="ones", ...)``.

    ``output = (x - mean) / sqrt(var + epsilon) * gamma + beta``; weights, in
    Keras's order: ``gamma``, ``beta`` (trainable; absent if ``scale`` /
    ``center`` is False), ``moving_mean``, ``moving_variance``
    (non-trainable).  While training, ``moving = moving * momentum +
    batch_statistic * (1 - momentum)`` (the variance is the biased one).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if renorm or synchronized:
            raise ValueError(f"BatchNormalization {self.name!r}: renorm=True and synchronized=True "
                             "are not supported by tinykeras")
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is out of bounds "
                             f"for input shape {tuple(input_shape)}")
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} of the input must "
                             f"have a known size, got input shape {tuple(input_shape)}")
        shape = (channels,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma", initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta", initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean", trainable=False,
                                           initializer=self.moving_mean_initializer)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance", trainable=False,
                                               initializer=self.moving_variance_initializer)
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: channels})
        self._channel_axis = self.axis % ndim
        self._reduction_axes = tuple(a for a in range(ndim) if a != self._channel_axis)

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(f"BatchNormalization {self.name!r}: the mask should have one dimension "
                             f"less than the inputs; got mask shape {mask.shape}, input shape "
                             f"{inputs.shape}")
        shape = _broadcast_shape(inputs.ndim, (self._channel_axis,), inputs.shape)
        if training and self.trainable:
            mean, variance = self._moments(inputs, mask)
            with no_grad():
                for var, stat in ((self.moving_mean, mean), (self.moving_variance, variance)):
                    var.assign(ops.cast(var * self.momentum + stat.detach() * (1.0 - self.momentum),
                                        var.dtype))
        else:
            mean, variance = ops.cast(self.moving_mean, inputs.dtype), ops.cast(self.moving_variance,
                                                                                  inputs.dtype)
        inv = ops.reshape(1.0 / ops.sqrt(variance + self.epsilon), shape)
        if self.gamma is not None:
            inv = inv * ops.reshape(self.gamma, shape)
        outputs = (inputs - ops.reshape(mean, shape)) * inv
        if self.beta is not None:
            outputs = outputs + ops.reshape(self.beta, shape)
        return outputs

    def _moments(self, inputs, mask):
        """Per-channel mean and biased variance; with a mask, over unmasked entries only."""
        if mask is None:
            return ops.moments(inputs, axes=self._reduction_axes)
        weights = ops.cast(ops.broadcast_to(ops.expand_dims(mask, -1), inputs.shape), inputs.dtype)
        count = ops.sum(weights, axis=self._reduction_axes, keepdims=True) + backend.epsilon()
        mean = ops.sum(inputs * weights, axis=self._reduction_axes, keepdims=True) / count
        variance = ops.sum(ops.square((inputs - mean) * weights), axis=self._reduction_axes,
                           keepdims=True) / count
        return ops.reshape(mean, (-1,)), ops.reshape(variance, (-1,))

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is out of bounds "
                             f"for input shape {tuple(input_shape)}")
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint),
                "synchronized": False, "renorm": False, "renorm_clipping": None,
                "renorm_momentum": 0.99}
