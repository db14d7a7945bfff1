"""Geometric augmentation layers (Keras 3's) beyond the affine ones
(``affine.py``): ``RandomCrop``.  They move pixels, so segmentation masks
move with the images (sampled "nearest").

>>> import numpy as np, tinykeras as tk
>>> images = np.arange(16.0).reshape(1, 4, 4, 1)
>>> tk.layers.RandomCrop(4, 2)(images, training=False)[0, :, :, 0].numpy().tolist()   # inference: centre
[[1.0, 2.0], [5.0, 6.0], [9.0, 10.0], [13.0, 14.0]]
"""
from ....ops import image_ops
from ..image_layers import _smart_crop
from .base import BaseImagePreprocessingLayer, _host


class RandomCrop(BaseImagePreprocessingLayer):
    """``RandomCrop(height, width, seed=None)``: while training, a window of
    ``(height, width)`` at a random place (the same for the whole batch, as
    Keras; the transformation is ``(h_start, w_start)``).  At inference, the
    largest centred window of the target's aspect ratio, resized to the
    target, as Keras documents (Keras 3.15 itself returns the input
    unchanged, against its own ``compute_output_shape``).  While training on
    an image not larger than the target, Keras's rule: the target-sized
    window at the offset of that centred window, resized if it is short."""

    _GEOMETRIC = True
    _ALWAYS = True
    _CONFIG = ("height", "width", "seed")

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        for name, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise self._error(f"`{name}` must be a positive int, got {value!r}")
        self.height, self.width = height, width

    def get_random_transformation(self, data, training=True, seed=None):
        h, w = self._shape(data)[1:3]
        if not training:
            return None
        if h > self.height and w > self.width:
            rng = self._rng(seed)
            return (int(rng.uniform(0, h - self.height + 1)), int(rng.uniform(0, w - self.width + 1)))
        crop_h = max(min(h, int(w * self.height / self.width)), 1)
        crop_w = max(min(w, int(h * self.width / self.height)), 1)
        return int((h - crop_h) / 2), int((w - crop_w) / 2)

    def _augment(self, images, t, interpolation="bilinear"):
        if t is None:
            x = _smart_crop(images, self.height, self.width)
        else:
            top, left = (int(v) for v in _host(t).ravel())
            x = images[:, top:top + self.height, left:left + self.width]
        if x.shape[1:3] != (self.height, self.width):
            x = image_ops.resize(x, (self.height, self.width), interpolation, data_format="channels_last")
        return x

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[axes[0]], shape[axes[1]] = self.height, self.width
        return tuple(shape)
