"""Fused, in-place NumPy kernels for the optimizer update ops.

Each kernel gets the variable, its gradient and the slot arrays of one
update op (``tinykeras/ops/optimizer_ops.py``), overwrites the variable and
slot arrays with NumPy ``out=`` arithmetic, and returns the variable's
array.  The operations follow the composites one for one, in the same
order, so both give the same float32 numbers.  Temporaries come from a
small per-shape scratch cache, so a training step allocates nothing.  A
big variable (an MLP's or an embedding's kernel) is cut into pieces of
rows that threads update at once (``numpy_parallel.pieces``).

>>> w, g = np.ones(2, np.float32), np.full(2, 0.5, np.float32)
>>> KERNELS["sgd_update"](w, g, learning_rate=0.1, momentum=0.0, nesterov=False).tolist()
[0.949999988079071, 0.949999988079071]
>>> w.tolist()  # updated in place
[0.949999988079071, 0.949999988079071]
"""
import threading

import numpy as np

from .numpy_parallel import pieces
from .numpy_threads import POLICY

_SCRATCH = {}
_PIECE = threading.local()   # ``lo``: the first row of the piece this thread updates (None: whole)
BIG_VARIABLE = 3 << 17       # elements (measured: a 512x512 kernel updates faster in one piece, 784x512 twice as fast in two)


def _tmp(like, slot=0):
    """A reusable scratch array shaped like ``like`` (never returned to callers;
    one per piece, so threads never share one)."""
    key = (like.shape, like.dtype.str, slot, getattr(_PIECE, "lo", None))
    buf = _SCRATCH.get(key)
    if buf is None:
        if len(_SCRATCH) > 256:
            _SCRATCH.clear()
        buf = _SCRATCH[key] = np.empty(like.shape, like.dtype)
    return buf


def _ema(acc, g, beta):
    """``acc += (g - acc) * (1 - beta)`` in place (Adam's first/second moments)."""
    t = _tmp(acc, 2)
    np.subtract(g, acc, out=t)
    t *= 1 - beta
    acc += t


def _sgd(*arrays, learning_rate, momentum=0.0, nesterov=False):
    w, g, *slots = arrays
    t = _tmp(w)
    np.multiply(g, learning_rate, out=t)
    if not slots:
        w -= t
        return w
    m = slots[0]
    m *= momentum
    m -= t
    if nesterov:
        t2 = _tmp(w, 1)
        np.multiply(m, momentum, out=t2)
        t2 -= t
        w += t2
    else:
        w += m
    return w


def _adam(*arrays, alpha, beta_1, beta_2, epsilon):
    w, g, m, v, *v_hat = arrays
    _ema(m, g, beta_1)
    t = _tmp(w)
    np.multiply(g, g, out=t)
    _ema(v, t, beta_2)
    if v_hat:
        np.maximum(v_hat[0], v, out=v_hat[0])
        v = v_hat[0]
    np.sqrt(v, out=t)
    t += epsilon
    t2 = _tmp(w, 1)
    np.multiply(m, alpha, out=t2)
    t2 /= t
    w -= t2
    return w


def _rmsprop(*arrays, learning_rate, rho, momentum=0.0, epsilon=1e-7, centered=False):
    w, g, v, *slots = arrays
    mom = slots.pop(0) if momentum > 0 else None
    t, t2 = _tmp(w), _tmp(w, 1)
    v *= rho
    np.multiply(g, g, out=t)
    t *= 1 - rho
    v += t
    if centered:
        avg = slots[0]
        avg *= rho
        np.multiply(g, 1 - rho, out=t)
        avg += t
        np.multiply(avg, avg, out=t)
        np.subtract(v, t, out=t)
        t += epsilon
    else:
        np.add(v, epsilon, out=t)
    np.sqrt(t, out=t)
    np.multiply(g, learning_rate, out=t2)
    t2 /= t
    if mom is not None:
        mom *= momentum
        mom += t2
        w -= mom
    else:
        w -= t2
    return w


