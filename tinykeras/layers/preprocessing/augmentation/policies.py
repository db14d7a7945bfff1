"""Augmentation policies (Keras 3's): ``RandAugment`` and ``AugMix``.  Both
run Keras's set of sub-layers (shear, translation, rotation, brightness,
...), built from one ``factor``; each sub-layer's transformation is drawn
once per call, as the sub-layer would draw it, and kept in the policy's
transformation dict so it can be replayed (or fed to Keras).

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.RandAugment(num_ops=2, seed=3)
>>> t = layer.get_random_transformation(np.zeros((2, 8, 8, 3)))
>>> len(t["layer_idxes"]), sorted(t["transforms"])[:3]
(2, ['auto_contrast', 'equalization', 'random_brightness'])
"""
import numpy as np

from .... import ops
from .affine import RandomRotation, RandomShear, RandomTranslation
from .base import BaseImagePreprocessingLayer, _host
from .color import (AutoContrast, RandomBrightness, RandomColorDegeneration, RandomContrast, RandomPosterization,
                    RandomSharpness, Solarization)
from .histogram import Equalization

# Keras's sub-layers, each built from the policy (its factor, value range, interpolation)
_SUBLAYERS = {
    "random_shear": lambda p, kw: RandomShear(x_factor=p.factor, y_factor=p.factor, interpolation=p.interpolation,
                                              **kw),
    "random_translation": lambda p, kw: RandomTranslation(height_factor=p.factor, width_factor=p.factor,
                                                          interpolation=p.interpolation, **kw),
    "random_rotation": lambda p, kw: RandomRotation(factor=p.factor, interpolation=p.interpolation, **kw),
    "random_brightness": lambda p, kw: RandomBrightness(factor=p.factor, value_range=p.value_range, **kw),
    "random_color_degeneration": lambda p, kw: RandomColorDegeneration(factor=p.factor, value_range=p.value_range,
                                                                       **kw),
    "random_contrast": lambda p, kw: RandomContrast(factor=p.factor, value_range=p.value_range, **kw),
    "random_sharpness": lambda p, kw: RandomSharpness(factor=p.factor, value_range=p.value_range, **kw),
    "random_posterization": lambda p, kw: RandomPosterization(factor=max(1, int(8 * p.factor[1])),
                                                              value_range=p.value_range, **kw),
    "solarization": lambda p, kw: Solarization(addition_factor=p.factor, threshold_factor=p.factor,
                                               value_range=p.value_range, **kw),
    "auto_contrast": lambda p, kw: AutoContrast(value_range=p.value_range, **kw),
    "equalization": lambda p, kw: Equalization(value_range=p.value_range, **kw),
}


class _Policy(BaseImagePreprocessingLayer):
    """Shared by the policies: Keras's sub-layers named in ``names``, and
    running one of them on images or masks (masks move with the geometric
    ones only)."""

    _FACTOR_BOUNDS = (0, 1)
    _GEOMETRIC = True

    def _set_policy(self, names, factor, value_range, interpolation):
        self.factor = self._set_factor(factor)
        self.value_range, self.interpolation = tuple(value_range), interpolation
        kw = {"data_format": self.data_format, "dtype": self.dtype}
        self._sublayers = {name: _SUBLAYERS[name](self, kw) for name in names}

    def _run(self, name, images, transformation, masks=False):
        layer = self._sublayers[name]
        if masks:
            return layer._augment(images, transformation, interpolation="nearest") if layer._GEOMETRIC else images
        return layer._augment(images, transformation)

    def _augment(self, images, transformation):
        return self._apply(images, transformation)

    def _augment_masks(self, masks, transformation):
        return self._apply(masks.astype(self.dtype), transformation, masks=True)


class RandAugment(_Policy):
    """``RandAugment(value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None)``:
    apply ``num_ops`` operations picked at random (the same for the whole
    batch, as Keras) from shear, translation, rotation, brightness, colour
    degeneration, contrast, sharpness, posterization, solarization,
    auto-contrast and equalization, each with strength ``factor``."""

    _NAMES = ("random_shear", "random_translation", "random_rotation", "random_brightness",
              "random_color_degeneration", "random_contrast", "random_sharpness", "random_posterization",
              "solarization", "auto_contrast", "equalization")
    _CONFIG = ("value_range", "num_ops", "factor", "interpolation", "seed")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not isinstance(num_ops, int) or num_ops < 0:
            raise self._error(f"`num_ops` must be a non-negative int, got {num_ops!r}")
        self.num_ops = num_ops
        self._set_policy(self._NAMES, factor, value_range, interpolation)

    def _draw(self, rng, shape):
        picks = rng.integers(0, len(self._NAMES), size=self.num_ops)
        return {"transforms": {name: layer._draw(rng, shape) for name, layer in self._sublayers.items()},
                "layer_idxes": picks.astype("int32")}

    def _apply(self, images, t, masks=False):
        for index in _host(t["layer_idxes"]).ravel():
            name = self._NAMES[int(index)]
            images = self._run(name, images, t["transforms"][name], masks)
        return images


class AugMix(_Policy):
    """``AugMix(value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
    interpolation="bilinear", seed=None)``: ``num_chains`` chains of up to
    ``chain_depth`` random operations, mixed with Dirichlet(``alpha``)
    weights, then blended with the original by a Beta(``alpha``, ``alpha``)
    weight, and clipped to ``value_range``.  ``all_ops=False`` leaves out the
    colour operations (brightness, colour degeneration, contrast, sharpness)."""

    _ALL = ("random_shear", "random_translation", "random_rotation", "random_posterization", "solarization",
            "auto_contrast", "equalization", "random_brightness", "random_color_degeneration", "random_contrast",
            "random_sharpness")
    _CONFIG = ("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops", "interpolation", "seed")

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        for name, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if not isinstance(value, int) or value < 1:
                raise self._error(f"`{name}` must be a positive int, got {value!r}")
        self.num_chains, self.chain_depth, self.alpha, self.all_ops = num_chains, chain_depth, alpha, bool(all_ops)
        self._set_policy(self._ALL if self.all_ops else self._ALL[:7], factor, value_range, interpolation)

    def _draw(self, rng, shape):
        gamma = rng.gamma(self.alpha, size=self.num_chains)
        names = list(self._sublayers)
        chains = []
        for _ in range(self.num_chains):
            picks = [names[i] for i in rng.integers(0, len(names) + 1, size=self.chain_depth) if i < len(names)]
            chains.append([{"layer_name": name, "transformation": self._sublayers[name]._draw(rng, shape)}
                           for name in picks])
        return {"chain_mixing_weights": (gamma / gamma.sum()).astype("float32"),
                "weight_sample": np.float32(rng.beta(self.alpha, self.alpha)), "chain_transforms": chains}

    def _apply(self, images, t, masks=False):
        weights = _host(t["chain_mixing_weights"]).astype(images.dtype)
        mixed = None
        for weight, chain in zip(weights, t["chain_transforms"]):
            x = images
            for step in chain:
                x = self._run(step["layer_name"], x, step["transformation"], masks)
            mixed = x * float(weight) if mixed is None else mixed + x * float(weight)
        blend = float(_host(t["weight_sample"]))
        out = images * blend + mixed * (1.0 - blend)
        return out if masks else ops.clip(out, self.value_range[0], self.value_range[1])
