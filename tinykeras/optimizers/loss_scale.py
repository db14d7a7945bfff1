"""``LossScaleOptimizer``: dynamic loss scaling around any optimizer.

>>> import tinykeras as tk
>>> opt = tk.optimizers.LossScaleOptimizer(tk.optimizers.SGD(1.0), initial_scale=8.0)
>>> w = tk.Variable([0.0])
>>> _ = opt.apply([tk.Tensor([16.0])], [w])            # unscaled: 16 / 8 = 2
>>> w.numpy().tolist(), float(opt.dynamic_scale.numpy())
([-2.0], 8.0)
>>> _ = opt.apply([tk.Tensor([float("inf")])], [w])    # skipped; the scale halves
>>> w.numpy().tolist(), float(opt.dynamic_scale.numpy())
([-2.0], 4.0)
"""
import numpy as np

from .. import initializers, ops
from ..core.autograd import no_grad
from .base import Optimizer

# Base arguments Keras used to write into this optimizer's config: accepted at
# their defaults (old files), refused otherwise.
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """``LossScaleOptimizer(inner_optimizer, initial_scale=2.0**15,
    dynamic_growth_steps=2000, name=None)``, as Keras 3.

    ``fit`` multiplies the loss by ``dynamic_scale`` (``scale_loss``); each
    step divides the gradients by it and, when they are all finite, lets the
    inner optimizer apply them and counts the step (``step_counter``): after
    ``dynamic_growth_steps`` finite steps in a row the scale doubles.  A step
    with an inf or NaN gradient changes no weight, halves the scale and resets
    the counter.  ``variables`` are ``[iteration, learning_rate, step_counter,
    dynamic_scale]`` followed by the inner optimizer's; ``iterations`` and
    ``learning_rate`` are the inner optimizer's.

    >>> from tinykeras.optimizers import Adam
    >>> LossScaleOptimizer(Adam()).get_config()["dynamic_growth_steps"]
    2000
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None,
                 **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply "
                             "set `loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer: `inner_optimizer` must be an Optimizer, received "
                            f"{type(inner_optimizer).__name__}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale, self.dynamic_growth_steps = initial_scale, dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None   # else the gradients are unscaled twice

    def build(self, var_list):
        self.step_counter = self.add_variable((), initializers.Zeros(), "int32", name="step_counter")
        self.dynamic_scale = self.add_variable((), initializers.Constant(self.initial_scale), "float32",
                                               name="dynamic_scale")
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def _saved_children(self):
        return [("inner_optimizer", self.inner_optimizer)]

    def apply(self, grads, trainable_variables=None):
        """Unscale and apply ``grads`` if all are finite, else skip the step; update the scale."""
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            self.build(list(trainable_variables))
        with no_grad():
            finite = all(bool(ops.all(ops.isfinite(g))) for g in grads if g is not None)
            count, scale = int(self.step_counter.numpy()), float(self.dynamic_scale.numpy())
            if not finite:
                count, scale = 0, scale * 0.5
            else:
                self.inner_optimizer.apply([None if g is None else g / scale for g in grads],
                                           trainable_variables)
                count, scale = (0, scale * 2.0) if count == self.dynamic_growth_steps - 1 \
                    else (count + 1, scale)
            self.step_counter.assign(np.asarray(count, np.int32))
            self.dynamic_scale.assign(np.asarray(scale, np.float32))

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (``initial_scale`` before the first step)."""
        scale = float(self.dynamic_scale.numpy()) if self.built else self.initial_scale
        return loss * scale

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        from . import serialize
        return {"name": self.name, "inner_optimizer": serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        config = dict(config)
        return cls(deserialize(config.pop("inner_optimizer"), custom_objects), **config)
