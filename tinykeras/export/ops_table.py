"""ONNX mappings of ops (``tk.ops`` names) and of activations.

One entry per op: ``OPS[name](g, *inputs, **params)`` returns the output's
name; ``ACTIVATIONS`` maps each ``tk.activations`` name (with its Keras
defaults) to an entry.  Each formula is the one the NumPy backend runs.

>>> from tinykeras.export.graph import GraphBuilder
>>> g = GraphBuilder()
>>> OPS["hard_tanh"](g, "x")
'clip'
>>> [n.op_type for n in g.nodes], [list(n.input) for n in g.nodes]
(['Clip'], [['x', 'const', 'const_1']])
"""
import math
from functools import partial

from .graph import OPS, converts

# ops that are one ONNX node with the same inputs
_DIRECT = {"add": "Add", "subtract": "Sub", "multiply": "Mul", "divide": "Div", "true_divide": "Div",
           "power": "Pow", "maximum": "Max", "minimum": "Min", "matmul": "MatMul", "negative": "Neg",
           "abs": "Abs", "absolute": "Abs", "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "sin": "Sin",
           "cos": "Cos", "floor": "Floor", "ceil": "Ceil", "sign": "Sign", "erf": "Erf",
           "tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu", "softsign": "Softsign",
           "equal": "Equal", "not_equal": None, "greater": "Greater", "greater_equal": "GreaterOrEqual",
           "less": "Less", "less_equal": "LessOrEqual", "logical_and": "And", "logical_or": "Or",
           "logical_not": "Not", "reciprocal": "Reciprocal", "exponential": "Exp",
           "hard_silu": "HardSwish", "hard_swish": "HardSwish"}
for _name, _onnx_op in _DIRECT.items():
    if _onnx_op:
        OPS[_name] = partial(lambda g, *xs, _op: g.op(_op, *xs), _op=_onnx_op)


@converts(OPS, "round")
def _round(g, x, decimals=0):
    if not decimals:
        return g.op("Round", x)
    scale = 10.0 ** decimals
    return g.op("Div", g.op("Round", g.op("Mul", x, scale)), scale)


@converts(OPS, "floor_divide")
def _floor_divide(g, x1, x2):
    if str(getattr(x1, "dtype", "float32")).startswith("float"):
        return g.op("Floor", g.op("Div", x1, x2))
    return g.op("Div", g.op("Sub", x1, g.op("Mod", x1, x2)), x2)     # exact for ints


@converts(OPS, "mod")
def _mod(g, x1, x2):
    """NumPy's mod: the sign of the divisor."""
    if not str(getattr(x1, "dtype", "float32")).startswith("float"):
        return g.op("Mod", x1, x2)
    r = g.op("Mod", x1, x2, fmod=1)
    wrong_sign = g.op("And", g.op("Not", g.op("Equal", r, 0.0)),
                      g.op("Not", g.op("Equal", g.op("Less", r, 0.0), g.op("Less", x2, 0.0))))
    return g.op("Where", wrong_sign, g.op("Add", r, x2), r)


@converts(OPS, "not_equal")
def _not_equal(g, x, y):
    return g.op("Not", g.op("Equal", x, y))


@converts(OPS, "square")
def _square(g, x):
    return g.op("Mul", x, x)


@converts(OPS, "expm1")
def _expm1(g, x):
    return g.op("Sub", g.op("Exp", x), 1.0)


@converts(OPS, "log1p")
def _log1p(g, x):
    return g.op("Log", g.op("Add", x, 1.0))


@converts(OPS, "linear", "stop_gradient")
def _identity(g, x):
    return g.op("Identity", x)


@converts(OPS, "clip")
def _clip(g, x, x_min, x_max):
    return g.op("Clip", x, float(x_min), float(x_max))


@converts(OPS, "hard_tanh")
def _hard_tanh(g, x):
    return _clip(g, x, -1.0, 1.0)


@converts(OPS, "relu6")
def _relu6(g, x):
    return _clip(g, x, 0.0, 6.0)


@converts(OPS, "leaky_relu")
def _leaky_relu(g, x, negative_slope=0.2):
    return g.op("LeakyRelu", x, alpha=float(negative_slope))


@converts(OPS, "elu")
def _elu(g, x, alpha=1.0):
    return g.op("Elu", x, alpha=float(alpha))


@converts(OPS, "selu")
def _selu(g, x):
    return g.op("Selu", x, alpha=1.6732632423543772, gamma=1.0507009873554805)


@converts(OPS, "celu")
def _celu(g, x, alpha=1.0):
    return g.op("Celu", x, alpha=float(alpha))


@converts(OPS, "softmax")
def _softmax(g, x, axis=-1):
    return g.op("Softmax", x, axis=int(axis))


