"""Layers to Keras-style configs and back, checking everything on the way in.

``serialize_layer(layer)`` gives Keras 3's JSON (see
:mod:`tinykeras.saving.keras_config`)::

    {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
     "config": {"name": "dense", "units": 3, "dtype": {"class_name": "DTypePolicy", ...}, ...},
     "build_config": {"input_shape": [null, 4]}}

``deserialize_layer(config)`` rebuilds the layer.  Before any constructor
runs, the config is checked: class names are looked up only in
:mod:`tinykeras.saving.object_registration` (never imported), names that look like
module paths or code are refused, ``Lambda`` is refused, strings that would
name a file or URL are refused, shapes and integers are bounded.  While
layers build, every Variable is charged to a :class:`~.budget.LoadBudget`
*before* it is allocated, so a ``Dense(10**12)`` fails without using memory.
Any other error a constructor raises becomes a :class:`FileFormatError`.

>>> import tinykeras as tk
>>> config = serialize_layer(tk.layers.Dense(3, name="d"))
>>> config["class_name"], config["config"]["units"]
('Dense', 3)
>>> deserialize_layer(config).units
3
>>> deserialize_layer({"class_name": "Dense", "config": {"units": 10**12}},
...                   build_shape=(None, 4))
Traceback (most recent call last):
...
tinykeras.saving.errors.FileFormatError: layer 'dense...
"""
import contextlib
import contextvars
import inspect
import math
import re

import numpy as np

from . import object_registration
from .budget import LoadBudget, active
from .errors import FileFormatError, UnsafeContentError, excerpt
from ..serialization import KERAS_MODULES
from .keras_config import _module, drop_unused, from_keras, is_operation, to_keras

MAX_PARAMS = 2 ** 28            # parameters a config alone may allocate (no file to bound it)
MAX_DIM = 2 ** 31 - 1           # any dimension
MAX_TENSOR_ELEMENTS = 2 ** 24   # elements of one sample of any input or intermediate tensor
MAX_INT = 2 ** 53               # any integer in a config
MAX_STRING = 2 ** 16            # characters of any string in a config
MAX_DEPTH = 64
MAX_LAYERS = 10_000             # layers (and op nodes) in one model, nested models and wrappers included
MAX_NESTING = 16                # layers inside layers: nested models, wrappers, RNN cells
LAYER_KEYS = {"class_name", "config", "registered_name", "module", "build_config", "name",
              "inbound_nodes", "compile_config"}
DTYPES = {"float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
          "uint16", "uint32", "uint64", "bool", "string"}
SHAPE_KEYS = {"batch_shape", "batch_input_shape", "input_shape", "shape", "build_input_shape"}
SEQUENTIAL_KEYS = {"name", "trainable", "layers", "dtype", "build_input_shape"}
# A string under one of these keys would name something to read at load time
# (Keras's CVE-2025-12058: a vocabulary file path; CVE-2026-1462: a SavedModel).
PATH_KEYS = {"vocabulary", "filepath", "path", "file", "filename", "url", "uri", "saved_model",
             "model_path", "directory", "fname", "origin"}
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


# How many layers the config being loaded has asked for so far, and how deep
# the current one is nested (one count for the whole load, every container).
_STRUCTURE = contextvars.ContextVar("tinykeras_load_structure", default=None)


@contextlib.contextmanager
def structure_scope(config=None, where="the config"):
    """One layer count and nesting depth for everything deserialized inside
    (an outer scope, if one is active, stays in charge); a new scope first
    checks ``config`` with :func:`check_structure`."""
    if _STRUCTURE.get() is not None:
        yield _STRUCTURE.get()
        return
    check_structure(config, where)
    token = _STRUCTURE.set({"layers": 0, "depth": 0, "build_configs": []})
    try:
        yield _STRUCTURE.get()
        _check_build_configs(_STRUCTURE.get()["build_configs"])
    finally:
        _STRUCTURE.reset(token)


