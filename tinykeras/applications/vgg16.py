"""``keras.applications.vgg16``: :func:`VGG16`, :func:`preprocess_input` ("caffe"),
:func:`decode_predictions` (the builder is shared with VGG19 in :mod:`.vgg`).

>>> from tinykeras.applications import vgg16
>>> vgg16.VGG16.__name__
'VGG16'
"""
from .vgg import VGG16, decode_predictions, preprocess_input

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]
