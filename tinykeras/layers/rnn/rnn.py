"""``RNN``: run a cell over the time axis, with Keras 3's options.

``RNN(cell, return_sequences=False, return_state=False, go_backwards=False,
stateful=False, unroll=False, zero_output_for_mask=False)`` works with any
cell: an object with ``call(inputs, states) -> (output, new_states)`` and a
``state_size`` (an int or a list of ints).  It is also the base of
``SimpleRNN``, ``LSTM`` and ``GRU``.

How a sequence runs:

* a built-in cell whose activations the recurrent ops support
  (``cell.can_fuse``) hands the whole sequence to one op
  (``tk.ops.lstm_sequence`` ..., ``cell.sequence``), which the NumPy
  backend runs as one fused kernel, forward and backward; the input
  projection of every step is one matmul (inside the LSTM's op);
* any other cell is called once per time step (``cell.call``).

Masks (from ``Embedding(mask_zero=True)``, ``Masking`` or ``mask=``)
follow Keras: a masked step leaves the states unchanged; its output
repeats the previous output (zeros before the first unmasked step), or is
zero with ``zero_output_for_mask=True``.

>>> import numpy as np, tinykeras as tk
>>> class MinimalCell(tk.layers.Layer):
...     def __init__(self, units, **kwargs):
...         super().__init__(**kwargs)
...         self.units = self.state_size = units
...     def build(self, input_shape):
...         self.w = self.add_weight(shape=(input_shape[-1], self.units))
...     def call(self, inputs, states):
...         h = inputs @ self.w + states[0]
...         return h, [h]
>>> layer = tk.layers.RNN(MinimalCell(3), return_sequences=True)
>>> layer(np.ones((2, 5, 4), "float32")).shape
(2, 5, 3)
"""
import numpy as np

from ... import ops
from ...core.tensor import Tensor
from ...variables import Variable
from ..layer import Layer, _call_spec
from .cells import state_dims


