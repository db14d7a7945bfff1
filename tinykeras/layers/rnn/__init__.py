"""Recurrent layers: cells, the generic ``RNN``, ``SimpleRNN``/``LSTM``/``GRU``
and the wrappers ``Bidirectional`` and ``TimeDistributed``."""
from .cells import GRUCell, LSTMCell, RNNCell, SimpleRNNCell
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn import RNN
from .stacked_cells import StackedRNNCells
from .wrappers import Bidirectional, TimeDistributed, Wrapper

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "RNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
           "Bidirectional", "TimeDistributed", "Wrapper"]
