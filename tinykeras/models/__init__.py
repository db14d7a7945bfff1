"""``tk.models``: Model, Sequential, and loading saved models.

>>> import tinykeras as tk
>>> tk.models.Sequential is tk.Sequential
True
"""
from .functional import Functional
from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (see ``tinykeras.saving``)."""
    from ..saving import load_model as _load
    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_json(json_string, custom_objects=None):
    """Rebuild an (untrained) model from ``model.to_json()``."""
    from ..saving.layer_config import deserialize_layer
    from ..saving.safe_json import loads  # bounded: deep or huge JSON raises FileFormatError
    return deserialize_layer(loads(json_string), custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights.

    As Keras clones a Sequential's layers from their configs alone, they are
    built by the new model, inside its name scope:

    >>> import tinykeras as tk
    >>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="out")], name="net")
    >>> clone_model(model).weights[0].path
    'net/out/kernel'
    """
    from ..saving.layer_config import deserialize_layer, serialize_layer
    if input_tensors is not None or clone_function is not None:
        raise ValueError("clone_model: input_tensors and clone_function are not supported by tinykeras")
    config = serialize_layer(model)
    if type(model) is Sequential:  # each layer from its config alone, then built by the new model
        layers = [deserialize_layer({k: v for k, v in c.items() if k != "build_config"})
                  for c in config["config"]["layers"]]
        return Sequential(layers, trainable=model.trainable, name=model.name)
    return deserialize_layer(config)
