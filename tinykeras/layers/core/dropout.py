"""Regularization layers that add noise during training only:
``Dropout``, ``GaussianNoise``, ``GaussianDropout`` and ``AlphaDropout``.

At inference (``training=False``, the default, as in ``predict``) each of
them returns its input unchanged.  A ``seed`` makes the noise repeatable.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.Dropout(0.5, seed=0)
>>> x = np.ones((2, 4), dtype="float32")
>>> layer(x).numpy().tolist()                      # inference: unchanged
[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
>>> sorted(set(layer(x, training=True).numpy().ravel().tolist()))  # kept ones scaled by 2
[0.0, 2.0]
"""
import math

from ... import ops, random
from ..layer import Layer


class _Noise(Layer):
    """Shared machinery: one float argument in [0, 1], a seed, and a
    ``_noise(inputs)`` applied only when ``training`` and the argument > 0."""

    _arg = "rate"

    def __init__(self, value, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
            raise ValueError(f"{type(self).__name__} {self.name!r}: invalid value received for "
                             f"argument `{self._arg}`. Expected a float value between 0 and 1. "
                             f"Received: {self._arg}={value!r}")
        setattr(self, self._arg, value)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and getattr(self, self._arg) > 0:
            return self._noise(inputs)
        return inputs

    def _noise(self, inputs):
        raise NotImplementedError

    def _noise_shape(self, inputs):
        """The input's shape, with ``noise_shape``'s fixed entries where given."""
        noise_shape = getattr(self, "noise_shape", None)
        if noise_shape is None:
            return inputs.shape
        if len(noise_shape) != inputs.ndim:
            raise ValueError(f"{type(self).__name__} {self.name!r}: noise_shape={noise_shape} has "
                             f"{len(noise_shape)} entries, the input has shape {inputs.shape}")
        return tuple(d if n is None else n for n, d in zip(noise_shape, inputs.shape))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), self._arg: getattr(self, self._arg), "seed": self.seed}
        if "noise_shape" in self.__dict__:
            config["noise_shape"] = self.noise_shape
        return config


def _check_noise_shape(layer, noise_shape):
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str) or not hasattr(noise_shape, "__iter__"):
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: noise_shape must be a tuple of "
                         f"integers or None, got {noise_shape!r}")
    noise_shape = tuple(noise_shape)
    for dim in noise_shape:
        if dim is not None and (not isinstance(dim, int) or dim <= 0):
            raise ValueError(f"{type(layer).__name__} {layer.name!r}: noise_shape entries must be "
                             f"positive integers or None, got {noise_shape!r}")
    return noise_shape


class Dropout(_Noise):
    """``Dropout(rate, noise_shape=None, seed=None)``: during training, zero each
    value with probability ``rate`` and scale the others by ``1 / (1 - rate)``.

    ``noise_shape`` (e.g. ``(None, 1, features)``) shares one keep/drop
    decision along the axes where it is 1; None entries take the input's size.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.noise_shape = _check_noise_shape(self, noise_shape)

    def _noise(self, inputs):
        if self.rate >= 1:
            return inputs * ops.zeros_like(inputs)
        return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs),
                              seed=self.seed_generator)


class GaussianNoise(_Noise):
    """``GaussianNoise(stddev, seed=None)``: during training, add zero-mean
    normal noise of standard deviation ``stddev``."""

    _arg = "stddev"

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(stddev, seed=seed, **kwargs)

    def _noise(self, inputs):
        return inputs + random.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                                      seed=self.seed_generator)


class GaussianDropout(_Noise):
    """``GaussianDropout(rate, seed=None)``: during training, multiply by
    normal noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def _noise(self, inputs):
        stddev = math.sqrt(self.rate / (1.0 - self.rate)) if self.rate < 1 else math.inf
        return inputs * random.normal(inputs.shape, mean=1.0, stddev=stddev, dtype=inputs.dtype,
                                      seed=self.seed_generator)


class AlphaDropout(_Noise):
    """``AlphaDropout(rate, noise_shape=None, seed=None)``: dropout for SELU
    networks; dropped values are set to SELU's negative saturation and the
    result is shifted and scaled to keep the mean and variance."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.noise_shape = _check_noise_shape(self, noise_shape)

    def _noise(self, inputs):
        alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
        alpha_p = -alpha * scale
        draw = random.uniform(self._noise_shape(inputs), dtype=inputs.dtype, seed=self.seed_generator)
        kept = ops.cast(ops.greater_equal(draw, self.rate), inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b
