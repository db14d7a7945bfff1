"""Output specs of the convolution and pooling ops (see ``specs.py``).

>>> class T:
...     shape, dtype = (None, 8, 8, 3), "float32"
>>> from tinykeras.ops.specs import SPECS
>>> SPECS["max_pool"][1](T(), 2)
((None, 4, 4, 3), 'float32')
"""
from . import conv_shapes as cs
from .specs import register, shape_dtype


def _channels_last(shape, data_format):
    if cs.normalize_data_format(data_format) == "channels_first":
        return shape[:1] + shape[2:] + shape[1:2], True
    return shape, False


def _window(x, ksize, cout, strides, padding, data_format, dilation_rate=1, transpose=False,
            output_padding=None):
    shape, dtype = shape_dtype(x)
    shape, first = _channels_last(shape, data_format)
    n = len(shape) - 2
    strides = cs.normalize_tuple(strides, n, "strides")
    dilation = cs.normalize_tuple(dilation_rate, n, "dilation_rate")
    pads = (output_padding,) * n if output_padding is None or isinstance(output_padding, int) else output_padding
    if transpose:
        spatial = [cs.deconv_output_length(d, k, s, padding, p, r)
                   for d, k, s, p, r in zip(shape[1:-1], ksize, strides, pads, dilation)]
    else:
        spatial = [cs.conv_output_length(d, k, s, padding, r)
                   for d, k, s, r in zip(shape[1:-1], ksize, strides, dilation)]
    if any(d is not None and d <= 0 for d in spatial):
        raise ValueError(f"the window {tuple(ksize)} is larger than the input {shape}")
    out = (shape[0],) + tuple(spatial) + (cout,)
    return (out[:1] + out[-1:] + out[1:-1] if first else out), dtype


def _conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    k = shape_dtype(kernel)[0]
    return _window(inputs, k[:-2], k[-1], strides, padding, data_format, dilation_rate)


def _depthwise(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    k = shape_dtype(kernel)[0]
    return _window(inputs, k[:-2], k[-2] * k[-1], strides, padding, data_format, dilation_rate)


def _separable(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
               dilation_rate=1):
    k, p = shape_dtype(depthwise_kernel)[0], shape_dtype(pointwise_kernel)[0]
    return _window(inputs, k[:-2], p[-1], strides, padding, data_format, dilation_rate)


def _conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                    dilation_rate=1):
    k = shape_dtype(kernel)[0]
    return _window(inputs, k[:-2], k[-2], strides, padding, data_format, dilation_rate, True,
                   output_padding)


def _pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    shape, _ = shape_dtype(inputs)
    n = len(shape) - 2
    size = cs.normalize_tuple(pool_size, n, "pool_size")
    channels = shape[1] if cs.normalize_data_format(data_format) == "channels_first" else shape[-1]
    return _window(inputs, size, channels, size if strides is None else strides, padding, data_format)


register("conv", 2, _conv)
register("depthwise_conv", 2, _depthwise)
register("separable_conv", 3, _separable)
register("conv_transpose", 2, _conv_transpose)
register("max_pool average_pool", 1, _pool)
