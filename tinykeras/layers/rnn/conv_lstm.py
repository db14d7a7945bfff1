"""``ConvLSTM1D``, ``ConvLSTM2D`` and ``ConvLSTM3D``: an LSTM whose input and
recurrent transformations are convolutions.

One cell, ``ConvLSTMCell`` (an ``LSTMCell``: the same gates i, f, c, o,
``unit_forget_bias``, dropout masks and ``ops.lstm_step``), convolves a
step ``(batch, *spatial, channels)`` with ``kernel`` ``(*kernel_size,
channels, 4 * filters)`` (strides, padding, dilation as given) and the state
with ``recurrent_kernel`` ``(*kernel_size, filters, 4 * filters)`` ("same"
padding, stride 1); one layer base, ``ConvLSTM``, runs it with the ``RNN``
machinery (masks, ``go_backwards``, ``stateful``, ``return_state``) for
rank 1, 2 or 3.  Weights and configs are Keras 3's, so
``set_weights(keras_layer.get_weights())`` gives Keras's outputs.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)
>>> layer(np.ones((2, 5, 6, 6, 3), "float32")).shape, [w.shape for w in layer.get_weights()]
((2, 5, 6, 6, 4), [(3, 3, 3, 16), (3, 3, 4, 16), (16,)])
"""
import numpy as np

from ... import ops
from ...core.tensor import Tensor
from ...ops import conv_shapes
from ..input_spec import InputSpec
from .cells import LSTMCell
from .recurrent import _CellRNN

_CONV_KEYS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate")


class ConvLSTMCell(LSTMCell):
    """One ConvLSTM step; ``rank`` 1, 2 or 3 spatial axes.  States ``[h, c]``
    have the shape of the input convolution's output."""

    def __init__(self, filters, kernel_size, rank=2, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(filters, **kwargs)
        who = f"{type(self).__name__} {self.name!r}"
        try:
            self.rank = int(rank)
            if self.rank not in (1, 2, 3):
                raise ValueError(f"Rank {rank} convolutions are not currently implemented. Received: rank={rank}")
            self.kernel_size = conv_shapes.normalize_tuple(kernel_size, self.rank, "kernel_size")
            self.strides = conv_shapes.normalize_tuple(strides, self.rank, "strides")
            self.dilation_rate = conv_shapes.normalize_tuple(dilation_rate, self.rank, "dilation_rate")
            self.padding = conv_shapes.normalize_padding(padding)
            self.data_format = conv_shapes.normalize_data_format(data_format)
        except ValueError as exc:
            raise ValueError(f"{who}: {exc}") from None
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: Specifying `strides > 1` is not compatible with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.filters = self.units
        self.state_size = -1              # as Keras: known once built (the spatial shape of the output)

    def _last(self):
        return self.data_format == "channels_last"

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self._last() else input_shape[2:]
        channels = input_shape[-1 if self._last() else 1]
        if len(input_shape) != self.rank + 2 or None in spatial or channels is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expects steps of shape (batch, "
                             f"{self.rank} known spatial sizes, known channels) ({self.data_format}); got "
                             f"{input_shape}")
        out = self.compute_output_shape(input_shape)[1:]
        self.state_size = [out, out]
        self.output_size = out
        width = 4 * self.filters
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, width), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, width), initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint, name="recurrent_kernel")
        self.bias = self.add_weight(shape=(width,), initializer=self._bias_initializer(), name="bias",
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint) \
            if self.use_bias else None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self._last() else input_shape[2:]
        out = tuple(conv_shapes.conv_output_length(n, k, s, self.padding, d)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(f"{type(self).__name__} {self.name!r}: the kernel {self.kernel_size} is larger "
                             f"than the (padded) input {spatial}")
        return (input_shape[0],) + (out + (self.filters,) if self._last() else (self.filters,) + out)

    def project(self, inputs):
        """The input convolution (all four gates at once) plus the bias, of one
        step ``(batch, *spatial, channels)`` or of a whole sequence at once (its
        steps convolved as one batch)."""
        lead = tuple(inputs.shape[:-self.rank - 1])
        x = inputs if len(lead) == 1 else inputs.reshape((-1,) + tuple(inputs.shape[len(lead):]))
        z = ops.conv(x, self.kernel, self.strides, self.padding, self.data_format, self.dilation_rate)
        if self.bias is not None:
            z = z + (self.bias if self._last() else ops.reshape(self.bias, (-1,) + (1,) * self.rank))
        return z if len(lead) == 1 else z.reshape(lead + tuple(z.shape[1:]))

    def can_fuse(self, training):
        """The sequence path (one input convolution for all steps) computes
        what the step loop would, for any activations."""
        return not (training and self.recurrent_dropout > 0)

    def sequence(self, inputs, states, mask, return_sequences=True):
        """The recurrence over the sequence, projected at once; a masked step keeps the states."""
        xz, (h, c) = self.project(inputs), states
        keep = mask.numpy().reshape(tuple(mask.shape) + (1,) * (h.ndim - 1))
        outputs = []
        for t in range(xz.shape[1]):
            new_h, new_c = self.step(xz[:, t], [h, c], h)
            if not keep[:, t].all():
                k = Tensor(np.ascontiguousarray(keep[:, t]))
                new_h, new_c = ops.where(k, new_h, h), ops.where(k, new_c, c)
            h, c = new_h, new_c
            outputs.append(h)
        return (ops.stack(outputs, axis=1) if return_sequences else None), [h, c]

    def step(self, xz, states, h_in):
        z = xz + ops.conv(h_in, self.recurrent_kernel, 1, "same", self.data_format)
        c = states[1]
        if not self._last():                  # lstm_step takes the gates along the last axis
            z, c = ops.moveaxis(z, 1, -1), ops.moveaxis(c, 1, -1)
        h, c = ops.lstm_step(z, c, self.activation, self.recurrent_activation)
        return [h, c] if self._last() else [ops.moveaxis(h, -1, 1), ops.moveaxis(c, -1, 1)]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size,) + tuple(s), dtype=self.dtype) for s in self.state_size]

    def get_config(self):
        config = LSTMCell.get_config(self)
        config.pop("units")
        head = {k: config.pop(k) for k in ("name", "trainable", "dtype") if k in config}
        return {**head, "rank": self.rank, **{k: getattr(self, k) for k in _CONV_KEYS}, **config}


