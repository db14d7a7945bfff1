"""tinykeras: a small, readable deep-learning framework with the Keras 3 API.

>>> import numpy as np, tinykeras as keras
>>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
>>> model.predict(np.ones((1, 4)), verbose=0).shape
(1, 2)

Importing tinykeras loads the core (tensors, autograd, ops, the plugin
registry); the Keras modules (``layers``, ``losses``, ...) load on first use.
"""
import importlib

__version__ = "0.1.0"

from .core import Tensor, grad, hookimpl, is_grad_enabled, no_grad, registry  # noqa: E402
from . import ops  # noqa: E402  (declares the composite ops before the plugins boot)
from . import plugins  # noqa: E402
from . import backend, random  # noqa: E402
from .global_state import name_scope  # noqa: E402
from .variables import Variable  # noqa: E402

_SUBMODULES = {"activations", "applications", "callbacks", "config", "constraints", "datasets",
               "initializers", "layers", "losses", "metrics", "models", "optimizers", "preprocessing",
               "regularizers", "saving", "testing", "tree", "utils"}
_NAMES = {"Input": "layers", "Layer": "layers", "InputSpec": "layers", "Model": "models",
          "Sequential": "models", "Functional": "models", "Loss": "losses", "Metric": "metrics",
          "Optimizer": "optimizers", "Initializer": "initializers", "Regularizer": "regularizers",
          "KerasTensor": "layers", "Operation": "layers"}


def version():
    """The tinykeras version, as ``keras.version()``.

    >>> version() == __version__
    True
    """
    return __version__


def __getattr__(name):
    """Load ``tk.layers``, ``tk.Model``... on first use (PEP 562)."""
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _NAMES:
        value = getattr(__getattr__(_NAMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'tinykeras' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_NAMES))


# Last: loading the entry-point plugins imports them, and a plugin package may
# use anything of tinykeras at import (``class Snake(tk.layers.Layer)``).
plugins.boot()
