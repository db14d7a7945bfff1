"""Ftrl ("Follow The Regularized Leader", McMahan et al., 2013) and Lamb
(layer-wise adaptive Adam, You et al., 2019), written with ``tk.ops`` as
Keras 3 writes them, so they run on every backend.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0, -2.0])
>>> _ = tk.optimizers.Ftrl(learning_rate=0.1).apply([tk.Tensor([0.5, 0.5])], [w])
>>> [round(float(x), 4) for x in w.numpy()]
[0.381, -1.0155]
"""
from .. import initializers, ops
from .adam import MomentVelocity
from .base import Optimizer


class Ftrl(Optimizer):
    """``Ftrl(learning_rate=0.001, learning_rate_power=-0.5,
    initial_accumulator_value=0.1, l1_regularization_strength=0.0,
    l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
    beta=0.0, **base_kwargs)``.  Per coordinate, with ``p = -learning_rate_power``:
    ``n' = n + g**2``, ``z += g + 2 l2_shrinkage w - (n'**p - n**p) / lr * w``,
    ``w = (clip(z, -l1, l1) - z) / (n'**p / lr + 2 (l2 + beta / (2 lr)))``.

    >>> Ftrl().get_config()["learning_rate_power"]
    -0.5
    """
    _hyper_names = ("learning_rate_power", "initial_accumulator_value",
                    "l1_regularization_strength", "l2_regularization_strength",
                    "l2_shrinkage_regularization_strength", "beta")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        checks = (("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
                  ("learning_rate_power", -learning_rate_power, "negative or zero"),
                  ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
                  ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
                  ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
                   "positive or zero"))
        for arg, value, what in checks:
            if value < 0.0:
                shown = -value if arg == "learning_rate_power" else value
                raise ValueError(f"`{arg}` needs to be {what}. Received: {arg}={shown}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[initializers.Constant(self.initial_accumulator_value), "zeros"])

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        accum, linear = self._accumulators[i], self._linears[i]
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        grad_to_use = gradient + variable * (2 * self.l2_shrinkage_regularization_strength)
        new_accum = accum + ops.square(gradient)
        new_power = ops.power(new_accum, power)
        self.assign_add(linear, grad_to_use
                        - (new_power - ops.power(accum, power)) / learning_rate * variable)
        quadratic = new_power / learning_rate + 2 * l2
        l1 = self.l1_regularization_strength
        self.assign(variable, (ops.clip(linear, -l1, l1) - linear) / quadratic)
        self.assign(accum, new_accum)


class Lamb(MomentVelocity):
    """``Lamb(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
    **base_kwargs)``: Adam's bias-corrected step ``u = m_hat / (sqrt(v_hat) + eps)``
    scaled per variable by the trust ratio ``||w|| / ||u||`` (1 when either is 0).

    >>> Lamb().get_config()["beta_2"]
    0.999
    """

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        step = self._step_count() + 1
        self.assign_add(m, (gradient - m) * (1 - self.beta_1))
        self.assign_add(v, (ops.square(gradient) - v) * (1 - self.beta_2))
        update = (m / (1.0 - self.beta_1 ** step)) / (
            ops.sqrt(v / (1.0 - self.beta_2 ** step)) + self.epsilon)
        w_norm = float(ops.sqrt(ops.sum(ops.square(variable))))
        u_norm = float(ops.sqrt(ops.sum(ops.square(update))))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        self.assign_sub(variable, update * (ratio * learning_rate))
