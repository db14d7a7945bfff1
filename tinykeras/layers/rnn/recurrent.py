"""``SimpleRNN``, ``LSTM`` and ``GRU``: an ``RNN`` around their built-in cell.

Each takes its cell's arguments (``units``, ``activation``,
``recurrent_activation``, ``use_bias``, the initializers, regularizers and
constraints of ``kernel``/``recurrent``/``bias``, ``dropout``,
``recurrent_dropout``, ``seed``, plus ``unit_forget_bias`` for LSTM and
``reset_after`` for GRU) and ``RNN``'s (``return_sequences``,
``return_state``, ``go_backwards``, ``stateful``, ``unroll``,
``zero_output_for_mask``), with Keras 3's defaults.  Weights are the
cell's: ``kernel``, ``recurrent_kernel``, ``bias`` (see ``cells.py``), so
``set_weights(keras_layer.get_weights())`` reproduces Keras's outputs.

>>> import numpy as np, tinykeras as tk
>>> lstm = tk.layers.LSTM(4, return_sequences=True, return_state=True)
>>> seq, h, c = lstm(np.ones((2, 6, 3), "float32"))
>>> seq.shape, h.shape, c.shape
((2, 6, 4), (2, 4), (2, 4))
"""
import inspect

from ..input_spec import InputSpec
from ...global_state import snake_case
from .cells import GRUCell, LSTMCell, RNNCell, SimpleRNNCell
from .rnn import RNN


def _cell_arguments(cell_class):
    """Names of the keyword arguments that ``cell_class`` (and its bases) take."""
    names = set()
    for klass in cell_class.__mro__:
        if issubclass(klass, RNNCell):
            names |= {p.name for p in inspect.signature(klass.__init__).parameters.values()
                      if p.kind == p.POSITIONAL_OR_KEYWORD}
    return names - {"self", "units"}


class _CellRNN(RNN):
    """An RNN that builds its own ``cell_class`` cell from its arguments."""

    cell_class = RNNCell
    _LAYER_ONLY = {"name", "trainable", "dtype"}

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        accepted = _cell_arguments(self.cell_class)
        cell_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in accepted}
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"Invalid value received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn!r}")
        cell = self.cell_class(units, name=f"{snake_case(self.cell_class.__name__)}",
                               dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
                               **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.use_cudnn = use_cudnn
        self.input_spec = InputSpec(ndim=3)

    def __getattr__(self, name):  # units, activation, dropout...: the cell's
        cell = self.__dict__.get("cell")
        if cell is not None and name in _cell_arguments(self.cell_class) | {"units"}:
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell = self.cell.get_config()
        config.update({k: v for k, v in cell.items() if k not in self._LAYER_ONLY | {"batch_input_shape"}})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellRNN):
    """Fully-connected RNN: ``h_t = activation(x_t W + h_{t-1} U + b)``.

    >>> import numpy as np, tinykeras as tk
    >>> tk.layers.SimpleRNN(3)(np.ones((2, 5, 4), "float32")).shape
    (2, 3)
    """

    cell_class = SimpleRNNCell


class LSTM(_CellRNN):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997); gates i, f, c, o.

    >>> import numpy as np, tinykeras as tk
    >>> layer = tk.layers.LSTM(3)
    >>> layer(np.ones((2, 5, 4), "float32")).shape, [w.shape for w in layer.get_weights()]
    ((2, 3), [(4, 12), (3, 12), (12,)])
    """

    cell_class = LSTMCell


class GRU(_CellRNN):
    """Gated recurrent unit (Cho et al., 2014); gates z, r, h, ``reset_after=True``.

    >>> import numpy as np, tinykeras as tk
    >>> layer = tk.layers.GRU(3, return_sequences=True)
    >>> layer(np.ones((2, 5, 4), "float32")).shape, [w.shape for w in layer.get_weights()]
    ((2, 5, 3), [(4, 9), (3, 9), (2, 9)])
    """

    cell_class = GRUCell
