"""Stochastic gradient descent, with Keras's momentum convention.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0])
>>> opt = tk.optimizers.SGD(learning_rate=0.1, momentum=0.9)
>>> for _ in range(2):
...     _ = opt.apply([tk.Tensor([1.0])], [w])
>>> round(float(w.numpy()[0]), 4)  # steps of 0.1, then 0.9 * 0.1 + 0.1
0.71
"""
from ..ops import optimizer_ops
from .base import Optimizer


class SGD(Optimizer):
    """``SGD(learning_rate=0.01, momentum=0.0, nesterov=False, **base_kwargs)``.

    Keras's update: ``m = momentum * m - lr * g``; ``w += m``, or with
    ``nesterov`` ``w += momentum * m - lr * g``.  The velocity ``m`` includes
    the learning rate (unlike PyTorch's buffer).  Base keyword arguments:
    see :class:`~tinykeras.optimizers.Optimizer`.

    >>> SGD(momentum=0.9).get_config()["momentum"]
    0.9
    """
    _hyper_names = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = float(momentum), nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        slot = (self.momentums[self._get_variable_index(variable)],) if self.momentum != 0 else ()
        optimizer_ops.sgd_update(variable, gradient, *slot, learning_rate=learning_rate,
                                 momentum=self.momentum, nesterov=self.nesterov)
