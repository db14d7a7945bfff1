"""Colour augmentation layers (Keras 3's): they change pixel values, never
positions, so labels, bounding boxes and masks pass through.

Each draws per-image numbers in ``_draw`` and applies them in ``_augment``
(see ``base.py``); arguments, defaults and transformation dicts are Keras's.

>>> import numpy as np, tinykeras as tk
>>> images = np.full((1, 2, 2, 3), 100.0, "float32")
>>> tk.layers.RandomInvert(factor=(1.0, 1.0))(images)[0, 0, 0].numpy().tolist()
[155.0, 155.0, 155.0]
>>> tk.layers.Solarization(threshold_factor=(0.2, 0.2))(images)[0, 0, 0].numpy().tolist()
[155.0, 155.0, 155.0]
"""
import numpy as np

from .... import backend, ops
from ....core.tensor import Tensor
from ....ops import image_ops
from .base import BaseImagePreprocessingLayer, _host


def _uniform(rng, low, high, shape):
    return rng.uniform(low, high, size=shape).astype("float32")


class _ColorLayer(BaseImagePreprocessingLayer):
    """A colour layer with Keras's ``(factor, value_range, data_format, seed)``
    arguments; ``_SORT_RANGE`` is whether Keras sorts ``value_range``."""

    _CONFIG = ("factor", "value_range", "seed")
    _SORT_RANGE = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = self._set_factor(factor)
        self.value_range = self._set_value_range(value_range, sort=self._SORT_RANGE)

    def _clip(self, images):
        return ops.clip(images, self.value_range[0], self.value_range[1])


