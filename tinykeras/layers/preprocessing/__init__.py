"""Image preprocessing and augmentation layers."""
from .augmentation import (AutoContrast, BaseImagePreprocessingLayer, RandomBrightness, RandomColorDegeneration,
                           RandomColorJitter, RandomContrast, RandomGaussianBlur, RandomGrayscale, RandomHue,
                           RandomInvert, RandomPosterization, RandomSaturation, RandomSharpness, Solarization)
from .image_layers import (BaseImageLayer, BaseRandomLayer, CenterCrop, RandomFlip, RandomRotation,
                           RandomTranslation, RandomZoom, Resizing)
