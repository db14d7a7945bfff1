"""Regularization layers owned here: spatial dropout, activity regularization."""
from .activity_regularization import ActivityRegularization
from .spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
