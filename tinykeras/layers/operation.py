"""``keras.Operation``: anything that can be a node of a functional graph.

A :class:`~tinykeras.layers.Layer` is an Operation with weights.  A
``tk.ops`` function or a Python operator given a symbolic tensor records an
:class:`OpCall`: an Operation naming the op and its parameters (data, never
code), so a functional model replays it and saves it as
``{"op": name, "params": {...}}`` (docs/file-format.md).  Its output shape
comes from the op's spec (``tinykeras/ops/specs.py``): nothing runs.

>>> import tinykeras as tk
>>> x = tk.Input((4,))
>>> y = tk.ops.mean(x * 2 + x, axis=-1, keepdims=True)
>>> y.shape, y._keras_history[0].class_name
((None, 1), 'Mean')
>>> model = tk.Model(x, y)
>>> model.predict(tk.ops.ones((1, 4)), verbose=0).tolist()
[[3.0]]
"""
import contextlib
import inspect

from ..core import registry
from ..core.tensor import Symbolic, Tensor
from ..global_state import auto_name, uniquify
from ..ops.namespaces import op_function
from ..ops.specs import SPECS
from .symbolic import KerasTensor, Node, any_symbolic
from ..tree import flatten, map_structure

_TRACING = [0]  # > 0 while layers are traced for their output shapes (no nodes recorded)


