"""Image preprocessing layers: ``Resizing`` and ``CenterCrop`` (the
augmentation layers, ``RandomFlip``, ``RandomRotation``, ... are in
``augmentation/``, on ``BaseImageLayer`` too).

They take batched ``(N, H, W, C)`` or single ``(H, W, C)`` images
(``data_format="channels_first"`` also accepted).

>>> import numpy as np, tinykeras as tk
>>> images = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
>>> tk.layers.Resizing(2, 2)(images).shape, tk.layers.CenterCrop(2, 3)(images).shape
((2, 2, 2, 1), (2, 2, 3, 1))
"""

from ... import ops
from ...ops import conv_ops, conv_shapes
from ..layer import Layer
from . import image_utils


class BaseImageLayer(Layer):
    """Base: batch/unbatched and data-format handling around ``_transform``,
    which gets channels-last ``(N, H, W, C)`` float images."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self.data_format = conv_shapes.normalize_data_format(data_format)
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {exc}") from None
        self.built = True

    def _apply(self, inputs, training=True):
        if inputs.ndim not in (3, 4):
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected images of rank 3 (height, width, "
                             f"channels) or 4 (batch, height, width, channels), got shape {inputs.shape}")
        x = inputs if inputs.dtype == self.dtype else inputs.astype(self.dtype)
        unbatched = x.ndim == 3
        if unbatched:
            x = ops.expand_dims(x, 0)
        x = conv_ops.from_channels_last(self._transform(conv_ops.to_channels_last(x, self.data_format), training),
                                        self.data_format)
        return x[0] if unbatched else x

    def call(self, inputs):
        return self._apply(inputs)

    def _spatial(self, shape):
        """(height, width) of an input shape, batched or not, in either format."""
        shape = tuple(shape)
        return shape[-3:-1] if self.data_format == "channels_last" else shape[-2:]

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class _SizedLayer(BaseImageLayer):
    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for name, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{type(self).__name__} {self.name!r}: `{name}` must be a positive int, "
                                 f"got {value!r}")
        self.height, self.width = height, width

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[axes[0]], shape[axes[1]] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


def _smart_crop(x, height, width):
    """Center crop ``x`` to the aspect ratio of ``height``/``width`` (Keras's smart_resize)."""
    h, w = x.shape[1:3]
    crop_h, crop_w = min(h, int(w * height / width)), min(w, int(h * width / height))
    top, left = (h - crop_h) // 2, (w - crop_w) // 2
    return x[:, top:top + crop_h, left:left + crop_w]


class Resizing(_SizedLayer):
    """``Resizing(height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None)``.

    ``interpolation`` is "bilinear" or "nearest" (tinykeras has no bicubic
    or lanczos, nor ``antialias=True``).
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"Resizing {self.name!r}: interpolation must be 'bilinear' or 'nearest' in "
                             f"tinykeras, got {interpolation!r}")
        if antialias:
            raise ValueError(f"Resizing {self.name!r}: antialias=True is not supported by tinykeras")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"Resizing {self.name!r}: only one of crop_to_aspect_ratio and "
                             "pad_to_aspect_ratio can be True")
        if fill_mode != "constant":
            raise ValueError(f"Resizing {self.name!r}: only fill_mode='constant' is supported, got {fill_mode!r}")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)

    def _transform(self, x, training):
        if self.crop_to_aspect_ratio:
            x = _smart_crop(x, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            h, w = x.shape[1:3]
            pad_h, pad_w = max(h, int(w * self.height / self.width)), max(w, int(h * self.width / self.height))
            top, left = (pad_h - h) // 2, (pad_w - w) // 2
            x = ops.pad(x, [(0, 0), (top, pad_h - h - top), (left, pad_w - w - left), (0, 0)],
                        constant_values=self.fill_value)
        return image_utils.resize(x, (self.height, self.width), self.interpolation)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio, "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                "fill_mode": self.fill_mode, "fill_value": self.fill_value, "antialias": False}


class CenterCrop(_SizedLayer):
    """``CenterCrop(height, width, data_format=None)``: the central region;
    an image smaller than the target is cropped to the target's aspect
    ratio and resized (as Keras)."""

    def _transform(self, x, training):
        h, w = x.shape[1:3]
        if h >= self.height and w >= self.width:
            top, left = (h - self.height) // 2, (w - self.width) // 2
            return x[:, top:top + self.height, left:left + self.width]
        return image_utils.resize(_smart_crop(x, self.height, self.width), (self.height, self.width))
