"""Optimizer update ops: one composite op per optimizer family.

Each op takes the variable ``w``, its gradient ``g`` and the optimizer's
slot variables, plus the step's scalars as parameters, and returns the
updated ``w``.  The composite (used on backends without a fused kernel) is
written with tensor ops and, when its inputs are Variables, assigns the new
values into them.  A backend's fused kernel instead updates the arrays
**in place** (``numpy_plugin/numpy_optimizers.py``): callers that compare the two
must hand each one its own copies of the inputs.

The formulas are Keras 3's (``keras/src/optimizers/*.py``), epsilon
placement included.

>>> import tinykeras as tk
>>> w, g = tk.Variable([1.0, 2.0]), tk.Tensor([0.5, -0.5])
>>> with tk.no_grad():
...     _ = sgd_update(w, g, learning_rate=0.1)
>>> [round(float(x), 3) for x in w.numpy()]
[0.95, 2.05]
"""
import numpy as np

from ..core.tensor import apply
from .common import declare_composite
from .math_ops import abs as _abs, maximum, sign, sqrt


def _store(target, value):
    """Assign ``value`` into ``target`` when it is a Variable; return ``value``."""
    assign = getattr(target, "assign", None)
    if assign is not None:
        assign(value)
    return value


def _sampler(n_slots, positive=(), small=(), **params):
    """A ``sample(rng)`` giving float32 ``w, g`` and ``n_slots`` slot arrays
    (those in ``positive`` >= 1, like sums of squares; those in ``small`` / 10)."""
    def sample(rng):
        cases = []
        for shape in ((3,), (2, 5)):
            arrays = [rng.standard_normal(shape).astype(np.float32) for _ in range(2 + n_slots)]
            for i in positive:
                arrays[i] = np.abs(arrays[i]) + np.float32(1.0)
            for i in small:
                arrays[i] *= np.float32(0.1)
            cases.append((arrays, dict(params)))
        return cases
    return sample


def _optimizer_op(name, n_inputs, params, sample):
    """Declare an optimizer update op (it has no gradient)."""
    return declare_composite(name, n_inputs, params, sample=sample, differentiable=False)


@_optimizer_op("sgd_update", n_inputs=-1, params=("learning_rate", "momentum", "nesterov"),
               sample=_sampler(1, learning_rate=0.1, momentum=0.9, nesterov=True))
def _sgd_update_composite(w, g, *momentum_slot, learning_rate, momentum=0.0, nesterov=False):
    """SGD: ``w -= lr * g``; with a momentum slot ``m = momentum * m - lr * g`` and
    ``w += m`` (or ``w += momentum * m - lr * g`` when ``nesterov``)."""
    if not momentum_slot:
        return _store(w, w - g * learning_rate)
    m = _store(momentum_slot[0], momentum_slot[0] * momentum - g * learning_rate)
    return _store(w, w + (m * momentum - g * learning_rate if nesterov else m))


def sgd_update(*inputs, **params):
    """Op ``sgd_update``: a backend's kernel, or :func:`_sgd_update_composite`."""
    return apply("sgd_update", inputs, params)


@_optimizer_op("adam_update", n_inputs=-1, params=("alpha", "beta_1", "beta_2", "epsilon"),
               sample=_sampler(3, positive=(3, 4), alpha=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7))
def _adam_update_composite(w, g, m, v, *velocity_hat, alpha, beta_1, beta_2, epsilon):
    """Adam with the bias corrections folded into ``alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)``:
    ``m += (g - m)(1 - b1)``, ``v += (g^2 - v)(1 - b2)``, (amsgrad: ``v_hat = max(v_hat, v)``),
    ``w -= m * alpha / (sqrt(v) + eps)``."""
    m = _store(m, m + (g - m) * (1 - beta_1))
    v = _store(v, v + (g * g - v) * (1 - beta_2))
    if velocity_hat:
        v = _store(velocity_hat[0], maximum(velocity_hat[0], v))
    return _store(w, w - m * alpha / (sqrt(v) + epsilon))


def adam_update(*inputs, **params):
    """Op ``adam_update``: a backend's kernel, or :func:`_adam_update_composite`."""
    return apply("adam_update", inputs, params)


@_optimizer_op("rmsprop_update", n_inputs=-1,
               params=("learning_rate", "rho", "momentum", "epsilon", "centered"),
               sample=_sampler(3, positive=(2,), small=(4,), learning_rate=0.01, rho=0.9, momentum=0.5,
                               epsilon=1e-7, centered=True))
def _rmsprop_update_composite(w, g, velocity, *slots, learning_rate, rho, momentum=0.0, epsilon=1e-7,
                              centered=False):
    """RMSprop: ``v = rho v + (1 - rho) g^2``; ``inc = lr g / sqrt(v + eps)`` (centered:
    ``sqrt(v - avg_g^2 + eps)``); with momentum ``mom = momentum mom + inc``, ``w -= mom``.
    Slots after ``velocity``: the momentum buffer if ``momentum > 0``, then the average
    gradient if ``centered``."""
    slots = list(slots)
    mom = slots.pop(0) if momentum > 0 else None
    v = _store(velocity, velocity * rho + g * g * (1 - rho))
    if centered:
        avg = _store(slots[0], slots[0] * rho + g * (1 - rho))
        denominator = v - avg * avg + epsilon
    else:
        denominator = v + epsilon
    increment = g * learning_rate / sqrt(denominator)
    if mom is not None:
        increment = _store(mom, mom * momentum + increment)
    return _store(w, w - increment)


def rmsprop_update(*inputs, **params):
    """Op ``rmsprop_update``: a backend's kernel, or :func:`_rmsprop_update_composite`."""
    return apply("rmsprop_update", inputs, params)


