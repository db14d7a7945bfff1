"""Image preprocessing and augmentation layers: ``Resizing``, ``CenterCrop``,
``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``
(``RandomContrast`` and the other Keras 3 augmentation layers: ``augmentation/``).

They take batched ``(N, H, W, C)`` or single ``(H, W, C)`` images
(``data_format="channels_first"`` also accepted).  The ``Random*`` layers
change their input only when called with ``training=True`` (as inside
``fit``); a ``seed`` makes the draws repeatable.

>>> import numpy as np, tinykeras as tk
>>> images = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
>>> tk.layers.Resizing(2, 2)(images).shape, tk.layers.CenterCrop(2, 3)(images).shape
((2, 2, 2, 1), (2, 2, 3, 1))
>>> flip = tk.layers.RandomFlip("horizontal", seed=0)
>>> bool((flip(images).numpy() == images).all())           # inference: unchanged
True
>>> flipped = flip(images, training=True).numpy()
>>> all((f == i).all() or (f == i[:, ::-1]).all() for f, i in zip(flipped, images))
True
"""
import math

import numpy as np

from ... import ops, random
from ...core.tensor import Tensor
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


class BaseRandomLayer(BaseImageLayer):
    """Base of the augmentation layers: a seed, and no change unless training."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        return self._apply(inputs) if training else inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _rng(self):
        return random._rng(self.seed_generator)

    def _range(self, name, factor, lowest=-math.inf, highest=math.inf):
        """A factor as (lower, upper): one number f means (-f, f)."""
        if isinstance(factor, (int, float)):
            lower, upper = -abs(factor), abs(factor)
        elif isinstance(factor, (tuple, list)) and len(factor) == 2:
            lower, upper = factor
        else:
            raise ValueError(f"{type(self).__name__} {self.name!r}: `{name}` must be a float or a tuple of "
                             f"two floats, got {factor!r}")
        if not lowest <= lower <= upper <= highest:
            raise ValueError(f"{type(self).__name__} {self.name!r}: `{name}` must satisfy {lowest} <= lower "
                             f"<= upper <= {highest}, got {factor!r}")
        return float(lower), float(upper)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def _stored(factor):
    """A factor as kept in the config: lists become tuples (so JSON round trips compare equal)."""
    return tuple(factor) if isinstance(factor, list) else factor


class RandomFlip(BaseRandomLayer):
    """``RandomFlip(mode="horizontal_and_vertical", seed=None)``: flip each
    image left-right and/or upside-down, each with probability 1/2."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip {self.name!r}: mode must be 'horizontal', 'vertical' or "
                             f"'horizontal_and_vertical', got {mode!r}")
        self.mode = mode

    def _transform(self, x, training):
        n, h, w, _ = x.shape
        rng, rows, cols = self._rng(), np.arange(h), np.arange(w)
        idx_y, idx_x = np.broadcast_to(rows, (n, h)), np.broadcast_to(cols, (n, w))
        if "vertical" in self.mode:
            idx_y = np.where(rng.random((n, 1)) < 0.5, rows[::-1], rows)
        if "horizontal" in self.mode:
            idx_x = np.where(rng.random((n, 1)) < 0.5, cols[::-1], cols)
        batch = np.arange(n).reshape(n, 1, 1)
        return x[batch, idx_y[:, :, None], idx_x[:, None, :]]

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _RandomAffine(BaseRandomLayer):
    """Shared by rotation, zoom and translation: a transform per image,
    applied by ``image_utils.affine_transform``."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if fill_mode not in ("reflect", "wrap", "constant", "nearest"):
            raise ValueError(f"{type(self).__name__} {self.name!r}: unknown fill_mode {fill_mode!r}; "
                             "expected 'reflect', 'wrap', 'constant' or 'nearest'")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"{type(self).__name__} {self.name!r}: interpolation must be 'bilinear' or "
                             f"'nearest', got {interpolation!r}")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, fill_value

    def _transform(self, x, training):
        n, h, w, _ = x.shape
        transforms = self._transforms(self._rng(), n, h, w)
        out = image_utils.affine_transform(x.numpy(), transforms, self.interpolation, self.fill_mode,
                                           self.fill_value)
        return Tensor(out)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


class RandomRotation(_RandomAffine):
    """``RandomRotation(factor, fill_mode="reflect", interpolation="bilinear", seed=None,
    fill_value=0.0)``: rotate by a random fraction of a full turn in
    ``[lower, upper]`` (one number f: ``[-f, f]``); positive is counter-clockwise."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _stored(factor)
        self._bounds = self._range("factor", factor)

    def _transforms(self, rng, n, h, w):
        angles = rng.uniform(*self._bounds, size=n) * 2.0 * math.pi
        return image_utils.rotation_transforms(angles, h, w)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_RandomAffine):
    """``RandomZoom(height_factor, width_factor=None, fill_mode="reflect", ...)``:
    zoom by ``1 + u``, ``u`` drawn in the factor's range (positive: zoom
    out); ``width_factor=None`` keeps the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = _stored(height_factor), _stored(width_factor)
        self._h = self._range("height_factor", height_factor, lowest=-1.0)
        self._w = None if width_factor is None else self._range("width_factor", width_factor, lowest=-1.0)

    def _transforms(self, rng, n, h, w):
        zoom_h = 1.0 + rng.uniform(*self._h, size=n)
        zoom_w = zoom_h if self._w is None else 1.0 + rng.uniform(*self._w, size=n)
        return image_utils.zoom_transforms(zoom_h, zoom_w, h, w)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomTranslation(_RandomAffine):
    """``RandomTranslation(height_factor, width_factor, fill_mode="reflect", ...)``:
    shift by a random fraction of the height and width (positive: down/right)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = _stored(height_factor), _stored(width_factor)
        self._h = self._range("height_factor", height_factor, -1.0, 1.0)
        self._w = self._range("width_factor", width_factor, -1.0, 1.0)

    def _transforms(self, rng, n, h, w):
        dy = rng.uniform(*self._h, size=n) * h
        dx = rng.uniform(*self._w, size=n) * w
        return image_utils.translation_transforms(dy, dx)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}