@converts(OPS, "log_softmax")
def _log_softmax(g, x, axis=-1):
    return g.op("LogSoftmax", x, axis=int(axis))


@converts(OPS, "softplus")
def _softplus(g, x):
    """``max(x, 0) + log(1 + exp(-|x|))``: no overflow for large ``x``."""
    return g.op("Add", g.op("Relu", x), g.op("Log", g.op("Add", g.op("Exp", g.op("Neg", g.op("Abs", x))), 1.0)))


@converts(OPS, "log_sigmoid")
def _log_sigmoid(g, x):
    return g.op("Neg", _softplus(g, g.op("Neg", x)))


@converts(OPS, "silu", "swish")
def _silu(g, x):
    return g.op("Mul", x, g.op("Sigmoid", x))


@converts(OPS, "hard_sigmoid")
def _hard_sigmoid(g, x):
    return g.op("HardSigmoid", x, alpha=1.0 / 6.0, beta=0.5)


@converts(OPS, "mish")
def _mish(g, x):
    return g.op("Mul", x, g.op("Tanh", _softplus(g, x)))


@converts(OPS, "gelu")
def _gelu(g, x, approximate=True):
    if approximate:
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Mul", g.op("Add", x, g.op("Mul", cube, 0.044715)), math.sqrt(2 / math.pi))
        return g.op("Mul", g.op("Mul", x, 0.5), g.op("Add", g.op("Tanh", inner), 1.0))
    cdf = g.op("Add", g.op("Erf", g.op("Mul", x, 1 / math.sqrt(2))), 1.0)
    return g.op("Mul", g.op("Mul", x, 0.5), cdf)


@converts(OPS, "tanh_shrink")
def _tanh_shrink(g, x):
    return g.op("Sub", x, g.op("Tanh", x))


@converts(OPS, "soft_shrink")
def _soft_shrink(g, x, threshold=0.5):
    return g.op("Shrink", x, bias=float(threshold), lambd=float(threshold))


@converts(OPS, "hard_shrink")
def _hard_shrink(g, x, threshold=0.5):
    return g.op("Shrink", x, bias=0.0, lambd=float(threshold))


@converts(OPS, "threshold")
def _threshold(g, x, threshold, default_value):
    return g.op("Where", g.op("Greater", x, float(threshold)), x, float(default_value))


@converts(OPS, "squareplus")
def _squareplus(g, x, b=4):
    root = g.op("Sqrt", g.op("Add", g.op("Mul", x, x), float(b)))
    return g.op("Div", g.op("Add", x, root), 2.0)


@converts(OPS, "sparse_plus")
def _sparse_plus(g, x):
    shifted = g.op("Add", x, 1.0)
    middle = g.op("Div", g.op("Mul", shifted, shifted), 4.0)
    upper = g.op("Where", g.op("GreaterOrEqual", x, 1.0), x, middle)
    return g.op("Where", g.op("LessOrEqual", x, -1.0), 0.0, upper)


@converts(OPS, "sparse_sigmoid")
def _sparse_sigmoid(g, x):
    return _clip(g, g.op("Div", g.op("Add", x, 1.0), 2.0), 0.0, 1.0)


@converts(OPS, "glu")
def _glu(g, x, axis=-1):
    a, b = g.op("Split", x, axis=int(axis), num_outputs=2, outputs=2)
    return g.op("Mul", a, g.op("Sigmoid", b))


def _reduce(onnx_op, g, x, axis=None, keepdims=False):
    axes = [] if axis is None else ([axis] if isinstance(axis, int) else list(axis))
    return g.op(onnx_op, x, g.ints(axes) if axes else None, keepdims=int(bool(keepdims)))


for _name, _onnx_op in {"sum": "ReduceSum", "mean": "ReduceMean", "max": "ReduceMax", "amax": "ReduceMax",
                        "min": "ReduceMin", "amin": "ReduceMin", "prod": "ReduceProd",
                        "logsumexp": "ReduceLogSumExp"}.items():
    OPS[_name] = partial(_reduce, _onnx_op)


ACTIVATIONS = {name: OPS[name] for name in (
    "relu", "leaky_relu", "relu6", "softmax", "log_softmax", "elu", "selu", "celu", "softplus", "softsign",
    "silu", "swish", "glu", "tanh", "tanh_shrink", "hard_tanh", "hard_shrink", "soft_shrink", "squareplus",
    "sparse_plus", "sparse_sigmoid", "sigmoid", "log_sigmoid", "exponential", "hard_sigmoid", "hard_silu",
    "hard_swish", "linear", "mish")}
ACTIVATIONS["gelu"] = partial(_gelu, approximate=False)    # keras.activations.gelu's default
