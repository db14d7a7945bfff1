"""Flips and affine augmentation layers (Keras 3's): ``RandomFlip``,
``RandomRotation``, ``RandomZoom``, ``RandomTranslation``, ``RandomShear``.

Each draws Keras's transformation dict and resamples the images with
``tk.ops.image.affine_transform`` (eight numbers per image mapping each
output pixel to an input location); segmentation masks follow, sampled
"nearest".

>>> import numpy as np, tinykeras as tk
>>> x = np.arange(4.0).reshape(1, 2, 2, 1)
>>> tk.layers.RandomTranslation((0.5, 0.5), (0.0, 0.0), fill_mode="constant")(x)[0, :, :, 0].numpy().tolist()
[[0.0, 0.0], [0.0, 1.0]]
>>> tk.layers.RandomFlip("vertical")(x, training=False)[0, :, :, 0].numpy().tolist()
[[0.0, 1.0], [2.0, 3.0]]
"""
import math

import numpy as np

from .... import ops
from ....ops import image_ops
from .base import BaseImagePreprocessingLayer, _host

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def affine_matrix(angle, translate_x, translate_y, scale, shear_x, shear_y, height, width, center=(0.5, 0.5)):
    """Keras's ``_compute_affine_matrix``: per-image transforms (N, 8) for
    ``angle``, ``shear_x``/``shear_y`` in degrees, about ``center`` (as
    fractions of the image).

    >>> affine_matrix(np.zeros(1), 0, 0, 1, 0, 0, 3, 3).tolist()
    [[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]]
    """
    angle = np.asarray(angle, np.float32) * np.float32(math.pi / 180.0)
    shear_x = np.tan(np.float32(shear_x) * np.float32(math.pi / 180.0))
    shear_y = np.tan(np.float32(shear_y) * np.float32(math.pi / 180.0))
    cx, cy = center[0] * (width - 1), center[1] * (height - 1)
    cos, sin = np.cos(angle), np.sin(angle)
    a0, a1 = scale * (cos + shear_x * sin), scale * (-sin + shear_x * cos)
    b0, b1 = scale * (shear_y * cos + sin), scale * (shear_y * -sin + cos)
    a2, b2 = translate_x + cx - cx * a0 - cy * a1, translate_y + cy - cx * b0 - cy * b1
    zeros = np.zeros_like(angle)
    return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype(np.float32)


class _WarpLayer(BaseImagePreprocessingLayer):
    """A layer that resamples each image through a per-image transform
    (``_matrix(transformation, height, width)``); ``interpolation``,
    ``fill_mode`` and ``fill_value`` are checked once here."""

    _GEOMETRIC = True
    _SAMPLING = ("fill_mode", "interpolation", "seed", "fill_value")

    def _set_sampling(self, interpolation, fill_mode, fill_value, fill_modes=_FILL_MODES):
        if interpolation not in _INTERPOLATIONS:
            raise self._error(f"Unknown `interpolation` {interpolation!r}. Expected one of {_INTERPOLATIONS}.")
        if fill_mode not in fill_modes:
            raise self._error(f"Unknown `fill_mode` {fill_mode!r}. Expected one of {tuple(fill_modes)}.")
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, fill_value

    def _set_pair(self, factor, name, low=-1.0, high=1.0):
        """Keras's translation/zoom/shear factor: a sorted pair, or ``f`` as ``(-f, f)``, within [low, high]."""
        values = factor if isinstance(factor, (tuple, list)) else (factor,)
        if len(values) not in (1, 2) or not all(isinstance(f, (int, float)) and not isinstance(f, bool)
                                                and low <= f <= high for f in values):
            raise self._error(f"The `{name}` argument should be a number (or a list of two numbers) in the "
                              f"range [{low}, {high}]. Received: {name}={factor!r}")
        return tuple(sorted(values)) if len(values) == 2 else (-abs(values[0]), abs(values[0]))

    def _move_boxes(self, boxes, t, height, width):
        """Each box's corners through the inverse of the image transform
        (which maps output pixels to input ones); the box around them."""
        matrix = np.concatenate([np.asarray(self._matrix(t, height, width), np.float64).reshape(-1, 8),
                                 np.ones((len(boxes), 1))], axis=1).reshape(-1, 3, 3)
        inverse = np.linalg.inv(matrix)
        x1, y1, x2, y2 = np.moveaxis(boxes, -1, 0)
        corners = np.stack([np.stack([x, y, np.ones_like(x)], -1) for x, y in
                            ((x1, y1), (x2, y1), (x1, y2), (x2, y2))], axis=-2)       # (N, B, 4, 3)
        moved = np.einsum("nij,nbkj->nbki", inverse, corners)
        xy = moved[..., :2] / moved[..., 2:]
        return np.concatenate([xy.min(axis=-2), xy.max(axis=-2)], axis=-1), (height, width)

    def _augment(self, images, t, interpolation=None):
        matrix = self._matrix(t, images.shape[1], images.shape[2])
        return image_ops.affine_transform(images, matrix, interpolation or self.interpolation, self.fill_mode,
                                          self.fill_value, data_format="channels_last").astype(images.dtype)


