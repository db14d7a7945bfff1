"""The recurrent cells: ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell``.

A cell computes one time step: ``output, new_states = cell(x_t, states)``.
The three share one base (``RNNCell``): arguments, weights (Keras 3's
layout: ``kernel (in, gates * units)``, ``recurrent_kernel (units, gates *
units)``, ``bias``), dropout masks and config; each adds its own step math
(``tk.ops.lstm_step`` ...).  An ``RNN`` layer runs a cell over a sequence,
and, where the cell allows (``can_fuse``), hands the whole sequence to one
op (``sequence``), which a backend may run as one fused kernel.

>>> import tinykeras as tk
>>> cell = tk.layers.LSTMCell(3)
>>> out, (h, c) = cell(tk.ops.ones((2, 4)), [tk.ops.zeros((2, 3)), tk.ops.zeros((2, 3))])
>>> out.shape, [w.shape for w in cell.get_weights()]
((2, 3), [(4, 12), (3, 12), (12,)])
"""
import numpy as np

from ... import activations, constraints, initializers, ops, random, regularizers
from ...serialization import serialize
from ..layer import Layer


def state_dims(size):
    """The shape of one state of a cell (without the batch axis): ``(size,)``
    for an int (a dense cell), the tuple itself for a spatial state (ConvLSTM).

    >>> state_dims(4), state_dims((5, 5, 3))
    ((4,), (5, 5, 3))
    """
    return (int(size),) if isinstance(size, (int, np.integer)) else tuple(int(d) for d in size)


