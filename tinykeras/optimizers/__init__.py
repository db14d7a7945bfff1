"""``keras.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
Nadam, Lion, Ftrl, Lamb, Adafactor, Muon, ScheduleFreeAdamW, the wrappers
LossScaleOptimizer and MultiOptimizer (with OptimizerMap), learning-rate
``schedules`` and ``get``/``serialize``.

>>> import tinykeras as tk
>>> opt = tk.optimizers.get("Adam")
>>> type(opt).__name__, float(opt.learning_rate.numpy())
('Adam', 0.0010000000474974513)
"""
from .. import serialization
from . import schedules
from .adafactor import Adafactor
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import Optimizer
from .ftrl import Ftrl, Lamb
from .lion import Lion
from .loss_scale import LossScaleOptimizer
from .multi import MultiOptimizer, OptimizerMap
from .muon import Muon
from .rmsprop import RMSprop
from .schedule_free import ScheduleFreeAdamW
from .sgd import SGD

ALL_OBJECTS = (Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Lion, Ftrl,
               Lamb, Adafactor, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer,
               OptimizerMap)
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS)


def serialize(optimizer):
    """Keras-style config dict.

    >>> serialize(SGD())["config"]["momentum"]
    0.0
    """
    return serialization.serialize(optimizer, "keras.optimizers")


def deserialize(config, custom_objects=None):
    """The optimizer described by ``config`` (class names are case-insensitive).

    >>> opt = deserialize({"class_name": "adam", "config": {"learning_rate": 0.5}})
    >>> type(opt).__name__, opt.get_config()["learning_rate"]
    ('Adam', 0.5)
    """
    obj = serialization.deserialize(config, ALL_OBJECTS_DICT, "optimizer", custom_objects,
                                    case_insensitive=True)
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """An optimizer from a name (``"sgd"``, ``"Adam"``, ``"rmsprop"``: case-insensitive),
    a config dict, a class or an instance.  Unknown names raise ValueError listing
    the valid ones.

    >>> type(get("rmsprop")).__name__
    'RMSprop'
    """
    return serialization.get_from_identifier(identifier, ALL_OBJECTS_DICT, "optimizer",
                                             case_insensitive=True,
                                             valid=lambda obj: isinstance(obj, Optimizer))
