"""Lion: sign-of-momentum updates (Chen et al., 2023).

>>> import tinykeras as tk
>>> w = tk.Variable([1.0, 1.0])
>>> _ = tk.optimizers.Lion(learning_rate=0.1).apply([tk.Tensor([3.0, -0.01])], [w])
>>> [round(float(x), 4) for x in w.numpy()]
[0.9, 1.1]
"""
from ..ops import optimizer_ops
from .base import Optimizer


class Lion(Optimizer):
    """``Lion(learning_rate=0.001, beta_1=0.9, beta_2=0.99, **base_kwargs)``:
    ``w -= lr * sign(b1 m + (1 - b1) g)``, then ``m = b2 m + (1 - b2) g``.

    >>> Lion().get_config()["beta_2"]
    0.99
    """
    _hyper_names = ("beta_1", "beta_2")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        optimizer_ops.lion_update(variable, gradient,
                                  self._momentums[self._get_variable_index(variable)],
                                  learning_rate=learning_rate, beta_1=self.beta_1,
                                  beta_2=self.beta_2)
