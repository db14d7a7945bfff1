"""``keras.utils.bounding_boxes``: converting, clipping, moving, encoding
and comparing bounding boxes, with Keras 3's functions and arguments.

Boxes are arrays or Tensors whose last axis holds 4 values in one of the
formats of :data:`SUPPORTED_FORMATS` (``"xyxy"`` = left, top, right,
bottom, in pixels; see :func:`convert_format`).  Results are Tensors, and
every function is written with ``tk.ops``, so gradients flow through it
(e.g. a CIoU loss) on every backend.

>>> import numpy as np
>>> from tinykeras.utils import bounding_boxes
>>> bounding_boxes.convert_format(np.array([[10, 20, 30, 40]]), "xyxy", "center_xywh").numpy().tolist()
[[20.0, 30.0, 20.0, 20.0]]
"""
from .deltas import decode_deltas_to_boxes, encode_box_to_deltas
from .formats import SUPPORTED_FORMATS, convert_format
from .iou import compute_ciou, compute_iou
from .transforms import affine_transform, clip_to_image_size, crop, pad

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]