def check_structure(config, where):
    """Count the layers (and op nodes) ``config`` holds and how deeply they
    nest, with a linear walk and *before* building any: more than
    :data:`MAX_LAYERS` in all, or deeper than :data:`MAX_NESTING`, is refused.
    A layer is an object with a ``class_name`` and a ``config`` that has a
    ``name``.

    >>> check_structure({"class_name": "Sequential", "config": {"name": "s", "layers": [
    ...     {"class_name": "Identity", "config": {"name": f"i{k}"}} for k in range(MAX_LAYERS)]}}, "m")
    Traceback (most recent call last):
    ...
    tinykeras.saving.errors.FileFormatError: m: more than the limit of 10000 layers per model (nested models, wrapped layers and op nodes included); refused before building any
    """
    count, stack = 0, [(config, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            inner = value.get("config")
            layer = ("op" in value and "inbound_nodes" in value) or (
                isinstance(value.get("class_name"), str) and isinstance(inner, dict) and "name" in inner)
            if layer:
                count += 1
                depth += 1
                if count > MAX_LAYERS:
                    raise FileFormatError(f"{where}: more than the limit of {MAX_LAYERS} layers per model "
                                          "(nested models, wrapped layers and op nodes included); "
                                          "refused before building any")
                if depth > MAX_NESTING:
                    raise FileFormatError(f"{where}: layers nested more than {MAX_NESTING} levels deep "
                                          "(models in models, wrappers, RNN cells); refused before "
                                          "building any")
            stack.extend((v, depth) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth) for v in value)


def count_layers(n, where):
    """Charge ``n`` layers (or op nodes) to the active :func:`structure_scope`
    before they are built; past :data:`MAX_LAYERS` in all, refuse."""
    state = _STRUCTURE.get()
    if state is None:
        if n > MAX_LAYERS:
            raise FileFormatError(f"{where}: {n} layers is more than the limit of {MAX_LAYERS} per model")
        return
    state["layers"] += n
    if state["layers"] > MAX_LAYERS:
        raise FileFormatError(f"{where}: the model has more than {MAX_LAYERS} layers (nested models, "
                              "wrapped layers and op nodes included); refused before building them")


@contextlib.contextmanager
def _nested_layer(where):
    state = _STRUCTURE.get()
    if state["depth"] >= MAX_NESTING:
        raise FileFormatError(f"{where}: layers nested more than {MAX_NESTING} levels deep (models in "
                              "models, wrappers, RNN cells); refused before building them")
    state["depth"] += 1
    try:
        yield
    finally:
        state["depth"] -= 1


# -- writing ---------------------------------------------------------------
def to_json(value, where, depth=0):
    """``value`` with tuples as lists and NumPy scalars/arrays as Python
    values; anything else that JSON cannot hold raises a ValueError naming
    ``where`` (a config must be data, never code)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: the config is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            raise ValueError(f"{where}: {value} cannot be saved (JSON has no NaN or Infinity)")
        return float(value)
    if isinstance(value, np.ndarray):
        return to_json(value.tolist(), where, depth + 1)
    if isinstance(value, (list, tuple)):
        return [to_json(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError(f"{where}: config keys must be strings, got {sorted(map(repr, value))}")
        return {k: to_json(v, f"{where}.{k}", depth + 1) for k, v in value.items()}
    raise ValueError(f"{where} is a {type(value).__name__} ({excerpt(value, 60)}), which a model file "
                     "cannot hold: get_config() must return JSON data (numbers, strings, lists, dicts); "
                     "serialize objects with their module's serialize()")


def serialize_layer(layer):
    """Keras-style config of ``layer`` (models included)."""
    from ..models import Functional, Sequential
    cls = type(layer)
    if cls is object_registration.builtins("layers").get("Lambda"):
        raise ValueError(f"Layer {layer.name!r}: a Lambda layer cannot be saved, its function is "
                         f"Python code; {object_registration.HOW_TO_REGISTER}")
    out = {"class_name": cls.__dict__.get("_export_name", cls.__name__),  # GroupQueryAttention: Keras's

           "config": to_json(layer.get_config(), f"{cls.__name__} {layer.name!r} config"),
           "registered_name": object_registration._NAMES.get(cls, cls.__dict__.get("_registered_name"))}
    build = layer.get_build_config() if hasattr(layer, "get_build_config") else build_config(layer)  # FeatureSpace
    if build is not None and not isinstance(layer, (Functional, Sequential)):
        out["build_config"] = build
    return to_keras(out)


def build_config(layer):
    """Keras's ``build_config`` of a built layer: ``{"input_shape": [...]}``,
    or ``{"shapes_dict": {"query_shape": ..., ...}}`` for several arguments."""
    shape = getattr(layer, "_build_input_shape", None)
    if not layer.built or shape is None:
        return None
    shape = to_json(shape, f"{layer.name!r} build shape")
    if isinstance(shape, dict) and len(shape) == 1:  # as Keras: one argument's shape
        shape = next(iter(shape.values()))
    return {"shapes_dict": {f"{k}_shape": v for k, v in shape.items()}} \
        if isinstance(shape, dict) else {"input_shape": shape}


def _unbatched(value):
    """A build_config with the batch dimension of every shape left open."""
    if isinstance(value, list) and value and all(d is None or _is_int(d) for d in value):
        return [None] + value[1:]
    if isinstance(value, dict):
        return {k: _unbatched(v) for k, v in value.items()}
    return [_unbatched(v) for v in value] if isinstance(value, list) else value


def _check_build_configs(pending):
    """The ``build_config`` of a layer built by its parent (inside a model, a
    wrapper, an RNN) must say what the parent built it for: it is checked,
    never ignored."""
    from ..models import Functional, Sequential
    for layer, given, where in pending:
        if isinstance(layer, (Functional, Sequential)):
            continue  # Keras writes one for models; they rebuild from their inputs
        actual = build_config(layer)  # None: its parent built it directly (Bidirectional)
        if actual is not None and _unbatched(actual) != _unbatched(given):  # adapt() may fix a batch size
            raise FileFormatError(f"{where}: build_config {excerpt(given)} disagrees with the input the "
                                  f"layer is built for in this model ({excerpt(actual)})")


# -- reading ---------------------------------------------------------------
def deserialize_layer(config, custom_objects=None, max_params=None, build_shape=None, budget=None):
    """Rebuild a layer (or model) from ``serialize_layer``'s output.

    ``custom_objects`` maps names to classes the caller trusts;
    ``max_params`` bounds the parameters the config may create (default
    :data:`MAX_PARAMS`), unless ``budget`` (a :class:`LoadBudget`, e.g.
    what a file stores) is given; ``build_shape`` builds an unbuilt layer.
    """
    nested = _NESTED.get()
    config = config if nested else from_keras(config)
    token = _NESTED.set(True)
    try:
        budget = budget or LoadBudget.for_config(MAX_PARAMS if max_params is None else max_params)
        with object_registration.custom_object_scope(custom_objects), structure_scope(config, "the architecture"), \
                active(budget):
            layer = _deserialize(config, custom_objects, "layer", use_build_config=not nested)
            if build_shape is not None and not layer.built:
                _build(layer, build_shape, f"layer {layer.name!r}")
            return layer
    finally:
        _NESTED.reset(token)


# True while a layer is being deserialized: a layer deserialized inside
# another one's from_config (a wrapper's inner layer, an RNN's cell) is built
# by its parent, so its build_config is not used.
_NESTED = contextvars.ContextVar("tinykeras_deserializing", default=False)


def _deserialize(config, custom_objects, where, use_build_config=False):
    with structure_scope():
        count_layers(1, where)
        with _nested_layer(where):
            return _deserialize_checked(config, custom_objects, where, use_build_config)


def _deserialize_checked(config, custom_objects, where, use_build_config):
    from ..layers.layer import Layer
    from ..models import Sequential
    check_object(config, where, LAYER_KEYS)
    check_values({k: v for k, v in config.items() if k != "config"}, where)
    inner = config["config"]
    name = inner.get("name")
    if name is not None:
        where = f"layer {excerpt(name)}"
    if is_operation(config):  # never resolved as the layer of the same name (Multiply, Add...)
        raise FileFormatError(f"{where}: {excerpt(config['class_name'])} is a Keras Operation node "
                              f"(a call of keras.ops, module {excerpt(config['module'])}), which "
                              "belongs in a functional model's 'layers', not here")
    cls = object_registration.resolve(config["class_name"], "layers", config.get("registered_name"),
                           custom_objects, base=Layer)
    if config.get("registered_name") is None and config.get("module") not in (
            None, _module(config["class_name"], None)) and config.get("module") not in KERAS_MODULES:
        raise FileFormatError(f"{where}: module {excerpt(config.get('module'))} is not where Keras keeps "
                              f"{config['class_name']} ({_module(config['class_name'], None)!r})")
    check_values(inner, where, top=True)
    inner = drop_unused(inner)
    try:
        if issubclass(cls, Sequential) and cls.from_config.__func__ is Sequential.from_config.__func__:
            layer = _sequential(cls, inner, custom_objects, where)
        elif "custom_objects" in inspect.signature(cls.from_config).parameters:
            layer = cls.from_config(dict(inner), custom_objects=custom_objects)
        else:
            layer = cls.from_config(dict(inner))
    except FileFormatError:
        raise
    except Exception as exc:  # a hostile config may trip anything in a constructor
        raise FileFormatError(f"{where} ({config['class_name']}) rejected its config: "
                              f"{type(exc).__name__}: {str(exc)[:300]}") from None
    build = config.get("build_config")
    if build == {}:  # Keras writes it for a layer built without shapes (StringLookup, ...)
        build = None
    if build is not None and hasattr(layer, "build_shapes_from_config"):  # FeatureSpace: one per feature
        try:
            shapes = layer.build_shapes_from_config(build)
        except ValueError as exc:
            raise FileFormatError(f"{where}: build_config: {exc}") from None
        if not layer.built:
            _build(layer, shapes, where)
        return layer
    if build is not None and (not isinstance(build, dict) or len(build) != 1 or not (
            "input_shape" in build or isinstance(build.get("shapes_dict"), dict))):
        raise FileFormatError(f"{where}: build_config must be {{'input_shape': ...}} or "
                              "{'shapes_dict': {...}}")
    shape = None if build is None else build.get("input_shape") if "input_shape" in build else \
        {k[:-6] if k.endswith("_shape") else k: v for k, v in build["shapes_dict"].items()}  # Keras: query_shape...
    if shape is not None:  # checked even where the parent builds the layer
        shape = decode_shape(shape, f"{where}: build_config")
        if use_build_config and not layer.built:
            _build(layer, shape, where)
        else:  # and then compared with what the parent built it for
            _STRUCTURE.get()["build_configs"].append((layer, build, where))
    return layer


def sequential_from_config(cls, config, custom_objects=None):
    """``Sequential.from_config``: the checks, limits and budget of
    :func:`deserialize_layer` for the whole model at once."""
    config = config if _NESTED.get() else from_keras(config)
    token = _NESTED.set(True)
    try:
        with object_registration.custom_object_scope(custom_objects), \
                structure_scope(config, "Sequential.from_config"), active(LoadBudget.for_config(MAX_PARAMS)):
            return _sequential(cls, config, custom_objects, "Sequential.from_config")
    finally:
        _NESTED.reset(token)


def _sequential(cls, config, custom_objects, where):
    """Sequential.from_config, but each layer's output shape is checked
    before the next layer runs."""
    from ..layers.core.input_layer import InputLayer
    specs = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(specs, list):
        raise FileFormatError(f"{where}: a Sequential config needs a list of layers")
    if len(specs) > MAX_LAYERS:
        raise FileFormatError(f"{where}: {len(specs)} layers is more than the limit of {MAX_LAYERS} "
                              "per model; refused before building them")
    extra = set(config) - SEQUENTIAL_KEYS
    if extra:
        raise FileFormatError(f"{where}: unexpected keys {sorted(extra)} in a Sequential config "
                              f"(it holds {sorted(SEQUENTIAL_KEYS)})")
    check_values({k: v for k, v in config.items() if k != "layers"}, where, top=True)
    layers = [_deserialize(spec, custom_objects, f"{where} layer {i}") for i, spec in enumerate(specs)]
    if layers and isinstance(layers[0], InputLayer):
        x = layers[0].output
        for layer in layers[1:]:
            x = layer(x)
            check_tensor_shape(x.shape, f"{where}: the output of layer {layer.name!r}")
    model = cls(layers, name=config.get("name"), trainable=config.get("trainable", True))
    shape = config.get("build_input_shape")  # Keras 3 writes it; used when there is no Input
    if shape is not None and not model.built:
        _build(model, shape, where)
    return model


def _build(layer, shape, where):
    shape = decode_shape(shape, where)
    for leaf in _shape_leaves(shape):
        check_tensor_shape(leaf, f"{where}: build shape")
    try:
        layer._maybe_build(shape)
    except FileFormatError:
        raise
    except Exception as exc:
        raise FileFormatError(f"{where}: building it for input shape {shape} failed: "
                              f"{type(exc).__name__}: {str(exc)[:300]}") from None


def decode_shape(value, where):
    """JSON back to shapes: a list of ints/None is a shape tuple; lists of
    those and dicts of those keep their structure."""
    if isinstance(value, (list, tuple)) and all(d is None or _is_int(d) for d in value):
        return tuple(value)
    if isinstance(value, list):
        return [decode_shape(v, where) for v in value]
    if isinstance(value, dict):
        return {k: decode_shape(v, where) for k, v in value.items()}
    raise FileFormatError(f"{where}: {excerpt(value)} is not a shape")


def _shape_leaves(shape):
    if isinstance(shape, tuple):
        return [shape]
    items = shape.values() if isinstance(shape, dict) else shape
    return [leaf for item in items for leaf in _shape_leaves(item)]


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def check_tensor_shape(shape, where):
    """A (batch, ...) shape: at most 8 dims, each None or 0..MAX_DIM, and at
    most MAX_TENSOR_ELEMENTS elements per sample."""
    if not isinstance(shape, (tuple, list)) or len(shape) > 8 or \
            not all(d is None or (_is_int(d) and 0 <= d <= MAX_DIM) for d in shape):
        raise FileFormatError(f"{where}: {excerpt(shape)} is not a shape of at most 8 dimensions "
                              f"between 0 and {MAX_DIM}")
    size = int(np.prod([d for d in shape[1:] if d is not None], dtype=object))
    if size > MAX_TENSOR_ELEMENTS:
        raise FileFormatError(f"{where}: shape {list(shape)} has {size} elements per sample, more than "
                              f"the limit of {MAX_TENSOR_ELEMENTS}")


def check_object(config, where, allowed):
    """A ``{"class_name": str, "config": dict, ...}`` object with only ``allowed`` keys."""
    if not isinstance(config, dict):
        raise FileFormatError(f"{where}: expected an object with 'class_name' and 'config', "
                              f"got {type(config).__name__}")
    extra = set(config) - allowed
    if extra or "class_name" not in config or not isinstance(config.get("config"), dict):
        problem = f"unexpected keys {sorted(extra)}" if extra else "needs 'class_name' and a 'config' object"
        raise FileFormatError(f"{where}: {problem}")
    object_registration.check_name(config["class_name"])
    if config.get("registered_name") is not None:
        object_registration.check_name(config["registered_name"], "registered_name")
    if not isinstance(config.get("module", ""), (str, type(None))):
        raise FileFormatError(f"{where}: 'module' must be a string")


def check_values(value, where, top=False, depth=0):
    """Walk a config: JSON types only, bounded numbers and strings, class
    names checked wherever they appear, no file paths, sane names, dtypes
    and shapes."""
    if depth > MAX_DEPTH:
        raise FileFormatError(f"{where}: nested more than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        if "class_name" in value:
            object_registration.check_name(value["class_name"])
            if value.get("registered_name") is not None:
                object_registration.check_name(value["registered_name"], "registered_name")
        for key, item in value.items():
            if not isinstance(key, str):
                raise FileFormatError(f"{where}: keys must be strings")
            here = f"{where}: config[{key!r}]"
            if key in PATH_KEYS and isinstance(item, str):
                raise UnsafeContentError(f"{here} is a string ({excerpt(item)}); a file path or URL in a "
                                         "model file is never read: store the values themselves")
            if top:
                _check_top_key(key, item, here)
            if key != "inbound_nodes":  # graph_config decodes and checks calls itself
                check_values(item, here, depth=depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_values(item, where, depth=depth + 1)
    elif isinstance(value, str):
        if len(value) > MAX_STRING:
            raise FileFormatError(f"{where}: a string of {len(value)} characters (limit {MAX_STRING})")
    elif _is_int(value):
        if abs(value) > MAX_INT:
            raise FileFormatError(f"{where}: integer {excerpt(value)} is out of range")
    elif not (value is None or isinstance(value, (bool, float))):
        raise FileFormatError(f"{where}: {type(value).__name__} is not a JSON value")


def _check_top_key(key, value, where):
    if key == "name" and (not isinstance(value, str) or not 0 < len(value) <= 256
                          or _BAD_NAME.search(value) or value in (".", "..")):
        raise FileFormatError(f"{where}: a layer name must be 1 to 256 characters without '/', "
                              f"'\\' or control characters, got {excerpt(value)}")
    if key == "dtype" and value is not None and (not isinstance(value, str) or value not in DTYPES):
        raise FileFormatError(f"{where}: dtype {excerpt(value)} is not one of {', '.join(sorted(DTYPES))}")
    if key == "trainable" and not isinstance(value, bool):
        raise FileFormatError(f"{where}: trainable must be true or false")
    if key in SHAPE_KEYS and value is not None:
        shape = [None] + list(value) if key in ("input_shape", "shape") and isinstance(value, list) else value
        check_tensor_shape(shape, where)
