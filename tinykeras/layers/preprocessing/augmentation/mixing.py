"""Layers that mix images of a batch or cover parts of them (Keras 3's):
``MixUp``, ``CutMix`` and ``RandomErasing``.  ``MixUp`` and ``CutMix`` mix
the labels by the same weights as the images (give ``{"images": ...,
"labels": ...}``).

>>> import numpy as np, tinykeras as tk
>>> images, labels = np.stack([np.zeros((2, 2, 1)), np.ones((2, 2, 1))]), np.eye(2)
>>> given = {"mix_weight": np.array([0.75, 0.75]), "permutation_order": np.array([1, 0])}
>>> tk.layers.MixUp().transform_labels(labels, given).numpy().tolist()
[[0.75, 0.25], [0.25, 0.75]]
"""
import numpy as np

from .... import ops
from ....core.tensor import Tensor
from .base import BaseImagePreprocessingLayer, _host


def _box_masks(rng, shape, ratio_x, ratio_y, data_format):
    """Keras's random boxes: per image a box of ``ratio * side`` at a random
    place; the mask (True inside) in the images' layout, and the corners."""
    n, h, w, c = shape
    corners = []
    for side, ratio in ((w, ratio_x), (h, ratio_y)):
        length = (ratio * side).astype("float32")
        start = rng.uniform(size=n).astype("float32") * (side - length)
        corners.append((start, start + length))
    (x0, x1), (y0, y1) = corners
    grid_y, grid_x = np.meshgrid(np.arange(h, dtype="float32"), np.arange(w, dtype="float32"), indexing="ij")
    inside = ((grid_x >= x0[:, None, None]) & (grid_x < x1[:, None, None])
              & (grid_y >= y0[:, None, None]) & (grid_y < y1[:, None, None]))
    masks = np.repeat(inside[..., None], c, axis=-1)
    return (masks if data_format == "channels_last" else masks.transpose(0, 3, 1, 2)), (x0, x1, y0, y1)


def _channels_last(values, data_format):
    values = _host(values)
    return values if data_format == "channels_last" else values.transpose(0, 2, 3, 1)


def _mix(values, transformation, weight_shape):
    """``w * x + (1 - w) * x[permutation]`` along the batch."""
    order = _host(transformation["permutation_order"]).astype(np.int64)
    w = Tensor(_host(transformation["mix_weight"]).reshape(weight_shape).astype(values.dtype))
    return w * values + (1.0 - w) * values[order]


class MixUp(BaseImagePreprocessingLayer):
    """``MixUp(alpha=0.2, seed=None)``: each image (and label) becomes
    ``w x + (1 - w) x'``, ``x'`` another of the batch (a random permutation)
    and ``w ~ Beta(alpha, alpha)``.  Bounding boxes of both images are kept
    (boxes and their labels concatenated along the box axis)."""

    _CONFIG = ("alpha", "seed")

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.alpha = alpha

    def _draw(self, rng, shape):
        return {"mix_weight": rng.beta(self.alpha, self.alpha, size=shape[0]).astype("float32"),
                "permutation_order": rng.permutation(shape[0]).astype("int64")}

    def _augment(self, images, t):
        return _mix(images, t, (-1, 1, 1, 1))

    def transform_labels(self, labels, transformation, training=True):
        labels = ops.convert_to_tensor(labels)
        return _mix(labels.astype(self.dtype), transformation, (-1,) + (1,) * (labels.ndim - 1)) if training \
            else labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        masks = ops.convert_to_tensor(segmentation_masks)
        return _mix(masks.astype(self.dtype), transformation, (-1, 1, 1, 1)) if training else masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        order = _host(transformation["permutation_order"]).astype(np.int64)
        return {key: ops.concatenate([value, value[order]], axis=1) for key, value in bounding_boxes.items()}


