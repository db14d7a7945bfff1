"""Fused NumPy kernels for the recurrent ops (``tinykeras/ops/rnn_ops.py``):
the whole sequence, forward and backward (BPTT), on raw arrays, from
``numpy_lstm`` (LSTM, SimpleRNN) and ``numpy_gru`` (GRU, both forms): one
kernel call per sequence instead of a dozen dispatched ops per time step,
each step a few NumPy calls writing into preallocated buffers.  A mask with
no False is dropped (no ``where`` per step).  ``NUMPY_NS`` runs the ops' own
loops (``rnn_ops.lstm_forward``...) on arrays: the tests compare the fused
kernels with it.

>>> x, h0, w = np.zeros((3, 2, 1), np.float32), np.zeros((1, 1), np.float32), np.zeros((2, 4), np.float32)
>>> KERNELS["lstm_sequence"](x, w, np.zeros(4, np.float32), h0, h0, np.zeros((1, 4), np.float32),
...                          np.ones((1, 3), bool)).shape     # LSTM: time-major, batch last
(3, 6, 1)
"""
import functools
from types import SimpleNamespace

import numpy as np

from . import numpy_gru, numpy_lstm


def _sigmoid(x):
    """``1 / (1 + exp(-x))``, in place on one temporary (exp overflows to inf: fine)."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1
    return np.reciprocal(e, out=e)


def _tanh(x):
    """``2 * sigmoid(2x) - 1``: NumPy's float32 exp is about twice as fast as its tanh."""
    s = _sigmoid(2 * x)
    s *= 2
    s -= 1
    return s


@functools.lru_cache(maxsize=16)
def _gate_scale(width, dtype):
    scale = np.ones((width, 1), dtype)
    scale[width // 2:3 * width // 4] = 2
    return scale


def _lstm_gates(z):
    """sigmoid on the i, f, o quarters of the first axis and tanh
    (``2 sigmoid(2x) - 1``) on the c quarter, with one exp."""
    u = z.shape[0] // 4
    s = _sigmoid(z * _gate_scale(z.shape[0], z.dtype))
    g = s[2 * u:3 * u]
    g *= 2
    g -= 1
    return s


NUMPY_NS = SimpleNamespace(tanh=_tanh, sigmoid=_sigmoid, lstm_gates=_lstm_gates, where=np.where, stack=np.stack,
                           concatenate=np.concatenate, any=np.any)


def _buffered_kernel(fn):
    """``fn(*arrays, mask)`` of ``numpy_lstm``/``numpy_gru`` (preallocated
    buffers), with an all-True mask dropped."""
    def kernel(*arrays):
        *arrays, mask = arrays
        return fn(*arrays, None if mask.all() else mask)
    kernel.__name__ = fn.__name__
    return kernel


KERNELS = {}
KERNELS["lstm_sequence"] = _buffered_kernel(numpy_lstm.forward)
KERNELS["lstm_sequence_grad"] = _buffered_kernel(numpy_lstm.backward)
KERNELS["simple_rnn_sequence"] = _buffered_kernel(numpy_lstm.simple_rnn_forward)
KERNELS["simple_rnn_sequence_grad"] = _buffered_kernel(numpy_lstm.simple_rnn_backward)


def _gru_kernel(after, before):
    """``numpy_gru``'s kernels for ``reset_after=True`` and ``False``."""
    after, before = _buffered_kernel(after), _buffered_kernel(before)

    def kernel(*arrays, reset_after):
        return after(*arrays) if reset_after else before(*arrays)
    kernel.__name__ = after.__name__
    return kernel


KERNELS["gru_sequence"] = _gru_kernel(numpy_gru.forward, numpy_gru.forward_reset_before)
KERNELS["gru_sequence_grad"] = _gru_kernel(numpy_gru.backward, numpy_gru.backward_reset_before)