class RandomFlip(BaseImagePreprocessingLayer):
    """``RandomFlip(mode="horizontal_and_vertical", seed=None)``: flip each
    image with probability 1/2 (left-right, upside-down, or, as Keras 3,
    both together for ``"horizontal_and_vertical"``)."""

    _GEOMETRIC = True
    _CONFIG = ("seed", "mode")
    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in self._MODES:
            raise self._error(f"RandomFlip layer {self.name} received an unknown mode argument {mode!r}; "
                              f"expected one of {self._MODES}")
        self.mode = mode

    def _draw(self, rng, shape):
        return {"flips": (rng.uniform(size=(shape[0], 1, 1, 1)) <= 0.5), "input_shape": self._input_shape(shape)}

    def _move_boxes(self, boxes, t, height, width):
        flips = _host(t["flips"]).reshape(-1, 1, 1).astype(bool)
        x1, y1, x2, y2 = np.moveaxis(boxes, -1, 0)[..., None]
        if "horizontal" in self.mode:
            x1, x2 = np.where(flips, width - x2, x1), np.where(flips, width - x1, x2)
        if "vertical" in self.mode:
            y1, y2 = np.where(flips, height - y2, y1), np.where(flips, height - y1, y2)
        return np.concatenate([x1, y1, x2, y2], axis=-1), (height, width)

    def _augment(self, images, t, interpolation=None):
        flips = ops.convert_to_tensor(_host(t["flips"]).reshape(-1, 1, 1, 1))
        for axis, word in ((2, "horizontal"), (1, "vertical")):
            if word in self.mode:
                images = ops.where(flips, ops.flip(images, axis=axis), images)
        return images


class RandomRotation(_WarpLayer):
    """``RandomRotation(factor, fill_mode="reflect", interpolation="bilinear", seed=None,
    fill_value=0.0)``: rotate by a random fraction of a full turn in
    ``factor`` (one number f: ``[-f, f]``); positive is counter-clockwise."""

    _CONFIG = ("factor",) + _WarpLayer._SAMPLING

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self._set_sampling(interpolation, fill_mode, fill_value)

    def _draw(self, rng, shape):
        n, h, w, _ = shape
        angle = rng.uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, size=n).astype(np.float32)
        return {"angle": angle, "rotation_matrix": affine_matrix(angle, 0.0, 0.0, 1.0, 0.0, 0.0, h, w),
                "image_height": h, "image_width": w, "batch_size": n}

    def _matrix(self, t, height, width):
        return _host(t["rotation_matrix"]).reshape(-1, 8)


