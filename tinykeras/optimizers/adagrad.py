"""Adagrad and Adadelta: per-coordinate rates from accumulated squares.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0])
>>> _ = tk.optimizers.Adagrad(learning_rate=0.1).apply([tk.Tensor([1.0])], [w])
>>> round(float(w.numpy()[0]), 4)  # 1 - 0.1 * 1 / sqrt(0.1 + 1)
0.9047
"""
from .. import initializers
from ..ops import optimizer_ops
from .base import Optimizer


class Adagrad(Optimizer):
    """``Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
    **base_kwargs)``: ``acc += g^2``, ``w -= lr g / sqrt(acc + epsilon)``.

    >>> Adagrad().get_config()["initial_accumulator_value"]
    0.1
    """
    _hyper_names = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators = self.add_optimizer_variables(
            var_list, "accumulator", initializer=initializers.Constant(self.initial_accumulator_value))

    def update_step(self, gradient, variable, learning_rate):
        optimizer_ops.adagrad_update(variable, gradient,
                                     self._accumulators[self._get_variable_index(variable)],
                                     learning_rate=learning_rate, epsilon=self.epsilon)


class Adadelta(Optimizer):
    """``Adadelta(learning_rate=0.001, rho=0.95, epsilon=1e-7, **base_kwargs)``:
    ``E[g^2] = rho E + (1 - rho) g^2``,
    ``delta = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``,
    ``E[dx^2] = rho E + (1 - rho) delta^2``, ``w += lr * delta``.

    >>> Adadelta().get_config()["rho"]
    0.95
    """
    _hyper_names = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        optimizer_ops.adadelta_update(variable, gradient, self._accumulated_grads[i],
                                      self._accumulated_delta_vars[i],
                                      learning_rate=learning_rate, rho=self.rho,
                                      epsilon=self.epsilon)
