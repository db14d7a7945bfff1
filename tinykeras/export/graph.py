"""The ONNX graph under construction, the two tables that fill it, and the
walk over a model's layer graph.

Every mapping is a small function registered in one of two tables:

- ``LAYERS[layer class](g, layer, *args, **kwargs)``: called with the same
  arguments as the layer's ``call``, symbolic tensors replaced by
  :class:`Value` (an ONNX tensor name with its static Keras shape);
- ``OPS[op name](g, *inputs, **params)``: one op (activations are ops too).

Each returns the ONNX name(s) of its output(s).  ``g`` is the
:class:`GraphBuilder`: ``g.op("Relu", x)`` appends a node and returns its
output's name; NumPy arrays (with their dtype) and Python numbers (as float32)
given as inputs become initializers.

>>> g = GraphBuilder(opset=18)
>>> out = g.op("Add", Value("x", (None, 2), "float32"), 1.0)
>>> [n.op_type for n in g.nodes], out
(['Add'], 'add')
"""
import numpy as np
from ..tree import flatten, map_structure

OPSET = 18      # the default opset; every mapping is valid from here to the newest onnx knows
LAYERS = {}     # layer class -> builder(g, layer, *args, **kwargs)
OPS = {}        # op name -> builder(g, *inputs, **params)


def converts(table, *keys):
    """Decorator: register the function under each key of ``table``."""
    def register(fn):
        for key in keys:
            table[key] = fn
        return fn
    return register


class Value:
    """An ONNX tensor name with the static shape (None: unknown) and dtype Keras gives it."""

    __slots__ = ("name", "shape", "dtype")

    def __init__(self, name, shape, dtype):
        self.name, self.shape, self.dtype = name, tuple(shape), str(dtype)

    ndim = property(lambda self: len(self.shape))

    def __repr__(self):
        return f"Value({self.name!r}, {self.shape}, {self.dtype})"


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the `onnx` package: pip install 'tinykeras[onnx]'") from None
    return onnx


class GraphBuilder:
    """Nodes and initializers of one ONNX graph, with unique names."""

    def __init__(self, opset=OPSET):
        self.opset, self.nodes, self.initializers, self._used = opset, [], [], set()
        self.helper, self.numpy_helper = _onnx().helper, _onnx().numpy_helper

    def fresh(self, hint):
        """A name not used yet in this graph, from ``hint``."""
        name, n = hint, 0
        while name in self._used:
            n += 1
            name = f"{hint}_{n}"
        self._used.add(name)
        return name

    def const(self, value, dtype="float32", hint="const"):
        """An initializer holding ``value`` (as ``dtype``); returns its name."""
        name = self.fresh(hint)
        self.initializers.append(self.numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, values):
        """An int64 initializer (shapes, axes, slice bounds)."""
        return self.const(list(values), "int64", "ints")

    def _input(self, x):
        if x is None:
            return ""
        if isinstance(x, Value):
            return x.name
        if isinstance(x, str):
            return x
        return self.const(x, x.dtype if isinstance(x, (np.ndarray, np.generic)) else "float32")

    def op(self, op_type, *inputs, outputs=1, **attrs):
        """Append one node; returns the name of its output (a list when ``outputs > 1``)."""
        names = [self.fresh(op_type.lower()) for _ in range(outputs)]
        node = self.helper.make_node(op_type, [self._input(x) for x in inputs], names,
                                     name=self.fresh("node_" + op_type), **attrs)
        self.nodes.append(node)
        return names[0] if outputs == 1 else names

    # -- a few composites used by many mappings ---------------------------------
    def activation(self, name, x):
        """``x`` through the Keras activation ``name`` (a name as layer configs store it)."""
        from .ops_table import ACTIVATIONS
        if name in (None, "linear"):
            return x if isinstance(x, str) else self._input(x)
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise ValueError(f"ONNX export: no mapping for activation {name!r}; mapped activations: "
                             f"{', '.join(sorted(ACTIVATIONS))}")
        return ACTIVATIONS[name](self, x)

    def transpose(self, x, perm):
        return self.op("Transpose", x, perm=list(perm))

    def reshape(self, x, shape):
        """Reshape to ``shape`` (0 copies the input's size, -1 is inferred, as in ONNX)."""
        return self.op("Reshape", x, self.ints(shape))

    def to_channels_first(self, x, ndim, data_format):
        if data_format == "channels_first":
            return self._input(x)
        return self.transpose(x, (0, ndim - 1) + tuple(range(1, ndim - 1)))

    def from_channels_first(self, x, ndim, data_format):
        if data_format == "channels_first":
            return x
        return self.transpose(x, (0,) + tuple(range(2, ndim)) + (1,))


def weights_of(layer):
    """``{name: array}`` of a layer's weights, names relative to the layer
    (``"kernel"``, ``"query/bias"``)."""
    out = {}
    prefix = (layer.path or layer.name) + "/"  # the model's scopes, then the layer's name
    for w in layer.weights:
        path = getattr(w, "path", None) or w.name
        out[path[len(prefix):] if path.startswith(prefix) else path] = np.asarray(w.numpy())
    return out


