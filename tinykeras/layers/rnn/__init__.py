"""Recurrent layers: cells, the generic ``RNN``, ``SimpleRNN``/``LSTM``/``GRU``,
``ConvLSTM1D/2D/3D`` and the wrappers ``Bidirectional`` and ``TimeDistributed``."""
from .cells import GRUCell, LSTMCell, RNNCell, SimpleRNNCell
from .recurrent import GRU, LSTM, SimpleRNN
from .rnn import RNN
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .stacked_cells import StackedRNNCells
from .wrappers import Bidirectional, TimeDistributed, Wrapper

__all__ = ["RNN", "SimpleRNN", "LSTM", "GRU", "RNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
           "Bidirectional", "TimeDistributed", "Wrapper"]
