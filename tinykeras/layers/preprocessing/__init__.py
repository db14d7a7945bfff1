"""Image preprocessing and augmentation layers."""
from .augmentation import *  # noqa: F401,F403  (the Keras 3 augmentation layers)
from .augmentation import __all__ as _augmentation
from .image_layers import BaseImageLayer, CenterCrop, Resizing

__all__ = ["BaseImageLayer", "CenterCrop", "Resizing"] + _augmentation