class RandomZoom(_WarpLayer):
    """``RandomZoom(height_factor, width_factor=None, fill_mode="reflect", ...)``:
    zoom by ``1 + u``, ``u`` drawn in the factor's range (positive: zoom
    out); ``width_factor=None`` keeps the aspect ratio."""

    _CONFIG = ("height_factor", "width_factor") + _WarpLayer._SAMPLING

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = _stored(height_factor), _stored(width_factor)
        self._h = self._set_pair(height_factor, "height_factor")
        self._w = None if width_factor is None else self._set_pair(width_factor, "width_factor")
        self._set_sampling(interpolation, fill_mode, fill_value)

    def _draw(self, rng, shape):
        height_zoom = rng.uniform(1.0 + self._h[0], 1.0 + self._h[1], size=(shape[0], 1)).astype(np.float32)
        width_zoom = height_zoom if self._w is None else \
            rng.uniform(1.0 + self._w[0], 1.0 + self._w[1], size=(shape[0], 1)).astype(np.float32)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "input_shape": self._input_shape(shape)}

    def _matrix(self, t, height, width):
        zx, zy = _host(t["width_zoom"]).reshape(-1), _host(t["height_zoom"]).reshape(-1)
        zeros = np.zeros_like(zx)
        return np.stack([zx, zeros, (width - 1.0) / 2.0 * (1.0 - zx), zeros, zy, (height - 1.0) / 2.0 * (1.0 - zy),
                         zeros, zeros], axis=1)


class RandomTranslation(_WarpLayer):
    """``RandomTranslation(height_factor, width_factor, fill_mode="reflect", ...)``:
    shift by a random fraction of the height and width (positive: down/right)."""

    _CONFIG = ("height_factor", "width_factor") + _WarpLayer._SAMPLING

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = _stored(height_factor), _stored(width_factor)
        self._h = self._set_pair(height_factor, "height_factor")
        self._w = self._set_pair(width_factor, "width_factor")
        self._set_sampling(interpolation, fill_mode, fill_value)

    def _draw(self, rng, shape):
        n, h, w, _ = shape
        dy = rng.uniform(*self._h, size=(n, 1)) * h
        dx = rng.uniform(*self._w, size=(n, 1)) * w
        return {"translations": np.concatenate([dx, dy], axis=1).astype(np.float32),
                "input_shape": self._input_shape(shape)}

    def _matrix(self, t, height, width):
        shift = _host(t["translations"]).reshape(-1, 2)
        ones, zeros = np.ones(len(shift)), np.zeros(len(shift))
        return np.stack([ones, zeros, -shift[:, 0], zeros, ones, -shift[:, 1], zeros, zeros], axis=1)


class RandomShear(_WarpLayer):
    """``RandomShear(x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
    fill_value=0.0, seed=None)``: shear each image along x and y by amounts
    drawn in the factors (one number f in [0, 1]: ``[-f, f]``; a pair in [-1, 1]), the
    sign of both flipped at random, as Keras: output pixel ``(x, y)`` reads
    the input at ``(x + sx y, sy x + y)``."""

    _CONFIG = ("x_factor", "y_factor") + _WarpLayer._SAMPLING

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor = self._set_pair(x_factor, "x_factor")     # Keras refuses its own (-f, f) config; we
        self.y_factor = self._set_pair(y_factor, "y_factor")     # accept [-1, 1] so configs round-trip
        self._set_sampling(interpolation, fill_mode, fill_value)

    def _draw(self, rng, shape):
        n = shape[0]
        invert = np.where(rng.uniform(size=(n, 1)) > 0.5, -1.0, 1.0)
        shear_y = rng.uniform(*self.y_factor, size=(n, 1))
        shear_x = rng.uniform(*self.x_factor, size=(n, 1))
        return {"shear_factor": (np.concatenate([shear_x, shear_y], axis=1) * invert).astype(np.float32),
                "input_shape": self._input_shape(shape)}

    def _matrix(self, t, height, width):
        shear = _host(t["shear_factor"]).astype(np.float64).reshape(-1, 2)
        ones, zeros = np.ones(len(shear)), np.zeros(len(shear))
        return np.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros, zeros, zeros], axis=1)


def _stored(factor):
    """A factor as kept in the config: lists become tuples (so JSON round trips compare equal)."""
    return tuple(factor) if isinstance(factor, list) else factor
