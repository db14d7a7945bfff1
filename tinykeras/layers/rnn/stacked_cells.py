"""``StackedRNNCells``: several cells run as one, each feeding the next.

``RNN([cell1, cell2])`` wraps its list in one.  The states are the cells'
states one after the other, as a flat list (Keras nests them per cell).

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.RNN([tk.layers.LSTMCell(4), tk.layers.GRUCell(3)], return_state=True)
>>> [t.shape for t in layer(np.ones((2, 5, 6), "float32"))]
[(2, 3), (2, 4), (2, 4), (2, 3)]
"""
from ..layer import Layer, _call_spec


def _sizes(cell):
    size = cell.state_size
    return [size] if isinstance(size, int) else list(size)


class StackedRNNCells(Layer):
    """``StackedRNNCells(cells)``: the output of each cell is the input of the next."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not cells or any(not hasattr(c, "call") or getattr(c, "state_size", None) is None for c in cells):
            raise ValueError(f"StackedRNNCells {self.name!r}: expects a non-empty list of cells, each "
                             f"with `call` and `state_size`; got {cells!r}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [s for cell in self.cells for s in _sizes(cell)]

    @property
    def output_size(self):
        last = self.cells[-1]
        return getattr(last, "output_size", None) or _sizes(last)[0]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._maybe_build(shape)
            shape = shape[:-1] + (getattr(cell, "output_size", None) or _sizes(cell)[0],)

    def call(self, inputs, states, training=False):
        new_states, start = [], 0
        for cell in self.cells:
            n = len(_sizes(cell))
            kwargs = {"training": training} if "training" in _call_spec(type(cell)) else {}
            inputs, new = cell.call(inputs, list(states[start:start + n]), **kwargs)
            new_states.extend(new if isinstance(new, (list, tuple)) else [new])
            start += n
        return inputs, new_states

    def get_initial_state(self, batch_size=None):
        from ... import ops
        out = []
        for cell in self.cells:
            get = getattr(cell, "get_initial_state", None)
            out.extend(get(batch_size=batch_size) if get else
                       [ops.zeros((batch_size, s), dtype=self.dtype) for s in _sizes(cell)])
        return out

    def get_config(self):
        from ...saving.layer_config import serialize_layer  # here: saving imports layers
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving.layer_config import deserialize_layer  # here: saving imports layers
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
