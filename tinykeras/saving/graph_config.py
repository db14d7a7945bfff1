"""Functional models to Keras-style configs (with ``inbound_nodes``) and back.

The config is Keras 3's::

    {"name": "model", "trainable": true,
     "layers": [{"class_name": "InputLayer", "name": "a", "config": {...}, "inbound_nodes": []},
                {"class_name": "Dense", "name": "dense", "config": {...},
                 "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                              "config": {"shape": [null, 3], "dtype": "float32",
                                                         "keras_history": ["a", 0, 0]}}],
                                    "kwargs": {}}]}],
     "input_layers": [["a", 0, 0]], "output_layers": [["dense", 0, 0]]}

``keras_history`` is ``[layer name, node index, tensor index]``, node
indices counting only the calls that belong to this model.  A call of a
``tk.ops`` function on symbolic tensors (``x * 2``, ``ops.mean(x, axis=-1)``)
is Keras's ``Operation`` entry (:mod:`tinykeras.saving.keras_ops`); an op
Keras has no class for is ``{"op": "mish", "name": "mish", "params": {...},
"inbound_nodes": [...]}``: the op's name (one of ``tk.ops``'s functions that
take symbolic tensors) and its keyword parameters, never code.  In node
arguments, besides tensors, a slice is ``{"class_name": "__slice__",
"config": {"start":..., "stop":..., "step":...}}``, ``...`` is
``{"class_name": "__ellipsis__", "config": {}}`` and a constant array is
``{"class_name": "__tensor__", "config": {"value": [...], "dtype": ...}}``
(as Keras writes them).  Loading
replays the calls in dependency order (each call runs once every tensor it
needs exists, so shared layers and any listing order work, in linear time),
checking each output's shape before the next layer runs.

>>> import tinykeras as tk
>>> a, b = tk.Input((3,), name="a"), tk.Input((2,), name="b")
>>> out = tk.layers.Dense(1, name="out")(tk.layers.Concatenate(name="cat")([a, b]))
>>> config = functional_config(tk.Model([a, b], out))
>>> config["input_layers"], config["output_layers"]
([['a', 0, 0], ['b', 0, 0]], [['out', 0, 0]])
>>> functional_from_config(tk.Model, config).input_names
['a', 'b']
"""
import inspect

import numpy as np

from ..core.tensor import Tensor
from ..layers.core.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.operation import OpCall
from ..layers.symbolic import KerasTensor
from ..tree import flatten
from ..ops import specs
from . import keras_ops, layer_config, object_registration
from .errors import FileFormatError, excerpt
from .keras_config import from_keras, is_operation

MAX_LAYERS = layer_config.MAX_LAYERS
MAX_NODES = 50_000
TENSOR = "__keras_tensor__"
SLICE, ELLIPSIS, CONSTANT = "__slice__", "__ellipsis__", "__tensor__"
NUMPY = "__numpy__"  # Keras's form of a NumPy constant, read as a __tensor__
OP_KEYS = {"op", "name", "params", "inbound_nodes"}
_KEYS = {"name", "trainable", "layers", "input_layers", "output_layers"}