class RNNCell(Layer):
    """Base of the built-in cells: ``units``, activations, initializers,
    regularizers, constraints, ``dropout`` (of the inputs) and
    ``recurrent_dropout`` (of the state entering the recurrent matmul), with
    one dropout mask per sequence, as Keras's ``DropoutRNNCell``."""

    gates = 1
    _fused_activations = ("tanh", "sigmoid")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)  # Keras's speed switch: one implementation here
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{type(self).__name__} {self.name!r}: received an invalid value for "
                             f"argument `units`, expected a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = self.units
        self.output_size = self.units
        self._dropout_mask = self._recurrent_dropout_mask = None

    # -- weights --------------------------------------------------------------
    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint,
            name="recurrent_kernel")
        self.bias = self.add_weight(shape=self._bias_shape(), initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None

    def input_bias(self):
        return self.bias

    def recurrent_bias(self):
        return None

    def project(self, inputs):
        """``inputs @ kernel + input bias``, for one step (B, in) or a whole
        sequence (B, T, in) at once."""
        flat = inputs if inputs.ndim == 2 else inputs.reshape((-1, inputs.shape[-1]))
        flat = flat @ self.kernel
        bias = self.input_bias()
        if bias is not None:
            flat = flat + bias
        return flat if inputs.ndim == 2 else flat.reshape(tuple(inputs.shape[:-1]) + (flat.shape[-1],))

    # -- dropout masks (one per sequence) -------------------------------------
    def _mask(self, like, rate):
        return random.dropout(ops.ones(like.shape, dtype=like.dtype), rate, seed=self.seed_generator)

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None and self.dropout > 0:
            self._dropout_mask = self._mask(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        if self._recurrent_dropout_mask is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._mask(state, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    # -- one step, or a whole sequence ----------------------------------------
    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        sizes = [state_dims(n) for n in (self.state_size if isinstance(self.state_size, list) else
                                         [self.state_size])]
        if len(states) != len(sizes) or any(tuple(s.shape[-len(n):]) != n for s, n in zip(states, sizes)):
            raise ValueError(f"{type(self).__name__} {self.name!r}: expects {len(sizes)} state(s) of sizes "
                             f"{sizes}, received states of shapes {[tuple(s.shape) for s in states]}")
        if training and self.dropout > 0:
            inputs = inputs * self.get_dropout_mask(inputs)
        h_in = states[0]
        if training and self.recurrent_dropout > 0:
            h_in = h_in * self.get_recurrent_dropout_mask(states[0])
        new = self.step(self.project(inputs), states, h_in)
        return new[0], (new if nested or len(new) > 1 else new[0])

    def step(self, xz, states, h_in):
        """New states from the input projection ``xz``, the states, and the
        (possibly dropped-out) state ``h_in`` that meets the recurrent kernel."""
        raise NotImplementedError

    sequence = None  # (inputs, states, mask, return_sequences) -> (output sequence or None, final states)

    def can_fuse(self, training):
        """Whether ``sequence`` (the whole sequence as one op, from the projected
        inputs ``xz``) computes what a loop over ``call`` would."""
        if self.sequence is None:
            return False
        names = (activations.serialize(self.activation), activations.serialize(self.recurrent_activation))
        return names[:len(self._fused_activations)] == self._fused_activations and \
            not (training and self.recurrent_dropout > 0)

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [ops.zeros((batch_size,) + state_dims(s), dtype=self.dtype) for s in sizes]

    def get_config(self):
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation)}
        if "recurrent_activation" in self._config_keys:
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["use_bias"] = self.use_bias
        for kind in ("initializer", "regularizer", "constraint"):
            for part in ("kernel", "recurrent", "bias"):
                config[f"{part}_{kind}"] = serialize(getattr(self, f"{part}_{kind}"))
        config.update(dropout=self.dropout, recurrent_dropout=self.recurrent_dropout, seed=self.seed)
        config.update({k: getattr(self, k) for k in self._config_keys if k != "recurrent_activation"})
        return config

    _config_keys = ("recurrent_activation",)


class SimpleRNNCell(RNNCell):
    """``h = activation(x @ kernel + h @ recurrent_kernel + bias)``.

    >>> import tinykeras as tk
    >>> out, [h] = tk.layers.SimpleRNNCell(2)(tk.ops.ones((1, 3)), [tk.ops.zeros((1, 2))])
    >>> out.shape
    (1, 2)
    """

    _config_keys = ()
    _fused_activations = ("tanh",)

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    def step(self, xz, states, h_in):
        return [ops.simple_rnn_step(xz, h_in, self.recurrent_kernel, self.activation)]

    def sequence(self, inputs, states, mask, return_sequences=True):
        out = ops.simple_rnn_sequence(self.project(inputs), states[0], self.recurrent_kernel, mask)
        return out if return_sequences else None, [out[:, -1]]


class LSTMCell(RNNCell):
    """Long short-term memory: gates i, f, c, o along the kernels' last axis;
    ``c = f * c + i * act(z_c)``, ``h = o * act(c)``.  ``unit_forget_bias``
    starts the forget-gate bias at 1 (as Keras).

    >>> import tinykeras as tk
    >>> tk.layers.LSTMCell(2, unit_forget_bias=True)(tk.ops.ones((1, 3)),
    ...     [tk.ops.zeros((1, 2))] * 2)[0].shape
    (1, 2)
    """

    gates = 4
    _config_keys = ("recurrent_activation", "unit_forget_bias")

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def bias_initializer(shape, dtype=None):
            parts = [init((u,), dtype), np.ones((u,), dtype), init((2 * u,), dtype)]
            return np.concatenate([np.asarray(p) for p in parts])
        return bias_initializer

    def step(self, xz, states, h_in):
        return list(ops.lstm_step(xz + h_in @ self.recurrent_kernel, states[1], self.activation,
                                  self.recurrent_activation))

    def sequence(self, inputs, states, mask, return_sequences=True):
        # time-major with the batch last (see ops/rnn_ops.py); the op projects the inputs itself
        bias = self.input_bias()
        if bias is None:
            bias = ops.zeros((4 * self.units,), dtype=inputs.dtype)
        out = ops.lstm_sequence(ops.transpose(inputs, (1, 2, 0)), self.kernel, bias, ops.transpose(states[0]),
                                ops.transpose(states[1]), self.recurrent_kernel, mask)
        u = self.units
        h = ops.transpose(out[:, :u], (2, 0, 1)) if return_sequences else None
        return h, [ops.transpose(out[-1, :u]), ops.transpose(out[-1, u:2 * u])]


class GRUCell(RNNCell):
    """Gated recurrent unit: gates z, r, h; ``h = z * h_prev + (1 - z) * hh``.
    ``reset_after=True`` (the default, cuDNN-compatible) applies the reset
    gate after the recurrent matmul and has a bias of shape ``(2, 3 * units)``
    (row 0: input bias, row 1: recurrent bias); ``False``: a ``(3 * units,)`` bias.

    >>> import tinykeras as tk
    >>> cell = tk.layers.GRUCell(2)
    >>> _ = cell(tk.ops.ones((1, 3)), [tk.ops.zeros((1, 2))]); cell.bias.shape
    (2, 6)
    """

    gates = 3
    _config_keys = ("recurrent_activation", "reset_after")

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def input_bias(self):
        return self.bias[0] if self.bias is not None and self.reset_after else self.bias

    def recurrent_bias(self):
        return self.bias[1] if self.bias is not None and self.reset_after else None

    def step(self, xz, states, h_in):
        return [ops.gru_step(xz, states[0], self.recurrent_kernel, self.recurrent_bias(), self.activation,
                             self.recurrent_activation, self.reset_after, h_in=h_in)]

    def sequence(self, inputs, states, mask, return_sequences=True):
        xz = self.project(inputs)
        bias = self.recurrent_bias()
        if bias is None:
            bias = ops.zeros((3 * self.units,), dtype=xz.dtype)
        out = ops.gru_sequence(xz, states[0], self.recurrent_kernel, bias, mask,
                               reset_after=bool(self.reset_after))
        return out if return_sequences else None, [out[:, -1]]
