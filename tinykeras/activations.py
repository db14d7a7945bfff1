"""Activation functions with Keras 3's names and defaults, built on ``tk.ops``.

>>> import tinykeras as tk
>>> f = tk.activations.get("relu")
>>> f(tk.Tensor([-1.0, 2.0])).numpy().tolist()
[0.0, 2.0]
>>> tk.activations.serialize(f)
'relu'

Each function takes and returns Tensors (lists and arrays are converted),
so gradients flow through them.  ``gelu`` defaults to the exact (erf) form
here, as ``keras.activations.gelu`` does, while ``ops.gelu`` defaults to the
tanh approximation.
"""
from . import ops, serialization
from .ops import convert_to_tensor as _t

_where = ops.where


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's options.

    ``x`` for ``x > threshold`` (clipped at ``max_value``), else
    ``negative_slope * (x - threshold)``.

    >>> relu([-2.0, 1.0, 8.0], negative_slope=0.5, max_value=6.0).numpy().tolist()
    [-1.0, 1.0, 6.0]
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:   # the usual case, directly
        return ops.relu(x)
    x = _t(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return ops.leaky_relu(x, negative_slope=negative_slope)
        negative_part = ops.relu(threshold - x) if threshold != 0 else ops.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        y = _where(x > threshold, x, 0.0)
    elif max_value == 6:
        y, clip_max = ops.relu6(x), False
    else:
        y = ops.relu(x)
    if clip_max:
        y = ops.clip(y, 0.0, max_value)
    if negative_slope != 0.0:
        y = y - negative_part * negative_slope
    return y


def leaky_relu(x, negative_slope=0.2):
    """``x`` if positive else ``negative_slope * x``.

    >>> leaky_relu([-1.0, 1.0]).numpy().tolist()
    [-0.20000000298023224, 1.0]
    """
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``.

    >>> relu6([-1.0, 7.0]).numpy().tolist()
    [0.0, 6.0]
    """
    return ops.relu6(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``.

    >>> sigmoid([0.0]).item()
    0.5
    """
    return ops.sigmoid(x)


def softmax(x, axis=-1):
    """Softmax along ``axis``.

    >>> softmax([[1.0, 1.0]]).numpy().tolist()
    [[0.5, 0.5]]
    """
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along ``axis``.

    >>> round(float(log_softmax([0.0, 0.0]).numpy()[1]), 4)
    -0.6931
    """
    return ops.log_softmax(x, axis=axis)


def tanh(x):
    """Hyperbolic tangent.

    >>> tanh([0.0]).item()
    0.0
    """
    return ops.tanh(x)


def linear(x):
    """The identity (what ``activation=None`` means).

    >>> linear(3.0)
    3.0
    """
    return x


def exponential(x):
    """``exp(x)``.

    >>> exponential([0.0]).item()
    1.0
    """
    return ops.exp(x)


def elu(x, alpha=1.0):
    """``x`` if positive else ``alpha * (exp(x) - 1)``.

    >>> round(elu([-1.0]).item(), 4)
    -0.6321
    """
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled ELU (``1.0507 * elu(x, 1.67326)``).

    >>> round(selu([1.0]).item(), 4)
    1.0507
    """
    return ops.selu(x)


celu = ops.celu  # the op, as keras.activations.celu computes keras.ops.celu


def gelu(x, approximate=False):
    """Gaussian error linear unit; exact (erf) by default, as ``keras.activations.gelu``.

    >>> round(gelu([1.0]).item(), 4), round(gelu([1.0], approximate=True).item(), 4)
    (0.8413, 0.8412)
    """
    return ops.gelu(x, approximate=approximate)


def softplus(x):
    """``log(1 + exp(x))``.

    >>> round(softplus([0.0]).item(), 4)
    0.6931
    """
    return ops.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``.

    >>> softsign([1.0]).item()
    0.5
    """
    return ops.softsign(x)


def silu(x):
    """``x * sigmoid(x)`` (also called swish).

    >>> round(silu([1.0]).item(), 4)
    0.7311
    """
    return ops.silu(x)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``.

    >>> hard_sigmoid([0.0, 3.0]).numpy().tolist()
    [0.5, 1.0]
    """
    return ops.hard_sigmoid(x)


def hard_silu(x):
    """``x * hard_sigmoid(x)`` (also called hard swish).

    >>> hard_silu([-3.0, 3.0]).numpy().tolist()
    [-0.0, 3.0]
    """
    return ops.hard_silu(x)


def log_sigmoid(x):
    """``log(sigmoid(x))``.

    >>> round(log_sigmoid([0.0]).item(), 4)
    -0.6931
    """
    return ops.log_sigmoid(x)


def mish(x):
    """``x * tanh(softplus(x))``.

    >>> round(mish([1.0]).item(), 4)
    0.8651
    """
    return ops.mish(x)


hard_tanh = ops.hard_tanh  # the op, as keras.activations.hard_tanh computes keras.ops.hard_tanh


tanh_shrink = ops.tanh_shrink  # the op, as keras.activations.tanh_shrink computes keras.ops.tanh_shrink


soft_shrink = ops.soft_shrink  # the op, as keras.activations.soft_shrink computes keras.ops.soft_shrink


hard_shrink = ops.hard_shrink  # the op, as keras.activations.hard_shrink computes keras.ops.hard_shrink


threshold = ops.threshold  # the op, as keras.activations.threshold computes keras.ops.threshold


squareplus = ops.squareplus  # the op, as keras.activations.squareplus computes keras.ops.squareplus


sparse_plus = ops.sparse_plus  # the op, as keras.activations.sparse_plus computes keras.ops.sparse_plus


sparse_sigmoid = ops.sparse_sigmoid  # the op, as keras.activations.sparse_sigmoid computes keras.ops.sparse_sigmoid


glu = ops.glu  # the op, as keras.activations.glu computes keras.ops.glu


sparsemax = ops.sparsemax  # the op, as keras.activations.sparsemax computes keras.ops.sparsemax


ALL_OBJECTS = (relu, leaky_relu, relu6, softmax, log_softmax, elu, selu, celu, softplus, softsign,
               silu, gelu, glu, tanh, tanh_shrink, hard_tanh, hard_shrink, soft_shrink, threshold,
               squareplus, sparse_plus, sparse_sigmoid, sigmoid, log_sigmoid, exponential,
               hard_sigmoid, hard_silu, linear, mish, sparsemax)
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS, {"swish": silu, "hard_swish": hard_silu})
swish, hard_swish = silu, hard_silu
_NAMES = {fn: fn.__name__ for fn in ALL_OBJECTS}


def serialize(activation):
    """The activation's name (or, for a callable object, its config dict).

    >>> serialize(swish)
    'silu'
    """
    name = _NAMES.get(activation)
    if name is not None:
        return name
    if hasattr(activation, "get_config"):
        return serialization.serialize(activation, "keras.activations")
    name = getattr(activation, "__name__", None)
    if name in ALL_OBJECTS_DICT or serialization._registered(name, None) is not None:
        return name
    raise ValueError(f"Unknown activation function {activation!r} cannot be serialized; "
                     f"use one of: {', '.join(sorted(ALL_OBJECTS_DICT))}")


def deserialize(config, custom_objects=None):
    """The activation named by ``config``.

    >>> deserialize("gelu") is gelu
    True
    """
    return serialization.deserialize(config, ALL_OBJECTS_DICT, "activation function", custom_objects)


def get(identifier):
    """An activation function from a name, a config, or a callable; ``None`` gives ``linear``.

    >>> get(None) is linear, get("swish") is silu
    (True, True)
    """
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "activation function",
                                             default=linear)
