"""``BaseImagePreprocessingLayer``: the one mechanism behind the Keras 3
augmentation layers (Keras's ``base_image_preprocessing_layer.py``).

A call draws a *transformation* once, ``get_random_transformation(data)``
(a dict of NumPy arrays, one entry per image), then applies it to every
part of the input: ``transform_images``, ``transform_labels``,
``transform_bounding_boxes``, ``transform_segmentation_masks``.  The
input is a batch ``(N, H, W, C)``, a single image ``(H, W, C)``, or a dict
``{"images": ..., "labels": ..., "bounding_boxes": ..., "segmentation_masks": ...}``
as in Keras.  A subclass writes two hooks, both on channels-last batches:

* ``_draw(rng, shape)``: the transformation for images of ``shape``
  ``(N, H, W, C)``, drawn from the NumPy generator ``rng``;
* ``_augment(images, transformation)``: the images transformed.

As in Keras, calling a layer directly augments (``training`` defaults to
True); ``fit`` trains with it, and ``predict``/``evaluate`` (or
``training=False``) leave the input unchanged.  The transformation is what
Keras's layer returns, so a dict drawn here can be fed to Keras's
``transform_images`` and back.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.RandomBrightness(factor=(0.5, 0.5), value_range=(0, 1))
>>> layer.get_random_transformation(np.zeros((2, 4, 4, 3)))["rgb_delta"].shape
(2, 1, 1, 1)
>>> layer(np.zeros((4, 4, 3)))[0, 0].numpy().tolist()
[0.5, 0.5, 0.5]
>>> layer(np.zeros((4, 4, 3)), training=False)[0, 0].numpy().tolist()
[0.0, 0.0, 0.0]
"""
import numpy as np

from .... import ops, random
from ....core.tensor import Tensor
from ....ops import conv_ops
from ..image_layers import BaseImageLayer

_PARTS = ("images", "labels", "bounding_boxes", "segmentation_masks")


def _host(x):
    """A transformation entry (Tensor, NumPy or a Keras/torch tensor) as NumPy."""
    if isinstance(x, Tensor):
        return x.numpy()
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


