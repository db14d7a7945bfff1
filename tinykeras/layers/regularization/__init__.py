"""Regularization layers owned here: spatial dropout."""
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
