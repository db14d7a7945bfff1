"""``keras.losses``: Loss classes, per-sample functions, ``get``/``serialize``.

>>> import tinykeras as tk
>>> loss = tk.losses.get("mse")
>>> loss([[1.0, 2.0]], [[1.0, 0.0]]).numpy().tolist()
[2.0]
>>> tk.losses.MeanSquaredError()([[1.0, 2.0]], [[1.0, 0.0]], sample_weight=[0.5]).item()
1.0
"""
from .. import serialization
from .classes import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                      CategoricalFocalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
                      Huber, KLDivergence, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError,
                      MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                      SparseCategoricalCrossentropy, SquaredHinge)
from .functions import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                        categorical_focal_crossentropy, categorical_hinge, cosine_similarity, hinge,
                        huber, kl_divergence, log_cosh, mean_absolute_error,
                        mean_absolute_percentage_error, mean_squared_error,
                        mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy,
                        squared_hinge)
from .overlap import (CategoricalGeneralizedCrossEntropy, Circle, Dice, Tversky,
                      categorical_generalized_cross_entropy, circle, dice, tversky)
from .ctc import CTC, ctc
from .loss import Loss, LossFunctionWrapper, reduce_weighted_values, squeeze_or_expand_to_same_rank

ALL_OBJECTS = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCosh, Huber, Hinge, SquaredHinge, CategoricalHinge,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, Dice, Tversky, Circle, CategoricalGeneralizedCrossEntropy, dice, tversky,
    circle, categorical_generalized_cross_entropy, CTC, ctc)
_ALIASES = {"bce": binary_crossentropy, "kld": kl_divergence, "mae": mean_absolute_error,
            "mse": mean_squared_error, "mape": mean_absolute_percentage_error,
            "msle": mean_squared_logarithmic_error, "logcosh": log_cosh,
            "kullback_leibler_divergence": kl_divergence}
_ALIASES.update({k.upper(): v for k, v in list(_ALIASES.items()) if len(k) <= 4})
# Keras's table maps class names to classes and function names to functions
# (no snake_case class names: "mean_squared_error" is the function).
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(_ALIASES)
bce, kld, mae, mse, mape, msle, logcosh = (binary_crossentropy, kl_divergence, mean_absolute_error,
                                           mean_squared_error, mean_absolute_percentage_error,
                                           mean_squared_logarithmic_error, log_cosh)
MSE, MAE, MAPE, MSLE, KLD, BCE = mse, mae, mape, msle, kld, bce


def serialize(loss):
    """Keras-style config of a Loss (or ``{"class_name": "function", ...}`` for a function).

    >>> serialize(MeanSquaredError())["config"]
    {'name': 'mean_squared_error', 'reduction': 'sum_over_batch_size'}
    """
    return serialization.serialize(loss, "keras.losses")


def deserialize(name, custom_objects=None):
    """A Loss instance or loss function from a config dict or a name.

    >>> deserialize({"class_name": "Huber", "config": {"delta": 2.0}}).get_config()["delta"]
    2.0
    """
    return serialization.deserialize(name, ALL_OBJECTS_DICT, "loss", custom_objects)


def get(identifier):
    """A loss from a name (functions: ``"mse"``, ``"categorical_crossentropy"``;
    classes: ``"MeanSquaredError"``), a config dict, a class, an instance or a
    callable.  Unknown names raise ValueError listing the valid ones.

    >>> get("mse") is mean_squared_error, type(get("Huber")).__name__
    (True, 'Huber')
    """
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "loss")


def is_binary_or_sparse_categorical(y_true, y_pred):
    """``(is_binary, is_sparse_categorical)`` from the shapes, as Keras's compile utils.

    >>> is_binary_or_sparse_categorical((32,), (32, 10))
    (False, True)
    """
    t_shape = tuple(y_true) if isinstance(y_true, tuple) else tuple(y_true.shape)
    p_shape = tuple(y_pred) if isinstance(y_pred, tuple) else tuple(y_pred.shape)
    is_binary = p_shape[-1] == 1
    is_sparse = len(t_shape) < len(p_shape) or (t_shape[-1] == 1 and p_shape[-1] > 1)
    return is_binary, is_sparse


def resolve(identifier, y_true, y_pred):
    """The Loss object ``compile(loss=identifier)`` uses (Keras's ``get_loss``).

    ``"crossentropy"``/``"ce"`` pick binary, sparse categorical or
    categorical crossentropy from the shapes of ``y_true`` and ``y_pred``;
    functions are wrapped in :class:`LossFunctionWrapper` named after the
    user's string.

    >>> import numpy as np
    >>> loss = resolve("ce", np.zeros((4,)), np.zeros((4, 3)))
    >>> loss.fn.__name__, loss.name
    ('sparse_categorical_crossentropy', 'ce')
    """
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        obj = (binary_crossentropy if is_binary else
               sparse_categorical_crossentropy if is_sparse else categorical_crossentropy)
    else:
        obj = get(identifier)
    if isinstance(obj, Loss):
        return obj
    name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", None)
    return LossFunctionWrapper(obj, name=name)