def functional_config(model):
    """Keras-style config of a functional ``model`` (see the module docstring)."""
    nodes = model._nodes
    in_model = {id(node) for node in nodes}
    layers = []
    for node in nodes:
        if all(node.layer is not layer for layer in layers):
            layers.append(node.layer)
    names = [layer.name for layer in layers]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"Model {model.name!r}: layer names must be unique to save the model; "
                         f"{dupes} appear more than once")
    index = {}
    for layer in layers:
        mine = [node for node in layer._inbound_nodes if id(node) in in_model]
        index.update({id(node): k for k, node in enumerate(mine)})

    def ref(tensor):
        layer, node_index, tensor_index = tensor._keras_history
        return [layer.name, index[id(layer._inbound_nodes[node_index])], tensor_index]

    def encode(value, where):
        if isinstance(value, KerasTensor):
            return {"class_name": TENSOR, "config": {"shape": list(value.shape), "dtype": value.dtype,
                                                     "keras_history": ref(value)}}
        if isinstance(value, (list, tuple)):
            return [encode(v, where) for v in value]
        if isinstance(value, dict):
            return {k: encode(v, where) for k, v in value.items()}
        if isinstance(value, slice):
            return {"class_name": SLICE, "config": layer_config.to_json(
                {"start": value.start, "stop": value.stop, "step": value.step}, where)}
        if value is Ellipsis:
            return {"class_name": ELLIPSIS, "config": {}}
        if isinstance(value, (Tensor, np.ndarray)):
            array = np.asarray(value)
            return {"class_name": CONSTANT, "config": {"value": layer_config.to_json(array, where),
                                                       "dtype": array.dtype.name}}
        return layer_config.to_json(value, where)

    entries = []
    for layer in layers:
        mine = [node for node in layer._inbound_nodes if id(node) in in_model]
        entry, args = _serialize_op(layer, [node.args for node in mine]) if not isinstance(layer, Layer) \
            else (layer_config.serialize_layer(layer), [list(node.args) for node in mine])
        entry["name"] = layer.name
        entry["inbound_nodes"] = [] if isinstance(layer, InputLayer) else [
            {"args": encode(a, f"a call of {layer.name!r}"), "kwargs": encode(node.kwargs, f"a call of {layer.name!r}")}
            for node, a in zip(mine, args)]
        entries.append(entry)

    def structure(value):
        if isinstance(value, KerasTensor):
            return [ref(value)]
        if isinstance(value, dict):
            return {k: ref(v) for k, v in value.items()}
        return [ref(t) for t in flatten(value)]
    return {"name": model.name, "trainable": model.trainable, "layers": entries,
            "input_layers": structure(model._inputs_struct),
            "output_layers": structure(model._outputs_struct)}


def _serialize_op(op, calls):
    """Keras's ``Operation`` entry of an op node, and the arguments of each of its ``calls``."""
    if not isinstance(op, OpCall):
        raise ValueError(f"Operation {op.name!r} ({type(op).__name__}) cannot be saved: a model file "
                         "holds layers and calls of tk.ops functions only")
    return keras_ops.to_keras_entry(op, calls)


def _deserialize_op(spec, where):
    """An OpCall from ``{"op", "name", "params"}``, checked before anything is built."""
    from ..ops.namespaces import op_function
    extra = set(spec) - OP_KEYS
    op, params = spec.get("op"), spec.get("params", {})
    if extra or not isinstance(op, str) or not isinstance(params, dict):
        raise FileFormatError(f"{where}: an op entry is {{'op': name, 'name':..., 'params': {{...}}, "
                              f"'inbound_nodes': [...]}}, got keys {sorted(map(str, spec))}")
    if op not in specs.SPECS:
        raise FileFormatError(f"{where}: unknown op {excerpt(op)}; a graph node names one of tk.ops's "
                              "functions that take symbolic tensors")
    layer_config._check_top_key("name", spec.get("name"), where)
    layer_config.check_values(params, where)
    accepted = list(inspect.signature(op_function(op)).parameters)[specs.SPECS[op][0]:]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise FileFormatError(f"{where}: op {op!r} has no parameter(s) {unknown}; it takes {accepted}")
    return OpCall(op, params, spec["name"])


def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model of class ``cls`` from ``functional_config``'s output."""
    config = config if layer_config._NESTED.get() else from_keras(config)
    where = f"model {excerpt(config.get('name')) if isinstance(config, dict) else ''}".rstrip()
    if not isinstance(config, dict) or not {"layers", "input_layers", "output_layers"} <= set(config) \
            or set(config) - _KEYS:
        raise FileFormatError(f"{where}: a functional config needs exactly the keys {sorted(_KEYS)}")
    specs = config["layers"]
    if not isinstance(specs, list) or not 0 < len(specs) <= MAX_LAYERS:
        raise FileFormatError(f"{where}: 'layers' must be a list of 1 to {MAX_LAYERS} layers")
    with layer_config.structure_scope(config, where):
        return _functional(cls, config, specs, custom_objects, where)


