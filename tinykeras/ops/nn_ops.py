"""Neural-network ops with Keras 3 names (``keras.ops.nn``): activations,
softmax and the crossentropies.

Each public function is its op's one entry: it converts its inputs and
calls ``apply``.  The ops declared here with ``declare_composite`` have a
composite (written with primitives, so they run and differentiate on every
backend) and may have a backend's fused kernel (the NumPy backend fuses
several, see ``numpy_plugin/numpy_fused.py``); the others are written with
other ops directly.

>>> import tinykeras as tk
>>> tk.ops.relu(tk.Tensor([-1.0, 2.0])).numpy().tolist()
[0.0, 2.0]
"""
import math

from .. import backend as backend_config
from ..core.primitives import where as _where
from ..core.tensor import apply
from .common import convert_to_tensor, declare_composite, normalize_axis, record, symbolic
from .math_ops import arange, clip, log, log1p, maximum, minimum


def _last1(t):
    """Append a size-1 axis: (N,) -> (N, 1)."""
    return t.reshape(t.shape + (1,))


def _axis1(x, axis):
    return normalize_axis(axis, x.ndim)[0]


def _sum_keep(t, axis):
    return t.sum(axis, keepdims=True)


@declare_composite("relu_grad", 2, sample="binary", differentiable=False)
def _relu_grad_composite(g, o):
    """``g`` where relu's output ``o`` is positive, else 0: relu's backward (one op, which the NumPy backend fuses)."""
    return g * (o > 0)


@declare_composite("relu", rule=lambda g, o, x: (apply("relu_grad", (g, o)),), sample="unary")
def _relu_composite(x):
    return maximum(x, 0)


@declare_composite("sigmoid", rule=lambda g, o, x: (g * o * (1 - o),), sample="unary")
def _sigmoid_composite(x):
    # exp(-|x|) never overflows; both branches agree with 1 / (1 + exp(-x))
    e = (-abs(x)).exp()
    return _where(x >= 0, 1 / (1 + e), e / (1 + e))


@declare_composite("softmax", params=("axis",), sample="softmax",
                   rule=lambda g, o, x, axis: (o * (g - _sum_keep(g * o, axis)),))
def _softmax_composite(x, axis=-1):
    e = (x - x.max(axis, keepdims=True).detach()).exp()
    return e / e.sum(axis, keepdims=True)


@declare_composite("log_softmax", params=("axis",), sample="softmax",
                   rule=lambda g, o, x, axis: (g - o.exp() * _sum_keep(g, axis),))
def _log_softmax_composite(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True).detach()
    return shifted - shifted.exp().sum(axis, keepdims=True).log()


def relu(x):
    """max(x, 0).

    >>> relu([-1.0, 1.0]).numpy().tolist()
    [0.0, 1.0]
    """
    if symbolic(locals()):
        return record("relu", locals())
    return apply("relu", (convert_to_tensor(x),))


def relu6(x):
    """min(max(x, 0), 6).

    >>> relu6([7.0]).item()
    6.0
    """
    if symbolic(locals()):
        return record("relu6", locals())
    return minimum(relu(x), 6.0)


def sigmoid(x):
    """1 / (1 + exp(-x)).

    >>> sigmoid([0.0]).item()
    0.5
    """
    if symbolic(locals()):
        return record("sigmoid", locals())
    return apply("sigmoid", (convert_to_tensor(x),))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, computed stably.

    >>> softmax([1.0, 1.0]).numpy().tolist()
    [0.5, 0.5]
    """
    if symbolic(locals()):
        return record("softmax", locals())
    x = convert_to_tensor(x)
    return apply("softmax", (x,), {"axis": _axis1(x, axis)})


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, computed stably.

    >>> log_softmax([0.0, 0.0]).numpy().round(4)
    array([-0.6931, -0.6931], dtype=float32)
    """
    if symbolic(locals()):
        return record("log_softmax", locals())
    x = convert_to_tensor(x)
    return apply("log_softmax", (x,), {"axis": _axis1(x, axis)})


def softplus(x):
    """log(1 + exp(x)), without overflow.

    >>> round(softplus([0.0]).item(), 4)
    0.6931
    """
    if symbolic(locals()):
        return record("softplus", locals())
    x = convert_to_tensor(x)
    return maximum(x, 0) + log1p((-abs(x)).exp())


def softsign(x):
    """x / (1 + |x|).

    >>> softsign([1.0]).item()
    0.5
    """
    if symbolic(locals()):
        return record("softsign", locals())
    x = convert_to_tensor(x)
    return x / (1 + abs(x))


def silu(x):
    """x * sigmoid(x) (also called swish).

    >>> silu([0.0]).item()
    0.0
    """
    if symbolic(locals()):
        return record("silu", locals())
    x = convert_to_tensor(x)
    return x * sigmoid(x)


swish = silu