class RNN(Layer):
    """Base class for recurrent layers (see the module docstring)."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            from .stacked_cells import StackedRNNCells
            cell = StackedRNNCells(cell)
        super().__init__(**kwargs)
        if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the cell must have a `call` method "
                             f"and a `state_size` attribute (an int or a list of ints); got {cell!r}")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.unroll, self.zero_output_for_mask = bool(unroll), bool(zero_output_for_mask)
        self.supports_masking = True
        self.states = None

    @property
    def state_size(self):
        """One entry per state: an int, or a shape tuple for a spatial state (ConvLSTM)."""
        size = self.cell.state_size
        return [int(size)] if isinstance(size, (int, np.integer)) else \
            [int(s) if isinstance(s, (int, np.integer)) else tuple(s) for s in size]

    def _msg(self, what):
        return f"{type(self).__name__} {self.name!r}: {what}"

    # -- building -------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        if len(shape) < 3:
            raise ValueError(self._msg(f"expects inputs of shape (batch, timesteps, features), "
                                         f"received input with shape {shape}"))
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell._maybe_build((shape[0],) + shape[2:])
        if self.stateful and self.states is None:
            if shape[0] is None:
                raise ValueError(self._msg(
                    f"stateful=True needs a fixed batch size, found the dynamic batch size of input shape "
                    f"{shape}; give it, e.g. keras.Input(batch_shape=(32, ...)) or batch_size=32"))
            self.states = [Variable(np.zeros((shape[0],) + state_dims(s), dtype=self.dtype), trainable=False,
                                    name="rnn_state") for s in self.state_size]

    def reset_state(self):
        """Zero the states of a stateful layer."""
        for v in self.states or []:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    reset_states = reset_state

    def get_initial_state(self, batch_size):
        get = getattr(self.cell, "get_initial_state", None)
        if get is not None:
            states = get(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [ops.zeros((batch_size,) + state_dims(s), dtype=self.dtype) for s in self.state_size]

    # -- calling --------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        mask = self._mask_array(mask, sequences)
        states = self._initial_states(initial_state, sequences)
        if self.go_backwards:
            sequences = ops.flip(sequences, axis=1)
            mask = None if mask is None else mask[:, ::-1]
        training = bool(training)
        cell = self.cell
        try:
            if getattr(cell, "can_fuse", None) and cell.can_fuse(training):
                outputs, last, states = self._run_fused(sequences, states, mask, training)
            else:
                outputs, last, states = self._run_steps(sequences, states, mask, training)
        finally:
            _reset_dropout_masks(cell)
        if self.stateful:
            for v, s in zip(self.states, states):
                v.assign(s.detach())
        output = outputs if self.return_sequences else last
        return (output, *states) if self.return_state else output

    def _run_fused(self, sequences, states, mask, training):
        """The whole sequence through one op (a fused kernel where the backend has one)."""
        cell, x = self.cell, sequences
        if training and cell.dropout > 0:
            x = x * cell.get_dropout_mask(x[:, 0])[:, None]
        full = np.ones(x.shape[:2], bool) if mask is None else mask
        h, final = cell.sequence(x, states, Tensor(np.ascontiguousarray(full)), self.return_sequences)
        last = final[0]
        if mask is None:
            return h, last, final
        emit = mask if self.zero_output_for_mask else np.logical_or.accumulate(mask, axis=1)
        emit = emit.reshape(emit.shape + (1,) * (last.ndim - 1))     # over the state's axes
        if not self.return_sequences:
            return None, ops.where(Tensor(np.ascontiguousarray(emit[:, -1])), last, 0), final
        outputs = ops.where(Tensor(emit), h, 0)
        return outputs, outputs[:, -1], final

    def _run_steps(self, sequences, states, mask, training):
        """Call the cell once per time step."""
        cell = self.cell
        kwargs = {"training": training} if "training" in _call_spec(type(cell)) else {}
        outputs, prev = [], None
        for t in range(sequences.shape[1]):
            out, new = cell.call(sequences[:, t], states, **kwargs)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            if mask is not None:   # (batch, 1, ...): broadcasts over a state's axes
                keep = Tensor(np.ascontiguousarray(mask[:, t].reshape((-1,) + (1,) * (out.ndim - 1))))
                new = [ops.where(keep, n, s) for n, s in zip(new, states)]
                out = ops.where(keep, out, 0 if self.zero_output_for_mask or prev is None else prev)
            states, prev = new, out
            if self.return_sequences:
                outputs.append(out)
        return (ops.stack(outputs, axis=1) if outputs else None), prev, states

    def _mask_array(self, mask, sequences):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is None:
            return None
        m = np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask)
        if m.shape != tuple(sequences.shape[:2]):
            raise ValueError(self._msg(f"the mask has shape {m.shape}, expected (batch, timesteps) = "
                                         f"{tuple(sequences.shape[:2])} for inputs of shape "
                                         f"{tuple(sequences.shape)}"))
        return m.astype(bool) if m.dtype.kind in "biu" else m > 0.5

    def _initial_states(self, initial_state, sequences):
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                if self.states[0].shape[0] != batch:
                    raise ValueError(self._msg(
                        f"a stateful RNN needs the batch size it was built with: expected "
                        f"{self.states[0].shape[0]}, received inputs of shape {tuple(sequences.shape)}"))
                return [v.detach() for v in self.states]
            states = self.get_initial_state(batch)
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        states = [ops.convert_to_tensor(s).astype(sequences.dtype) for s in states]
        expected = [(batch,) + state_dims(s) for s in self.state_size]
        if [tuple(s.shape) for s in states] != expected:
            raise ValueError(self._msg(f"initial_state has shapes {[tuple(s.shape) for s in states]}, "
                                         f"expected {expected} (one (batch, size) tensor per state)"))
        return states

    # -- shapes, masks, config --------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        size = state_dims(getattr(self.cell, "output_size", None) or self.state_size[0])
        output = (batch, steps) + size if self.return_sequences else (batch,) + size
        return (output, *[(batch,) + state_dims(s) for s in self.state_size]) if self.return_state else output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = ops.convert_to_tensor(mask) if self.return_sequences and mask is not None else None
        return [output_mask] + [None] * len(self.state_size) if self.return_state else output_mask

    def get_config(self):
        from ...saving.layer_config import serialize_layer  # here: saving imports layers
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask, "cell": serialize_layer(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving.layer_config import deserialize_layer  # here: saving imports layers
        config = dict(config)
        cell = config.pop("cell")
        if isinstance(cell, dict):
            cell = deserialize_layer(cell, custom_objects)
        elif isinstance(cell, list):
            cell = [deserialize_layer(c, custom_objects) for c in cell]
        return cls(cell, **config)


def _reset_dropout_masks(cell):
    for c in getattr(cell, "cells", [cell]):
        for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            if hasattr(c, reset):
                getattr(c, reset)()
