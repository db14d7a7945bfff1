"""``SpatialDropout1D/2D/3D``: dropout of whole feature maps.

During training each channel of each sample is kept or zeroed as a whole
(the noise is shared along the spatial axes); kept values are scaled by
``1 / (1 - rate)``.  At inference the input passes unchanged.

>>> import numpy as np, tinykeras as tk
>>> x = np.ones((1, 3, 3, 4), dtype="float32")
>>> y = tk.layers.SpatialDropout2D(0.5, seed=1)(x, training=True).numpy()
>>> all(len(set(y[0, :, :, c].ravel().tolist())) == 1 for c in range(4))  # one decision per map
True
"""
from ...ops import conv_shapes
from ..core.dropout import Dropout
from ..input_spec import InputSpec


class BaseSpatialDropout(Dropout):
    """Dropout whose noise shape is ``(batch, 1, ..., 1, channels)``."""

    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        del self.noise_shape  # derived from the input instead
        self.data_format = conv_shapes.normalize_data_format(data_format if self.rank > 1 else "channels_last")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs):
        ones = (1,) * self.rank
        if self.data_format == "channels_last":
            return (inputs.shape[0],) + ones + (inputs.shape[-1],)
        return inputs.shape[:2] + ones

    def get_config(self):
        config = super().get_config()
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """``SpatialDropout1D(rate, seed=None)`` for ``(batch, steps, features)``."""
    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(BaseSpatialDropout):
    """``SpatialDropout2D(rate, data_format=None, seed=None)`` for images."""
    rank = 2


class SpatialDropout3D(BaseSpatialDropout):
    """``SpatialDropout3D(rate, data_format=None, seed=None)`` for volumes."""
    rank = 3
