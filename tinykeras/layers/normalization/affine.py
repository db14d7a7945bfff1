"""The ``gamma``/``beta`` arguments that LayerNormalization and
GroupNormalization share: their initializers, regularizers, constraints,
weights and config entries.

>>> import tinykeras as tk
>>> sorted(affine_config(tk.layers.GroupNormalization(groups=2)))[:3]
['beta_constraint', 'beta_initializer', 'beta_regularizer']
"""
from ... import constraints, initializers, regularizers


def set_affine_args(layer, beta_initializer, gamma_initializer, beta_regularizer,
                    gamma_regularizer, beta_constraint, gamma_constraint):
    """Resolve and store the six gamma/beta arguments on ``layer``."""
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)


def add_affine_weight(layer, which, shape):
    """``layer.add_weight`` for ``"gamma"`` or ``"beta"`` with the layer's arguments."""
    return layer.add_weight(shape=shape, name=which,
                            initializer=getattr(layer, f"{which}_initializer"),
                            regularizer=getattr(layer, f"{which}_regularizer"),
                            constraint=getattr(layer, f"{which}_constraint"))


def affine_config(layer):
    """The six serialized gamma/beta entries of ``get_config``."""
    return {"beta_initializer": initializers.serialize(layer.beta_initializer),
            "gamma_initializer": initializers.serialize(layer.gamma_initializer),
            "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
            "beta_constraint": constraints.serialize(layer.beta_constraint),
            "gamma_constraint": constraints.serialize(layer.gamma_constraint)}
