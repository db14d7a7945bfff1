"""``keras.utils.FeatureSpace`` and its building blocks (``Feature``, ``Cross``).

>>> space = FeatureSpace({"x": "float"})
>>> space({"x": [1.5, 2.0]}).numpy().tolist()
[[1.5], [2.0]]
"""
from .feature_space import FeatureSpace
from .specs import Cross, Feature

__all__ = ["FeatureSpace", "Feature", "Cross"]
