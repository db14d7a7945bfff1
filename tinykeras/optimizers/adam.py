"""The Adam family: Adam (and AMSGrad), AdamW, Adamax, Nadam.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0, -1.0])
>>> _ = tk.optimizers.Adam(learning_rate=0.1).apply([tk.Tensor([0.5, -0.5])], [w])
>>> [round(float(x), 4) for x in w.numpy()]  # the first Adam step is about lr * sign(g)
[0.9, -0.9]
"""
import math

from ..ops import optimizer_ops
from .base import Optimizer


class Adam(Optimizer):
    """``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
    amsgrad=False, **base_kwargs)``.

    Keras's form: ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)``,
    ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``,
    ``w -= alpha * m / (sqrt(v) + epsilon)`` -- epsilon is added to the
    *uncorrected* ``sqrt(v)`` (PyTorch adds it to the corrected one).
    ``amsgrad`` uses ``v_hat = max(v_hat, v)`` in place of ``v``.

    >>> Adam().get_config()["epsilon"]
    1e-07
    """
    _hyper_names = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(var_list, "velocity_hat")

    def _prepare_step(self, learning_rate):
        t = self._step_count() + 1
        alpha = learning_rate * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        self._hyper = dict(alpha=alpha, beta_1=self.beta_1, beta_2=self.beta_2,
                           epsilon=self.epsilon)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        extra = (self._velocity_hats[i],) if self.amsgrad else ()
        optimizer_ops.adam_update(variable, gradient, self._momentums[i], self._velocities[i],
                                  *extra, **self._hyper)


class AdamW(Adam):
    """Adam with decoupled weight decay (``weight_decay=0.004`` by default):
    before each step ``w -= w * weight_decay * lr``.

    >>> AdamW().weight_decay
    0.004
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")


class MomentVelocity(Optimizer):
    """Base of optimizers with ``beta_1``, ``beta_2``, ``epsilon`` and two
    slots per variable, named ``_slot_names`` (Adamax, Nadam, Lamb)."""
    _hyper_names = ("beta_1", "beta_2", "epsilon")
    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, list(self._slot_names))


class Adamax(MomentVelocity):
    """``Adamax(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **base_kwargs)``:
    ``m += (g - m)(1 - b1)``, ``u = max(b2 * u, |g|)``,
    ``w -= lr * m / ((1 - b1^t) * (u + epsilon))``.

    >>> Adamax().get_config()["beta_2"]
    0.999
    """
    _slot_names = ("momentum", "norm")

    def _prepare_step(self, learning_rate):
        self._hyper = dict(learning_rate=learning_rate, beta_1=self.beta_1, beta_2=self.beta_2,
                           epsilon=self.epsilon,
                           beta_1_power=self.beta_1 ** (self._step_count() + 1))

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        optimizer_ops.adamax_update(variable, gradient, self._momentums[i], self._velocities[i],
                                    **self._hyper)


class Nadam(MomentVelocity):
    """``Nadam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **base_kwargs)``:
    Adam with Nesterov momentum and Keras's momentum schedule
    ``u_t = b1 * (1 - 0.5 * 0.96^t)`` (its running product is the
    ``u_product`` variable).

    >>> Nadam().get_config()["beta_1"]
    0.9
    """

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        dtype = var_list[0].dtype if var_list else "float32"
        self._u_product = self._make_variable(1.0, "u_product", dtype)

    def _prepare_step(self, learning_rate):
        t = self._step_count() + 1
        u_t = self.beta_1 * (1.0 - 0.5 * 0.96 ** t)
        u_t_1 = self.beta_1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_product_t = float(self._u_product.numpy()) * u_t
        self._u_product.assign(u_product_t)
        self._hyper = dict(learning_rate=learning_rate, beta_1=self.beta_1, beta_2=self.beta_2,
                           epsilon=self.epsilon, momentum_coef=u_t_1 / (1 - u_product_t * u_t_1),
                           grad_coef=(1 - u_t) / (1 - u_product_t), beta_2_power=self.beta_2 ** t)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        optimizer_ops.nadam_update(variable, gradient, self._momentums[i], self._velocities[i],
                                   **self._hyper)
