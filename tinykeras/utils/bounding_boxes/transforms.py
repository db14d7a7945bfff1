"""Moving bounding boxes with their image: :func:`clip_to_image_size`,
:func:`crop`, :func:`pad` and :func:`affine_transform`
(``keras.utils.bounding_boxes``).  All take ``xyxy`` boxes (``clip`` also
``rel_xyxy``), as Keras's do, and raise ``NotImplementedError`` for other
formats as Keras does.

>>> import numpy as np
>>> pad(np.array([[1.0, 2.0, 3.0, 4.0]]), top=10, left=20).numpy().tolist()
[[21.0, 12.0, 23.0, 14.0]]
"""
import math

from ... import ops
from ...backend import floatx


def _only_xyxy(fn, bounding_box_format, allowed=("xyxy",)):
    if bounding_box_format not in allowed:
        raise NotImplementedError(f"bounding_boxes.{fn}: only bounding_box_format in {allowed} is "
                                  f"supported (as in Keras); got {bounding_box_format!r}")


def _clip_columns(boxes, height, width):
    x1, y1, x2, y2 = ops.split(boxes, 4, axis=-1)
    return ops.concatenate([ops.clip(x1, 0, width), ops.clip(y1, 0, height),
                            ops.clip(x2, 0, width), ops.clip(y2, 0, height)], axis=-1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clips the boxes of ``bounding_boxes`` (a dict with ``"boxes"`` of shape
    ``(N, 4)`` or ``(batch, N, 4)`` and optional ``"labels"``) to the image;
    a box left with no area gets the label -1.  Returns a new dict.

    >>> import numpy as np
    >>> out = clip_to_image_size({"boxes": np.array([[-10., -20., 150., 160.], [130., 40., 170., 80.]]),
    ...                           "labels": np.array([0, 1])}, height=100, width=120)
    >>> out["boxes"].numpy().tolist(), out["labels"].numpy().tolist()
    ([[0.0, 0.0, 120.0, 100.0], [120.0, 40.0, 120.0, 80.0]], [0, -1])
    """
    _only_xyxy("clip_to_image_size", bounding_box_format, ("xyxy", "rel_xyxy"))
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = ops.convert_to_tensor(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels", None)
    if bounding_box_format == "xyxy":
        boxes = _clip_columns(boxes, ops.cast(height, boxes.dtype), ops.cast(width, boxes.dtype))
    else:
        boxes = _clip_columns(boxes, 1.0, 1.0)
    result = bounding_boxes.copy()
    result["boxes"] = boxes
    if labels is not None:
        x1, y1, x2, y2 = ops.split(boxes, 4, axis=-1)
        areas = ops.squeeze((x2 - x1) * (y2 - y1), axis=-1)
        result["labels"] = ops.where(areas > 0, labels, -1)
    return result


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """The boxes as seen in the crop ``height`` x ``width`` whose top-left
    corner is at (``left``, ``top``): shifted, then clipped to the crop.

    >>> import numpy as np
    >>> boxes = np.array([[10., 20., 50., 60.], [70., 80., 100., 120.]])
    >>> crop(boxes, top=10, left=20, height=40, width=30).numpy().tolist()
    [[0.0, 10.0, 30.0, 40.0], [30.0, 40.0, 30.0, 40.0]]
    """
    _only_xyxy("crop", bounding_box_format)
    x1, y1, x2, y2 = ops.split(ops.convert_to_tensor(boxes), 4, axis=-1)
    shifted = ops.concatenate([x1 - left, y1 - top, x2 - left, y2 - top], axis=-1)
    return _clip_columns(shifted, height, width)


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """The boxes moved by the ``top``/``left`` padding of their image
    (``height``/``width`` are accepted, as in Keras, and unused)."""
    _only_xyxy("pad", bounding_box_format)
    x1, y1, x2, y2 = ops.split(ops.convert_to_tensor(boxes), 4, axis=-1)
    return ops.concatenate([x1 + left, y1 + top, x2 + left, y2 + top], axis=-1)


def _per_image(value, batch_size, dtype):
    value = ops.cast(ops.convert_to_tensor(value), dtype)
    return ops.broadcast_to(ops.reshape(value, (-1,)), (batch_size,))


def inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale, shear_x,
                          shear_y, height, width):
    """The ``(batch, 3, 3)`` matrices mapping output pixels back to input
    pixels (TensorFlow's ``_get_inverse_affine_matrix``; angles in degrees,
    translations and the center as fractions of the image size)."""
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx, cy = center_x * (width - 1), center_y * (height - 1)
    rot = angle * (1.0 / 180.0 * math.pi)
    tx, ty = -translate_x * (width - 1), -translate_y * (height - 1)
    sx, sy = shear_x * (1.0 / 180.0 * math.pi), shear_y * (1.0 / 180.0 * math.pi)
    cos_sy, tan_sx, rot_minus_sy = ops.cos(sy), ops.tan(sx), rot - sy
    cx_plus_tx, cy_plus_ty = cx + tx, cy + ty
    a = ops.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + ops.sin(rot)
    c = -ops.sin(rot_minus_sy) / cos_sy
    d = ops.cos(rot) - c * tan_sx
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    a2 = cx - a0 * cx_plus_tx - a1 * cy_plus_ty
    b2 = cy - b0 * cx_plus_tx - b1 * cy_plus_ty
    zeros, ones = ops.zeros_like(a0), ops.ones_like(a0)
    matrix = ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros, ones], axis=-1)
    return ops.reshape(matrix, (-1, 3, 3))


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width,
                     center_x=None, center_y=None, bounding_box_format="xyxy"):
    """The boxes of a batch of images ``(batch, N, 4)`` after each image's
    affine transform (rotation ``angle`` and shears in degrees, translations
    and center as fractions of ``width``/``height``; one value per image, or
    one for all): the ``xyxy`` box around each box's four moved corners.

    >>> import numpy as np
    >>> boxes = np.array([[[10., 20., 30., 40.]]])
    >>> out = affine_transform(boxes, np.array([0.]), 0.1, 0., 1., 0., 0., height=101, width=101)
    >>> np.round(out.numpy(), 4).tolist()
    [[[20.0, 20.0, 40.0, 40.0]]]
    """
    _only_xyxy("affine_transform", bounding_box_format)
    boxes = ops.convert_to_tensor(boxes)
    if len(boxes.shape) != 3 or boxes.shape[-1] != 4:
        raise ValueError("bounding_boxes.affine_transform: `boxes` must have shape (batch, N, 4); "
                         f"got shape {tuple(boxes.shape)}")
    batch_size, n_boxes = boxes.shape[0], boxes.shape[1]
    angle = ops.convert_to_tensor(angle)
    dtype = angle.dtype if "float" in str(angle.dtype) else floatx()
    per_image = [_per_image(v, batch_size, dtype) for v in
                 (0.5 if center_x is None else center_x, 0.5 if center_y is None else center_y, angle,
                  translate_x, translate_y, scale, shear_x, shear_y)]
    matrix = inverse_affine_matrix(*per_image, height, width)
    boxes = ops.cast(boxes, matrix.dtype)
    x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
    points = ops.reshape(ops.stack([x1, y1, x2, y1, x2, y2, x1, y2], axis=-1), (batch_size, n_boxes, 4, 2))
    points = ops.concatenate([points, ops.ones((batch_size, n_boxes, 4, 1), points.dtype)], axis=-1)
    moved = ops.einsum("bnxy,byz->bnxz", points, ops.transpose(matrix[:, :2, :], (0, 2, 1)))
    return ops.concatenate([ops.min(moved, axis=2), ops.max(moved, axis=2)], axis=-1)
