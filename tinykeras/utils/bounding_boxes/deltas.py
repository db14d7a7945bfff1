"""Box regression targets: :func:`encode_box_to_deltas` and its inverse
:func:`decode_deltas_to_boxes` (``keras.utils.bounding_boxes``).

A box relative to its anchor, both in a center format, is
``((center - anchor_center) / anchor_size, log(size / anchor_size))``,
divided by ``variance`` when given.

>>> import numpy as np
>>> anchors = np.array([[0., 0., 10., 10.]])
>>> boxes = np.array([[5., 5., 15., 15.]])
>>> deltas = encode_box_to_deltas(anchors, boxes, "xyxy", "xyxy")
>>> deltas.numpy().tolist()
[[0.5, 0.5, 0.0, 0.0]]
>>> decode_deltas_to_boxes(anchors, deltas, "xyxy", "xyxy").numpy().tolist()
[[5.0, 5.0, 15.0, 15.0]]
"""
from ... import ops
from ...backend import epsilon
from .formats import convert_format

ENCODINGS = ("center_xywh", "center_yxhw")


def _variance(variance):
    if variance is None:
        return None
    variance = ops.convert_to_tensor(variance, "float32")
    if not variance.shape or variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def _height_width(image_shape):
    return (None, None) if image_shape is None else tuple(image_shape)[:2]


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format, encoding_format="center_yxhw",
                         variance=None, image_shape=None):
    """The deltas that turn ``anchors`` ``(N, 4)`` into ``boxes`` (``(N, 4)``
    or ``(batch, N, 4)``), in ``encoding_format`` order (``"center_yxhw"``
    or ``"center_xywh"``); ``image_shape`` ``(height, width, channels)``
    is needed for relative formats."""
    variance = _variance(variance)
    if encoding_format not in ENCODINGS:
        raise ValueError(f"`encoding_format` should be one of 'center_xywh' or 'center_yxhw', "
                         f"got {encoding_format}")
    height, width = _height_width(image_shape)
    anchors = convert_format(anchors, anchor_format, encoding_format, height=height, width=width)
    boxes = convert_format(boxes, box_format, encoding_format, height=height, width=width)
    anchor_size = ops.maximum(anchors[..., 2:], epsilon())
    box_size = ops.maximum(boxes[..., 2:], epsilon())
    deltas = ops.concatenate([(boxes[..., :2] - anchors[..., :2]) / anchor_size,
                              ops.log(box_size / anchor_size)], axis=-1)
    return deltas if variance is None else deltas / variance


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format, encoded_format="center_yxhw",
                           variance=None, image_shape=None):
    """The boxes (in ``box_format``) that ``boxes_delta`` make of ``anchors``;
    both may be dicts of levels (``{level: (N, 4)}``), giving a dict."""
    variance = _variance(variance)
    if encoded_format not in ENCODINGS:
        raise ValueError(f"`encoded_format` should be 'center_xywh' or 'center_yxhw', "
                         f"but got '{encoded_format}'.")
    height, width = _height_width(image_shape)

    def decode(anchor, delta):
        anchor = convert_format(anchor, anchor_format, encoded_format, height=height, width=width)
        delta = ops.convert_to_tensor(delta)
        if variance is not None:
            delta = delta * variance
        box = ops.concatenate([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                               ops.exp(delta[..., 2:]) * anchor[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height=height, width=width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode(anchor, boxes_delta[level]) for level, anchor in anchors.items()}
    return decode(anchors, boxes_delta)
