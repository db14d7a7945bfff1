"""Layers that pad, crop or enlarge the spatial axes: ``ZeroPadding1D/2D/3D``,
``Cropping1D/2D/3D`` and ``UpSampling1D/2D/3D``.  One base class
(``SpatialLayer``) knows where the spatial axes are for either data format.

>>> import tinykeras as tk
>>> x = tk.ops.ones((2, 4, 5, 3))
>>> tk.layers.ZeroPadding2D(((1, 0), (2, 2)))(x).shape, tk.layers.Cropping2D(1)(x).shape
((2, 5, 9, 3), (2, 2, 3, 3))
>>> tk.layers.UpSampling2D(2)(x).shape, tk.layers.UpSampling1D(3)(tk.ops.ones((1, 2, 4))).shape
((2, 8, 10, 3), (1, 6, 4))
"""
from ... import ops
from ...ops import conv_ops, conv_shapes
from ..input_spec import InputSpec
from ..layer import Layer


class SpatialLayer(Layer):
    """Base: ``rank`` spatial axes, after the batch axis (channels_last) or
    after the channel axis (channels_first)."""

    rank = None
    _has_data_format = True

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self.data_format = conv_shapes.normalize_data_format(
                data_format if self._has_data_format else "channels_last")
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {exc}") from None
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def spatial_axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def _pairs(self, value, name):
        """int, ``rank`` ints, or ``rank`` pairs -> ``rank`` (lo, hi) pairs."""
        try:
            if isinstance(value, int):
                pairs = ((value, value),) * self.rank
            elif self.rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
                pairs = (tuple(value),)
            elif len(value) == self.rank and all(isinstance(v, int) for v in value):
                pairs = tuple((v, v) for v in value)
            else:
                pairs = tuple(tuple(int(a) for a in pair) for pair in value)
        except TypeError:
            pairs = ()
        if len(pairs) != self.rank or any(len(p) != 2 or min(p) < 0 for p in pairs):
            raise ValueError(f"{type(self).__name__} {self.name!r}: `{name}` must be an int, a tuple of "
                             f"{self.rank} ints or of {self.rank} pairs of non-negative ints. "
                             f"Received: {name}={value!r}")
        return pairs[0] if self.rank == 1 else pairs

    def _as_pairs(self, value):
        return (value,) if self.rank == 1 else value

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for i, axis in enumerate(self.spatial_axes()):
            if shape[axis] is not None:
                shape[axis] = self._new_length(i, shape[axis])
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        if self._has_data_format:
            config["data_format"] = self.data_format
        return config


class BaseZeroPadding(SpatialLayer):
    """Pad the spatial axes with zeros; ``padding`` per axis as (before, after)."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = self._pairs(padding, "padding")

    def _new_length(self, i, n):
        lo, hi = self._as_pairs(self.padding)[i]
        return n + lo + hi

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self.spatial_axes(), self._as_pairs(self.padding)):
            widths[axis] = pair
        return ops.pad(inputs, widths)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


class BaseCropping(SpatialLayer):
    """Remove ``cropping`` (before, after) cells from each spatial axis."""

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = self._pairs(cropping, "cropping")

    def _new_length(self, i, n):
        lo, hi = self._as_pairs(self.cropping)[i]
        if lo + hi >= n:
            raise ValueError(f"{type(self).__name__} {self.name!r}: cropping {self.cropping} removes every "
                             f"cell of spatial axis {i} (length {n})")
        return n - lo - hi

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # checks the cropping fits
        key = [slice(None)] * inputs.ndim
        for axis, (lo, hi) in zip(self.spatial_axes(), self._as_pairs(self.cropping)):
            key[axis] = slice(lo, inputs.shape[axis] - hi)
        return inputs[tuple(key)]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


class BaseUpSampling(SpatialLayer):
    """Enlarge each spatial axis ``size`` times: repeat each cell
    ("nearest") or, for 2D, interpolate ("bilinear")."""

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = conv_shapes.normalize_tuple(size, self.rank, "size")
        allowed = ("nearest", "bilinear") if self.rank == 2 else ("nearest",)
        if interpolation not in allowed:
            raise ValueError(f"{type(self).__name__} {self.name!r}: `interpolation` must be one of "
                             f"{allowed}. Received: {interpolation!r}")
        self.interpolation = interpolation

    def _new_length(self, i, n):
        return n * self.size[i]

    def call(self, inputs):
        if self.interpolation == "bilinear":
            from ..preprocessing.image_utils import resize
            x = conv_ops.to_channels_last(inputs, self.data_format)
            x = resize(x, (x.shape[1] * self.size[0], x.shape[2] * self.size[1]), "bilinear")
            return conv_ops.from_channels_last(x, self.data_format)
        x, shape = inputs, list(inputs.shape)
        for axis, s in sorted(zip(self.spatial_axes(), self.size), reverse=True):
            if s == 1:
                continue
            expanded = tuple(shape[:axis + 1]) + (1,) + tuple(shape[axis + 1:])
            x = ops.broadcast_to(ops.reshape(x, expanded), expanded[:axis + 1] + (s,) + expanded[axis + 2:])
            shape[axis] *= s
            x = ops.reshape(x, tuple(shape))
        return x

    def get_config(self):
        config = {**super().get_config(), "size": self.size[0] if self.rank == 1 else self.size}
        if self.rank == 2:
            config["interpolation"] = self.interpolation
        return config


class ZeroPadding1D(BaseZeroPadding):
    """``ZeroPadding1D(padding=1)``: zeros before and after the steps axis."""
    rank = 1


class ZeroPadding2D(BaseZeroPadding):
    """``ZeroPadding2D(padding=(1, 1), data_format=None)``: zeros around images."""
    rank = 2


class ZeroPadding3D(BaseZeroPadding):
    """``ZeroPadding3D(padding=(1, 1, 1), data_format=None)``."""
    rank = 3


class Cropping1D(BaseCropping):
    """``Cropping1D(cropping=(1, 1))``: drop steps at the start and end."""
    rank, _has_data_format = 1, False

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping=cropping, **kwargs)


class Cropping2D(BaseCropping):
    """``Cropping2D(cropping=((0, 0), (0, 0)), data_format=None)``."""
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


class Cropping3D(BaseCropping):
    """``Cropping3D(cropping=((1, 1), (1, 1), (1, 1)), data_format=None)``."""
    rank = 3


class UpSampling1D(BaseUpSampling):
    """``UpSampling1D(size=2)``: repeat each step ``size`` times."""
    rank, _has_data_format = 1, False

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, **kwargs)


class UpSampling2D(BaseUpSampling):
    """``UpSampling2D(size=(2, 2), data_format=None, interpolation="nearest")``
    ("nearest" or "bilinear")."""
    rank = 2


class UpSampling3D(BaseUpSampling):
    """``UpSampling3D(size=(2, 2, 2), data_format=None)``."""
    rank = 3
