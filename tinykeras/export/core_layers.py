"""ONNX mappings of the core layers: Dense, Embedding, activations,
normalization, merges, reshapes, and the layers that are the identity at
inference (dropout and noise).

Each reads the layer through its config and weights, as saved files do:

>>> import tinykeras as tk
>>> from tinykeras.export.graph import GraphBuilder, Value, convert_layer
>>> layer = tk.layers.Dense(2, activation="relu")
>>> layer.build((None, 3))
>>> g = GraphBuilder()
>>> _ = convert_layer(g, layer, [Value("x", (None, 3), "float32")], {})
>>> [n.op_type for n in g.nodes]
['MatMul', 'Add', 'Relu']
"""
import numpy as np

from .. import backend, layers as L
from .graph import LAYERS, OPS, Value, convert_layer, converts, weights_of


@converts(LAYERS, L.Dense)
def dense(g, layer, x):
    w, config = weights_of(layer), layer.get_config()
    y = g.op("MatMul", x, w["kernel"])
    if config["use_bias"]:
        y = g.op("Add", y, w["bias"])
    return g.activation(config["activation"], y)


@converts(LAYERS, L.Activation)
def activation(g, layer, x):
    return g.activation(layer.get_config()["activation"], x)


@converts(LAYERS, L.Dropout, L.AlphaDropout, L.GaussianDropout, L.GaussianNoise, L.SpatialDropout1D,
          L.SpatialDropout2D, L.SpatialDropout3D, L.Identity, L.RandomContrast, L.RandomFlip,
          L.RandomRotation, L.RandomTranslation, L.RandomZoom, L.RandomBrightness, L.RandomColorDegeneration,
          L.RandomColorJitter, L.RandomGaussianBlur, L.RandomGrayscale, L.RandomHue, L.RandomInvert,
          L.RandomPosterization, L.RandomSaturation, L.RandomSharpness, L.Solarization, L.RandomShear, L.RandomErasing,
          L.MixUp, L.CutMix, L.Equalization, L.RandomPerspective, L.RandomElasticTransform, L.MaxNumBoundingBoxes,
          L.RandAugment, L.AugMix)
def identity(g, layer, x):
    """Layers that change their input only while training."""
    return g.op("Identity", x)


@converts(LAYERS, L.ReLU)
def relu(g, layer, x):
    c = layer.get_config()
    slope, max_value, threshold = float(c["negative_slope"]), c["max_value"], float(c["threshold"])
    y = g.op("Relu", x) if threshold == 0 else g.op("Where", g.op("Greater", x, threshold), x, 0.0)
    if max_value is not None:
        y = g.op("Clip", y, 0.0, float(max_value))
    if slope != 0:
        negative = g.op("Relu", g.op("Sub", threshold, x))
        y = g.op("Sub", y, g.op("Mul", negative, slope))
    return y


@converts(LAYERS, L.LeakyReLU)
def leaky_relu(g, layer, x):
    return OPS["leaky_relu"](g, x, layer.get_config()["negative_slope"])


@converts(LAYERS, L.ELU)
def elu(g, layer, x):
    return OPS["elu"](g, x, layer.get_config()["alpha"])


@converts(LAYERS, L.PReLU)
def prelu(g, layer, x):
    return g.op("PRelu", x, weights_of(layer)["alpha"])


@converts(LAYERS, L.Softmax)
def softmax(g, layer, x):
    axis = layer.get_config()["axis"]
    axes = axis if isinstance(axis, list) else [axis]
    if len(axes) == 1:
        return OPS["softmax"](g, x, axes[0])
    lse = g.op("ReduceLogSumExp", x, g.ints(axes), keepdims=1)
    return g.op("Exp", g.op("Sub", x, lse))


@converts(LAYERS, L.Rescaling)
def rescaling(g, layer, x):
    c = layer.get_config()
    x = x if x.dtype == "float32" else OPS["cast"](g, x, "float32")
    scale, offset = (np.asarray(c[k], "float32") for k in ("scale", "offset"))
    if scale.ndim and backend.image_data_format() == "channels_first":
        scale, offset = (v.reshape(v.shape + (1,) * (3 - v.ndim)) for v in (scale, offset))
    return g.op("Add", g.op("Mul", x, scale), offset)


@converts(LAYERS, L.Embedding)
def embedding(g, layer, x):
    if layer.get_config()["mask_zero"]:
        raise ValueError(f"ONNX export: Embedding {layer.name!r} has mask_zero=True; masks are not exported")
    ids = x if x.dtype.startswith(("int", "uint")) else OPS["cast"](g, x, "int32")
    return g.op("Gather", weights_of(layer)["embeddings"], ids, axis=0)


@converts(LAYERS, L.Masking)
def masking(g, layer, x):
    raise ValueError(f"ONNX export: Masking layer {layer.name!r}: masks are not exported")


def _channel_shape(ndim, axes, shape):
    """Shape that broadcasts a weight over every axis but ``axes``."""
    return [shape[a] if a in axes else 1 for a in range(ndim)]


