"""Weights by structure: the object paths Keras 3 stores weights under.

A weight's path says where its layer sits, never what the layer is called,
so a freshly built copy of a model (whose automatic names are ``dense_7``
instead of ``dense``) finds every weight.  The walk is Keras 3's
(``keras/src/saving/saving_lib.py``):

* a layer's own variables (trainable, then non-trainable, in creation
  order) are ``<path>/vars/0``, ``<path>/vars/1``...;
* a model's ``layers`` (Sequential: without the InputLayer; functional:
  with them) form a container: each layer is named from its class in snake
  case, numbered by position among its kind (``dense``, ``dense_1``);
* then the layer's attributes, sorted, private ones (``_x``) last: an
  attribute holding a layer adds ``/<attribute>`` (``lstm/cell``,
  ``bidirectional/forward_layer``); a list, tuple or dict of layers is a
  container (nested containers are ``container``, ``container_1``...);
* a layer reached twice (a shared layer) is stored once, under its first
  path; a variable that two layers hold as their own (``SpectralNormalization``'s
  ``kernel`` is its layer's) is stored under both, as Keras does; the
  optimizer's state is ``optimizer/vars/<i>``.

The same paths name the tensors of tinykeras's safetensors files and the
datasets of Keras's ``.weights.h5`` (see :mod:`tinykeras.saving.keras_h5`).

>>> import tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2), tk.layers.Dense(1)])
>>> [path for path, _ in object_paths(model)]
['layers/dense/vars/0', 'layers/dense/vars/1', 'layers/dense_1/vars/0', 'layers/dense_1/vars/1']
"""
from ..serialization import snake_case

OPTIMIZER = "optimizer"


def _skipped():
    """Attributes every layer has (walked by no one): those of a bare Layer,
    and the models' own bookkeeping."""
    global _SKIP
    if _SKIP is None:
        from ..layers.layer import Layer
        _SKIP = frozenset(vars(Layer())) | {"_functional", "_nodes", "_inputs_struct",
                                            "_outputs_struct", "optimizer"}
    return _SKIP


_SKIP = None


def object_groups(model):
    """``[(path, layer, own variables), ...]`` for every layer reachable from
    ``model`` (the model itself first, at path ``""``), in Keras 3's order;
    layers without variables are listed too (Keras writes their group)."""
    from ..layers.layer import Layer
    from ..models import Functional, Model, Sequential
    out, seen = [], set()

    def visit(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        own = layer._trainable_variables + layer._non_trainable_variables  # all, as Keras's save_own_variables
        out.append((path, layer, own))
        graph = isinstance(layer, (Functional, Sequential))
        attributes = {n: v for n, v in vars(layer).items() if n not in _skipped()}
        if isinstance(layer, Model) and not graph:
            attributes["layers"] = layer.layers  # a property Keras walks among the attributes
        children = [("layers", layer.layers)] if graph else []
        children += sorted(attributes.items(), key=lambda item: "~" + item[0] if item[0][0] == "_" else item[0])
        for name, child in children:
            here = f"{path}/{name}" if path else name
            if isinstance(child, Layer):
                visit(child, here)
            elif isinstance(child, (list, tuple, dict)):
                container(child, here, set())

    def container(items, path, done):
        if id(items) in done:
            return
        done.add(id(items))
        used = {}
        for item in (items.values() if isinstance(items, dict) else items):
            if isinstance(item, Layer):
                visit(item, f"{path}/{_unique(snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                container(item, f"{path}/{_unique('container', used)}", done)
    visit(model, "")
    return out


def _unique(name, used):
    """``name``, then ``name_1``, ``name_2``... as Keras numbers objects in a container."""
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def vars_path(path, i):
    """``"<path>/vars/<i>"`` (``"vars/<i>"`` for the root)."""
    return f"{path}/vars/{i}" if path else f"vars/{i}"


def object_paths(model):
    """``[(path, variable), ...]`` for every weight of ``model`` (see the module docstring)."""
    return [(vars_path(path, i), v) for path, _, own in object_groups(model) for i, v in enumerate(own)]


def optimizer_paths(optimizer):
    """``[("optimizer/vars/<i>", variable), ...]`` for the optimizer's state, as Keras."""
    return [(vars_path(OPTIMIZER, i), v) for i, v in enumerate(optimizer.variables)]


def optimizer_groups(optimizer, path=OPTIMIZER, seen=None):
    """``[(group path, optimizer), ...]``: ``optimizer`` at ``path``, then, depth
    first, the optimizers it wraps (``_saved_children``) under
    ``<path>/<attribute>`` (a list's items named from their class, as
    layers in a container), each once: the groups Keras's ``.keras`` files
    hold, whose ``vars`` repeat variables that ``optimizer/vars`` already has.

    >>> import tinykeras as tk
    >>> opt = tk.optimizers.LossScaleOptimizer(tk.optimizers.Adam())
    >>> [p for p, _ in optimizer_groups(opt)]
    ['optimizer', 'optimizer/inner_optimizer']
    """
    seen = set() if seen is None else seen
    if id(optimizer) in seen:
        return []
    seen.add(id(optimizer))
    out = [(path, optimizer)]
    for attr, child in optimizer._saved_children():
        if isinstance(child, list):
            used = {}
            for item in child:
                out += optimizer_groups(item, f"{path}/{attr}/{_unique(snake_case(type(item).__name__), used)}",
                                        seen)
        else:
            out += optimizer_groups(child, f"{path}/{attr}", seen)
    return out


def name_paths(model):
    """Weights by layer name (``dense/kernel``): how format-1 files of
    tinykeras 0.x stored them; read for compatibility only."""
    out, seen = [], set()

    def visit(layer, prefix):
        own = layer._trainable_variables + layer._non_trainable_variables
        names = [v.name for v in own]
        for i, v in enumerate(own):
            if id(v) not in seen:
                seen.add(id(v))
                out.append((prefix + (v.name if names.count(v.name) == 1 else f"{v.name}_{i}"), v))
        for sub in layer._layers:
            visit(sub, f"{prefix}{sub.name}/")
    visit(model, "")
    return out


def name_optimizer_paths(optimizer):
    """The optimizer's state as format-1 files stored it (``optimizer/<i>/<name>``)."""
    return [(f"{OPTIMIZER}/{i}/{v.name}", v) for i, v in enumerate(optimizer.variables)]


def describe(path, variable):
    """``path`` with the variable's layer and name, for messages:
    ``'layers/dense_1/vars/0' (dense_7/kernel)``."""
    label = getattr(variable, "path", None) or getattr(variable, "name", "")
    return f"{path!r} ({label})" if label and label != path else repr(path)