class BaseImagePreprocessingLayer(BaseImageLayer):
    """Base of the image augmentation layers (see the module docstring).

    Class settings: ``_FACTOR_BOUNDS`` (what ``factor`` may hold),
    ``_GEOMETRIC`` (the transform moves pixels, so bounding boxes and masks
    follow it), ``_ALWAYS`` (deterministic layers that act at inference too),
    ``_CONFIG`` (attribute names added to ``get_config``).
    """

    _FACTOR_BOUNDS = (-1, 1)
    _GEOMETRIC = False
    _ALWAYS = False
    _CONFIG = ()

    def __init__(self, seed=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bounding_box_format = bounding_box_format
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    # -- arguments --------------------------------------------------------------
    def _error(self, message):
        return ValueError(f"{type(self).__name__} {self.name!r}: {message}")

    def _set_factor(self, factor, name="factor", bounds=None):
        """Keras's reading of a factor: a pair is sorted; one number ``f`` means
        ``(max(-f, low), f)``; both must meet ``bounds`` (default ``_FACTOR_BOUNDS``)."""
        low, high = bounds or self._FACTOR_BOUNDS
        message = (f"The `{name}` argument should be a number (or a list of two numbers) in the range "
                   f"[{low}, {high}]. Received: {name}={factor!r}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise self._error(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if not low <= factor <= high:
                raise self._error(message)
            lower, upper = max(-abs(factor), low), abs(factor)
        else:
            raise self._error(message)
        return lower, upper

    def _set_value_range(self, value_range, sort=True):
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise self._error("The `value_range` argument should be a list of two numbers. "
                              f"Received: value_range={value_range!r}")
        return tuple(sorted(value_range) if sort else value_range)

    # -- the call -----------------------------------------------------------------
    def _batch_size_and_images(self, data):
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        if len(shape) not in (3, 4):
            raise self._error("Expected image tensor to have rank 3 (single image) or 4 (batch of "
                              f"images). Received: data.shape={shape}")
        return shape

    def _shape(self, data):
        """The images' shape as a channels-last batch ``(N, H, W, C)`` (a single image: N = 1)."""
        shape = self._batch_size_and_images(data)
        shape = shape if len(shape) == 4 else (1,) + shape
        return shape if self.data_format == "channels_last" else (shape[0],) + shape[2:] + (shape[1],)

    def _input_shape(self, shape):
        """A channels-last ``shape`` in the images' own layout (the ``"input_shape"`` of Keras's dicts)."""
        return shape if self.data_format == "channels_last" else (shape[0], shape[3], shape[1], shape[2])

    def _rng(self, seed=None):
        """The NumPy generator of one draw: from the layer's seed generator, or from ``seed``."""
        return random._rng(self.generator if seed is None else seed)

    def get_random_transformation(self, data, training=True, seed=None):
        """The transformation for ``data`` (images or a dict with ``"images"``):
        a dict of NumPy arrays with one entry per image (a single image counts
        as a batch of one); ``None`` when not training."""
        if not (training or self._ALWAYS):
            return None
        return self._draw(self._rng(seed), self._shape(data))

    def _draw(self, rng, shape):
        return None

    def _augment(self, images, transformation):
        raise NotImplementedError(f"{type(self).__name__} does not transform images")

    def transform_images(self, images, transformation, training=True):
        """Apply ``transformation`` to a batch of images (in ``data_format``)."""
        x = ops.convert_to_tensor(images)
        x = x if x.dtype == self.dtype else x.astype(self.dtype)
        if not (training or self._ALWAYS):
            return x
        x = conv_ops.to_channels_last(x, self.data_format)
        return conv_ops.from_channels_last(self._augment(x, transformation), self.data_format)

    def transform_labels(self, labels, transformation, training=True):
        """Labels follow the images (unchanged here; ``MixUp``/``CutMix`` mix them)."""
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks move with the pixels of a geometric layer (nearest sampling);
        a colour layer leaves them alone."""
        if not (self._GEOMETRIC and (training or self._ALWAYS)):
            return segmentation_masks
        x = conv_ops.to_channels_last(ops.convert_to_tensor(segmentation_masks), self.data_format)
        return conv_ops.from_channels_last(self._augment_masks(x, transformation), self.data_format)

    def _augment_masks(self, masks, transformation):
        return self._augment(masks, transformation, interpolation="nearest")

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Boxes: unchanged by a colour layer; a geometric layer moves them
        (``_move_boxes`` on ``"xyxy"`` pixel boxes), clips them to the image
        (a box left without area gets the label -1) and converts them back."""
        if not (self._GEOMETRIC and (training or self._ALWAYS)):
            return bounding_boxes
        if type(self)._move_boxes is BaseImagePreprocessingLayer._move_boxes:
            raise NotImplementedError(f"{type(self).__name__}: bounding boxes are not supported by this layer in "
                                      "tinykeras yet")
        from ....utils import bounding_boxes as bb   # utils builds on layers: import when boxes come
        height, width = self._image_size
        boxes = bb.convert_format(bounding_boxes["boxes"], self.bounding_box_format, "xyxy", height=height,
                                  width=width)
        moved, (height, width) = self._move_boxes(_host(boxes).astype(np.float64), transformation, height, width)
        out = bb.clip_to_image_size(dict(bounding_boxes, boxes=Tensor(moved.astype(np.float32))), height=height,
                                    width=width, bounding_box_format="xyxy")
        out["boxes"] = bb.convert_format(out["boxes"], "xyxy", self.bounding_box_format, height=height, width=width)
        return out

    def _move_boxes(self, boxes, transformation, height, width):
        """``"xyxy"`` pixel boxes (NumPy, ``(N, B, 4)``) as moved by the
        transformation, and the output image's ``(height, width)``."""
        raise NotImplementedError

    def call(self, data, training=None):
        training = True if training is None else bool(training)
        transformation = self.get_random_transformation(data, training=training)
        parts = dict(data) if isinstance(data, dict) else {"images": data}
        unknown = set(parts) - set(_PARTS)
        if unknown:
            raise self._error(f"a dict input may hold the keys {_PARTS}; got {sorted(unknown)}")
        if "bounding_boxes" in parts and not self.bounding_box_format:
            raise self._error("You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                              f"bounding box format. Pass a `bounding_box_format` argument to your "
                              f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
        batched = len(self._batch_size_and_images(parts)) == 4
        self._image_size = self._shape(parts)[1:3]          # for the boxes: their image's (height, width)
        out = {}
        for key, value in parts.items():
            if key == "bounding_boxes":
                boxes = {k: ops.convert_to_tensor(v) for k, v in value.items()}
                if not batched:
                    boxes = {k: ops.expand_dims(v, 0) for k, v in boxes.items()}
                boxes = self.transform_bounding_boxes(boxes, transformation, training=training)
                out[key] = boxes if batched else {k: v[0] for k, v in boxes.items()}
                continue
            value = ops.convert_to_tensor(value)
            value = value if batched else ops.expand_dims(value, 0)
            value = getattr(self, f"transform_{key}")(value, transformation, training=training)
            out[key] = value if batched else value[0]
        return out if isinstance(data, dict) else out["images"]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return {**config, **{name: getattr(self, name) for name in self._CONFIG}}

    # -- helpers for subclasses ------------------------------------------------------
    @staticmethod
    def _to_range(images, original_range, target_range):
        """Rescale values from ``original_range`` to ``target_range`` (Keras's
        ``_transform_value_range``)."""
        (a, b), (c, d) = original_range, target_range
        if (a, b) == (c, d):
            return images
        return (images - float(a)) / (float(b) - float(a)) * (float(d) - float(c)) + float(c)

    def _per_image(self, values, images):
        """A transformation entry as a Tensor of shape ``(N, 1, 1, 1)`` in ``images``' dtype."""
        return Tensor(_host(values).reshape(-1, 1, 1, 1).astype(images.dtype))