class Operation:
    """A callable graph node: ``call`` on real tensors, ``compute_output_spec``
    on symbolic ones (by default: ``call`` traced with symbolic tensors).

    >>> import tinykeras as tk
    >>> class Double(Operation):
    ...     def call(self, x):
    ...         return x * 2
    >>> Double()(tk.Input((3,))).shape
    (None, 3)
    """

    built = True

    def __init__(self, name=None):
        self.name = name or auto_name(type(self).__name__)
        self._inbound_nodes = []

    @property
    def class_name(self):
        """The type shown by ``summary()``."""
        return type(self).__name__

    def __call__(self, *args, **kwargs):
        if any_symbolic((args, kwargs)):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """Symbolic outputs, and (outside tracing) a node of the graph."""
        outputs = self.compute_output_spec(*args, **kwargs)
        if not _TRACING[0]:
            Node(self, args, kwargs, outputs)
        return outputs

    @property
    def input(self):
        """The input tensor(s) of the first call on symbolic tensors (Keras 3).

        >>> import tinykeras as tk
        >>> x = tk.Input((3,))
        >>> dense = tk.layers.Dense(2)
        >>> dense(x).shape == dense.output.shape and dense.input is x
        True
        """
        return self._first_node("input_tensors", "input")

    @property
    def output(self):
        """The output tensor(s) of the first call on symbolic tensors (Keras 3)."""
        return self._first_node("outputs", "output")

    def _first_node(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {what}.")
        values = flatten(getattr(self._inbound_nodes[0], attr))
        return values[0] if len(values) == 1 else values

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Operation {type(self).__name__} does not implement call()")

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic outputs for symbolic inputs: ``call`` traced on them."""
        with tracing():
            return self.call(*args, **kwargs)

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.class_name} name={self.name}>"


@contextlib.contextmanager
def tracing():
    """Inside, ops on symbolic tensors give symbolic results and record no
    node: how a layer's output shape is found without running it on data."""
    _TRACING[0] += 1
    try:
        yield
    finally:
        _TRACING[0] -= 1


@contextlib.contextmanager
def recording():
    """Inside, nodes are recorded even while a layer is traced: how a model
    builds its own graph when first called inside a traced ``call`` (a
    ``Sequential`` block of a custom layer, as in keras.io's Transformer)."""
    saved, _TRACING[0] = _TRACING[0], 0
    try:
        yield
    finally:
        _TRACING[0] = saved


_KERAS_CLASS = {"extract_patches_3d": "extract_patches"}  # ops Keras records as another op's class


def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


class OpCall(Operation):
    """One call of the ``tk.ops`` function ``op`` with keyword ``params``;
    the node's arguments are its tensor inputs (and constants in their place)."""

    def __init__(self, op, params=None, name=None):
        if op not in SPECS:
            raise ValueError(f"unknown op {op!r}: a graph node names one of tk.ops's functions "
                             f"({', '.join(sorted(SPECS))})")
        self.op, self.params = op, dict(params or {})
        super().__init__(name or uniquify(_KERAS_CLASS.get(op, op)))

    @property
    def class_name(self):
        return _camel(_KERAS_CLASS.get(self.op, self.op))

    def call(self, *args):
        return op_function(self.op)(*args, **self.params)

    def compute_output_spec(self, *args):
        return _spec(self.op, args, self.params)

    def get_config(self):
        return {"name": self.name, "op": self.op, "params": dict(self.params)}

    @classmethod
    def from_config(cls, config):
        return cls(config["op"], config.get("params"), config.get("name"))


class JVP(Operation):
    """``ops.jvp`` given symbolic tensors (Keras 3's ``JVP``): a node that holds
    ``fun``; its outputs are ``fun`` traced on the symbolic primals, and
    tangents of the same shapes and dtypes (with ``has_aux``, ``fun``'s
    ``aux`` too).  A model with one runs, but cannot be saved (``fun`` is code).

    >>> import tinykeras as tk
    >>> x = tk.Input((3,))
    >>> y, t = tk.ops.jvp(tk.ops.sin, (x,), (tk.ops.ones_like(x),))
    >>> t.shape, t._keras_history[0].class_name
    ((None, 3), 'JVP')
    >>> tk.Model(x, t).predict(tk.ops.zeros((1, 3)), verbose=0).tolist()
    [[1.0, 1.0, 1.0]]
    """

    def __init__(self, has_aux=False, name=None):
        super().__init__(name)
        self.has_aux = has_aux

    def call(self, fun, primals, tangents):
        return op_function("jvp")(fun, primals, tangents, has_aux=self.has_aux)

    def compute_output_spec(self, fun, primals, tangents):
        with tracing():
            out = fun(*primals)
        out, aux = out if self.has_aux else (out, None)
        tangents_out = map_structure(lambda t: KerasTensor(t.shape, t.dtype), out)
        return (out, tangents_out, aux) if self.has_aux else (out, tangents_out)

    def get_config(self):
        return {"name": self.name, "has_aux": self.has_aux}


def _spec(op, inputs, params, spec_fn=None):
    """Symbolic outputs of ``op`` from its spec (no data)."""
    spec = (spec_fn or SPECS[op][1])(*inputs, **params)
    if isinstance(spec, list):
        return [KerasTensor(shape, dtype) for shape, dtype in spec]
    return KerasTensor(*spec)


_DEFAULTS = {}
_VARARGS = {}  # op name -> its ``*args`` parameter (a list of 0 or 1 name)


def record(name, arguments):
    """What a ``tk.ops`` function does with a symbolic argument (installed as
    ``Symbolic.record``; ``arguments`` is the function's ``locals()``): split
    the call into tensor inputs and parameters, then call an :class:`OpCall`
    on the inputs.  Arguments left at their default are left out."""
    if name == "shape":  # as Keras: the static shape, None for unknown sizes
        return tuple(arguments["x"].shape)
    if name == "jvp":  # a function among the arguments: its own Operation, as Keras's
        return JVP(arguments["has_aux"])(arguments["fun"], arguments["primals"], arguments["tangents"])
    if name not in SPECS:
        raise TypeError(f"ops.{name} does not accept symbolic tensors (from keras.Input); use it "
                        "inside a layer's call(), or in a model built by subclassing")
    defaults = _DEFAULTS.get(name)
    if defaults is None:
        params = inspect.signature(op_function(name)).parameters.values()
        defaults = _DEFAULTS[name] = {p.name: p.default for p in params}
        _VARARGS[name] = [p.name for p in params if p.kind is p.VAR_POSITIONAL]
    arguments = {p: arguments[p] for p in defaults}  # (a factory-made op's locals() hold more)
    names = list(arguments)[:SPECS[name][0]]
    while names and arguments[names[-1]] is defaults.get(names[-1]):  # optional inputs not given
        names.pop()
    inputs = []
    for p in names:  # ``*operands`` (einsum's) are inputs one by one
        inputs.extend(arguments[p]) if p in _VARARGS[name] else inputs.append(arguments[p])
    params = {p: v for p, v in arguments.items()
              if p not in names and v is not defaults.get(p, inspect.Parameter.empty)}
    for p, v in params.items():
        if any_symbolic(v):
            raise TypeError(f"ops.{name}: argument {p!r} cannot be a symbolic tensor (only "
                            f"{', '.join(names)} can)")
    if name == "convert_to_tensor" and params.get("dtype") is None:
        return inputs[0]
    if _TRACING[0]:
        return _spec(name, inputs, params)
    # a Tensor among the inputs is a constant of the graph (as in Keras): its value, not its history
    inputs = map_structure(lambda a: a.detach() if isinstance(a, Tensor) else a, inputs)
    return OpCall(name, params)(*inputs)


def _registered_op(op, inputs, params):
    """A registered op run by ``apply`` (a plugin's own function) on symbolic
    tensors, while a layer's ``call`` is traced for its output shape: the
    output from the op's ``spec``, else from its composite traced on the
    same symbolic tensors (as Keras traces ``call``); nothing runs on data."""
    opdef = registry.OPS.get(op)
    if opdef is None:
        raise ValueError(f"unknown op {op!r}; known ops: {', '.join(sorted(registry.OPS))}")
    where = f"op {op!r} (plugin {opdef.plugin!r})"
    if not _TRACING[0]:
        raise TypeError(f"{where} got a symbolic tensor (from keras.Input) outside a layer: only tk.ops's "
                        "functions add nodes to a functional graph; call it inside a Layer's call()")
    if opdef.spec is not None:
        return _spec(op, inputs, params, opdef.spec)
    if opdef.composite is not None:
        return opdef.composite(*inputs, **params)
    raise TypeError(f"{where} has neither a spec nor a composite, so its output on symbolic tensors is "
                    "unknown: give its OpDef spec=(inputs -> (shape, dtype)), or give the layer that "
                    "calls it compute_output_shape()")


Symbolic.record = staticmethod(record)
Symbolic.record_apply = staticmethod(_registered_op)
