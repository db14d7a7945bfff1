"""``keras.applications.vgg19``: :func:`VGG19`, :func:`preprocess_input` ("caffe"),
:func:`decode_predictions` (the builder is shared with VGG16 in :mod:`.vgg`).

>>> from tinykeras.applications import vgg19
>>> vgg19.VGG19.__name__
'VGG19'
"""
from .vgg import VGG19, decode_predictions, preprocess_input

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]
