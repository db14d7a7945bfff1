"""Pooling layers: ``MaxPooling1D/2D/3D``, ``AveragePooling1D/2D/3D`` (one
base class, ``BasePooling``, over ``tk.ops.max_pool``/``average_pool``)
and the global poolings (one base, ``BaseGlobalPooling``).

>>> import tinykeras as tk
>>> x = tk.ops.ones((2, 7, 7, 3))
>>> tk.layers.MaxPooling2D()(x).shape, tk.layers.AveragePooling2D(3, 2, "same")(x).shape
((2, 3, 3, 3), (2, 4, 4, 3))
>>> tk.layers.GlobalAveragePooling2D()(x).shape, tk.layers.GlobalMaxPooling2D(keepdims=True)(x).shape
((2, 3), (2, 1, 1, 3))
"""
from ... import ops
from ...ops import conv_shapes
from ..input_spec import InputSpec
from ..layer import Layer


class BasePooling(Layer):
    """Max or average pooling over ``rank`` spatial axes (``strides``
    default to ``pool_size``; "valid" or Keras's "same" padding)."""

    rank, _op = None, None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self.pool_size = conv_shapes.normalize_tuple(pool_size, self.rank, "pool_size")
            self.strides = self.pool_size if strides is None else conv_shapes.normalize_tuple(
                strides, self.rank, "strides")
            self.padding = conv_shapes.normalize_padding(padding)
            self.data_format = conv_shapes.normalize_data_format(data_format)
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {exc}") from None
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a too-small input: an error naming the layer
        return getattr(ops, self._op)(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = tuple(conv_shapes.conv_output_length(n, k, s, self.padding)
                    for n, k, s in zip(spatial, self.pool_size, self.strides))
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(f"{type(self).__name__} {self.name!r}: computed output size would be zero or "
                             f"negative ({out}): pool_size={self.pool_size} is larger than the input. "
                             f"Received inputs shape={input_shape}, strides={self.strides}, "
                             f"padding={self.padding!r}")
        return (input_shape[0],) + out + input_shape[-1:] if last else input_shape[:2] + out

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max pooling over steps: ``(batch, steps, features)``."""
    rank, _op = 1, "max_pool"


class MaxPooling2D(BasePooling):
    """Max pooling over images: ``(batch, rows, cols, channels)``."""
    rank, _op = 2, "max_pool"


class MaxPooling3D(BasePooling):
    """Max pooling over volumes."""
    rank, _op = 3, "max_pool"


class AveragePooling1D(BasePooling):
    """Average pooling over steps."""
    rank, _op = 1, "average_pool"


class AveragePooling2D(BasePooling):
    """Average pooling over images."""
    rank, _op = 2, "average_pool"


class AveragePooling3D(BasePooling):
    """Average pooling over volumes."""
    rank, _op = 3, "average_pool"


class BaseGlobalPooling(Layer):
    """Mean or max over every spatial axis; ``keepdims`` keeps them as size 1."""

    rank, _reduce = None, None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        try:
            self.data_format = conv_shapes.normalize_data_format(data_format)
        except ValueError as exc:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {exc}") from None
        self.keepdims = bool(keepdims)
        self.supports_masking = self.rank == 1 and self._reduce == "mean"
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.built = True

    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def call(self, inputs, mask=None):
        if mask is not None and self.supports_masking:
            return self._masked(inputs, mask)
        return getattr(ops, self._reduce)(inputs, axis=self._axes(), keepdims=self.keepdims)

    def _masked(self, inputs, mask):
        """Keras's masked 1D average: the mean over unmasked steps only."""
        axis = self._axes()[0]
        mask = ops.expand_dims(ops.cast(mask, inputs.dtype), -1 if self.data_format == "channels_last" else 1)
        total = ops.sum(inputs * mask, axis=axis, keepdims=self.keepdims)
        return total / ops.sum(mask, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.keepdims:
            return tuple(1 if i in self._axes() else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes())

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(BaseGlobalPooling):
    """The average over all 1 spatial axes. Masked steps (``mask``) are left out."""
    rank, _reduce = 1, "mean"


class GlobalAveragePooling2D(BaseGlobalPooling):
    """The average over all 2 spatial axes."""
    rank, _reduce = 2, "mean"


class GlobalAveragePooling3D(BaseGlobalPooling):
    """The average over all 3 spatial axes."""
    rank, _reduce = 3, "mean"


class GlobalMaxPooling1D(BaseGlobalPooling):
    """The maximum over all 1 spatial axes."""
    rank, _reduce = 1, "max"


class GlobalMaxPooling2D(BaseGlobalPooling):
    """The maximum over all 2 spatial axes."""
    rank, _reduce = 2, "max"


class GlobalMaxPooling3D(BaseGlobalPooling):
    """The maximum over all 3 spatial axes."""
    rank, _reduce = 3, "max"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
