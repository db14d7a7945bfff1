"""The convolution layers: ``Conv1D/2D/3D``, their transposes, and the
depthwise and separable convolutions.  Each family is one small subclass
of ``BaseConv`` (``base_conv.py``); the rank-specific classes only set
``rank``.

>>> import tinykeras as tk
>>> x = tk.ops.ones((2, 8, 8, 3))
>>> tk.layers.Conv2DTranspose(5, 3, strides=2, padding="same")(x).shape
(2, 16, 16, 5)
>>> tk.layers.DepthwiseConv2D(3, depth_multiplier=2)(x).shape
(2, 6, 6, 6)
>>> tk.layers.SeparableConv2D(4, 3, padding="same")(x).shape
(2, 8, 8, 4)
>>> tk.layers.Conv1D(2, 3, padding="causal")(tk.ops.ones((1, 5, 1))).shape
(1, 5, 2)
"""
from ... import ops
from ...ops import conv_shapes
from .base_conv import BaseConv, _positive_int


class Conv1D(BaseConv):
    """1D convolution (temporal); ``padding`` may also be "causal"."""
    rank, _allow_causal = 1, True


class Conv2D(BaseConv):
    """2D convolution over images; kernel ``(kh, kw, in // groups, filters)``."""
    rank = 2


class Conv3D(BaseConv):
    """3D convolution over volumes."""
    rank = 3


class BaseConvTranspose(BaseConv):
    """Transposed convolution; kernel ``(*kernel_size, filters, in)`` (out
    before in, as Keras 3), output sizes as Keras's ``deconv_output_length``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, 1, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
        if output_padding is not None:
            output_padding = conv_shapes.normalize_tuple(output_padding, self.rank, "output_padding",
                                                      allow_zero=True)
            for i, (op, s) in enumerate(zip(output_padding, self.strides)):
                if op >= s:
                    raise ValueError(f"{type(self).__name__} {self.name!r}: `output_padding` must be "
                                     f"strictly less than `strides` for all dimensions. At dimension {i}, "
                                     f"`output_padding` is {op} but `strides` is {s}")
        self.output_padding = output_padding
        self._config_keys = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format",
                             "dilation_rate")

    def _kernel_shapes(self, in_channels):
        return [("kernel", self.kernel_size + (self.filters, in_channels), "kernel")]

    def _out_length(self, axis, length):
        op = None if self.output_padding is None else self.output_padding[axis]
        return conv_shapes.deconv_output_length(length, self.kernel_size[axis], self.strides[axis], self.padding,
                                             op, self.dilation_rate[axis])

    def _convolve(self, inputs):
        return ops.conv_transpose(inputs, self.kernel, self.strides, self.padding, self.output_padding,
                                  self.data_format, self.dilation_rate)


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution."""
    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution; kernel ``(kh, kw, filters, in)``."""
    rank = 2


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution."""
    rank = 3


class BaseDepthwiseConv(BaseConv):
    """Depthwise convolution: each input channel convolved with its own
    ``depth_multiplier`` filters; kernel ``(*kernel_size, in, depth_multiplier)``
    (named ``kernel``), bias ``(in * depth_multiplier,)``."""

    _prefixes = ("depthwise",)

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super(BaseConv, self).__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                    depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
                    bias=(bias_initializer, bias_regularizer, bias_constraint))
        self.depth_multiplier = _positive_int(self, "depth_multiplier", depth_multiplier)
        self._config_keys = ("depth_multiplier", "kernel_size", "strides", "padding", "data_format",
                             "dilation_rate")

    def _check_channels(self, in_channels, input_shape):
        pass

    def _kernel_shapes(self, in_channels):
        return [("kernel", self.kernel_size + (in_channels, self.depth_multiplier), "depthwise")]

    def _out_channels(self, in_channels):
        return in_channels * self.depth_multiplier

    def _convolve(self, inputs):
        return ops.depthwise_conv(inputs, self.kernel, self.strides, self.padding, self.data_format,
                                  self.dilation_rate)


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution."""
    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution; kernel ``(kh, kw, in, depth_multiplier)``."""
    rank = 2


class BaseSeparableConv(BaseDepthwiseConv):
    """A depthwise convolution then a pointwise (1x1) one: weights
    ``depthwise_kernel (*kernel_size, in, depth_multiplier)``,
    ``pointwise_kernel (1, ..., 1, in * depth_multiplier, filters)``, ``bias (filters,)``."""

    _prefixes = ("depthwise", "pointwise")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
                         activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                         bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint,
                         **kwargs)
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                    pointwise=(pointwise_initializer, pointwise_regularizer, pointwise_constraint))
        self.filters = _positive_int(self, "filters", filters)
        self._config_keys = ("depth_multiplier", "filters", "kernel_size", "strides", "padding",
                             "data_format", "dilation_rate")

    def _kernel_shapes(self, in_channels):
        mid = in_channels * self.depth_multiplier
        return [("depthwise_kernel", self.kernel_size + (in_channels, self.depth_multiplier), "depthwise"),
                ("pointwise_kernel", (1,) * self.rank + (mid, self.filters), "pointwise")]

    def _out_channels(self, in_channels):
        return self.filters

    def _convolve(self, inputs):
        return ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, self.strides,
                                  self.padding, self.data_format, self.dilation_rate)


class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution."""
    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution."""
    rank = 2


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution1DTranspose, Convolution2DTranspose, Convolution3DTranspose = (Conv1DTranspose, Conv2DTranspose,
                                                                          Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
