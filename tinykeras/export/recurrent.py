"""ONNX mappings of ``SimpleRNN``, ``LSTM``, ``GRU`` and ``Bidirectional``:
the ONNX ``RNN``/``LSTM``/``GRU`` ops, which run a whole sequence.

Keras and ONNX lay weights out differently: Keras keeps ``kernel (input,
gates * units)`` and ``recurrent_kernel (units, gates * units)`` with LSTM
gates in the order i, f, c, o and GRU gates z, r, h; ONNX wants
``W (1, gates * units, input)``, ``R (1, gates * units, units)`` with LSTM
gates i, o, f, c (GRU: z, r, h, the same as Keras) and ``B = [Wb, Rb]``.
A GRU with ``reset_after=True`` is ONNX's ``linear_before_reset=1``.
ONNX sequences are time-major, so the input is transposed in and out.

>>> import tinykeras as tk
>>> from tinykeras.export.graph import GraphBuilder, Value, convert_layer
>>> layer = tk.layers.LSTM(3)
>>> layer.build((None, 5, 2))
>>> g = GraphBuilder()
>>> _ = convert_layer(g, layer, [Value("x", (None, 5, 2), "float32")], {})
>>> [n.op_type for n in g.nodes]
['Transpose', 'LSTM', 'Squeeze']
"""
import numpy as np

from .. import layers as L
from .graph import LAYERS, converts

_KIND = {L.SimpleRNNCell: ("RNN", 1), L.LSTMCell: ("LSTM", 4), L.GRUCell: ("GRU", 3)}   # by cell class
_LSTM_ORDER = (0, 3, 1, 2)        # ONNX i, o, f, c from Keras i, f, c, o
# Keras activation -> (ONNX recurrent activation, its alpha, its beta)
_ACTIVATIONS = {"tanh": ("Tanh",), "sigmoid": ("Sigmoid",), "relu": ("Relu",), "softsign": ("Softsign",),
                "softplus": ("Softplus",), "hard_sigmoid": ("HardSigmoid", 1.0 / 6.0, 0.5),
                "linear": ("Affine", 1.0, 0.0), "elu": ("Elu", 1.0)}
_INT64_MIN = np.iinfo(np.int64).min


def _activation(layer, name):
    if name not in _ACTIVATIONS:
        raise ValueError(f"ONNX export: {type(layer).__name__} {layer.name!r} uses activation {name!r}, "
                         f"which ONNX recurrent ops do not have; supported: {', '.join(sorted(_ACTIVATIONS))}")
    return _ACTIVATIONS[name]


def _gates(matrix, n_gates, order):
    """Keras ``(rows, gates * units)`` -> ONNX ``(1, gates * units, rows)`` in ``order``."""
    blocks = np.split(matrix, n_gates, axis=-1)
    return np.concatenate([blocks[i] for i in order], axis=-1).T[None]


def reverse_time(g, y):
    """``y[:, ::-1]``."""
    return g.op("Slice", y, g.ints([-1]), g.ints([_INT64_MIN]), g.ints([1]), g.ints([-1]))


def _weights(layer, kind, n_gates, units):
    kernel, recurrent, *bias = layer.get_weights()
    order = _LSTM_ORDER if kind == "LSTM" else tuple(range(n_gates))
    w, r = _gates(kernel, n_gates, order), _gates(recurrent, n_gates, order)
    bias = bias[0] if bias else np.zeros(n_gates * units, "float32")
    if bias.ndim == 1:                                       # one bias: all of it on the input side
        bias = np.stack([bias, np.zeros_like(bias)])
    b = np.concatenate([_gates(row[None], n_gates, order)[0, :, 0] for row in bias])[None]
    return w, r, b


@converts(LAYERS, L.SimpleRNN, L.LSTM, L.GRU, L.RNN)
def recurrent(g, layer, sequences, initial_state=None):
    if type(layer.cell) not in _KIND:
        raise ValueError(f"ONNX export: no mapping for the cell {type(layer.cell).__name__} of RNN layer "
                         f"{layer.name!r}; SimpleRNNCell, LSTMCell and GRUCell are mapped")
    c = {**layer.cell.get_config(), **layer.get_config()}
    if c["stateful"]:
        raise ValueError(f"ONNX export: {type(layer).__name__} {layer.name!r} is stateful; its state lives "
                         "between calls and is not exported")
    kind, n_gates = _KIND[type(layer.cell)]
    units = c["units"]
    activations = [c["activation"]] if kind == "RNN" else [c["recurrent_activation"]] + \
        [c["activation"]] * (n_gates - 2)
    acts = [_activation(layer, a) for a in activations]
    attrs = dict(hidden_size=units, direction="reverse" if c["go_backwards"] else "forward",
                 activations=[a[0] for a in acts])
    alphas, betas = [a[1] for a in acts if len(a) > 1], [a[2] for a in acts if len(a) > 2]
    if alphas:
        attrs["activation_alpha"] = alphas
    if betas:
        attrs["activation_beta"] = betas
    if kind == "GRU":
        attrs["linear_before_reset"] = int(c["reset_after"])
    states = [None, None]
    if initial_state is not None:
        given = initial_state if isinstance(initial_state, (list, tuple)) else [initial_state]
        states[:len(given)] = [g.op("Unsqueeze", s, g.ints([0])) for s in given]
    x = g.transpose(sequences, (1, 0, 2))
    outs = g.op(kind, x, *_weights(layer, kind, n_gates, units), None, states[0],
                *(states[1:] if kind == "LSTM" else []), outputs=3 if kind == "LSTM" else 2, **attrs)
    if c["return_sequences"]:
        output = g.transpose(g.op("Squeeze", outs[0], g.ints([1])), (1, 0, 2))
        if c["go_backwards"]:                 # Keras keeps the steps in the order it ran them
            output = reverse_time(g, output)
    else:
        output = g.op("Squeeze", outs[1], g.ints([0]))
    if not c["return_state"]:
        return output
    return [output] + [g.op("Squeeze", s, g.ints([0])) for s in outs[1:]]


@converts(LAYERS, L.Bidirectional)
def bidirectional(g, layer, sequences, initial_state=None):
    c = layer.get_config()
    halves = [None, None]
    if initial_state is not None:
        half = len(initial_state) // 2
        halves = [list(initial_state[:half]), list(initial_state[half:])]
    results = []
    for sub, state in zip((layer.forward_layer, layer.backward_layer), halves):
        builder = LAYERS.get(type(sub))
        if builder is None:
            raise ValueError(f"ONNX export: no mapping for layer {sub.name!r} of class "
                             f"{type(sub).__name__} inside Bidirectional {layer.name!r}")
        out = builder(g, sub, sequences, initial_state=state)
        results.append(out if isinstance(out, list) else [out])
    (y, *fwd_states), (y_rev, *bwd_states) = results
    if layer.backward_layer.get_config()["return_sequences"]:
        y_rev = reverse_time(g, y_rev)
    mode = c["merge_mode"]
    if mode is None:
        merged = [y, y_rev]
    elif mode == "concat":
        merged = [g.op("Concat", y, y_rev, axis=-1)]
    elif mode == "ave":
        merged = [g.op("Div", g.op("Add", y, y_rev), 2.0)]
    else:
        merged = [g.op({"sum": "Add", "mul": "Mul"}[mode], y, y_rev)]
    return merged + fwd_states + bwd_states
