"""Spatial reshaping layers: zero padding, cropping, up-sampling."""
from .spatial import (BaseCropping, BaseUpSampling, BaseZeroPadding, Cropping1D, Cropping2D, Cropping3D,
                      SpatialLayer, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
                      ZeroPadding3D)