class CutMix(BaseImagePreprocessingLayer):
    """``CutMix(factor=1.0, seed=None)``: paste a random box of another image
    of the batch into each image; labels mix by the area kept.  The box side
    ratio is ``sqrt(1 - w)``, ``w ~ Beta(a, a)``, ``a`` drawn in ``factor``.
    A single image (no batch) is left unchanged, as in Keras."""

    _FACTOR_BOUNDS = (0, 1)
    _CONFIG = ("factor", "seed")

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or len(self._batch_size_and_images(data)) == 3:
            return None
        return super().get_random_transformation(data, training=training, seed=seed)

    def _draw(self, rng, shape):
        n, h, w, _ = shape
        alpha = rng.uniform(*self.factor) + 1e-6
        ratio = np.sqrt(1.0 - rng.beta(alpha, alpha, size=n))
        masks, (x0, x1, y0, y1) = _box_masks(rng, shape, ratio, ratio, self.data_format)
        return {"permutation_order": rng.permutation(n).astype("int32"), "batch_masks": masks,
                "mix_weight": (1.0 - (x1 - x0) * (y1 - y0) / (w * h)).astype("float32")}

    def _augment(self, images, t):
        if t is None:
            return images
        order = _host(t["permutation_order"]).astype(np.int64)
        return ops.where(Tensor(_channels_last(t["batch_masks"], self.data_format)), images[order], images)

    def transform_labels(self, labels, transformation, training=True):
        labels = ops.convert_to_tensor(labels)
        if not training or transformation is None:
            return labels
        return _mix(labels.astype(self.dtype), transformation, (-1,) + (1,) * (labels.ndim - 1))

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training) if transformation is not None \
            else segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if training:
            raise NotImplementedError("CutMix does not transform bounding boxes (neither does Keras 3)")
        return bounding_boxes


class RandomErasing(BaseImagePreprocessingLayer):
    """``RandomErasing(factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None)``:
    with probability ``p`` (drawn in ``factor``) fill a random box of each
    image, its sides ``sqrt(s)`` of the image's (``s`` drawn in ``scale``),
    with ``fill_value`` (a number or one per channel) or, by default,
    Gaussian noise times the top of ``value_range``; clipped to the range."""

    _FACTOR_BOUNDS = (0, 1)
    _CONFIG = ("factor", "scale", "fill_value", "value_range", "seed")

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self.scale = self._set_factor(scale, "scale")
        if not (fill_value is None or isinstance(fill_value, (int, float))
                or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            raise self._error(f"The `fill_value` argument should be a number (or a list of three numbers). "
                              f"Received: fill_value={fill_value!r}")
        self.fill_value = tuple(fill_value) if isinstance(fill_value, list) else fill_value
        self.value_range = self._set_value_range(value_range, sort=False)

    def _draw(self, rng, shape):
        n = shape[0]
        weight = np.sqrt(rng.uniform(*self.scale, size=(n, 2)).astype("float32"))
        masks, _ = _box_masks(rng, shape, weight[:, 0], weight[:, 1], self.data_format)
        probability = rng.uniform(*self.factor, size=n)
        apply = rng.uniform(size=n) < probability
        if self.fill_value is None:
            fill = rng.standard_normal(masks.shape).astype("float32") * self.value_range[1]
        else:
            fill = np.broadcast_to(np.asarray(self.fill_value, "float32").reshape(
                (1, 1, 1, -1) if self.data_format == "channels_last" else (1, -1, 1, 1)), masks.shape)
        fill = np.clip(fill, *self.value_range).astype("float32")
        return {"apply_erasing": apply, "batch_masks": masks, "fill_value": fill}

    def _augment(self, images, t):
        erase = _channels_last(t["batch_masks"], self.data_format) & _host(t["apply_erasing"]).reshape(-1, 1, 1, 1)
        fill = Tensor(_channels_last(t["fill_value"], self.data_format).astype(images.dtype))
        return ops.where(Tensor(erase), fill, images)
