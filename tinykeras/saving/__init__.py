"""``tk.saving``: models in safetensors files, safe to load from strangers.

* ``model.save("m.safetensors")`` / ``save_model``: weights, architecture,
  compile configuration and optimizer state in one file;
  ``model.save("folder/")`` adds ``config.json`` and a README model card.
* ``tk.models.load_model(path, custom_objects=None, compile=True)``.
* ``model.save_weights("m.weights.safetensors")`` / ``load_weights``, by
  structure (Keras 3's object paths), with a report of mismatches (``skip_mismatch=True``).
* ``register_serializable(package=...)``: make a custom class loadable as
  ``"package>ClassName"``.
* ``python -m tinykeras inspect m.safetensors``.

Loading never imports a module path, evaluates, unmarshals or unpickles
anything; every problem in a file raises a :class:`FileFormatError`
(a ``ValueError``), see docs/file-format.md.

>>> import os, tempfile, numpy as np, tinykeras as tk
>>> @tk.saving.register_serializable(package="Demo")
... class Double(tk.layers.Layer):
...     def call(self, x):
...         return x * 2
>>> model = tk.Sequential([tk.Input((2,)), Double(), tk.layers.Dense(1)])
>>> path = os.path.join(tempfile.mkdtemp(), "double.safetensors")
>>> model.save(path)
>>> type(tk.models.load_model(path).layers[0]).__name__
'Double'
"""
from .errors import FileFormatError, UnknownObjectError, UnsafeContentError, WeightsMismatchError
from .model_file import load_model, save_model
from .object_registration import (custom_object_scope, get_custom_objects, get_registered_name,
                       get_registered_object, register_keras_serializable, register_serializable)
from .safetensors_io import clean_stale_temporaries
from .weights_file import LoadReport, load_weights, save_weights

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "LoadReport",
           "register_serializable", "register_keras_serializable", "get_registered_object",
           "get_registered_name", "get_custom_objects", "custom_object_scope", "FileFormatError",
           "UnsafeContentError", "UnknownObjectError", "WeightsMismatchError",
           "clean_stale_temporaries"]
