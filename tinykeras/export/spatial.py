"""ONNX mappings of the spatial layers: convolutions (plain, grouped,
transposed, depthwise, separable; 1-3D), pooling, up-sampling, zero padding
and cropping, and the image layers ``Resizing`` and ``CenterCrop``.

ONNX convolutions and pools are channels-first, so a channels-last layer is
``Transpose -> op -> Transpose`` (ONNX Runtime removes the back-to-back
pairs).  Keras's asymmetric "same" padding is written out as explicit pads.

>>> import tinykeras as tk
>>> from tinykeras.export.graph import GraphBuilder, Value, convert_layer
>>> layer = tk.layers.Conv2D(4, 3, padding="same")
>>> layer.build((None, 8, 8, 3))
>>> g = GraphBuilder()
>>> _ = convert_layer(g, layer, [Value("x", (None, 8, 8, 3), "float32")], {})
>>> [n.op_type for n in g.nodes]
['Transpose', 'Conv', 'Transpose']
"""
from functools import partial

import numpy as np

from .. import layers as L
from ..ops import conv_shapes
from .graph import LAYERS, OPS, converts, weights_of

_CONV = (L.Conv1D, L.Conv2D, L.Conv3D)
_TRANSPOSED = (L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose)
_DEPTHWISE = (L.DepthwiseConv1D, L.DepthwiseConv2D)
_SEPARABLE = (L.SeparableConv1D, L.SeparableConv2D)


def _spatial(x, data_format):
    return x.shape[1:-1] if data_format == "channels_last" else x.shape[2:]


def _pads(x, c, kernel_size, dilation=None):
    """Explicit ONNX ``pads`` (all begins, then all ends) for the layer's padding."""
    rank = len(kernel_size)
    dilation = dilation or (1,) * rank
    if c["padding"] == "causal":
        pairs = [((kernel_size[0] - 1) * dilation[0], 0)]
    elif c["padding"] == "valid":
        pairs = [(0, 0)] * rank
    else:
        spatial = _spatial(x, c["data_format"])
        if None in spatial:
            raise ValueError(f"ONNX export: layer {c['name']!r} uses padding='same' on an input with "
                             f"unknown spatial size {x.shape}; give the Input a full shape")
        pairs = conv_shapes.explicit_padding(spatial, kernel_size, c["strides"], "same", dilation)
    return [lo for lo, _ in pairs] + [hi for _, hi in pairs]


def _onnx_kernel(kernel):
    """Keras ``(*k, a, b)`` -> ONNX ``(b, a, *k)``."""
    rank = kernel.ndim - 2
    return kernel.transpose((rank + 1, rank) + tuple(range(rank)))


def _channels_first_op(g, x, data_format, build, ndim=None):
    """``build(x_channels_first)`` between layout transposes."""
    ndim = ndim or x.ndim
    return g.from_channels_first(build(g.to_channels_first(x, ndim, data_format)), ndim, data_format)


@converts(LAYERS, *_CONV, *_TRANSPOSED, *_DEPTHWISE, *_SEPARABLE)
def convolution(g, layer, x):
    c, w = layer.get_config(), weights_of(layer)
    bias = w.get("bias")
    kernel_size = tuple(c["kernel_size"])
    pads = _pads(x, c, kernel_size, c["dilation_rate"])
    common = dict(strides=list(c["strides"]), dilations=list(c["dilation_rate"]))

    def build(xc):
        if isinstance(layer, _CONV):
            return g.op("Conv", xc, _onnx_kernel(w["kernel"]), bias, group=c["groups"], pads=pads, **common)
        if isinstance(layer, _TRANSPOSED):
            return _transposed(g, xc, c, w["kernel"], bias, common)
        depthwise = w["depthwise_kernel"] if "depthwise_kernel" in w else w["kernel"]
        rank = depthwise.ndim - 2
        dw = depthwise.reshape(depthwise.shape[:rank] + (-1,)).transpose((rank,) + tuple(range(rank)))
        dw = dw.reshape((dw.shape[0], 1) + dw.shape[1:])
        y = g.op("Conv", xc, dw, None if isinstance(layer, _SEPARABLE) else bias, group=depthwise.shape[-2],
                 pads=pads, **common)
        if isinstance(layer, _SEPARABLE):
            y = g.op("Conv", y, _onnx_kernel(w["pointwise_kernel"]), bias)
        return y

    return g.activation(c["activation"], _channels_first_op(g, x, c["data_format"], build))


