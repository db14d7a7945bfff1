"""Adafactor (Shazeer & Stern, 2018): second moments of matrices kept as a
row and a column factor, relative step sizes and update clipping; Keras 3's
formulas, written with ``tk.ops``.

>>> import tinykeras as tk
>>> w = tk.Variable([[1.0, 2.0], [3.0, 4.0]])
>>> _ = tk.optimizers.Adafactor(learning_rate=0.1).apply([tk.ops.ones((2, 2))], [w])
>>> w.numpy().astype(float).round(4).tolist()
[[0.7261, 1.7261], [2.7261, 3.7261]]
"""
from .. import ops
from .base import Optimizer


def _rms(x):
    return ops.sqrt(ops.mean(ops.square(x)))


class Adafactor(Optimizer):
    """``Adafactor(learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
    epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, **base_kwargs)``.

    At step ``t``: ``rho = min(lr, 1/sqrt(t))`` (``lr`` itself is first capped
    at ``1/sqrt(t)`` when ``relative_step`` and it is not a schedule),
    ``alpha = max(epsilon_2, rms(w)) * rho``, ``beta_2 = 1 - t**beta_2_decay``.
    For variables of rank >= 2 the running means of ``g**2 + epsilon_1`` over
    the last and the second-last axis (``r``, ``c``) give
    ``v = r / mean(r) (x) c``; lower ranks keep a full ``v``.  Then
    ``u = g / sqrt(v)``, ``w -= alpha * u / max(1, rms(u) / clip_threshold)``.

    >>> Adafactor().get_config()["beta_2_decay"]
    -0.8
    """
    _hyper_names = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        # Keras's variables in order: per variable the factors r and c, then v.
        # Variables of rank < 2 are not factored: r and c are int32 scalar
        # placeholders (Keras saves them too, so files line up).
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            name = str(var.name)
            if len(var.shape) >= 2:
                self._r.append(self.add_variable(var.shape[:-1], dtype=var.dtype, name=name))
                self._c.append(self.add_variable(var.shape[:-2] + var.shape[-1:], dtype=var.dtype,
                                                 name=name))
            else:
                self._r.append(self.add_variable((), dtype="int32", name=name))
                self._c.append(self.add_variable((), dtype="int32", name=name))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        r, c, v = self._r[i], self._c[i], self._v[i]
        step = float(self._step_count() + 1)
        lr = learning_rate
        if self.relative_step and not callable(self._learning_rate):
            lr = min(lr, 1.0 / step ** 0.5)
        alpha = ops.maximum(self.epsilon_2, _rms(variable)) * min(lr, 1.0 / step ** 0.5)
        grad_square = ops.square(gradient) + self.epsilon_1
        beta_2 = 1.0 - step ** self.beta_2_decay
        if len(variable.shape) >= 2:
            self.assign(r, r * beta_2 + ops.mean(grad_square, axis=-1) * (1.0 - beta_2))
            self.assign(c, c * beta_2 + ops.mean(grad_square, axis=-2) * (1.0 - beta_2))
            self.assign(v, ops.expand_dims(r / ops.mean(r, axis=-1, keepdims=True), -1)
                        * ops.expand_dims(c, -2))
        else:
            self.assign(v, v * beta_2 + grad_square * (1.0 - beta_2))
        u = gradient / ops.sqrt(v)
        u_hat = u / ops.maximum(1.0, _rms(u) / self.clip_threshold)
        self.assign_sub(variable, u_hat * alpha)
