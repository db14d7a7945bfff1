"""Geometric augmentation layers (Keras 3's) beyond the affine ones
(``affine.py``): ``RandomCrop``, ``RandomPerspective``,
``RandomElasticTransform``, and ``MaxNumBoundingBoxes``.  They move pixels,
so segmentation masks move with the images (sampled "nearest").

>>> import numpy as np, tinykeras as tk
>>> images = np.arange(16.0).reshape(1, 4, 4, 1)
>>> tk.layers.RandomCrop(4, 2)(images, training=False)[0, :, :, 0].numpy().tolist()   # inference: centre
[[1.0, 2.0], [5.0, 6.0], [9.0, 10.0], [13.0, 14.0]]
"""
import numpy as np

from .... import ops
from ....ops import image_ops, image_warp
from ..image_layers import _smart_crop
from .affine import _FILL_MODES, _WarpLayer
from .base import BaseImagePreprocessingLayer, _host


class RandomCrop(BaseImagePreprocessingLayer):
    """``RandomCrop(height, width, seed=None)``: while training, a window of
    ``(height, width)`` at a random place (the same for the whole batch, as
    Keras; the transformation is ``(h_start, w_start)``).  At inference, the
    largest centred window of the target's aspect ratio, resized to the
    target, as Keras documents (Keras 3.15 itself returns the input
    unchanged, against its own ``compute_output_shape``).  While training on
    an image not larger than the target, Keras's rule: the target-sized
    window at the offset of that centred window, resized if it is short.

    >>> import numpy as np
    >>> RandomCrop(2, 2, seed=0)(np.zeros((1, 5, 5, 3))).shape
    (1, 2, 2, 3)
    """

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

    def _window(self, t, height, width):
        """The (top, left, height, width) of the input window the output shows."""
        if t is None:
            crop_h = min(height, int(width * self.height / self.width))
            crop_w = min(width, int(height * self.width / self.height))
            return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w
        top, left = (int(v) for v in _host(t).ravel())
        return top, left, min(self.height, height - top), min(self.width, width - left)

    def _move_boxes(self, boxes, t, height, width):
        top, left, crop_h, crop_w = self._window(t, height, width)
        scale = np.array([self.width / crop_w, self.height / crop_h] * 2)
        return (boxes - np.array([left, top, left, top])) * scale, (self.height, self.width)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[axes[0]], shape[axes[1]] = self.height, self.width
        return tuple(shape)


class RandomPerspective(_WarpLayer):
    """``RandomPerspective(factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None)``:
    with probability ``p`` (drawn in ``factor``) move each image corner by
    up to ``scale / 2`` of its coordinates and warp the image so that its
    corners land there (``tk.ops.image.perspective_transform``)."""

    _FACTOR_BOUNDS = (0, 1)
    _CONFIG = ("factor", "scale", "interpolation", "fill_value", "seed")
    _move_boxes = BaseImagePreprocessingLayer._move_boxes          # boxes: not supported yet (a clear error)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        if not isinstance(scale, (int, float)) or not 0.0 <= scale <= 1.0:
            raise self._error(f"The `scale` argument should be a number in the range [0,1]. Received: scale={scale!r}")
        self.scale = scale
        self._set_sampling(interpolation, "constant", fill_value)

    def _draw(self, rng, shape):
        n, h, w, _ = shape
        probability = rng.uniform(*self.factor, size=n)
        apply = rng.uniform(size=n) < probability
        moves = rng.uniform(-0.5 * self.scale, 0.5 * self.scale, size=(n, 4, 2)).astype(np.float32)
        start = np.repeat(np.array([[[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]]], np.float32), n, 0)
        return {"apply_perspective": apply, "start_points": start, "end_points": start + start * moves,
                "input_shape": self._input_shape(shape)}

    def _augment(self, images, t, interpolation=None):
        out = image_warp.perspective_transform(images, _host(t["start_points"]), _host(t["end_points"]),
                                              interpolation or self.interpolation, self.fill_value,
                                              data_format="channels_last")
        apply = ops.convert_to_tensor(_host(t["apply_perspective"]).reshape(-1, 1, 1, 1))
        return ops.where(apply, out.astype(images.dtype), images)


