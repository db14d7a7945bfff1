"""ONNX mappings of the ``tk.ops`` convolutions and crossentropies (as op
nodes of a functional model: ``ops.conv(x, kernel)`` between layers).

The kernel is a constant array or a tensor of the graph, in Keras's layout
(``(*kernel_size, in, out)``; ``conv_transpose``: ``(*kernel_size, out, in)``),
and is moved to ONNX's layout by a ``Transpose`` (by NumPy for a constant).
Formulas are those of ``tinykeras/ops/nn_ops.py`` (probabilities clipped to
``[epsilon, 1 - epsilon]``, as Keras).

>>> import numpy as np
>>> from tinykeras.export.graph import GraphBuilder, Value
>>> g = GraphBuilder()
>>> _ = OPS["conv"](g, Value("x", (None, 8, 3), "float32"), np.ones((3, 3, 4), "float32"), padding="same")
>>> [n.op_type for n in g.nodes]
['Transpose', 'Conv', 'Transpose']
"""
import numpy as np

from ..backend import epsilon
from ..ops import conv_shapes
from .graph import OPS, Value, converts
from .spatial import _channels_first_op, _pads


def _data_format(data_format):
    return conv_shapes.normalize_data_format(data_format)


def _kernel(g, kernel, perm, shape=None):
    """``kernel`` transposed by ``perm`` (then reshaped to ``shape``): NumPy for a
    constant, ONNX nodes for a tensor of the graph."""
    if isinstance(kernel, (Value, str)):
        out = g.transpose(kernel, perm)
        return out if shape is None else g.reshape(out, shape)
    out = np.asarray(kernel).transpose(perm)
    return out if shape is None else out.reshape(shape)


def _shape(kernel):
    return tuple(kernel.shape)


def _conv_common(x, kernel_size, strides, padding, data_format, dilation_rate, name):
    rank = len(kernel_size)
    strides = conv_shapes.normalize_tuple(strides, rank, "strides")
    dilation = conv_shapes.normalize_tuple(dilation_rate, rank, "dilation_rate")
    pads = _pads(x, {"padding": padding, "data_format": data_format, "strides": strides, "name": name},
                 kernel_size, dilation)
    return dict(strides=list(strides), dilations=list(dilation), pads=pads)