def _transposed(g, xc, c, kernel, bias, common):
    """Keras's transposed conv: the input gradient of a forward conv with
    ``transpose_padding``; a negative end pad becomes ``output_padding``."""
    opad = c.get("output_padding") or (None,) * len(c["kernel_size"])
    pairs = [conv_shapes.transpose_padding(k, s, c["padding"], op, d) for k, s, op, d in
             zip(c["kernel_size"], c["strides"], opad, c["dilation_rate"])]
    pads = [lo for lo, _ in pairs] + [max(hi, 0) for _, hi in pairs]
    return g.op("ConvTranspose", xc, _onnx_kernel(kernel), bias, pads=pads,
                output_padding=[max(-hi, 0) for _, hi in pairs], **common)


_POOLS = {L.MaxPooling1D: "MaxPool", L.MaxPooling2D: "MaxPool", L.MaxPooling3D: "MaxPool",
          L.AveragePooling1D: "AveragePool", L.AveragePooling2D: "AveragePool",
          L.AveragePooling3D: "AveragePool"}


def _pool(g, x, onnx_op, pool_size, strides, padding, data_format):
    rank = x.ndim - 2
    pool_size = conv_shapes.normalize_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else conv_shapes.normalize_tuple(strides, rank, "strides")
    pads = _pads(x, {"padding": padding, "data_format": data_format, "strides": strides, "name": onnx_op},
                 pool_size)
    # "same" average pools divide by the cells inside the input, as Keras does
    return _channels_first_op(g, x, data_format, lambda xc: g.op(
        onnx_op, xc, kernel_shape=list(pool_size), strides=list(strides), pads=pads))


@converts(LAYERS, *_POOLS)
def pooling(g, layer, x):
    c = layer.get_config()
    return _pool(g, x, _POOLS[type(layer)], c["pool_size"], c["strides"], c["padding"], c["data_format"])


def _pool_op(onnx_op, g, inputs, pool_size, strides=None, padding="valid", data_format=None):
    """``tk.ops.max_pool`` / ``average_pool``."""
    return _pool(g, inputs, onnx_op, pool_size, strides, padding, conv_shapes.normalize_data_format(data_format))


OPS["max_pool"], OPS["average_pool"] = partial(_pool_op, "MaxPool"), partial(_pool_op, "AveragePool")


_GLOBAL_POOLS = {L.GlobalAveragePooling1D: "ReduceMean", L.GlobalAveragePooling2D: "ReduceMean",
                 L.GlobalAveragePooling3D: "ReduceMean", L.GlobalMaxPooling1D: "ReduceMax",
                 L.GlobalMaxPooling2D: "ReduceMax", L.GlobalMaxPooling3D: "ReduceMax"}


@converts(LAYERS, *_GLOBAL_POOLS)
def global_pooling(g, layer, x):
    c = layer.get_config()
    first = 1 if c["data_format"] == "channels_last" else 2
    axes = list(range(first, first + x.ndim - 2))
    return g.op(_GLOBAL_POOLS[type(layer)], x, g.ints(axes), keepdims=int(c["keepdims"]))


def _spatial_axes(layer, x):
    first = 1 if layer.get_config().get("data_format", "channels_last") == "channels_last" else 2
    return list(range(first, first + x.ndim - 2))


def _pairs(value, rank):
    """Layer config ``padding``/``cropping`` -> ``rank`` (lo, hi) pairs."""
    if rank == 1:
        return [tuple(value)]
    return [tuple(p) for p in value]


@converts(LAYERS, L.ZeroPadding1D, L.ZeroPadding2D, L.ZeroPadding3D)
def zero_padding(g, layer, x):
    begin, end = [0] * x.ndim, [0] * x.ndim
    for axis, (lo, hi) in zip(_spatial_axes(layer, x), _pairs(layer.get_config()["padding"], x.ndim - 2)):
        begin[axis], end[axis] = lo, hi
    return g.op("Pad", x, g.ints(begin + end), np.float32(0))


