"""Bounding-box formats and :func:`convert_format` (``keras.utils.bounding_boxes``).

Every format is read into ``xyxy`` (left, top, right, bottom) and written
from it, one table per direction.  The ``rel_`` formats are their base format
divided by the image ``width`` (x values) and ``height`` (y values).

>>> import numpy as np
>>> convert_format(np.array([[10, 20, 30, 40]]), "xyxy", "xywh").numpy().tolist()
[[10.0, 20.0, 20.0, 20.0]]
"""
from ... import ops

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw",
                     "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh")


def _center_to_xyxy(cx, cy, w, h):
    half_w, half_h = w / 2.0, h / 2.0
    return cx - half_w, cy - half_h, cx + half_w, cy + half_h


def _xyxy_to_center(x1, y1, x2, y2):
    return x1 + ((x2 - x1) / 2.0), y1 + ((y2 - y1) / 2.0), x2 - x1, y2 - y1


# base format -> (the 4 columns to x1, y1, x2, y2; x1, y1, x2, y2 to the 4 columns)
_BASE = {
    "xyxy": (lambda x1, y1, x2, y2: (x1, y1, x2, y2), lambda x1, y1, x2, y2: (x1, y1, x2, y2)),
    "yxyx": (lambda y1, x1, y2, x2: (x1, y1, x2, y2), lambda x1, y1, x2, y2: (y1, x1, y2, x2)),
    "xywh": (lambda x1, y1, w, h: (x1, y1, x1 + w, y1 + h), lambda x1, y1, x2, y2: (x1, y1, x2 - x1, y2 - y1)),
    "center_xywh": (_center_to_xyxy, _xyxy_to_center),
    "center_yxhw": (lambda cy, cx, h, w: _center_to_xyxy(cx, cy, w, h),
                    lambda *xyxy: (lambda cx, cy, w, h: (cy, cx, h, w))(*_xyxy_to_center(*xyxy))),
}
# which of the 4 columns of a base format are x values (scaled by the width)
_X_COLUMNS = {"xyxy": (1, 0, 1, 0), "yxyx": (0, 1, 0, 1), "xywh": (1, 0, 1, 0), "center_xywh": (1, 0, 1, 0)}


def _columns(boxes):
    return ops.split(boxes, 4, axis=-1)


def _rescale(columns, base, height, width, to_absolute):
    scale = [width if is_x else height for is_x in _X_COLUMNS[base]]
    return [c * s if to_absolute else ops.divide(c, s) for c, s in zip(columns, scale)]


def to_xyxy(boxes, source, height=None, width=None):
    """``boxes`` (a Tensor, last axis 4) of a supported format in ``xyxy``."""
    base = source[4:] if source.startswith("rel_") else source
    xyxy = _BASE[base][0](*_columns(boxes))
    if base != source:  # a relative format: base columns, then times width/height
        xyxy = _rescale(xyxy, "xyxy", height, width, to_absolute=True)
    return ops.concatenate(list(xyxy), axis=-1)


def from_xyxy(boxes, target, height=None, width=None):
    """``xyxy`` ``boxes`` in the supported format ``target``."""
    base = target[4:] if target.startswith("rel_") else target
    columns = _BASE[base][1](*_columns(boxes))
    if base != target:
        columns = _rescale(columns, base, height, width, to_absolute=False)
    return ops.concatenate(list(columns), axis=-1)


def check_format(name, value, allowed=SUPPORTED_FORMATS):
    """``value`` lower-cased, or a ValueError naming ``name`` and the choices."""
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(f"bounding_boxes: `{name}` must be one of {allowed}; got {value!r}")
    return value.lower()


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Converts bounding boxes between formats (as ``keras.utils.bounding_boxes.convert_format``).

    Formats (case-insensitive): ``"xyxy"`` [left, top, right, bottom],
    ``"yxyx"``, ``"xywh"`` [left, top, width, height], ``"center_xywh"``,
    ``"center_yxhw"``, and the relative ``"rel_xyxy"``, ``"rel_yxyx"``,
    ``"rel_xywh"``, ``"rel_center_xywh"`` (coordinates divided by the
    image ``width``/``height``, which a conversion between relative and
    absolute formats needs).  ``boxes`` has shape ``(..., 4)``, or is a dict
    whose ``"boxes"`` entry is replaced (in place, as Keras does) and which is
    returned.  The result is a Tensor of ``dtype``.

    >>> import numpy as np
    >>> boxes = np.array([[10, 20, 30, 40], [50, 60, 70, 80]])
    >>> rel = convert_format(boxes, "xyxy", "rel_xyxy", height=200, width=100)
    >>> np.round(rel.numpy().astype(float), 2).tolist()
    [[0.1, 0.1, 0.3, 0.2], [0.5, 0.3, 0.7, 0.4]]
    """
    if isinstance(boxes, dict):
        boxes["boxes"] = convert_format(boxes["boxes"], source, target, height, width, dtype)
        return boxes
    boxes = ops.convert_to_tensor(boxes)
    if not boxes.shape or boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. "
                         f"Received: boxes.shape={tuple(boxes.shape)}")
    source, target = check_format("source", source), check_format("target", target)
    if (source.startswith("rel_") or target.startswith("rel_")) and (width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` transforming between "
                         f"relative and absolute formats. convert_format() received source=`{source}`, "
                         f"target=`{target}`, but height={height} and width={width}.")
    boxes = ops.cast(boxes, dtype)
    if source == target:
        return boxes
    width = None if width is None else ops.cast(width, dtype)
    height = None if height is None else ops.cast(height, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return from_xyxy(to_xyxy(boxes, source, height, width), target, height, width)