def _adagrad(w, g, acc, learning_rate, epsilon):
    t, t2 = _tmp(w), _tmp(w, 1)
    np.multiply(g, g, out=t)
    acc += t
    np.add(acc, epsilon, out=t)
    np.sqrt(t, out=t)
    np.multiply(g, learning_rate, out=t2)
    t2 /= t
    w -= t2
    return w


def _adadelta(w, g, acc_grad, acc_delta, learning_rate, rho, epsilon):
    t, t2 = _tmp(w), _tmp(w, 1)
    acc_grad *= rho
    np.multiply(g, g, out=t)
    t *= 1 - rho
    acc_grad += t
    np.add(acc_delta, epsilon, out=t)      # delta = -(sqrt(E[dx^2] + eps) g) / sqrt(E[g^2] + eps)
    np.sqrt(t, out=t)
    t *= g
    np.add(acc_grad, epsilon, out=t2)
    np.sqrt(t2, out=t2)
    t /= t2
    np.negative(t, out=t)
    acc_delta *= rho
    np.multiply(t, t, out=t2)
    t2 *= 1 - rho
    acc_delta += t2
    t *= learning_rate
    w += t
    return w


def _adamax(w, g, m, u, learning_rate, beta_1, beta_2, epsilon, beta_1_power):
    _ema(m, g, beta_1)
    t, t2 = _tmp(w), _tmp(w, 1)
    u *= beta_2
    np.abs(g, out=t)
    np.maximum(u, t, out=u)
    np.add(u, epsilon, out=t)
    t *= 1 - beta_1_power
    np.multiply(m, learning_rate, out=t2)
    t2 /= t
    w -= t2
    return w


def _nadam(w, g, m, v, learning_rate, beta_1, beta_2, epsilon, momentum_coef, grad_coef,
           beta_2_power):
    _ema(m, g, beta_1)
    t, t2 = _tmp(w), _tmp(w, 1)
    np.multiply(g, g, out=t)
    _ema(v, t, beta_2)
    np.multiply(m, momentum_coef, out=t)     # m_hat
    np.multiply(g, grad_coef, out=t2)
    t += t2
    t *= learning_rate
    np.divide(v, 1 - beta_2_power, out=t2)   # v_hat
    np.sqrt(t2, out=t2)
    t2 += epsilon
    t /= t2
    w -= t
    return w


def _lion(w, g, m, learning_rate, beta_1, beta_2):
    t, t2 = _tmp(w), _tmp(w, 1)
    np.multiply(m, beta_1, out=t)
    np.multiply(g, 1 - beta_1, out=t2)
    t += t2
    np.sign(t, out=t)
    t *= learning_rate
    w -= t
    m *= beta_2
    np.multiply(g, 1 - beta_2, out=t2)
    m += t2
    return w


def _decay(w, rate):
    t = _tmp(w)
    np.multiply(w, rate, out=t)
    w -= t
    return w


def _in_pieces(kernel):
    """``kernel`` as it is, or, for a big variable when the thread policy
    sees free cores, on pieces of its rows in threads (every array of an
    update has the variable's shape; the numbers are the same)."""
    def update(w, *arrays, **hyper):
        if w.size < BIG_VARIABLE or w.ndim == 0 or POLICY.threads < 2 or \
                any(a.shape != w.shape for a in arrays):
            return kernel(w, *arrays, **hyper)

        def piece(lo, hi):
            _PIECE.lo = lo
            try:
                kernel(w[lo:hi], *[a[lo:hi] for a in arrays], **hyper)
            finally:
                _PIECE.lo = None
        pieces(piece, w.shape[0], nbytes=1, min_bytes=1, threads=POLICY.threads)
        return w
    update.__name__ = kernel.__name__
    return update


KERNELS = {name: _in_pieces(kernel) for name, kernel in {
    "sgd_update": _sgd,
    "adam_update": _adam,
    "rmsprop_update": _rmsprop,
    "adagrad_update": _adagrad,
    "adadelta_update": _adadelta,
    "adamax_update": _adamax,
    "nadam_update": _nadam,
    "lion_update": _lion,
    "decay_weights": _decay,
}.items()}
