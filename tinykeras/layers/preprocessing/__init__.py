"""Image preprocessing and augmentation layers."""
from .image_layers import (BaseImageLayer, BaseRandomLayer, CenterCrop, RandomContrast, RandomFlip, RandomRotation,
                           RandomTranslation, RandomZoom, Resizing)