def _functional(cls, config, specs, custom_objects, where):
    layers, calls = {}, []
    for i, spec in enumerate(specs):
        nodes = spec.get("inbound_nodes", []) if isinstance(spec, dict) else []
        if not isinstance(nodes, list):
            raise FileFormatError(f"{where}: layer {i}: inbound_nodes must be a list")
        decoded = [_decode_node(node, f"{where}: call {k} of layer {i} ({excerpt(spec.get('name'))})")
                   for k, node in enumerate(nodes)]
        if isinstance(spec, dict) and "op" in spec:
            layer_config.count_layers(1, f"{where} op {i}")
            layer = _deserialize_op(spec, f"{where} op {i}")
        elif isinstance(spec, dict) and is_operation(spec):  # a call of keras.ops, in Keras's form
            layer, decoded = keras_ops.from_keras_entry(spec, decoded, f"{where} layer {i}")
        else:
            layer = layer_config._deserialize(spec, custom_objects, f"{where} layer {i}")
        if layer.name in layers or spec.get("name", layer.name) != layer.name:
            raise FileFormatError(f"{where}: layer {i} is named {excerpt(spec.get('name'))} / "
                                  f"{layer.name!r}; names must match and be unique")
        layers[layer.name] = layer
        if isinstance(layer, InputLayer) and nodes:
            raise FileFormatError(f"{where}: layer {layer.name!r}: an InputLayer has no inbound_nodes")
        calls.extend((layer, k) + node for k, node in enumerate(decoded))
    if len(calls) > MAX_NODES:
        raise FileFormatError(f"{where}: {len(calls)} layer calls is more than the limit of {MAX_NODES}")
    tensors = {(name, 0, 0): layer.output for name, layer in layers.items() if isinstance(layer, InputLayer)}
    _replay(calls, layers, tensors, where)
    inputs = _structure(config["input_layers"], tensors, f"{where}: input_layers")
    outputs = _structure(config["output_layers"], tensors, f"{where}: output_layers")
    trainable = config.get("trainable", True)
    if not isinstance(trainable, bool):
        raise FileFormatError(f"{where}: trainable must be true or false")
    try:
        return cls(inputs, outputs, name=config.get("name"), trainable=trainable)
    except Exception as exc:
        raise FileFormatError(f"{where}: the graph does not form a model: {type(exc).__name__}: "
                              f"{str(exc)[:300]}") from None


def _replay(calls, layers, tensors, where):
    """Run each call once everything it needs exists.  A call waits on one
    missing key at a time (the layer's previous call, or a tensor) and is
    retried only when that key appears, so the work is linear."""
    done, waiting = set(), {}
    stack = list(reversed(calls))
    while stack:
        call = stack.pop()
        layer, k, args, kwargs, refs = call
        need = ("node", layer.name, k - 1) if k and ("node", layer.name, k - 1) not in done else None
        need = need or next((("tensor",) + r for r in refs if r not in tensors), None)
        if need is not None:
            waiting.setdefault(need, []).append(call)
            continue
        try:
            outputs = layer(*[_fill(a, tensors) for a in args], **_fill(kwargs, tensors))
        except FileFormatError:
            raise
        except Exception as exc:
            raise FileFormatError(f"{where}: calling layer {layer.name!r} failed: "
                                  f"{type(exc).__name__}: {str(exc)[:300]}") from None
        done.add(("node", layer.name, k))
        stack.extend(waiting.pop(("node", layer.name, k), []))
        for i, out in enumerate(flatten(outputs)):
            if not isinstance(out, KerasTensor):
                raise FileFormatError(f"{where}: layer {layer.name!r} did not return symbolic tensors")
            layer_config.check_tensor_shape(out.shape, f"{where}: output {i} of layer {layer.name!r}")
            tensors[(layer.name, k, i)] = out
            stack.extend(waiting.pop(("tensor", layer.name, k, i), []))
    if waiting:
        key = sorted(waiting, key=str)[0]
        what = f"call {key[2]} of layer {key[1]!r}" if key[0] == "node" else \
            f"tensor {list(key[1:])}"
        raise FileFormatError(f"{where}: {sum(map(len, waiting.values()))} layer call(s) need {what}, "
                              "which no layer produces (unknown layer, bad index, or a cycle)")


def _decode_node(node, where):
    if not isinstance(node, dict) or set(node) != {"args", "kwargs"} or \
            not isinstance(node["args"], list) or not isinstance(node["kwargs"], dict):
        raise FileFormatError(f"{where}: a node must be {{'args': [...], 'kwargs': {{...}}}}")
    refs = []
    args = _decode(node["args"], refs, where, 0)
    kwargs = _decode(node["kwargs"], refs, where, 0)
    if not all(isinstance(k, str) and k.isidentifier() for k in kwargs):
        raise FileFormatError(f"{where}: keyword argument names must be identifiers")
    return args, kwargs, refs


