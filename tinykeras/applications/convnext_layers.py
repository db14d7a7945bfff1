"""The two layers of ConvNeXt that ``keras.layers`` does not export (Keras
keeps them in ``keras.src.applications.convnext``; so does tinykeras, and
model files name them there).

* :class:`LayerScale`: ``x * gamma``, one trainable scale per channel,
  initialized to ``init_values``.
* :class:`StochasticDepth`: while training, drop the whole residual branch
  of a sample with probability ``drop_path_rate`` (the others are scaled by
  ``1 / (1 - rate)``); the identity at inference.  It is a per-sample
  ``Dropout`` (``noise_shape=(batch, 1, 1, 1)``), and shares its code.

>>> import numpy as np
>>> LayerScale(0.5, 3)(np.ones((1, 3), "float32")).numpy().tolist()
[[0.5, 0.5, 0.5]]
>>> drop = StochasticDepth(0.5, seed=1)
>>> y = drop(np.ones((64, 2, 2, 3), "float32"), training=True).numpy()
>>> sorted(set(y.reshape(64, -1).mean(axis=1).tolist()))  # whole samples: dropped or scaled
[0.0, 2.0]
"""
from .. import initializers, random
from ..layers.core.dropout import _Noise
from ..layers.layer import Layer


class LayerScale(Layer):
    """``LayerScale(init_values, projection_dim)``: ``x * gamma`` (Keras's
    variable name ``variable``, shape ``(projection_dim,)``)."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = init_values, int(projection_dim)

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.projection_dim:
            raise ValueError(f"LayerScale {self.name!r}: expected inputs with {self.projection_dim} channels "
                             f"(projection_dim), got shape {tuple(input_shape)}")
        self.gamma = self.add_weight(shape=(self.projection_dim,), name="variable", trainable=True,
                                     initializer=initializers.Constant(self.init_values))
        self.built = True

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values, "projection_dim": self.projection_dim}


class StochasticDepth(_Noise):
    """``StochasticDepth(drop_path_rate)``: per-sample dropout of a residual branch while training."""

    _arg = "drop_path_rate"

    def __init__(self, drop_path_rate, seed=None, **kwargs):
        super().__init__(drop_path_rate, seed=seed, **kwargs)

    def _noise(self, inputs):
        shape = (inputs.shape[0],) + (1,) * (inputs.ndim - 1)
        return random.dropout(inputs, self.drop_path_rate, noise_shape=shape, seed=self.seed_generator)

    def get_config(self):
        config = super().get_config()
        if config["seed"] is None:  # Keras's StochasticDepth takes no seed
            del config["seed"]
        return config
