"""The ``*_initializer`` / ``*_regularizer`` / ``*_constraint`` arguments of a
layer, resolved and serialized by one pair of helpers instead of six lines
per layer.

>>> import tinykeras as tk
>>> layer = tk.layers.Layer()
>>> set_weight_options(layer, kernel_initializer="zeros", kernel_regularizer=None)
>>> type(layer.kernel_initializer).__name__, weight_options_config(layer, ["kernel_regularizer"])
('Zeros', {'kernel_regularizer': None})
"""
from .. import constraints, initializers, regularizers
from ..serialization import serialize

_KINDS = {"_initializer": initializers, "_regularizer": regularizers, "_constraint": constraints}


def _module(name):
    for suffix, module in _KINDS.items():
        if name.endswith(suffix):
            return module
    raise TypeError(f"set_weight_options: {name!r} is not an *_initializer, *_regularizer or "
                    "*_constraint argument")


def set_weight_options(layer, **options):
    """``layer.<name> = initializers/regularizers/constraints.get(value)`` for each option."""
    for name, value in options.items():
        setattr(layer, name, _module(name).get(value))


def weight_options_config(layer, names):
    """``{name: serialize(layer.<name>)}`` for the config of ``layer``."""
    for name in names:
        _module(name)
    return {name: serialize(getattr(layer, name)) for name in names}
