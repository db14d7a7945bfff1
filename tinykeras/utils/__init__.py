"""Utilities with the ``keras.utils`` interface.

>>> from tinykeras import utils
>>> utils.to_categorical([1, 0]).tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from tinykeras.backend import is_keras_tensor
from tinykeras.dtypes import standardize_dtype
from tinykeras.global_state import clear_session
from tinykeras.utils.data_utils import get_file
from tinykeras.utils.feature_space import FeatureSpace
from tinykeras.utils.dataset_utils import Dataset, split_dataset, timeseries_dataset_from_array
from tinykeras.utils.audio_dataset import audio_dataset_from_directory
from tinykeras.utils.directory_datasets import image_dataset_from_directory, text_dataset_from_directory
from tinykeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from tinykeras.utils.model_visualization import model_to_dot, plot_model
from tinykeras.utils.numerical_utils import normalize, set_random_seed, to_categorical
from tinykeras.utils import bounding_boxes
from tinykeras.utils.array_data import pack_x_y_sample_weight, unpack_x_y_sample_weight
from tinykeras.utils.progbar import Progbar
from tinykeras.utils.py_dataset import PyDataset, Sequence
from tinykeras.utils.sequence_utils import pad_sequences
from tinykeras.utils.io_utils import (disable_interactive_logging, enable_interactive_logging,
                                      is_interactive_logging_enabled)
from tinykeras.utils.keras_objects import (Config, CustomObjectScope, custom_object_scope, deserialize_keras_object,
                                          get_custom_objects, get_registered_name, get_registered_object,
                                          get_source_inputs, register_keras_serializable, serialize_keras_object)


__all__ = ["get_file", "to_categorical", "normalize", "set_random_seed", "Progbar", "pad_sequences",
           "plot_model", "model_to_dot", "array_to_img", "img_to_array", "load_img", "save_img",
           "clear_session", "is_keras_tensor", "standardize_dtype", "PyDataset", "Sequence",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "Dataset", "split_dataset",
           "timeseries_dataset_from_array", "text_dataset_from_directory", "image_dataset_from_directory",
           "disable_interactive_logging", "enable_interactive_logging", "is_interactive_logging_enabled", "Config",
           "deserialize_keras_object", "get_source_inputs", "serialize_keras_object", "custom_object_scope",
           "CustomObjectScope", "get_custom_objects", "get_registered_name", "get_registered_object",
           "register_keras_serializable", "bounding_boxes", "audio_dataset_from_directory",
           "FeatureSpace"]