@converts(OPS, "conv")
def _conv(g, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    fmt, shape = _data_format(data_format), _shape(kernel)
    rank = len(shape) - 2
    common = _conv_common(inputs, shape[:rank], strides, padding, fmt, dilation_rate, "conv")
    channels = inputs.shape[-1] if fmt == "channels_last" else inputs.shape[1]
    w = _kernel(g, kernel, (rank + 1, rank) + tuple(range(rank)))
    return _channels_first_op(g, inputs, fmt, lambda xc: g.op("Conv", xc, w, group=channels // shape[-2],
                                                              **common))


def _depthwise_kernel(g, kernel, shape):
    """Keras ``(*k, in, mult)`` -> ONNX ``(in * mult, 1, *k)`` (output channel ``c * mult + m``)."""
    rank = len(shape) - 2
    flat = g.reshape(kernel, shape[:rank] + (-1,)) if isinstance(kernel, Value) else \
        np.asarray(kernel).reshape(shape[:rank] + (-1,))
    return _kernel(g, flat, (rank,) + tuple(range(rank)), (shape[-2] * shape[-1], 1) + shape[:rank])


@converts(OPS, "depthwise_conv")
def _depthwise_conv(g, inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    fmt, shape = _data_format(data_format), _shape(kernel)
    rank = len(shape) - 2
    common = _conv_common(inputs, shape[:rank], strides, padding, fmt, dilation_rate, "depthwise_conv")
    w = _depthwise_kernel(g, kernel, shape)
    return _channels_first_op(g, inputs, fmt, lambda xc: g.op("Conv", xc, w, group=shape[-2], **common))


@converts(OPS, "separable_conv")
def _separable_conv(g, inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                    data_format=None, dilation_rate=1):
    y = _depthwise_conv(g, inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    shape = list(inputs.shape)  # only the channels matter to the 1x1 "valid" conv that follows
    shape[-1 if _data_format(data_format) == "channels_last" else 1] = \
        _shape(depthwise_kernel)[-2] * _shape(depthwise_kernel)[-1]
    return _conv(g, Value(y, shape, inputs.dtype), pointwise_kernel, 1, "valid", data_format, 1)


@converts(OPS, "conv_transpose")
def _conv_transpose(g, inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                    dilation_rate=1):
    fmt, shape = _data_format(data_format), _shape(kernel)
    rank = len(shape) - 2
    strides = conv_shapes.normalize_tuple(strides, rank, "strides")
    dilation = conv_shapes.normalize_tuple(dilation_rate, rank, "dilation_rate")
    opad = (None,) * rank if output_padding is None else \
        conv_shapes.normalize_tuple(output_padding, rank, "output_padding", allow_zero=True)
    pairs = [conv_shapes.transpose_padding(k, s, padding, op, d)
             for k, s, op, d in zip(shape[:rank], strides, opad, dilation)]
    w = _kernel(g, kernel, (rank + 1, rank) + tuple(range(rank)))
    return _channels_first_op(g, inputs, fmt, lambda xc: g.op(
        "ConvTranspose", xc, w, strides=list(strides), dilations=list(dilation),
        pads=[lo for lo, _ in pairs] + [max(hi, 0) for _, hi in pairs],
        output_padding=[max(-hi, 0) for _, hi in pairs]))


# -- crossentropies -----------------------------------------------------------------
def _as(g, x, dtype):
    if isinstance(x, Value) and x.dtype == dtype:
        return x
    if isinstance(x, Value):
        return g.op("Cast", x, to=g.helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))
    return np.asarray(x, dtype)


def _clip(g, p, dtype):
    eps = epsilon()
    return g.op("Clip", p, np.asarray(eps, dtype), np.asarray(1 - eps, dtype))


@converts(OPS, "binary_crossentropy")
def _binary_crossentropy(g, target, output, from_logits=False):
    target = _as(g, target, output.dtype)
    if from_logits:  # max(x, 0) - x * t + log1p(exp(-|x|))
        soft = g.op("Log", g.op("Add", g.op("Exp", g.op("Neg", g.op("Abs", output))), 1.0))
        return g.op("Add", g.op("Sub", g.op("Relu", output), g.op("Mul", output, target)), soft)
    p = _clip(g, output, output.dtype)
    one = np.asarray(1, output.dtype)
    return g.op("Neg", g.op("Add", g.op("Mul", target, g.op("Log", p)),
                            g.op("Mul", g.op("Sub", one, target), g.op("Log", g.op("Sub", one, p)))))


def _log_probabilities(g, output, axis, from_logits):
    if from_logits:
        return g.op("LogSoftmax", output, axis=axis)
    total = g.op("ReduceSum", output, g.ints([axis]), keepdims=1)
    return g.op("Log", _clip(g, g.op("Div", output, total), output.dtype))


@converts(OPS, "categorical_crossentropy")
def _categorical_crossentropy(g, target, output, from_logits=False, axis=-1):
    axis = axis % output.ndim
    logp = _log_probabilities(g, output, axis, from_logits)
    return g.op("Neg", g.op("ReduceSum", g.op("Mul", _as(g, target, output.dtype), logp), g.ints([axis]),
                            keepdims=0))


@converts(OPS, "sparse_categorical_crossentropy")
def _sparse_categorical_crossentropy(g, target, output, from_logits=False, axis=-1):
    axis = axis % output.ndim
    if axis != output.ndim - 1:
        output = Value(g.transpose(output, [a for a in range(output.ndim) if a != axis] + [axis]),
                       output.shape[:axis] + output.shape[axis + 1:] + (output.shape[axis],), output.dtype)
    logp = _log_probabilities(g, output, output.ndim - 1, from_logits)
    labels = _as(g, target, "int64")
    target_ndim = target.ndim if isinstance(target, Value) else np.ndim(target)
    if target_ndim == output.ndim:  # (..., 1) labels
        labels = g.op("Squeeze", labels, g.ints([-1]))
    picked = g.op("GatherElements", logp, g.op("Unsqueeze", labels, g.ints([-1])), axis=-1)
    return g.op("Neg", g.op("Squeeze", picked, g.ints([-1])))
