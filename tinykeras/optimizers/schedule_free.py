"""Schedule-Free AdamW (Defazio et al., 2024): no learning-rate schedule,
an average of the iterates instead.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0, -1.0])
>>> opt = tk.optimizers.ScheduleFreeAdamW(learning_rate=0.1)
>>> _ = opt.apply([tk.Tensor([0.5, -0.5])], [w])
>>> [round(float(x), 4) for x in w.numpy()]  # the first step moves by lr * sign(g)
[0.9, -0.9]
"""
from .. import ops
from .adam import MomentVelocity


class ScheduleFreeAdamW(MomentVelocity):
    """``ScheduleFreeAdamW(learning_rate=0.0025, beta_1=0.9, beta_2=0.999,
    epsilon=1e-8, warmup_steps=0, weight_decay=None, **base_kwargs)``, as Keras 3.

    Slots per variable: ``momentum`` (the sequence ``z`` the gradient steps
    move, starting at the variable's value) and ``velocity`` (Adam's second
    moment).  With ``lr`` scaled by ``min(t / warmup_steps, 1)`` during warm-up:
    ``v += (g^2 - v)(1 - b2)``, ``z -= lr g / (sqrt(v / (1 - b2^t)) + eps)``,
    ``x = (y - (1 - b1) z) / b1``, ``x' = (1 - 1/t) x + z / t``,
    ``y' = (1 - b1) z + b1 x'``; the model's variable holds ``y``.

    As Keras 3.15 on the torch backend computes it, ``x`` is recovered from the
    *updated* ``z`` (its "momentum_old" reads the slot after the in-place
    update), so ``y`` becomes the running mean of the ``z`` iterates.  Keras
    swaps no weights for evaluation: ``evaluate`` and ``predict`` after ``fit``
    use ``y``, here as there.

    >>> ScheduleFreeAdamW().get_config()["warmup_steps"]
    0
    """
    _hyper_names = ("beta_1", "beta_2", "epsilon", "warmup_steps")

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         **kwargs)
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)   # momentum, velocity
        for momentum, var in zip(self._momentums, var_list):
            self.assign(momentum, var.numpy().copy())

    def update_step(self, gradient, variable, learning_rate):
        t = self._step_count() + 1
        lr = learning_rate
        if self.warmup_steps > 0:
            lr = lr * min(t / self.warmup_steps, 1.0)
        i = self._get_variable_index(variable)
        momentum, velocity = self._momentums[i], self._velocities[i]
        b1, b2 = self.beta_1, self.beta_2
        self.assign_add(velocity, (ops.square(gradient) - velocity) * (1 - b2))
        denom = ops.sqrt(velocity / (1 - b2 ** t)) + self.epsilon
        self.assign_sub(momentum, gradient * lr / denom)
        weight = 1.0 / t
        x_old = (variable - momentum * (1 - b1)) / b1
        x_new = x_old * (1 - weight) + momentum * weight
        self.assign(variable, momentum * (1 - b1) + x_new * b1)
