"""``plot_model``: a model's graph as Graphviz DOT text, or a picture.

The DOT text is written by tinykeras itself; turning it into a PNG or SVG
needs Graphviz's ``dot`` program (``apt-get install graphviz``), and a clear
error says so when it is missing.

>>> import tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="out")])
>>> print(model_to_dot(model, show_shapes=True).splitlines()[4])
  "out" [label="out (Dense)\\n(None, 3) -> (None, 2)"];
"""
import os
import shutil
import subprocess
from ..tree import flatten


def _graph(model):
    """(layers, edges): every layer of the graph and (source, target) name pairs."""
    graph = getattr(model, "_functional", None) or model
    nodes = getattr(graph, "_nodes", None)
    if nodes is None:  # a subclassed model: its layers, in order, as a chain
        layers = model.layers
        return layers, list(zip([l.name for l in layers], [l.name for l in layers][1:])), {}
    layers, edges, shapes = [], [], {}
    for node in nodes:
        if all(node.layer is not l for l in layers):
            layers.append(node.layer)
        for t in node.input_tensors:
            edges.append((t._keras_history[0].name, node.layer.name))
        shapes[node.layer.name] = ([t.shape for t in node.input_tensors], _shapes(node.outputs))
    return layers, edges, shapes


def _shapes(outputs):
    return [t.shape for t in flatten(outputs)]


def _shape_text(shapes):
    text = ", ".join(str(tuple(s)) for s in shapes)
    return text or "?"


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """The model's graph as DOT text (Keras's ``model_to_dot`` arguments)."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    layers, edges, shapes = _graph(model)
    lines = [f'digraph "{model.name}" {{', f'  graph [rankdir={rankdir}, dpi={int(dpi)}];',
             "  node [shape=box];"]
    for layer in layers:
        label = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
        if show_layer_activations and getattr(layer, "activation", None) is not None:
            label += f"\\nactivation: {getattr(layer.activation, '__name__', layer.activation)}"
        if show_shapes and layer.name in shapes:
            inputs, outputs = shapes[layer.name]
            label += f"\\n{_shape_text(inputs)} -> {_shape_text(outputs)}" if inputs else \
                f"\\n{_shape_text(outputs)}"
        if show_dtype:
            label += f"\\ndtype: {layer.dtype}"
        if show_trainable:
            label += f"\\ntrainable: {layer.trainable}"
        lines.append(f'  "{layer.name}" [label="{label}"];')
    lines.extend(f'  "{a}" -> "{b}";' for a, b in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Write the model's graph to ``to_file``: ``.dot`` (text, always works),
    or ``.png``/``.svg``/``.pdf`` through Graphviz's ``dot`` program."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir, dpi=dpi,
                       show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    extension = os.path.splitext(to_file)[1].lower().lstrip(".") or "png"
    if extension in ("dot", "gv"):
        with open(to_file, "w", encoding="utf-8") as f:
            f.write(dot)
        return to_file
    if extension not in ("png", "svg", "pdf", "jpg", "jpeg"):
        raise ValueError(f"plot_model: cannot write {to_file!r}; use .dot, .png, .svg, .pdf or .jpg")
    program = shutil.which("dot")
    if program is None:
        raise ImportError(f"plot_model: writing {to_file!r} needs Graphviz's `dot` program "
                          "(e.g. `apt-get install graphviz`); save to a .dot file to get the graph "
                          "as text without it")
    subprocess.run([program, f"-T{'jpg' if extension == 'jpeg' else extension}", "-o", to_file],
                   input=dot.encode(), check=True)
    return to_file
