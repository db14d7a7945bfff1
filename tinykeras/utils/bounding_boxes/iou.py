"""Overlap of bounding boxes: :func:`compute_iou` (a table of pairwise IoUs)
and :func:`compute_ciou` (Complete IoU of matching boxes), as
``keras.utils.bounding_boxes``.

>>> import numpy as np
>>> a = np.array([[0., 0., 10., 10.]])
>>> b = np.array([[0., 0., 10., 10.], [5., 0., 15., 10.], [20., 20., 30., 30.]])
>>> np.round(compute_iou(a, b, "xyxy").numpy().astype(float), 4).tolist()
[[1.0, 0.3333, 0.0]]
"""
import math

from ... import ops
from ...backend import epsilon
from .formats import convert_format


def _rank(boxes, name):
    rank = len(ops.convert_to_tensor(boxes).shape)
    if rank not in (2, 3):
        raise ValueError(f"compute_iou() expects {name} to be batched, or to be unbatched: shape "
                         f"(N, 4) or (batch, N, 4). Received len({name}.shape)={rank}.")
    return rank


def _area(yxyx):
    y_min, x_min, y_max, x_max = ops.split(yxyx[..., :4], 4, axis=-1)
    return ops.squeeze((y_max - y_min) * (x_max - x_min), axis=-1)


def _intersection(boxes1, boxes2):
    y_min1, x_min1, y_max1, x_max1 = ops.split(boxes1[..., :4], 4, axis=-1)
    y_min2, x_min2, y_max2, x_max2 = ops.split(boxes2[..., :4], 4, axis=-1)
    perm = (1, 0) if len(boxes2.shape) == 2 else (0, 2, 1)
    height = (ops.minimum(y_max1, ops.transpose(y_max2, perm))
              - ops.maximum(y_min1, ops.transpose(y_min2, perm)))
    width = (ops.minimum(x_max1, ops.transpose(x_max2, perm))
             - ops.maximum(x_min1, ops.transpose(x_min2, perm)))
    return ops.maximum(height, 0) * ops.maximum(width, 0)


def _to(boxes, source, target, image_shape):
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    return convert_format(boxes, source=source, target=target, height=height, width=width)


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1, image_shape=None):
    """The IoU of every box of ``boxes1`` with every box of ``boxes2``:
    ``(M, 4)`` and ``(N, 4)`` give ``(M, N)``; a batched side ``(batch, ., 4)``
    gives ``(batch, M, N)``.  With ``use_masking``, pairs where a box has all
    4 values below 0 get ``mask_val``.  Relative formats need ``image_shape``."""
    boxes1_rank, _ = _rank(boxes1, "boxes1"), _rank(boxes2, "boxes2")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` "
                         f"argument must be provided. Received `image_shape`: {image_shape}")
    boxes1 = _to(boxes1, bounding_box_format, "yxyx", image_shape)
    boxes2 = _to(boxes2, bounding_box_format, "yxyx", image_shape)
    intersection = _intersection(boxes1, boxes2)
    area1, area2 = _area(boxes1), _area(boxes2)
    area2 = ops.expand_dims(area2, axis=1 if len(area2.shape) == 2 else 0)
    union = ops.expand_dims(area1, axis=-1) + area2 - intersection
    iou = ops.divide(intersection, union + epsilon())
    if not use_masking:
        return iou
    perm = (1, 0) if boxes1_rank == 2 else (0, 2, 1)
    mask1 = ops.less(ops.max(boxes1, axis=-1, keepdims=True), 0.0)
    mask2 = ops.less(ops.max(boxes2, axis=-1, keepdims=True), 0.0)
    background = ops.logical_or(mask1, ops.transpose(mask2, perm))
    return ops.where(background, ops.cast(mask_val, iou.dtype) * ops.ones_like(iou), iou)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of each box of ``boxes1`` with the matching box of
    ``boxes2`` (shapes ``(..., 4)``): the IoU minus the squared center
    distance over the enclosing box's squared diagonal, minus an aspect-ratio
    term.  Relative formats are refused, as in Keras.

    >>> import numpy as np
    >>> float(compute_ciou(np.array([[0., 0., 10., 10.]]), np.array([[0., 0., 10., 10.]]), "xyxy")[0])
    1.0
    """
    if "rel" in bounding_box_format:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` "
                         f"argument must be provided. Received `image_shape`: {image_shape}")
    eps = epsilon()
    x_min1, y_min1, x_max1, y_max1 = ops.split(_to(boxes1, bounding_box_format, "xyxy", image_shape), 4, axis=-1)
    x_min2, y_min2, x_max2, y_max2 = ops.split(_to(boxes2, bounding_box_format, "xyxy", image_shape), 4, axis=-1)
    width_1, height_1 = x_max1 - x_min1, y_max1 - y_min1 + eps
    width_2, height_2 = x_max2 - x_min2, y_max2 - y_min2 + eps
    intersection = (ops.maximum(ops.minimum(x_max1, x_max2) - ops.maximum(x_min1, x_min2), 0)
                    * ops.maximum(ops.minimum(y_max1, y_max2) - ops.maximum(y_min1, y_min2), 0))
    union = width_1 * height_1 + width_2 * height_2 - intersection + eps
    iou = ops.squeeze(ops.divide(intersection, union + eps), axis=-1)
    convex_width = ops.maximum(x_max1, x_max2) - ops.minimum(x_min1, x_min2)
    convex_height = ops.maximum(y_max1, y_max2) - ops.minimum(y_min1, y_min2)
    diagonal = ops.squeeze(convex_width ** 2 + convex_height ** 2 + eps, axis=-1)
    centers = ops.squeeze(((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2
                          + ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2, axis=-1)
    v = ops.squeeze((4 / math.pi ** 2) * ops.power(ops.arctan(width_2 / height_2)
                                                   - ops.arctan(width_1 / height_1), 2), axis=-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers / diagonal + v * alpha)