@converts(LAYERS, L.Cropping1D, L.Cropping2D, L.Cropping3D)
def cropping(g, layer, x):
    axes = _spatial_axes(layer, x)
    pairs = _pairs(layer.get_config()["cropping"], x.ndim - 2)
    ends = [-hi if hi else np.iinfo(np.int64).max for _, hi in pairs]
    return g.op("Slice", x, g.ints([lo for lo, _ in pairs]), g.ints(ends), g.ints(axes))


@converts(LAYERS, L.UpSampling1D, L.UpSampling2D, L.UpSampling3D)
def up_sampling(g, layer, x):
    c = layer.get_config()
    size = [c["size"]] if isinstance(c["size"], int) else list(c["size"])
    scales = np.asarray([1.0, 1.0] + [float(s) for s in size], "float32")
    if c.get("interpolation", "nearest") == "nearest":
        mode = dict(mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    else:
        mode = dict(mode="linear", coordinate_transformation_mode="half_pixel")
    return _channels_first_op(g, x, c.get("data_format", "channels_last"),
                              lambda xc: g.op("Resize", xc, None, scales, **mode))


# Keras's (TensorFlow's) half-pixel sampling, as tinykeras's image_utils.resize computes it
_RESIZE_MODES = {"bilinear": dict(mode="linear", coordinate_transformation_mode="half_pixel"),
                 "nearest": dict(mode="nearest", coordinate_transformation_mode="tf_half_pixel_for_nn",
                                 nearest_mode="floor")}


def _resize(g, x, height, width, interpolation, data_format):
    def build(xc):
        sizes = g.op("Concat", g.op("Shape", xc, end=2), g.ints([height, width]), axis=0)
        return g.op("Resize", xc, None, None, sizes, **_RESIZE_MODES[interpolation])
    return _channels_first_op(g, x, data_format, build, ndim=4)


def _static_hw(layer, x, axes):
    h, w = (x.shape[a] for a in axes)
    if h is None or w is None:
        raise ValueError(f"ONNX export: {type(layer).__name__} {layer.name!r} with these options needs inputs "
                         f"of known height and width, got {x.shape}")
    return h, w


def _crop(g, x, axes, top, left, height, width):
    return g.op("Slice", x, g.ints([top, left]), g.ints([top + height, left + width]), g.ints(axes))


def _smart_crop(g, layer, x, axes, height, width):
    """Center crop to the target's aspect ratio (Keras's smart_resize)."""
    h, w = _static_hw(layer, x, axes)
    crop_h, crop_w = min(h, int(w * height / width)), min(w, int(h * width / height))
    return _crop(g, x, axes, (h - crop_h) // 2, (w - crop_w) // 2, crop_h, crop_w)


@converts(LAYERS, L.Resizing)
def resizing(g, layer, x):
    c = layer.get_config()
    axes = _spatial_axes(layer, x)
    height, width = c["height"], c["width"]
    if c["crop_to_aspect_ratio"]:
        x = _smart_crop(g, layer, x, axes, height, width)
    elif c["pad_to_aspect_ratio"]:
        h, w = _static_hw(layer, x, axes)
        pad_h, pad_w = max(h, int(w * height / width)), max(w, int(h * width / height))
        begin, end = [0] * x.ndim, [0] * x.ndim
        begin[axes[0]], begin[axes[1]] = (pad_h - h) // 2, (pad_w - w) // 2
        end[axes[0]], end[axes[1]] = pad_h - h - begin[axes[0]], pad_w - w - begin[axes[1]]
        x = g.op("Pad", x, g.ints(begin + end), np.float32(c["fill_value"]))
    return _resize(g, x, height, width, c["interpolation"], c["data_format"])


@converts(LAYERS, L.CenterCrop)
def center_crop(g, layer, x):
    c = layer.get_config()
    axes = _spatial_axes(layer, x)
    h, w = _static_hw(layer, x, axes)
    if h >= c["height"] and w >= c["width"]:
        return _crop(g, x, axes, (h - c["height"]) // 2, (w - c["width"]) // 2, c["height"], c["width"])
    cropped = _smart_crop(g, layer, x, axes, c["height"], c["width"])
    return _resize(g, cropped, c["height"], c["width"], "bilinear", c["data_format"])