class RandomBrightness(_ColorLayer):
    """``RandomBrightness(factor, value_range=(0, 255), seed=None)``: add
    ``delta * (max - min)`` of the value range to every pixel of an image,
    ``delta`` drawn in ``factor`` (one number f: ``[-f, f]``), then clip.

    >>> import numpy as np
    >>> RandomBrightness((0.5, 0.5), value_range=(0, 1))(np.zeros((2, 2, 1)))[0, 0].numpy().tolist()
    [0.5]
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range=value_range, seed=seed, **kwargs)

    def _draw(self, rng, shape):
        delta = _uniform(rng, *self.factor, (shape[0], 1, 1, 1))
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def _augment(self, images, t):
        return self._clip(images + self._per_image(t["rgb_delta"], images))


class RandomContrast(_ColorLayer):
    """``RandomContrast(factor, value_range=(0, 255), seed=None)``: per image,
    ``(x - mean) * c + mean`` with the mean per channel and ``c`` drawn in
    ``[1 - lower, 1 + upper]``, then clipped to ``value_range``.  One number
    ``f`` in [0, 1] means ``(lower, upper) = (0, f)``; a pair is sorted.

    >>> import numpy as np
    >>> x = np.array([0.0, 10.0]).reshape(1, 1, 2, 1)
    >>> RandomContrast((-0.5, 0.5))(x).numpy().ravel().tolist()     # c = 1.5
    [0.0, 12.5]
    """

    _FACTOR_BOUNDS = (0, 1)
    _SORT_RANGE = False

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor, value_range=value_range, seed=seed, **kwargs)

    def _draw(self, rng, shape):
        return {"contrast_factor": _uniform(rng, 1.0 - self.factor[0], 1.0 + self.factor[1], (shape[0], 1, 1, 1))}

    def _augment(self, images, t):
        mean = ops.mean(images, axis=(1, 2), keepdims=True)
        return self._clip((images - mean) * self._per_image(t["contrast_factor"], images) + mean)


class RandomColorDegeneration(_ColorLayer):
    """``RandomColorDegeneration(factor, value_range=(0, 255), seed=None)``:
    blend each image towards its grayscale version by a weight drawn in
    ``factor`` (one number f: ``[-f, f]``, as Keras), then clip.

    >>> import numpy as np
    >>> RandomColorDegeneration((1.0, 1.0))(np.array([[[[3.0, 0.0, 0.0]]]])).numpy().astype("float64").round(3).tolist()
    [[[[0.897, 0.897, 0.897]]]]
    """

    def _draw(self, rng, shape):
        return {"factor": _uniform(rng, *self.factor, (shape[0], 1, 1, 1))}

    def _augment(self, images, t):
        gray = image_ops.rgb_to_grayscale(images, data_format="channels_last")
        return self._clip(images + self._per_image(t["factor"], images) * (gray - images))


class RandomGrayscale(BaseImagePreprocessingLayer):
    """``RandomGrayscale(factor=0.5, seed=None)``: each image becomes gray
    (its luma in every channel) with probability ``factor``.  The
    transformation is, as in Keras, a boolean array ``(N, 1, 1, 1)``.

    >>> import numpy as np
    >>> RandomGrayscale(1.0)(np.array([[[[3.0, 0.0, 0.0]]]])).numpy().astype("float64").round(3).tolist()
    [[[[0.897, 0.897, 0.897]]]]
    """

    _CONFIG = ("factor", "seed")

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(factor, (int, float)) or not 0 <= factor <= 1:
            raise self._error(f"`factor` should be between 0 and 1. Received: factor={factor!r}")
        self.factor = factor

    def _draw(self, rng, shape):
        return (_uniform(rng, 0.0, 1.0, (shape[0],)) < self.factor).reshape(-1, 1, 1, 1)

    def _augment(self, images, t):
        gray = image_ops.rgb_to_grayscale(images, data_format="channels_last")
        return ops.where(Tensor(_host(t).reshape(-1, 1, 1, 1)), gray + ops.zeros_like(images), images)


class RandomHue(_ColorLayer):
    """``RandomHue(factor, value_range=(0, 255), seed=None)``: turn each
    image's hue by ``±u / 2`` of a full turn, ``u`` drawn in ``factor``
    (in [0, 1]; one number f: ``[0, f]``), the sign at random.

    >>> import numpy as np
    >>> RandomHue((0.0, 0.0))(np.array([[[[3.0, 0.0, 0.0]]]])).numpy().astype("float64").round(3).tolist()
    [[[[3.0, 0.0, 0.0]]]]
    """

    _FACTOR_BOUNDS = (0, 1)
    _SORT_RANGE = False

    def _draw(self, rng, shape):
        invert = np.where(_uniform(rng, 0.0, 1.0, (shape[0],)) > 0.5, -1.0, 1.0).astype("float32")
        return {"factor": invert * _uniform(rng, *self.factor, (shape[0],)) * 0.5}

    def _augment(self, images, t):
        hsv = image_ops.rgb_to_hsv(self._to_range(images, self.value_range, (0, 1)), "channels_last")
        hue = hsv[..., 0] + Tensor(_host(t["factor"]).reshape(-1, 1, 1).astype(images.dtype))
        hue = ops.where(hue > 1.0, hue - 1.0, hue)
        hue = ops.where(hue < 0.0, hue + 1.0, hue)
        rgb = image_ops.hsv_to_rgb(ops.stack([hue, hsv[..., 1], hsv[..., 2]], axis=-1), "channels_last")
        return self._to_range(ops.clip(rgb, 0.0, 1.0), (0, 1), self.value_range)


class RandomSaturation(_ColorLayer):
    """``RandomSaturation(factor, value_range=(0, 255), seed=None)``: scale
    each image's HSV saturation by ``u / (1 - u)``, ``u`` drawn in ``factor``
    (0.5 keeps it), clipped to ``value_range`` (as Keras: the image itself is
    not rescaled first)."""

    def _draw(self, rng, shape):
        u = _uniform(rng, *self.factor, (shape[0],))
        return {"factor": u / (1.0 - u + backend.epsilon())}

    def _augment(self, images, t):
        hsv = image_ops.rgb_to_hsv(images, "channels_last")
        sat = self._clip(hsv[..., 1] * Tensor(_host(t["factor"]).reshape(-1, 1, 1).astype(images.dtype)))
        return image_ops.hsv_to_rgb(ops.stack([hsv[..., 0], sat, hsv[..., 2]], axis=-1), "channels_last")


class RandomSharpness(_ColorLayer):
    """``RandomSharpness(factor, value_range=(0, 255), seed=None)``: blend
    each image with its 3x3 smoothed version, ``x + (1 - 2u) (smooth - x)``,
    ``u`` drawn in ``factor`` (in [0, 1]; 0.5 keeps the image)."""

    _FACTOR_BOUNDS = (0, 1)

    def _draw(self, rng, shape):
        return {"factor": _uniform(rng, *self.factor, (shape[0],))}

    def _augment(self, images, t):
        a, b = 1.0 / 13.0, 5.0 / 13.0
        kernel = np.array([[a, a, a], [a, b, a], [a, a, a]], images.dtype)
        kernel = Tensor(np.tile(kernel[:, :, None, None], (1, 1, images.shape[-1], 1)))
        smooth = ops.depthwise_conv(images, kernel, strides=1, padding="same")
        sharp = 1.0 - 2.0 * self._per_image(t["factor"], images)
        return self._clip(images + sharp * (smooth - images))


class RandomInvert(_ColorLayer):
    """``RandomInvert(factor=1.0, value_range=(0, 255), seed=None)``: replace
    ``x`` by ``max - x`` in an image with probability ``p``, ``p`` drawn in
    ``factor`` (in [0, 1]; one number f: ``[0, f]``)."""

    _FACTOR_BOUNDS = (0, 1)
    _SORT_RANGE = False

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(factor, value_range=value_range, seed=seed, data_format=data_format, **kwargs)

    def _draw(self, rng, shape):
        probability = _uniform(rng, *self.factor, (shape[0],))
        return {"apply_inversion": _uniform(rng, 0.0, 1.0, (shape[0],)) < probability}

    def _augment(self, images, t):
        flip = Tensor(_host(t["apply_inversion"]).reshape(-1, 1, 1, 1))
        return ops.where(flip, float(self.value_range[1]) - images, images)


class RandomPosterization(_ColorLayer):
    """``RandomPosterization(factor, value_range=(0, 255), seed=None)``: keep
    ``b`` bits of each 8-bit value, ``b`` drawn from ``[lower, upper)``
    (``factor`` in [1, 8]; one number f: ``[1, f)``; equal bounds keep that
    many bits).

    >>> import numpy as np
    >>> RandomPosterization((2, 2))(np.array([[[[100.0]]]])).numpy().tolist()     # 2 bits: steps of 64
    [[[[64.0]]]]
    """

    _FACTOR_BOUNDS = (1, 8)

    def _draw(self, rng, shape):
        low, high = (int(f) for f in self.factor)
        bits = rng.integers(low, high, size=shape[0]) if low != high else np.full(shape[0], low)
        return {"shift_factor": (8 - bits).astype("uint8")}

    def _augment(self, images, t):
        step = Tensor((2.0 ** _host(t["shift_factor"]).astype(images.dtype)).reshape(-1, 1, 1, 1))
        x = self._to_range(images, self.value_range, (0, 255))
        x = ops.trunc(x) % 256.0                              # a cast to uint8
        return self._to_range(ops.floor(x / step) * step, (0, 255), self.value_range)


class Solarization(BaseImagePreprocessingLayer):
    """``Solarization(addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None)``:
    on the 0-255 scale, add ``a`` (clipped), then invert (``255 - x``) every
    value at or above the threshold ``t``; ``a`` and ``t`` are drawn per
    image, as Keras, in ``[lower, upper * 255]`` of their factors."""

    _CONFIG = ("value_range", "addition_factor", "threshold_factor", "seed")

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.addition_factor = self._solarize_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._solarize_factor(threshold_factor, "threshold_factor")
        self.value_range = self._set_value_range(value_range)

    def _solarize_factor(self, factor, name):
        pair = (0, factor) if isinstance(factor, (int, float)) and not isinstance(factor, bool) else factor
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and all(isinstance(f, (int, float)) and 0 <= f <= 1 for f in pair)):
            raise self._error(f"The `{name}` argument should be a number (or a list of two numbers) in the "
                              f"range [0, 1]. Received: {name}={factor!r}")
        return tuple(sorted(pair))

    def _draw(self, rng, shape):
        n = (shape[0], 1, 1, 1)
        return {"additions": _uniform(rng, self.addition_factor[0], self.addition_factor[1] * 255, n),
                "thresholds": _uniform(rng, self.threshold_factor[0], self.threshold_factor[1] * 255, n)}

    def _augment(self, images, t):
        x = ops.clip(self._to_range(images, self.value_range, (0, 255)) + self._per_image(t["additions"], images),
                     0.0, 255.0)
        x = ops.where(x < self._per_image(t["thresholds"], images), x, 255.0 - x)
        return self._to_range(x, (0, 255), self.value_range)


class AutoContrast(BaseImagePreprocessingLayer):
    """``AutoContrast(value_range=(0, 255))``: stretch each channel of each
    image to the full value range (its minimum to the bottom, maximum to the
    top).  Not random: it acts at inference too, as in Keras.  A constant
    channel is left unchanged.

    >>> import numpy as np
    >>> AutoContrast()(np.array([[[[10.0], [20.0]]]])).numpy().tolist()
    [[[[0.0], [255.0]]]]
    """

    _ALWAYS = True
    _CONFIG = ("value_range",)

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = self._set_value_range(value_range)

    def _augment(self, images, t):
        x = self._to_range(images, self.value_range, (0, 255))
        low, high = ops.min(x, axis=(1, 2), keepdims=True), ops.max(x, axis=(1, 2), keepdims=True)
        spread = high - low
        flat = spread == 0.0
        scale = 255.0 / ops.where(flat, 1.0, spread)
        y = self._to_range(ops.clip(x * scale - low * scale, 0.0, 255.0), (0, 255), self.value_range)
        return ops.where(flat | ops.isnan(y), images, y)


class RandomGaussianBlur(_ColorLayer):
    """``RandomGaussianBlur(factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), seed=None)``:
    blur an image with probability ``p`` drawn in ``factor``; the blur's two
    sigmas (one per axis, shared by the batch, as Keras) are drawn in
    ``sigma``; ``kernel_size`` is odd (or an odd pair)."""

    _FACTOR_BOUNDS = (0, 1)
    _SORT_RANGE = False
    _CONFIG = ("factor", "kernel_size", "sigma", "value_range", "seed")

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        super().__init__(factor, value_range=value_range, data_format=data_format, seed=seed, **kwargs)
        sizes = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
        if len(sizes) != 2 or any(not isinstance(k, int) or k % 2 == 0 for k in sizes):
            raise self._error(f"kernel_size must be an odd number. Received: kernel_size={kernel_size!r}")
        self.kernel_size = sizes
        self.sigma = self._set_factor(sigma, "sigma")

    def _draw(self, rng, shape):
        probability = _uniform(rng, *self.factor, (shape[0],))
        apply = _uniform(rng, 0.0, 1.0, (shape[0],)) < probability
        return {"should_apply_blur": apply, "blur_factor": _uniform(rng, *self.sigma, (2,)) + 1e-6}

    def _augment(self, images, t):
        sigma = tuple(float(s) for s in _host(t["blur_factor"]))
        blurred = image_ops.gaussian_blur(images, self.kernel_size, sigma, data_format="channels_last")
        apply = Tensor(_host(t["should_apply_blur"]).reshape(-1, 1, 1, 1))
        return self._clip(ops.where(apply, blurred, images))


class RandomColorJitter(BaseImagePreprocessingLayer):
    """``RandomColorJitter(value_range=(0, 255), brightness_factor=None, contrast_factor=None,
    saturation_factor=None, hue_factor=None, seed=None)``: ``RandomBrightness``,
    ``RandomContrast``, ``RandomSaturation`` and ``RandomHue`` in that order,
    each only if its factor is given.  The transformation holds one dict per
    step (``{"brightness": ..., "contrast": ..., ...}``)."""

    _CONFIG = ("value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor", "seed")
    _STEPS = (("brightness", RandomBrightness), ("contrast", RandomContrast),
              ("saturation", RandomSaturation), ("hue", RandomHue))

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None, saturation_factor=None,
                 hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = tuple(value_range)
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        self._steps = {step: cls(factor=getattr(self, f"{step}_factor"), value_range=value_range, seed=seed,
                                 dtype=self.dtype)
                       for step, cls in self._STEPS if getattr(self, f"{step}_factor") is not None}

    def _draw(self, rng, shape):
        return {step: layer._draw(rng, shape) for step, layer in self._steps.items()}

    def _augment(self, images, t):
        for step, layer in self._steps.items():
            images = layer._augment(images, t[step])
        return images
