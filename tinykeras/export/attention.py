"""ONNX mappings of ``Attention``, ``AdditiveAttention`` and
``MultiHeadAttention`` (sequences ``(batch, steps, features)``, attention
over the steps), written with ``MatMul``s.  For ``MultiHeadAttention``:

``softmax(q k^T / sqrt(key_dim))`` per head, masked where the attention
mask or the causal mask is False (-1e9 before the softmax and 0 after, as
the layer computes it), times ``v``, then the output projection.

>>> import tinykeras as tk
>>> from tinykeras.export.graph import GraphBuilder, Value, convert_layer
>>> mha = tk.layers.MultiHeadAttention(num_heads=2, key_dim=3)
>>> x = tk.Input((4, 5))
>>> _ = mha(x, x)
>>> g = GraphBuilder()
>>> _ = convert_layer(g, mha, [Value("x", (None, 4, 5), "float32")] * 2, {})
>>> sum(n.op_type == "Softmax" for n in g.nodes)
1
"""
import math

import numpy as np

from .. import layers as L
from .graph import LAYERS, converts, weights_of


def _project(g, w, name, x, use_bias):
    """``x (B, T, dim) @ kernel (dim, heads, size) + bias`` -> ``(B, heads, T, size)``."""
    kernel = w[name + "/kernel"]
    y = g.op("MatMul", x, kernel.reshape(kernel.shape[0], -1))
    if use_bias:
        y = g.op("Add", y, w[name + "/bias"].reshape(-1))
    return g.transpose(g.reshape(y, [0, 0] + list(kernel.shape[1:])), (0, 2, 1, 3))


def _causal(g, scores):
    """``(Tq, Tv)`` bool, True on and below the diagonal, sized from ``scores`` at run time."""
    steps = g.op("Shape", scores, start=-2)
    ones = g.op("ConstantOfShape", steps, value=g.numpy_helper.from_array(np.ones(1, "float32")))
    return g.op("Greater", g.op("Trilu", ones, upper=0), 0.5)


@converts(LAYERS, L.MultiHeadAttention)
def multi_head_attention(g, layer, query, value, key=None, attention_mask=None, return_attention_scores=False,
                         use_causal_mask=False, **masks):
    c, w = layer.get_config(), weights_of(layer)
    given = [name for name, m in masks.items() if m is not None]
    if given:
        raise ValueError(f"ONNX export: MultiHeadAttention {layer.name!r} is called with {given}; masks are "
                         "not exported (pass an attention_mask input instead)")
    if query.ndim != 3 or c["attention_axes"] not in (None, [1], (1,)):
        raise ValueError(f"ONNX export: MultiHeadAttention {layer.name!r}: only attention over the steps of "
                         f"(batch, steps, features) inputs is exported; got query shape {query.shape}, "
                         f"attention_axes={c['attention_axes']}")
    key = value if key is None else key
    q = g.op("Mul", _project(g, w, "query", query, c["use_bias"]), 1.0 / math.sqrt(c["key_dim"]))
    k = _project(g, w, "key", key, c["use_bias"])
    v = _project(g, w, "value", value, c["use_bias"])
    scores = g.op("MatMul", q, g.transpose(k, (0, 1, 3, 2)))              # (B, H, Tq, Tv)
    mask = None
    if attention_mask is not None:
        mask = g.op("Unsqueeze", g.op("Cast", attention_mask, to=g.helper.np_dtype_to_tensor_dtype(
            np.dtype(bool))), g.ints([1]))
    if use_causal_mask:
        causal = _causal(g, scores)
        mask = causal if mask is None else g.op("And", mask, causal)
    if c["sliding_window"] is not None:
        tq, tv = query.shape[1], value.shape[1]
        if tq is None or tv is None:
            raise ValueError(f"ONNX export: MultiHeadAttention {layer.name!r} has a sliding_window and needs "
                             f"inputs with a known number of steps, got {query.shape} and {value.shape}")
        near = np.abs(np.arange(tq)[:, None] - np.arange(tv)[None]) < c["sliding_window"]
        mask = g.const(near, bool) if mask is None else g.op("And", mask, g.const(near, bool))
    if mask is None:
        probs = g.op("Softmax", scores, axis=-1)
    else:
        probs = g.op("Softmax", g.op("Where", mask, scores, -1e9), axis=-1)
        probs = g.op("Where", mask, probs, 0.0)
    out = g.transpose(g.op("MatMul", probs, v), (0, 2, 1, 3))            # (B, Tq, H, dv)
    if c["use_gate"]:
        gate = g.transpose(_project(g, w, "gate", query, c["use_bias"]), (0, 2, 1, 3))
        out = g.op("Mul", out, g.op("Sigmoid", gate))
    kernel = w["attention_output/kernel"]
    out = g.op("MatMul", g.reshape(out, [0, 0, -1]), kernel.reshape(-1, int(np.prod(kernel.shape[2:]))))
    if c["use_bias"]:
        out = g.op("Add", out, w["attention_output/bias"].reshape(-1))
    if len(kernel.shape) > 3:
        out = g.reshape(out, [0, 0] + list(kernel.shape[2:]))
    return [out, probs] if return_attention_scores else out


def _scores(g, layer, c, w, q, k):
    """``Attention``'s dot or concat scores, ``AdditiveAttention``'s additive ones: ``(B, Tq, Tv)``."""
    scale = w.get("scale")
    if isinstance(layer, L.AdditiveAttention) or c["score_mode"] == "concat":
        summed = g.op("Add", g.op("Unsqueeze", q, g.ints([-2])), g.op("Unsqueeze", k, g.ints([-3])))
        if isinstance(layer, L.AdditiveAttention):
            summed = g.op("Tanh", summed)
            return g.op("ReduceSum", summed if scale is None else g.op("Mul", summed, scale), g.ints([-1]),
                        keepdims=0)
        if scale is not None:
            summed = g.op("Mul", summed, scale)
        return g.op("Mul", g.op("ReduceSum", g.op("Tanh", summed), g.ints([-1]), keepdims=0),
                    w["concat_score_weight"])
    scores = g.op("MatMul", q, g.transpose(k, (0, 2, 1)))
    return scores if scale is None else g.op("Mul", scores, scale)


@converts(LAYERS, L.Attention, L.AdditiveAttention)
def attention(g, layer, inputs, return_attention_scores=False, use_causal_mask=False):
    q, v = inputs[0], inputs[1]
    scores = _scores(g, layer, layer.get_config(), weights_of(layer), q, inputs[2] if len(inputs) > 2 else v)
    if use_causal_mask:        # Keras's Attention subtracts 1e9 where masked, and keeps the rows
        scores = g.op("Where", _causal(g, scores), scores, g.op("Sub", scores, 1e9))
    weights = g.op("Softmax", scores, axis=-1)
    out = g.op("MatMul", weights, v)
    return [out, weights] if return_attention_scores else out