@_optimizer_op("adagrad_update", n_inputs=3, params=("learning_rate", "epsilon"),
               sample=_sampler(1, positive=(2,), learning_rate=0.1, epsilon=1e-7))
def _adagrad_update_composite(w, g, accumulator, learning_rate, epsilon):
    """Adagrad: ``acc += g^2``, ``w -= lr g / sqrt(acc + eps)``."""
    acc = _store(accumulator, accumulator + g * g)
    return _store(w, w - g * learning_rate / sqrt(acc + epsilon))


def adagrad_update(*inputs, **params):
    """Op ``adagrad_update``: a backend's kernel, or :func:`_adagrad_update_composite`."""
    return apply("adagrad_update", inputs, params)


@_optimizer_op("adadelta_update", n_inputs=4, params=("learning_rate", "rho", "epsilon"),
               sample=_sampler(2, positive=(2, 3), learning_rate=1.0, rho=0.95, epsilon=1e-7))
def _adadelta_update_composite(w, g, accumulated_grad, accumulated_delta, learning_rate, rho, epsilon):
    """Adadelta: ``E[g^2] = rho E + (1 - rho) g^2``,
    ``delta = -sqrt(E[dx^2] + eps) g / sqrt(E[g^2] + eps)``,
    ``E[dx^2] = rho E + (1 - rho) delta^2``, ``w += lr delta``."""
    acc_g = _store(accumulated_grad, accumulated_grad * rho + g * g * (1 - rho))
    delta = -(sqrt(accumulated_delta + epsilon) * g) / sqrt(acc_g + epsilon)
    _store(accumulated_delta, accumulated_delta * rho + delta * delta * (1 - rho))
    return _store(w, w + delta * learning_rate)


def adadelta_update(*inputs, **params):
    """Op ``adadelta_update``: a backend's kernel, or :func:`_adadelta_update_composite`."""
    return apply("adadelta_update", inputs, params)


@_optimizer_op("adamax_update", n_inputs=4,
               params=("learning_rate", "beta_1", "beta_2", "epsilon", "beta_1_power"),
               sample=_sampler(2, positive=(3,), learning_rate=0.01, beta_1=0.9, beta_2=0.999,
                               epsilon=1e-7, beta_1_power=0.81))
def _adamax_update_composite(w, g, m, u, learning_rate, beta_1, beta_2, epsilon, beta_1_power):
    """Adamax: ``m += (g - m)(1 - b1)``, ``u = max(b2 u, |g|)``,
    ``w -= lr m / ((1 - b1^t)(u + eps))``."""
    m = _store(m, m + (g - m) * (1 - beta_1))
    u = _store(u, maximum(u * beta_2, _abs(g)))
    return _store(w, w - m * learning_rate / ((u + epsilon) * (1 - beta_1_power)))


def adamax_update(*inputs, **params):
    """Op ``adamax_update``: a backend's kernel, or :func:`_adamax_update_composite`."""
    return apply("adamax_update", inputs, params)


@_optimizer_op("nadam_update", n_inputs=4,
               params=("learning_rate", "beta_1", "beta_2", "epsilon", "momentum_coef",
                       "grad_coef", "beta_2_power"),
               sample=_sampler(2, positive=(3,), learning_rate=0.01, beta_1=0.9, beta_2=0.999,
                               epsilon=1e-7, momentum_coef=2.0, grad_coef=0.5, beta_2_power=0.998))
def _nadam_update_composite(w, g, m, v, learning_rate, beta_1, beta_2, epsilon, momentum_coef, grad_coef,
                            beta_2_power):
    """Nadam: ``m``, ``v`` as Adam; ``m_hat = momentum_coef m + grad_coef g`` with
    ``momentum_coef = u_{t+1} / (1 - prod u_{..t+1})`` and
    ``grad_coef = (1 - u_t) / (1 - prod u_{..t})``; ``v_hat = v / (1 - b2^t)``;
    ``w -= lr m_hat / (sqrt(v_hat) + eps)``."""
    m = _store(m, m + (g - m) * (1 - beta_1))
    v = _store(v, v + (g * g - v) * (1 - beta_2))
    m_hat = m * momentum_coef + g * grad_coef
    v_hat = v / (1 - beta_2_power)
    return _store(w, w - m_hat * learning_rate / (sqrt(v_hat) + epsilon))


def nadam_update(*inputs, **params):
    """Op ``nadam_update``: a backend's kernel, or :func:`_nadam_update_composite`."""
    return apply("nadam_update", inputs, params)


@_optimizer_op("lion_update", n_inputs=3, params=("learning_rate", "beta_1", "beta_2"),
               sample=_sampler(1, learning_rate=0.01, beta_1=0.9, beta_2=0.99))
def _lion_update_composite(w, g, m, learning_rate, beta_1, beta_2):
    """Lion: ``w -= lr sign(b1 m + (1 - b1) g)``, then ``m = b2 m + (1 - b2) g``."""
    w_new = _store(w, w - sign(m * beta_1 + g * (1 - beta_1)) * learning_rate)
    _store(m, m * beta_2 + g * (1 - beta_2))
    return w_new


def lion_update(*inputs, **params):
    """Op ``lion_update``: a backend's kernel, or :func:`_lion_update_composite`."""
    return apply("lion_update", inputs, params)


@_optimizer_op("decay_weights", n_inputs=1, params=("rate",), sample=_sampler(-1, rate=0.004))
def _decay_weights_composite(w, rate):
    """Decoupled weight decay, applied before the step: ``w -= w * rate``
    (``rate = weight_decay * lr``)."""
    return _store(w, w - w * rate)


def decay_weights(*inputs, **params):
    """Op ``decay_weights``: a backend's kernel, or :func:`_decay_weights_composite`."""
    return apply("decay_weights", inputs, params)