def gelu(x, approximate=True):
    """Gaussian error linear unit; tanh approximation by default, as ``keras.ops.gelu``.

    >>> round(gelu([1.0], approximate=False).item(), 4)
    0.8413
    """
    if symbolic(locals()):
        return record("gelu", locals())
    x = convert_to_tensor(x)
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1 + inner.tanh())
    from .math_ops import erf
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1).

    >>> round(elu([-1.0]).item(), 4)
    -0.6321
    """
    if symbolic(locals()):
        return record("elu", locals())
    from .math_ops import expm1
    x = convert_to_tensor(x)
    return _where(x > 0, x, alpha * expm1(minimum(x, 0)))


def selu(x):
    """Scaled ELU with the self-normalizing constants.

    >>> round(selu([1.0]).item(), 4)
    1.0507
    """
    if symbolic(locals()):
        return record("selu", locals())
    return 1.0507009873554805 * elu(x, 1.6732632423543772)


def leaky_relu(x, negative_slope=0.2):
    """x if x > 0 else negative_slope * x.

    >>> leaky_relu([-1.0, 2.0]).numpy()
    array([-0.2,  2. ], dtype=float32)
    """
    if symbolic(locals()):
        return record("leaky_relu", locals())
    x = convert_to_tensor(x)
    return _where(x > 0, x, x * negative_slope)


def hard_sigmoid(x):
    """relu6(x + 3) / 6, as Keras 3.

    >>> hard_sigmoid([0.0]).item()
    0.5
    """
    if symbolic(locals()):
        return record("hard_sigmoid", locals())
    return relu6(convert_to_tensor(x) + 3.0) / 6.0


def hard_silu(x):
    """x * hard_sigmoid(x).

    >>> hard_silu([3.0]).item()
    3.0
    """
    if symbolic(locals()):
        return record("hard_silu", locals())
    x = convert_to_tensor(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x).

    >>> round(log_sigmoid([0.0]).item(), 4)
    -0.6931
    """
    if symbolic(locals()):
        return record("log_sigmoid", locals())
    return -softplus(-convert_to_tensor(x))


def mish(x):
    """x * tanh(softplus(x)).

    >>> mish([0.0]).item()
    0.0
    """
    if symbolic(locals()):
        return record("mish", locals())
    x = convert_to_tensor(x)
    return x * softplus(x).tanh()


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    """Integer labels to one-hot vectors (the new axis at ``axis``).

    >>> one_hot([0, 2], 3).numpy().tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if symbolic(locals()):
        return record("one_hot", locals())
    from .shape_ops import expand_dims, moveaxis
    x = convert_to_tensor(x)
    hot = (expand_dims(x, -1) == arange(num_classes, dtype=x.dtype)).astype(dtype)
    return hot if axis == -1 else moveaxis(hot, -1, axis)


def moments(x, axes, keepdims=False):
    """Mean and (population) variance over ``axes``.

    >>> [t.item() for t in moments([1.0, 3.0], axes=0)]
    [2.0, 1.0]
    """
    if symbolic(locals()):
        return record("moments", locals())
    x = convert_to_tensor(x)
    mean = x.mean(axes, keepdims=True)
    centered = x - mean
    variance = (centered * centered).mean(axes, keepdims=keepdims)
    return (mean if keepdims else mean.reshape(variance.shape)), variance


# -- crossentropies (per-sample values; losses reduce them) -----------------

def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (Keras clips probabilities to [eps, 1-eps]).

    >>> round(binary_crossentropy([1.0], [0.5]).item(), 4)
    0.6931
    """
    if symbolic(locals()):
        return record("binary_crossentropy", locals())
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    target = target.astype(output.dtype)
    if from_logits:
        return maximum(output, 0) - output * target + log1p((-abs(output)).exp())
    eps = backend_config.epsilon()
    output = clip(output, eps, 1 - eps)
    return -(target * log(output) + (1 - target) * log(1 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) ``target`` and ``output``.

    >>> round(categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]).item(), 4)
    0.6931
    """
    if symbolic(locals()):
        return record("categorical_crossentropy", locals())
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if target.shape != output.shape:
        raise ValueError(f"categorical_crossentropy: target shape {target.shape} and output shape "
                         f"{output.shape} must match (use sparse_categorical_crossentropy for "
                         "integer labels)")
    target = target.astype(output.dtype)
    axis = _axis1(output, axis)
    if from_logits:
        return -(target * log_softmax(output, axis=axis)).sum(axis)
    output = output / output.sum(axis, keepdims=True)
    eps = backend_config.epsilon()
    return -(target * log(clip(output, eps, 1 - eps))).sum(axis)


@declare_composite("sparse_softmax_crossentropy", n_inputs=2, sample="sparse_xent",
                   rule=lambda g, o, logits, labels: (_last1(g) *
                                                      (softmax(logits) - one_hot(labels, logits.shape[-1],
                                                                                 dtype=logits.dtype)), None))
def _sparse_softmax_xent_composite(logits, labels):
    from .shape_ops import take_along_axis
    picked = take_along_axis(log_softmax(logits), _last1(labels).astype("int64"), axis=-1)
    return -picked.reshape(labels.shape)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy with integer class labels ``target``.

    >>> round(sparse_categorical_crossentropy([1], [[0.5, 0.5]]).item(), 4)
    0.6931
    """
    if symbolic(locals()):
        return record("sparse_categorical_crossentropy", locals())
    from .shape_ops import moveaxis, take_along_axis
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target.reshape(target.shape[:-1])
    if target.dtype.startswith("float"):
        target = target.astype("int32")
    axis = _axis1(output, axis)
    if axis != output.ndim - 1:
        output = moveaxis(output, axis, -1)
    if target.shape != output.shape[:-1]:
        raise ValueError(f"sparse_categorical_crossentropy: labels of shape {target.shape} do not "
                         f"match predictions of shape {output.shape}")
    if from_logits:
        return apply("sparse_softmax_crossentropy", (output, target))
    output = output / output.sum(-1, keepdims=True)
    eps = backend_config.epsilon()
    logp = log(clip(output, eps, 1 - eps))
    return -take_along_axis(logp, _last1(target).astype("int64"), axis=-1).reshape(target.shape)