class ConvLSTM(_CellRNN):
    """Base of ``ConvLSTM1D/2D/3D`` (``rank`` 1, 2, 3): inputs ``(batch, time,
    *spatial, channels)`` (channels_last) or ``(batch, time, channels, *spatial)``."""

    cell_class = ConvLSTMCell
    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        arguments = dict(locals())
        for key in ("self", "kwargs", "__class__", "filters", "activity_regularizer"):
            arguments.pop(key, None)
        super().__init__(filters, rank=self.rank, activity_regularizer=activity_regularizer, **arguments,
                         **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) != self.rank + 3:
            raise ValueError(self._msg(f"expects inputs of rank {self.rank + 3} (batch, time, {self.rank} spatial "
                                       f"axes, channels), received input with shape {tuple(sequences_shape)}"))
        super().build(sequences_shape, initial_state_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("rank")
        return config


class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM: inputs ``(batch, time, steps, channels)``.

    >>> import numpy as np, tinykeras as tk
    >>> tk.layers.ConvLSTM1D(2, 3)(np.ones((1, 4, 6, 3), "float32")).shape
    (1, 4, 2)
    """

    rank = 1


class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM: inputs ``(batch, time, rows, cols, channels)``.

    >>> import numpy as np, tinykeras as tk
    >>> tk.layers.ConvLSTM2D(2, 3)(np.ones((1, 4, 5, 5, 3), "float32")).shape
    (1, 3, 3, 2)
    """

    rank = 2


class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM: inputs ``(batch, time, d1, d2, d3, channels)``.

    >>> import numpy as np, tinykeras as tk
    >>> tk.layers.ConvLSTM3D(2, 2)(np.ones((1, 3, 3, 3, 3, 1), "float32")).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3
