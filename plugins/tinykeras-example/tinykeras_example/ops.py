"""The Snake op: ``snake(x, alpha) = x + sin(alpha * x)**2 / alpha``.

Snake (Liu Ziyin et al., NeurIPS 2020) is a periodic activation: it is
close to ``x`` for small ``alpha`` and adds a wiggle that lets a network
fit periodic signals (BigVGAN and DAC use it in audio models).  An op is
three things, all declared in :data:`SNAKE`:

* a **composite**: the op written with existing ops, which runs on any
  backend that has no kernel for it, and which autograd differentiates
  by itself;
* a **backward rule** ``rule(g, out, x, alpha)``, used when a kernel ran:
  ``d snake / dx = 1 + sin(2 * alpha * x)``;
* a **sample** spec: how ``tinykeras.testing`` draws inputs to test it.

The NumPy kernel (:func:`snake_numpy`) is the reference that every other
backend's kernel is tested against.

>>> SNAKE.name, SNAKE.params
('snake', ('alpha',))
>>> snake_numpy(np.array([0.0, 1.0]), alpha=1.0).round(4).tolist()
[0.0, 1.7081]
"""
import numpy as np

from tinykeras import ops as tk_ops
from tinykeras.core import registry
from tinykeras.core.tensor import apply


def snake(x, alpha=1.0):
    """Snake activation, ``x + sin(alpha * x)**2 / alpha`` (``alpha > 0``).

    Runs the active backend's ``snake`` kernel, or the composite if the
    backend has none; differentiable either way.

    >>> snake(np.array([0.0, 1.0])).numpy().round(4).tolist()  # float64 in, float64 out
    [0.0, 1.7081]
    """
    alpha = float(alpha)
    if not alpha > 0:
        raise ValueError(f"snake: alpha must be > 0, got {alpha}")
    if "snake" not in registry.OPS:
        raise RuntimeError("op 'snake' is not declared: the tinykeras-example plugin is not "
                           "loaded (see TINYKERAS_PLUGINS / TINYKERAS_DISABLE_PLUGIN_AUTOLOAD)")
    return apply("snake", (tk_ops.convert_to_tensor(x),), {"alpha": alpha})


def snake_composite(x, alpha=1.0):
    """The fallback: the same formula with tinykeras ops, on Tensors."""
    s = tk_ops.sin(x * alpha)
    return x + s * s / alpha


def snake_rule(g, out, x, alpha=1.0):
    """Backward rule: one gradient per input (autograd is off while it runs)."""
    return (g * (1 + tk_ops.sin(x * (2 * alpha))),)


def snake_numpy(x, alpha=1.0):
    """NumPy kernel: NumPy arrays in, a NumPy array of the same dtype out."""
    s = np.sin(x * alpha)
    return np.asarray(x + s * s / alpha)


def sample(rng):
    """Test cases ``[(inputs, params), ...]``: 0-d, empty and 2-d inputs, several alphas."""
    from tinykeras.testing import values
    return [([values(rng, shape)], {"alpha": alpha})
            for shape, alpha in [((), 1.0), ((3,), 0.5), ((2, 3), 1.0), ((0, 3), 2.0), ((1, 4), 3.0)]]


SNAKE = registry.OpDef("snake", n_inputs=1, params=("alpha",), rule=snake_rule,
                       composite=snake_composite, sample=sample, doc=snake.__doc__)