class RandomElasticTransform(_WarpLayer):
    """``RandomElasticTransform(factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
    fill_value=0.0, value_range=(0, 255), seed=None)``: with probability ``p``
    (drawn in ``factor``) displace the pixels of an image by a smooth random
    field (``tk.ops.image.elastic_transform``) of strength drawn in ``scale``
    (in [0, 1]; one number s: ``[0, s]``); clipped to ``value_range``.  The
    transformation holds the field's integer seed, so masks get the same field."""

    _FACTOR_BOUNDS = (0, 1)
    _CONFIG = ("factor", "scale", "interpolation", "fill_mode", "fill_value", "value_range", "seed")
    _move_boxes = BaseImagePreprocessingLayer._move_boxes          # boxes: not supported yet (a clear error)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self.scale = self._set_factor(scale, "scale")
        self.value_range = self._set_value_range(value_range, sort=False)
        self._set_sampling(interpolation, fill_mode, fill_value, fill_modes=_FILL_MODES + ("mirror",))

    def get_random_transformation(self, data, training=True, seed=None):
        if self.scale[1] == 0 or self.factor[1] == 0:
            return None
        return super().get_random_transformation(data, training=training, seed=seed)

    def _draw(self, rng, shape):
        probability = rng.uniform(*self.factor, size=shape[0])
        apply = rng.uniform(size=shape[0]) < probability
        return {"apply_transform": apply, "distortion_factor": np.float32(rng.uniform(*self.scale)),
                "seed": int(rng.integers(2 ** 31 - 1))}

    def _augment(self, images, t, interpolation=None):
        if t is None:
            return images
        h, w = images.shape[1:3]
        factor = float(_host(t["distortion_factor"]))
        out = image_warp.elastic_transform(images, alpha=max(h, w) * 0.1 * factor, sigma=min(h, w) * 0.05 * factor,
                                          interpolation=interpolation or self.interpolation, fill_mode=self.fill_mode,
                                          fill_value=self.fill_value, seed=int(t["seed"]), data_format="channels_last")
        apply = ops.convert_to_tensor(_host(t["apply_transform"]).reshape(-1, 1, 1, 1))
        out = ops.where(apply, out.astype(images.dtype), images)
        return out if interpolation == "nearest" else ops.clip(out, self.value_range[0], self.value_range[1])


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """``MaxNumBoundingBoxes(max_number, fill_value=-1)``: cut or pad the
    boxes (and their labels) of a ``{"images": ..., "bounding_boxes": ...}``
    input to ``max_number`` per image, padding with ``fill_value``; images,
    labels and masks pass unchanged.  Not random: it acts at inference too.

    >>> import numpy as np
    >>> data = {"images": np.zeros((4, 4, 3)), "bounding_boxes": {"boxes": np.ones((1, 4)), "labels": np.array([3])}}
    >>> MaxNumBoundingBoxes(2, bounding_box_format="xyxy")(data)["bounding_boxes"]["labels"].numpy().tolist()
    [3, -1]
    """

    _ALWAYS = True
    _CONFIG = ("max_number", "fill_value")

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number, self.fill_value = int(max_number), int(fill_value)

    def _augment(self, images, t):
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        extra = set(bounding_boxes) - {"boxes", "labels"}
        if extra:
            raise KeyError(f"There are unsupported keys in `bounding_boxes`: {sorted(extra)}. "
                           "Only `boxes` and `labels` are supported.")
        out = {}
        for key, value in bounding_boxes.items():
            value = ops.convert_to_tensor(value)[:, :self.max_number]
            pad = [(0, 0), (0, self.max_number - value.shape[1])] + [(0, 0)] * (value.ndim - 2)
            out[key] = ops.pad(value, pad, constant_values=self.fill_value) if pad[1][1] else value
        return out
