"""Keras 3's image augmentation layers, built on one base
(``base.BaseImagePreprocessingLayer``: draw a transformation, then apply it)."""
from .base import BaseImagePreprocessingLayer
from .color import (AutoContrast, RandomBrightness, RandomColorDegeneration, RandomColorJitter, RandomContrast,
                    RandomGaussianBlur, RandomGrayscale, RandomHue, RandomInvert, RandomPosterization,
                    RandomSaturation, RandomSharpness, Solarization)
from .affine import RandomFlip, RandomRotation, RandomShear, RandomTranslation, RandomZoom
from .geometric import MaxNumBoundingBoxes, RandomCrop, RandomElasticTransform, RandomPerspective
from .mixing import CutMix, MixUp, RandomErasing
from .histogram import ContrastLimitedAdaptiveHistogramEqualization, Equalization
from .policies import AugMix, RandAugment

__all__ = ["BaseImagePreprocessingLayer", "AutoContrast", "RandomBrightness", "RandomColorDegeneration",
           "RandomColorJitter", "RandomContrast", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert",
           "RandomPosterization", "RandomSaturation", "RandomSharpness", "Solarization", "RandomFlip",
           "RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom", "RandomCrop", "RandomPerspective",
           "RandomElasticTransform", "MaxNumBoundingBoxes", "CutMix", "MixUp", "RandomErasing",
           "ContrastLimitedAdaptiveHistogramEqualization", "Equalization", "AugMix", "RandAugment"]
