"""``model.summary()``: collect each layer's row, then draw Keras's table
(the drawing is ``summary_utils.format_summary``).

>>> import tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="out")])
>>> model.summary(line_length=72, print_fn=lambda text: print(text.splitlines()[4]))
│ out (Dense)                   │ (None, 2)             │            8 │
"""
import math

import numpy as np

from .summary_utils import format_summary
from ..tree import flatten


def _graph_nodes(model):
    graph = getattr(model, "_functional", None) or model
    return getattr(graph, "_nodes", None)


def _sequential_like(model, nodes):
    if type(model).__name__ == "Sequential" or nodes is None:
        return True
    seen = set()
    for node in nodes:
        if len(node.input_tensors) > 1 or id(node.layer) in seen:
            return False
        seen.add(id(node.layer))
    by_input = {}
    for node in nodes:
        for t in node.input_tensors:
            by_input[id(t)] = by_input.get(id(t), 0) + 1
    return all(count <= 1 for count in by_input.values()) and len(model.outputs) == 1


def _size(variables):
    """(count, bytes) of a list of variables."""
    count = sum(math.prod(v.shape) for v in variables)
    return count, sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables)


def _rows(model, nodes):
    in_graph = {id(n): n for n in nodes or []}
    layers = getattr(model, "operations", model.layers) if type(model).__name__ != "Sequential" \
        or nodes is None else [n.layer for n in nodes if type(n.layer).__name__ != "InputLayer"]
    rows = []
    for layer in layers:
        mine = [n for n in layer._inbound_nodes if id(n) in in_graph]
        if mine:
            shapes = [tuple(t.shape) for t in _flat(mine[-1].outputs)]
            shape = shapes[0] if len(shapes) == 1 else shapes
        else:
            shape = "?"
        links = []
        for node in mine:
            for t in node.input_tensors:
                src, node_index, tensor_index = t._keras_history
                links.append((src.name, node_index, tensor_index))
        weights = getattr(layer, "weights", [])
        rows.append({"name": layer.name, "class_name": layer.class_name, "output_shape": shape,
                     "params": _size(weights)[0] if layer.built else None, "connected_to": links,
                     "trainable": getattr(layer, "trainable", None) if weights else None})
    return rows


def _flat(structure):
    return flatten(structure)


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print ``model``'s summary (see ``Model.summary``)."""
    nodes = _graph_nodes(model)
    sequential_like = _sequential_like(model, nodes)
    rows = _rows(model, nodes)
    if layer_range is not None:
        names = [r["name"] for r in rows]
        start, end = (names.index(n) for n in layer_range)
        rows = rows[start:end + 1]
    trainable = _size(model.trainable_weights)
    non_trainable = _size(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    opt = _size(optimizer.variables) if optimizer is not None and getattr(optimizer, "built", False) else None
    total = tuple(a + b + (opt[i] if opt else 0) for i, (a, b) in enumerate(zip(trainable, non_trainable)))
    return format_summary(model.name, rows, sequential_like, total, trainable, non_trainable,
                          optimizer=opt, line_length=line_length, positions=positions,
                          print_fn=print_fn, show_trainable=show_trainable)
