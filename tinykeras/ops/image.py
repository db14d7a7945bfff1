"""``keras.ops.image``: image ops (resizing, cropping, colour spaces, ...).

As in Keras they live only here, not in ``tk.ops`` itself.

>>> import tinykeras as tk
>>> tk.ops.image.__name__
'tinykeras.ops.image'
"""
from . import image_ops as _image_ops
from . import image_warp as _image_warp
from .namespaces import export as _export

NAMES = """
    affine_transform crop_images elastic_transform extract_patches extract_patches_3d gaussian_blur
    hsv_to_rgb map_coordinates pad_images perspective_transform resize rgb_to_grayscale rgb_to_hsv
    scale_and_translate sobel_edges ssim
"""
_export(__name__, NAMES, _image_ops)
_export(__name__, NAMES, _image_warp)
