"""Deployment: ``model.export("m.onnx", format="onnx")`` writes an ONNX graph
that ONNX Runtime (or any ONNX engine) runs without tinykeras.

The graph is built directly with ``onnx.helper`` from the model's layer
graph, each layer read through its config and weights (``graph.py`` has the
two tables, ``LAYERS`` and ``OPS``, that the per-family files fill).  The
batch dimension is dynamic; the opset is ``OPSET`` unless
``opset_version`` says otherwise.  Needs the ``onnx`` extra
(``pip install 'tinykeras[onnx]'``).

>>> import os, tempfile, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, activation="softmax")])
>>> path = os.path.join(tempfile.mkdtemp(), "m.onnx")
>>> model.export(path, format="onnx", verbose=False)
>>> proto = to_onnx(model)
>>> [n.op_type for n in proto.graph.node], proto.opset_import[0].version
(['MatMul', 'Add', 'Softmax', 'Identity'], 18)
"""
import numpy as np

from . import attention, core_layers, ops_arrays, ops_nn, ops_table, recurrent, spatial  # noqa: F401  (fill the tables)
from .graph import LAYERS, OPS, OPSET, GraphBuilder, Value, _graph_of, _onnx, convert_graph
from ..tree import flatten

__all__ = ["export", "export_onnx", "to_onnx", "LAYERS", "OPS", "OPSET"]

_KERAS_FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")


def _signature(model, input_signature):
    """(name, shape, dtype) of each model input; ``input_signature`` (specs
    with ``shape``/``dtype``) may fix dimensions the model leaves unknown."""
    inputs = model.inputs
    if input_signature is None:
        return [(t.name, t.shape, t.dtype) for t in inputs]
    specs = flatten(input_signature)
    if len(specs) != len(inputs):
        raise ValueError(f"export: input_signature has {len(specs)} spec(s), the model has {len(inputs)} "
                         f"input(s) {[t.name for t in inputs]}")
    out = []
    for t, spec in zip(inputs, specs):
        shape = tuple(None if d is None else int(d) for d in spec.shape)
        if len(shape) != len(t.shape) or any(a is not None and b is not None and a != b
                                             for a, b in zip(shape, t.shape)):
            raise ValueError(f"export: input_signature shape {shape} does not fit input {t.name!r} of "
                             f"shape {t.shape}")
        out.append((t.name, shape, str(getattr(spec, "dtype", None) or t.dtype)))
    return out


def to_onnx(model, opset_version=None, input_signature=None):
    """The ``onnx.ModelProto`` of a Sequential or functional ``model`` (checked by ``onnx.checker``)."""
    onnx = _onnx()
    opset = OPSET if opset_version is None else int(opset_version)
    if not OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"export: opset_version must be between {OPSET} and "
                         f"{onnx.defs.onnx_opset_version()} (the newest this onnx knows), got {opset}")
    if not model.built:
        raise ValueError(f"export: model {model.name!r} has never been built or called; call it on data "
                         "or give it an Input first")
    _graph_of(model)                       # a clear error for models without a layer graph
    g, h = GraphBuilder(opset), onnx.helper
    signature = _signature(model, input_signature)

    def info(name, shape, dtype):
        dims = ["batch" if i == 0 and d is None else (f"{name}_dim{i}" if d is None else d)
                for i, d in enumerate(shape)]
        return h.make_tensor_value_info(name, h.np_dtype_to_tensor_dtype(np.dtype(dtype)), dims)

    inputs = [Value(g.fresh(name), shape, dtype) for name, shape, dtype in signature]
    outputs = convert_graph(g, model, inputs)
    names = [g.fresh(name) for name in model.output_names]
    for value, name in zip(outputs, names):
        g.nodes.append(h.make_node("Identity", [value.name], [name], name=g.fresh("node_output")))
    graph = h.make_graph(g.nodes, model.name, [info(v.name, v.shape, v.dtype) for v in inputs],
                         [info(n, v.shape, v.dtype) for n, v in zip(names, outputs)], g.initializers)
    from .. import __version__
    proto = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="tinykeras",
                         producer_version=__version__)
    onnx.checker.check_model(proto)
    return proto


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None, **kwargs):
    """Write ``model`` to ``filepath`` as ONNX (``Model.export(..., format="onnx")``)."""
    if kwargs:
        raise TypeError(f"export(format='onnx') got unexpected keyword arguments {sorted(kwargs)}")
    proto = to_onnx(model, opset_version=opset_version, input_signature=input_signature)
    with open(filepath, "wb") as f:
        f.write(proto.SerializeToString())
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")


def export(model, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
    """``Model.export``: Keras 3's signature; tinykeras writes ``format="onnx"``."""
    if format not in _KERAS_FORMATS:
        raise ValueError(f"Unrecognized format={format}. Supported formats are: {list(_KERAS_FORMATS)}.")
    if format != "onnx":
        raise ValueError(f"export: format={format!r} needs Keras with a TensorFlow, JAX or PyTorch backend; "
                         "tinykeras exports format='onnx' only")
    export_onnx(model, str(filepath), verbose=verbose, input_signature=input_signature, **kwargs)
