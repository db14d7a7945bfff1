"""RMSprop, with Keras's epsilon inside the square root.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0])
>>> _ = tk.optimizers.RMSprop(learning_rate=0.1).apply([tk.Tensor([1.0])], [w])
>>> round(float(w.numpy()[0]), 4)  # 1 - 0.1 / sqrt(0.1)
0.6838
"""
from ..ops import optimizer_ops
from .base import Optimizer


class RMSprop(Optimizer):
    """``RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
    centered=False, **base_kwargs)`` (the default optimizer of ``compile``).

    ``v = rho v + (1 - rho) g^2``; ``increment = lr g / sqrt(v + epsilon)``
    (centered: ``sqrt(v - avg_g^2 + epsilon)``, ``avg_g`` a moving average
    of ``g``); with momentum ``mom = momentum mom + increment``, ``w -= mom``,
    else ``w -= increment``.

    >>> RMSprop().get_config()["rho"]
    0.9
    """
    _hyper_names = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._velocities = self.add_optimizer_variables(var_list, "velocity")
        self._momentums = (self.add_optimizer_variables(var_list, "momentum")
                           if self.momentum > 0 else [])
        self._average_gradients = (self.add_optimizer_variables(var_list, "average_gradient")
                                   if self.centered else [])

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        extra = ((self._momentums[i],) if self.momentum > 0 else ()) + (
            (self._average_gradients[i],) if self.centered else ())
        optimizer_ops.rmsprop_update(variable, gradient, self._velocities[i], *extra,
                                     learning_rate=learning_rate, rho=self.rho,
                                     momentum=self.momentum, epsilon=self.epsilon,
                                     centered=self.centered)
