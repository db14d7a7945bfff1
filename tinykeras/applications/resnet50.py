"""``keras.applications.resnet50``: :func:`ResNet50`, :func:`preprocess_input`
("caffe") and :func:`decode_predictions`, from :mod:`.resnet`.

>>> from tinykeras.applications import resnet50
>>> resnet50.ResNet50.__name__
'ResNet50'
"""
from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