@converts(LAYERS, L.BatchNormalization)
def batch_normalization(g, layer, x):
    c, w = layer.get_config(), weights_of(layer)
    shape = _channel_shape(x.ndim, [c["axis"] % x.ndim], x.shape)
    inv = 1.0 / np.sqrt(w["moving_variance"].astype("float32") + np.float32(c["epsilon"]))
    if "gamma" in w:
        inv = inv * w["gamma"]
    y = g.op("Mul", g.op("Sub", x, w["moving_mean"].reshape(shape)), inv.reshape(shape))
    return g.op("Add", y, w["beta"].reshape(shape)) if "beta" in w else y


@converts(LAYERS, L.LayerNormalization)
def layer_normalization(g, layer, x):
    c, w = layer.get_config(), weights_of(layer)
    axes = sorted(a % x.ndim for a in (c["axis"] if isinstance(c["axis"], list) else [c["axis"]]))
    shape = _channel_shape(x.ndim, axes, x.shape)
    mean = g.op("ReduceMean", x, g.ints(axes), keepdims=1)
    centered = g.op("Sub", x, mean)
    variance = g.op("ReduceMean", g.op("Mul", centered, centered), g.ints(axes), keepdims=1)
    inv = g.op("Reciprocal", g.op("Sqrt", g.op("Add", variance, float(c["epsilon"]))))
    if "gamma" in w:
        inv = g.op("Mul", inv, w["gamma"].reshape(shape))
    if c["rms_scaling"]:
        return g.op("Mul", x, inv)
    y = g.op("Mul", centered, inv)
    return g.op("Add", y, w["beta"].reshape(shape)) if "beta" in w else y


_MERGES = {L.Add: "Sum", L.Average: "Mean", L.Maximum: "Max", L.Minimum: "Min"}


@converts(LAYERS, *_MERGES)
def elementwise_merge(g, layer, inputs):
    return g.op(_MERGES[type(layer)], *inputs)


@converts(LAYERS, L.Subtract)
def subtract(g, layer, inputs):
    return g.op("Sub", *inputs)


@converts(LAYERS, L.Multiply)
def multiply(g, layer, inputs):
    y = inputs[0]
    for x in inputs[1:]:
        y = g.op("Mul", y, x)
    return y


@converts(LAYERS, L.Concatenate)
def concatenate(g, layer, inputs):
    return g.op("Concat", *inputs, axis=int(layer.get_config()["axis"]))


@converts(LAYERS, L.Dot)
def dot(g, layer, inputs):
    """Keras's ``batch_dot`` as one ``Einsum``."""
    c = layer.get_config()
    axes = [c["axes"]] * 2 if isinstance(c["axes"], int) else list(c["axes"])
    axes = [a % x.ndim for a, x in zip(axes, inputs)]
    names = []
    for x, axis in zip(inputs, axes):
        if c["normalize"]:
            norm = g.op("Sqrt", g.op("ReduceSum", g.op("Mul", x, x), g.ints([axis]), keepdims=1))
            x = g.op("Mul", x, g.op("Min", g.op("Reciprocal", norm), 1e7))
        names.append(x)
    letters = iter("bcdefghijklmnopqrstuvwxyz")
    a = ["a"] + [next(letters) for _ in range(inputs[0].ndim - 1)]
    b = ["a"] + [next(letters) for _ in range(inputs[1].ndim - 1)]
    b[axes[1]] = a[axes[0]]
    out = ["a"] + [s for i, s in enumerate(a) if i not in (0, axes[0])] + \
        [s for i, s in enumerate(b) if i not in (0, axes[1])]
    y = g.op("Einsum", *names, equation=f"{''.join(a)},{''.join(b)}->{''.join(out)}")
    return g.op("Unsqueeze", y, g.ints([1])) if len(out) == 1 else y


@converts(LAYERS, L.Flatten)
def flatten(g, layer, x):
    if layer.get_config()["data_format"] == "channels_first" and x.ndim > 2:
        x = g.transpose(x, (0, *range(2, x.ndim), 1))
    return g.op("Flatten", x, axis=1)


@converts(LAYERS, L.Reshape)
def reshape(g, layer, x):
    return g.reshape(x, [0] + list(layer.get_config()["target_shape"]))


@converts(LAYERS, L.Permute)
def permute(g, layer, x):
    return g.transpose(x, (0,) + tuple(layer.get_config()["dims"]))


@converts(LAYERS, L.RepeatVector)
def repeat_vector(g, layer, x):
    return g.op("Tile", g.op("Unsqueeze", x, g.ints([1])), g.ints([1, layer.get_config()["n"], 1]))


@converts(LAYERS, L.TimeDistributed)
def time_distributed(g, layer, x):
    """The inner layer on ``(batch * steps, ...)``, then ``(batch, steps, ...)`` again."""
    folded = Value(g.reshape(x, [-1] + list(x.shape[2:])), (None,) + tuple(x.shape[2:]), x.dtype)
    if None in folded.shape[1:]:
        raise ValueError(f"ONNX export: TimeDistributed {layer.name!r} needs known sizes after the steps "
                         f"axis, got {x.shape}")
    y = convert_layer(g, layer.layer, [folded], {})
    if isinstance(y, list):
        raise ValueError(f"ONNX export: TimeDistributed {layer.name!r}: the inner layer must give one output")
    shape = g.op("Concat", g.op("Shape", x, end=2), g.op("Shape", y, start=1), axis=0)
    return g.op("Reshape", y, shape)
