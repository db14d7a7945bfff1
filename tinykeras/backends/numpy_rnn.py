"""Fused NumPy kernels for the recurrent ops (``tinykeras/ops/rnn_ops.py``):
the whole sequence, forward and backward (BPTT), on raw arrays.

The loops are the ops' own (``rnn_ops.lstm_forward``, ``lstm_backward``...),
run with NumPy functions instead of ``tk.ops``: one kernel call per
sequence instead of a dozen dispatched ops per time step, so the Python
overhead per step is a few NumPy calls.  A mask with no False is dropped
(no ``where`` per step); sigmoid is ``0.5 * tanh(x / 2) + 0.5``, one
overflow-free NumPy call.

>>> xz, h0 = np.zeros((1, 3, 4), np.float32), np.zeros((1, 1), np.float32)
>>> KERNELS["lstm_sequence"](xz, h0, h0, np.zeros((1, 4), np.float32), np.ones((1, 3), bool)).shape
(1, 3, 2)
"""
from types import SimpleNamespace

import numpy as np

from ..ops import rnn_ops

NUMPY_NS = SimpleNamespace(tanh=np.tanh, sigmoid=lambda x: 0.5 * np.tanh(0.5 * x) + 0.5, where=np.where,
                           stack=np.stack, concatenate=np.concatenate)


def _kernel(fn):
    """``fn(NUMPY_NS, *arrays, mask, **params)``, with an all-True mask dropped."""
    def kernel(*arrays, **params):
        *arrays, mask = arrays
        return fn(NUMPY_NS, *arrays, None if mask.all() else mask, **params)
    kernel.__name__ = fn.__name__
    return kernel


KERNELS = {}
for _kind in ("lstm", "gru", "simple_rnn"):
    KERNELS[f"{_kind}_sequence"] = _kernel(rnn_ops.FORWARD[_kind])
    KERNELS[f"{_kind}_sequence_grad"] = _kernel(rnn_ops.BACKWARD[_kind])