class _Ref(tuple):
    """A placeholder for the tensor ``(layer name, node, index)`` in decoded arguments."""


def _decode(value, refs, where, depth):
    if depth > layer_config.MAX_DEPTH:
        raise FileFormatError(f"{where}: arguments nested too deeply")
    if isinstance(value, dict) and value.get("class_name") == TENSOR:
        config = value.get("config")
        if set(value) != {"class_name", "config"} or not isinstance(config, dict) or \
                set(config) != {"shape", "dtype", "keras_history"}:
            raise FileFormatError(f"{where}: a tensor reference is {{'class_name': '{TENSOR}', 'config': "
                                  "{'shape', 'dtype', 'keras_history'}}, got " + excerpt(value))
        refs.append(_history(config["keras_history"], where))
        ref = _Ref(refs[-1])
        ref.declared = (config["shape"], config["dtype"], where)
        return ref
    if isinstance(value, dict) and value.get("class_name") in (SLICE, ELLIPSIS, CONSTANT, NUMPY):
        return _decode_value(value, where)
    if isinstance(value, dict):
        if "class_name" in value:
            object_registration.check_name(value["class_name"])
        if not all(isinstance(k, str) for k in value):
            raise FileFormatError(f"{where}: keys must be strings")
        return {k: _decode(v, refs, where, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v, refs, where, depth + 1) for v in value]
    layer_config.check_values(value, where)
    return value


def _decode_value(value, where):
    """A slice, ``...`` or constant array from its ``{"class_name", "config"}`` form."""
    config = value.get("config")
    if set(value) != {"class_name", "config"} or not isinstance(config, dict):
        raise FileFormatError(f"{where}: {value['class_name']} needs exactly 'class_name' and 'config'")
    layer_config.check_values(config, where)
    if value["class_name"] == ELLIPSIS:
        return Ellipsis
    if value["class_name"] == SLICE:
        if set(config) != {"start", "stop", "step"} or \
                not all(v is None or layer_config._is_int(v) for v in config.values()):
            raise FileFormatError(f"{where}: a slice has integer or null start, stop and step")
        return slice(config["start"], config["stop"], config["step"])
    if set(config) != {"value", "dtype"} or config["dtype"] not in layer_config.DTYPES:
        raise FileFormatError(f"{where}: a constant needs 'value' and a 'dtype' among "
                              f"{sorted(layer_config.DTYPES)}")
    try:
        array = np.asarray(config["value"], dtype=config["dtype"])
    except (ValueError, TypeError, OverflowError) as exc:
        raise FileFormatError(f"{where}: bad constant: {exc}") from None
    layer_config.check_tensor_shape((None,) + array.shape, where)
    return Tensor(array)


def _history(value, where):
    if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and all(layer_config._is_int(v) and 0 <= v <= MAX_NODES for v in value[1:])):
        raise FileFormatError(f"{where}: keras_history must be [layer name, node index, tensor "
                              f"index], got {excerpt(value)}")
    return tuple(value)


def _fill(value, tensors):
    if isinstance(value, _Ref):
        tensor = tensors[tuple(value)]
        shape, dtype, where = value.declared
        if shape != list(tensor.shape) or dtype != tensor.dtype:  # what the file says must be so
            raise FileFormatError(f"{where}: the tensor {list(value)} is declared with shape {excerpt(shape)} "
                                  f"and dtype {excerpt(dtype)}, but the graph makes shape "
                                  f"{list(tensor.shape)} and dtype {tensor.dtype!r}")
        return tensor
    if isinstance(value, dict):
        return {k: _fill(v, tensors) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tensors) for v in value]
    return value


def _structure(value, tensors, where):
    def get(ref):
        key = _history(ref, where)
        if key not in tensors:
            raise FileFormatError(f"{where}: no tensor {list(key)} in the graph")
        return tensors[key]
    if isinstance(value, dict) and value:
        return {k: get(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], str):
        return get(value)
    if isinstance(value, list) and value:
        out = [get(v) for v in value]
        return out[0] if len(out) == 1 else out
    raise FileFormatError(f"{where}: expected [layer, node, index] triples, got {excerpt(value)}")
