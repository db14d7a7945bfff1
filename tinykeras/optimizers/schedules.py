"""Learning-rate schedules (``keras.optimizers.schedules``).

A schedule maps the optimizer's step (``optimizer.iterations``, counted from
0) to a learning rate; the optimizer evaluates it at every step.  Values are
computed in float32, as Keras does, and returned as a 0-d float32 Tensor.

>>> import tinykeras as tk
>>> s = tk.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> round(float(s(10)), 6), round(float(s(5)), 6)
(0.05, 0.070711)
>>> opt = tk.optimizers.SGD(learning_rate=s)
"""
import math

import numpy as np

from .. import serialization
from ..core.tensor import Tensor

_F = np.float32


def _step(step):
    return _F(np.asarray(step.numpy() if hasattr(step, "numpy") else step))


def _out(value):
    return Tensor(np.asarray(value, dtype=np.float32))


def _check_positive(value, name):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


class LearningRateSchedule:
    """Base class: implement ``__call__(step)`` and ``get_config()``.

    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 1.0 / 2 ** int(step)
    ...     def get_config(self):
    ...         return {}
    >>> Halving()(3)
    0.125
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`get_config()` in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (exponent floored
    when ``staircase``).

    >>> float(ExponentialDecay(1.0, 2, 0.5, staircase=True)(3))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step(step) / _F(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(_F(self.initial_learning_rate) * np.power(_F(self.decay_rate), p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` while
    ``step <= boundaries[1]``, ..., ``values[-1]`` after the last boundary.

    >>> s = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> [round(float(s(k)), 2) for k in (10, 11, 21)]
    [1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of "
                             f"values. Received: boundaries={boundaries} of length "
                             f"{len(boundaries)}, and values={values} of length {len(values)}.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        step = float(_step(step))
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return _out(value)
        return _out(self.values[-1])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(lr0 - end) * (1 - step / decay_steps) ** power + end``; the step is held
    at ``decay_steps``, or with ``cycle`` the horizon grows by whole ``decay_steps``.

    >>> round(float(PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5)), 4)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = (end_learning_rate, power,
                                                                      cycle, name)

    def __call__(self, step):
        step, decay_steps = _step(step), _F(self.decay_steps)
        if self.cycle:
            decay_steps = decay_steps * (_F(1.0) if step == 0 else np.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        lr0, end = _F(self.initial_learning_rate), _F(self.end_learning_rate)
        return _out((lr0 - end) * np.power(_F(1.0) - p, _F(self.power)) + end)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)`` (floored when ``staircase``).

    >>> float(InverseTimeDecay(1.0, 1, 1.0)(1))
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = _step(step) / _F(self.decay_steps)
        if self.staircase:
            p = np.floor(p)
        return _out(_F(self.initial_learning_rate) / (_F(1.0) + _F(self.decay_rate) * p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


def _cosine(fraction, alpha):
    decayed = _F(0.5) * (_F(1.0) + np.cos(_F(math.pi) * fraction))
    return (_F(1.0) - _F(alpha)) * decayed + _F(alpha)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from ``initial_learning_rate`` to ``alpha`` times it over
    ``decay_steps``; with ``warmup_target``, a linear warmup from
    ``initial_learning_rate`` to ``warmup_target`` over ``warmup_steps`` comes first.

    >>> s = CosineDecay(0.0, 10, warmup_target=1.0, warmup_steps=5)
    >>> [round(float(s(k)), 4) for k in (0, 5, 10, 15)]
    [0.0, 1.0, 0.5, 0.0]
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive(decay_steps, "decay_steps")
        self.initial_learning_rate, self.decay_steps, self.alpha = (initial_learning_rate,
                                                                    decay_steps, alpha)
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def __call__(self, step):
        step, decay_steps = _step(step), _F(self.decay_steps)
        lr0 = _F(self.initial_learning_rate)
        if self.warmup_target is None:
            step = min(step, decay_steps)
            return _out(lr0 * _cosine(step / decay_steps, self.alpha))
        target, warmup = _F(self.warmup_target), _F(self.warmup_steps)
        step = min(step, decay_steps + warmup)
        if step < warmup:
            return _out((target - lr0) * (step / warmup) + lr0)
        return _out(target * _cosine((step - warmup) / decay_steps, self.alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of ``first_decay_steps``
    growing by ``t_mul``, peaks scaled by ``m_mul`` at each restart.

    >>> s = CosineDecayRestarts(1.0, 10)
    >>> [round(float(s(k)), 4) for k in (0, 5, 10, 20)]
    [1.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_positive(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self._t_mul, self._m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        fraction = _step(step) / _F(self.first_decay_steps)
        t_mul = _F(self._t_mul)
        if t_mul == 1.0:
            i_restart = np.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = np.floor(np.log(_F(1.0) - fraction * (_F(1.0) - t_mul)) / np.log(t_mul))
            sum_r = (_F(1.0) - np.power(t_mul, i_restart)) / (_F(1.0) - t_mul)
            fraction = (fraction - sum_r) / np.power(t_mul, i_restart)
        m_fac = np.power(_F(self._m_mul), i_restart)
        cosine = _F(0.5) * m_fac * (_F(1.0) + np.cos(_F(math.pi) * fraction))
        alpha = _F(self.alpha)
        return _out(_F(self.initial_learning_rate) * ((_F(1.0) - alpha) * cosine + alpha))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


ALL_OBJECTS = (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
               InverseTimeDecay, CosineDecay, CosineDecayRestarts)
ALL_OBJECTS_DICT = serialization.build_table(ALL_OBJECTS)


def serialize(learning_rate_schedule):
    """Keras-style config dict.

    >>> serialize(InverseTimeDecay(0.1, 10, 0.5))["class_name"]
    'InverseTimeDecay'
    """
    return serialization.serialize(learning_rate_schedule, "keras.optimizers.schedules")


def deserialize(config, custom_objects=None):
    """The schedule described by ``config``.

    >>> deserialize(serialize(ExponentialDecay(0.1, 10, 0.5))).decay_rate
    0.5
    """
    return serialization.deserialize(config, ALL_OBJECTS_DICT, "learning rate schedule",
                                     custom_objects)
