"""Muon: momentum orthogonalized by Newton-Schulz iterations (Jordan et al.,
2024; Liu et al., 2025), with an AdamW step for the variables it does not suit.

>>> import numpy as np, tinykeras as tk
>>> w = tk.Variable(np.eye(2, dtype="float32"), name="kernel")
>>> _ = tk.optimizers.Muon(learning_rate=0.1, weight_decay=None).apply(
...     [tk.Tensor(np.array([[1.0, 0.0], [0.0, 0.0]], "float32"))], [w])
>>> np.round(w.numpy().astype(float), 3).tolist()  # lr * NS5(u) * sqrt(2) * 0.2, NS5(u)[0,0] ~ 0.7
[[0.98, 0.0], [0.0, 1.0]]
"""
import math
import re

from .. import ops
from ..ops import optimizer_ops
from .base import Optimizer


class Muon(Optimizer):
    """``Muon(learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
    adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, ...,
    exclude_layers=None, exclude_embeddings=True, muon_a=3.4445,
    muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95,
    ns_steps=5, nesterov=True, rms_rate=0.2)``, as Keras 3.

    A 2-D variable (not an embedding when ``exclude_embeddings``, and whose
    path matches none of the ``exclude_layers`` regular expressions) takes the
    Muon step: ``m = momentum * m + g``, ``u = g + momentum * m`` (``nesterov``)
    or ``m``, ``w -= lr * NS5(u) * sqrt(max(rows, cols)) * rms_rate``, where
    ``NS5`` runs ``ns_steps`` quintic Newton-Schulz iterations
    ``X = a X + (b A + c A A) X`` (``A = X X^T``) from ``u / (||u||_F + 1e-7)``.
    Every other variable takes Adam's step with ``learning_rate * adam_lr_ratio``
    and a ``velocity`` slot.  Weight decay is ``weight_decay`` for Muon
    variables and ``adam_weight_decay`` for the others.

    >>> Muon().get_config()["ns_steps"]
    5
    """
    _hyper_names = ("adam_beta_1", "adam_beta_2", "epsilon", "exclude_layers", "muon_a", "muon_b",
                    "muon_c", "adam_lr_ratio", "momentum", "ns_steps", "nesterov",
                    "exclude_embeddings", "adam_weight_decay", "rms_rate")

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
                         use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum, self.ns_steps = adam_lr_ratio, momentum, ns_steps
        self.nesterov, self.exclude_embeddings = nesterov, exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay, self.rms_rate = adam_weight_decay, rms_rate

    def _should_use_adamw(self, variable):
        """Adam's step for non-2-D variables, embeddings and ``exclude_layers`` matches."""
        path = getattr(variable, "path", None) or str(variable.name)
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums, self.adam_velocities = [], []
        for var in var_list:   # Keras's order: momentum, then (Adam variables) velocity
            self.momentums.append(self.add_variable_from_reference(var, "momentum"))
            self.adam_velocities.append(self.add_variable_from_reference(var, "velocity")
                                        if self._should_use_adamw(var) else None)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        m, v = self.momentums[i], self.adam_velocities[i]
        if v is not None:
            t = self._step_count() + 1
            lr = learning_rate * self.adam_lr_ratio
            alpha = lr * math.sqrt(1 - self.adam_beta_2 ** t) / (1 - self.adam_beta_1 ** t)
            optimizer_ops.adam_update(variable, gradient, m, v, alpha=alpha, beta_1=self.adam_beta_1,
                                      beta_2=self.adam_beta_2, epsilon=self.epsilon)
            return
        self.assign_add(m, gradient + m * (self.momentum - 1))
        g = gradient + m * self.momentum if self.nesterov else m
        self.assign_sub(variable, self.lr_adjust(self.zeropower_via_newtonschulz5(g, self.ns_steps)
                                                 * learning_rate))

    def lr_adjust(self, x):
        """``x * sqrt(max(rows, cols)) * rms_rate`` (Moonlight's scaling); ``x`` when
        ``rms_rate`` is None."""
        if self.rms_rate is None:
            return x
        return x * (math.sqrt(max(x.shape[0], x.shape[1])) * self.rms_rate)

    def zeropower_via_newtonschulz5(self, x, steps):
        """About ``U V^T`` of ``x = U S V^T``: ``steps`` quintic Newton-Schulz iterations."""
        if x.ndim < 2:
            raise ValueError("Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={tuple(x.shape)}")
        tall = x.shape[-2] > x.shape[-1]
        x = ops.swapaxes(x, -1, -2) if tall else x
        x = x / (ops.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        for _ in range(steps):
            gram = ops.matmul(x, ops.swapaxes(x, -1, -2))
            x = x * a + ops.matmul(gram * b + ops.matmul(gram, gram) * c, x)
        return ops.swapaxes(x, -1, -2) if tall else x

    def _apply_weight_decay(self, variables, learning_rate):
        for v in variables:
            if not self._use_weight_decay(v):
                continue
            decay = self.adam_weight_decay if self._should_use_adamw(v) else self.weight_decay
            if decay is not None:
                optimizer_ops.decay_weights(v, rate=decay * learning_rate)
