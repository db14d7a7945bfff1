"""Image files <-> arrays, as ``keras.utils.load_img`` and friends.

``load_img``/``save_img`` read and write image files with Pillow (``pip
install pillow``; without it they raise ``ImportError``, as in Keras);
``img_to_array``/``array_to_img`` convert between Pillow images and
``(height, width, channels)`` arrays; ``smart_resize`` crops the largest
centred box of the target aspect ratio, then resizes (no distortion).
The same functions are ``keras.preprocessing.image.*``.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "square.png")
>>> save_img(path, np.full((4, 6, 3), 200, dtype="uint8"), scale=False)
>>> image = load_img(path, target_size=(2, 3))
>>> img_to_array(image).shape, float(img_to_array(image).max())
((2, 3, 3), 200.0)
>>> smart_resize(np.ones((10, 20, 3)), (5, 5)).shape
(5, 5, 3)
"""
import io
import pathlib
import warnings

import numpy as np

from .. import backend
from ..ops.conv_shapes import normalize_data_format

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Could not import PIL.Image. Loading and saving images needs Pillow: "
                          "pip install pillow") from None
    return Image


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A Pillow image from a 3D array (RGB, RGBA or one-channel grey).

    ``scale`` stretches the values to 0..255 first.

    >>> array_to_img(np.zeros((2, 3, 1))).size  # (width, height)
    (3, 2)
    """
    data_format = normalize_data_format(data_format)
    image = _pil()
    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit integer grey levels: Pillow's mode "I"
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A 3D ``floatx`` array from a Pillow image (grey images get one channel).

    >>> img_to_array(array_to_img(np.ones((2, 3, 3)), scale=False)).shape
    (2, 3, 3)
    """
    data_format = normalize_data_format(data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    raise ValueError(f"Unsupported image shape: {x.shape}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves a 3D array as an image file (format from the file's extension).

    ``**kwargs`` go to Pillow's ``Image.save`` (e.g. ``quality=90``).
    """
    data_format = normalize_data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image file (or ``io.BytesIO``) as a Pillow image.

    Args:
        path: a path (str, bytes, ``pathlib.Path``) or an ``io.BytesIO``.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``(height, width)`` to resize to, or None.
        interpolation: one of ``INTERPOLATIONS``.
        keep_aspect_ratio: crop the centre to the target's aspect ratio
            before resizing.
    """
    image = _pil()
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path.resolve() if isinstance(path, pathlib.Path) else path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    modes = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}
    if color_mode not in modes:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if img.mode not in modes[color_mode]:
        img = img.convert(modes[color_mode][0])
    if target_size is None:
        return img
    width_height = (target_size[1], target_size[0])
    if img.size == width_height:
        return img
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid interpolation method {interpolation} specified. Supported "
                         f"methods are {', '.join(INTERPOLATIONS)}")
    resample = getattr(image.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(width_height, resample)
    width, height = img.size
    crop_height = min(height, (width * width_height[1]) // width_height[0])
    crop_width = min(width, (height * width_height[0]) // width_height[1])
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return img.resize(width_height, resample, box=[left, top, left + crop_width, top + crop_height])


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize images to ``size`` without distorting them (``keras.preprocessing.image.smart_resize``).

    Takes the largest centred crop with the aspect ratio of ``size``, then
    resizes it (``"bilinear"`` or ``"nearest"``; tinykeras has no bicubic or
    Lanczos).  ``x``: ``(height, width, channels)`` or a batch of them
    (channels first with ``data_format="channels_first"``).  A NumPy array
    gives a NumPy array of the same dtype, a Tensor a Tensor.

    >>> smart_resize(np.arange(12.0).reshape(2, 6, 1), (2, 2), "nearest")[..., 0]
    array([[2., 3.],
           [8., 9.]])
    """
    from ..core.tensor import Tensor
    from ..layers.preprocessing.image_utils import resize
    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    img = x if isinstance(x, Tensor) else np.asarray(x)
    if img.ndim not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or "
                         "`(batch_size, height, width, channels)`, but got input with incorrect "
                         f"rank, of shape {img.shape}.")
    channels_last = data_format == "channels_last"
    height, width = img.shape[-3:-1] if channels_last else img.shape[-2:]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    rows, cols = slice(top, top + crop_height), slice(left, left + crop_width)
    img = img[..., rows, cols, :] if channels_last else img[..., rows, cols]
    batch = img if img.ndim == 4 else img[None]
    if not channels_last:
        batch = batch.transpose(0, 2, 3, 1) if isinstance(batch, np.ndarray) else batch.transpose((0, 2, 3, 1))
    dtype = batch.dtype
    # Integer images are resized in float64, then rounded (as Keras).
    work = "float64" if np.dtype(dtype).kind in "iub" else dtype
    float_batch = batch if isinstance(batch, Tensor) else Tensor(np.asarray(batch, work))
    out = resize(float_batch, tuple(size), interpolation)
    if not channels_last:
        out = out.transpose((0, 3, 1, 2))
    out = out if img.ndim == 4 else out[0]
    if isinstance(x, Tensor):
        return out
    out = out.numpy()
    return (np.round(out) if np.dtype(dtype).kind in "iub" else out).astype(dtype)
