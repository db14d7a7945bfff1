"""Histogram layers (Keras 3's): ``Equalization`` and
``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE).  They are
computed on the host in NumPy (look-up tables from histograms; no gradient
is needed), with Keras's exact rules.

>>> import numpy as np, tinykeras as tk
>>> x = np.array([0.0, 0.0, 10.0, 20.0], "float32").reshape(1, 2, 2, 1)
>>> tk.layers.Equalization()(x).numpy().ravel().tolist()
[0.0, 0.0, 128.0, 255.0]
"""
import numpy as np

from ....core.tensor import Tensor
from .base import BaseImagePreprocessingLayer


def _rescale(values, source, target):
    """Keras's ``_scale_values``: a linear map of ``source`` onto ``target`` (float32)."""
    scale = np.float32((target[1] - target[0]) / (source[1] - source[0]))
    return values * scale + np.float32(target[0] - source[0] * scale)


class Equalization(BaseImagePreprocessingLayer):
    """``Equalization(value_range=(0, 255), bins=256)``: histogram
    equalization of each channel.  As in Keras, a channel's histogram is
    taken over the whole batch, and a channel with a single occupied bin is
    left unchanged."""

    _CONFIG = ("bins", "value_range")

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(bins, int) or bins < 2:
            raise self._error(f"`bins` must be an integer >= 2, got {bins!r}")
        self.bins = bins
        self.value_range = self._set_value_range(value_range)

    def _equalize(self, channel):
        channel = _rescale(channel, self.value_range, (0, 255))
        scaled = (channel - np.float32(0)) * np.float32(self.bins - 1) / np.float32(255)
        hist = np.bincount(np.clip(scaled.astype(np.int32), 0, self.bins - 1).ravel(), minlength=self.bins)
        if np.count_nonzero(hist) > 1:
            cdf = np.cumsum(hist)
            cdf_min = cdf[np.nonzero(cdf)[0][0]]
            denominator = (cdf[-1] - cdf_min) or 1
            table = np.clip(np.round((cdf - cdf_min) * 255 / denominator), 0, 255).astype(np.float32)
            index = np.clip(channel / np.float32(255.0) * np.float32(self.bins - 1), 0, self.bins - 1)
            channel = table[index.astype(np.int32)]
        return _rescale(channel, (0, 255), self.value_range)

    def _augment(self, images, t):
        x = images.numpy().astype(np.float32)
        out = np.stack([self._equalize(x[..., c]) for c in range(x.shape[-1])], axis=-1)
        return Tensor(out.astype(images.dtype))


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """``ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 255), clip_limit=4.0,
    tile_grid_size=(8, 8))``: equalize each tile of a ``tile_grid_size`` grid
    with its own clipped histogram (``clip_limit`` times the mean count; the
    excess spread evenly), blending the tiles' look-up tables bilinearly.
    Not random: it acts at inference too, as in Keras."""

    _ALWAYS = True
    _CONFIG = ("value_range", "clip_limit", "tile_grid_size")

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = self._set_value_range(value_range, sort=False)
        if not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2 or \
                any(not isinstance(g, int) or g < 1 for g in tile_grid_size):
            raise self._error(f"`tile_grid_size` must be two positive ints, got {tile_grid_size!r}")
        self.clip_limit, self.tile_grid_size = clip_limit, tuple(tile_grid_size)

    def _augment(self, images, t):
        x = self._to_range(images.numpy().astype(np.float32), self.value_range, (0, 255))
        n, height, width, c = x.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        x = np.pad(x, [(0, 0), (0, tile_h * grid_h - height), (0, tile_w * grid_w - width), (0, 0)],
                   mode="symmetric")
        tiles = x.reshape(n, grid_h, tile_h, grid_w, tile_w, c).transpose(0, 1, 3, 5, 2, 4)
        values = np.clip(tiles.reshape(n, grid_h, grid_w, c, -1).astype(np.int32), 0, 255)
        hists = (values[..., None] == np.arange(256)).sum(axis=-2).astype(np.float32)
        if self.clip_limit > 0:
            clipped = np.clip(hists, 0, np.float32(self.clip_limit * tile_h * tile_w / 256.0))
            hists = clipped + (hists - clipped).sum(axis=-1, keepdims=True) / np.float32(256.0)
        cdf = np.cumsum(hists, axis=-1)
        cdf_min = cdf.min(axis=-1, keepdims=True)
        denominator = np.float32(tile_h * tile_w) - cdf_min
        cdf = np.clip((cdf - cdf_min) * np.float32(255.0) / np.where(denominator == 0, 1, denominator), 0, 255)
        cdf = np.pad(cdf, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="edge")      # (n, gh+2, gw+2, c, 256)

        def axis(size, tile, grid):
            pos = (np.arange(size, dtype=np.float32) - np.float32(tile / 2.0)) / np.float32(tile) + 1
            low = np.floor(pos)
            return (np.clip(low, 0, grid + 1).astype(np.int64), np.clip(low + 1, 0, grid + 1).astype(np.int64),
                    pos - low)
        y0, y1, wy = axis(tile_h * grid_h, tile_h, grid_h)
        x0, x1, wx = axis(tile_w * grid_w, tile_w, grid_w)
        b, ch = np.arange(n)[:, None, None, None], np.arange(c)[None, None, None, :]
        pixels = np.clip(x, 0, 255).astype(np.int32)

        def at(ys, xs):
            return cdf[b, ys[None, :, None, None], xs[None, None, :, None], ch, pixels]
        wy, wx = wy[None, :, None, None], wx[None, None, :, None]
        top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
        out = (top * (1 - wy) + bottom * wy)[:, :height, :width]
        return Tensor(self._to_range(out, (0, 255), self.value_range).astype(images.dtype))
