"""Keras 3's image augmentation layers, built on one base
(``base.BaseImagePreprocessingLayer``: draw a transformation, then apply it)."""
from .base import BaseImagePreprocessingLayer
from .color import (AutoContrast, RandomBrightness, RandomColorDegeneration, RandomColorJitter, RandomContrast,
                    RandomGaussianBlur, RandomGrayscale, RandomHue, RandomInvert, RandomPosterization,
                    RandomSaturation, RandomSharpness, Solarization)