def _graph_of(model):
    """(inputs, outputs, nodes in order) of a Sequential or functional model."""
    graph = getattr(model, "_functional", model)
    nodes = getattr(graph, "_nodes", None)
    if nodes is None:
        raise ValueError(f"ONNX export: model {model.name!r} ({type(model).__name__}) has no layer graph "
                         "(a subclassed Model with its own call()); only Sequential and functional "
                         "models (also nested inside each other) can be exported")
    return graph.inputs, graph.outputs, nodes


def is_graph_model(layer):
    from ..models.model import Model
    return isinstance(layer, Model) and (getattr(layer, "_functional", None) is not None or
                                         getattr(layer, "_nodes", None) is not None)


def convert_graph(g, model, inputs):
    """Add ``model``'s layer graph to ``g``, fed by the Values ``inputs``;
    returns the Values of its outputs."""
    from ..layers.core.input_layer import InputLayer
    from ..layers.operation import OpCall
    from ..layers.symbolic import KerasTensor
    graph_inputs, graph_outputs, nodes = _graph_of(model)
    env = {id(t): v for t, v in zip(graph_inputs, inputs)}
    for node in nodes:
        if isinstance(node.layer, InputLayer):
            continue
        args, kwargs = map_structure(lambda x: env[id(x)] if isinstance(x, KerasTensor) else x,
                                     (tuple(node.args), dict(node.kwargs)))
        kwargs.pop("training", None)
        if kwargs.get("mask") is not None:
            raise ValueError(f"ONNX export: layer {node.layer.name!r} is called with a mask; masks are "
                             "not exported")
        kwargs.pop("mask", None)
        if isinstance(node.layer, OpCall):
            names = flatten(convert_op_call(g, node.layer, args, flatten(node.outputs)[0].dtype))
        else:
            names = flatten(convert_layer(g, node.layer, args, kwargs))
        for sym, name in zip(flatten(node.outputs), names):
            env[id(sym)] = Value(name, sym.shape, sym.dtype)
    return [env[id(t)] for t in graph_outputs]


def convert_layer(g, layer, args, kwargs):
    """The ONNX output name(s) of one call of ``layer``."""
    builder = LAYERS.get(type(layer))
    if builder is not None:
        return builder(g, layer, *args, **kwargs)
    if is_graph_model(layer):
        inputs = [v for v in flatten((args, kwargs)) if isinstance(v, Value)]
        return [v.name for v in convert_graph(g, layer, inputs)]
    raise ValueError(f"ONNX export: no mapping for layer {layer.name!r} of class {type(layer).__name__}; "
                     f"mapped layer classes: {', '.join(sorted({c.__name__ for c in LAYERS}))}")


def convert_op(g, name, inputs, params):
    """The ONNX output name(s) of the op ``name`` (a ``tk.ops`` name) on ``inputs``."""
    if name not in OPS:
        raise ValueError(f"ONNX export: no mapping for op {name!r}; mapped ops: {', '.join(sorted(OPS))}")
    return OPS[name](g, *inputs, **params)


# ops computed in one dtype for all their inputs: the node's output dtype, or
# for comparisons the inputs' promoted dtype (Keras's rules, ``ops/specs.py``)
_COMPARISONS = {"equal", "not_equal", "greater", "greater_equal", "less", "less_equal"}
_SAME_DTYPE = _COMPARISONS | {"add", "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum",
                              "mod", "floor_divide", "matmul", "dot", "where", "logical_and", "logical_or"}


def convert_op_call(g, call, args, out_dtype):
    """The ONNX output name(s) of an op node (``x * 2``, ``ops.mean(h, axis=-1)``
    between layers): its op's mapping, with tensors and numbers cast to the
    dtype the op computes in (``ids * 0.5`` is float32, ``ids + 1`` int32, as
    when the op runs)."""
    from ..core.tensor import Tensor
    from ..ops.specs import promote, shape_dtype
    if call.op not in OPS:
        raise ValueError(f"ONNX export: no mapping for op {call.op!r} (op node {call.name!r}); mapped ops: "
                         f"{', '.join(sorted(OPS))}")
    args = [np.asarray(a.numpy()) if isinstance(a, Tensor) else a for a in args]
    if call.op in _SAME_DTYPE:
        first = 1 if call.op == "where" else 0  # the condition stays bool
        dtype = promote(*[shape_dtype(a)[1] for a in args[first:]]) if call.op in _COMPARISONS else out_dtype
        args = args[:first] + [_as_dtype(g, a, dtype) for a in args[first:]]
    return OPS[call.op](g, *args, **call.params)


def _as_dtype(g, x, dtype):
    if not isinstance(x, Value):
        return np.asarray(x, dtype)
    if x.dtype == dtype:
        return x
    to = g.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return Value(g.op("Cast", x, to=to), x.shape, dtype)
