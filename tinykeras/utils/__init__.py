"""Utilities with the ``keras.utils`` interface."""

from tinykeras.utils.data_utils import get_file
from tinykeras.utils.model_visualization import model_to_dot, plot_model
from tinykeras.utils.numerical_utils import set_random_seed, to_categorical
from tinykeras.utils.progbar import Progbar
from tinykeras.utils.sequence_utils import pad_sequences

__all__ = ["get_file", "to_categorical", "set_random_seed", "Progbar", "pad_sequences",
           "plot_model", "model_to_dot"]
