"""The built-in NumPy plugin: the reference kernels and its fused kernels.

``numpy_backend.py`` registers every kernel through the same plugin
manager as external plugins (``trylast=True``, so any plugin can override).
"""
