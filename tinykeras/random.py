"""Random tensors with Keras 3's ``keras.random`` API, drawn on the host by
NumPy (so every backend gets the same numbers for the same seed).

>>> import tinykeras as tk
>>> a = tk.random.uniform((2,), seed=1).numpy(); b = tk.random.uniform((2,), seed=1).numpy()
>>> bool((a == b).all())
True
"""
import random as _python_random

import numpy as np

from . import serialization
from .core.tensor import Tensor

_global = {"rng": np.random.default_rng()}


def reseed(seed):
    """Reseed the generator behind unseeded draws (``utils.set_random_seed`` calls it)."""
    _global["rng"] = np.random.default_rng(seed)


class SeedGenerator:
    """A stateful source of seeds (Keras 3's ``keras.random.SeedGenerator``):
    ``state`` is ``[seed, counter]`` and each draw with ``seed=generator``
    uses the state, then advances the counter, so two draws differ but a
    program repeats.  Without a ``seed`` the generator takes one from Python's
    ``random`` module, which ``keras.utils.set_random_seed`` seeds: layers
    made after it (Dropout, noise, augmentation) repeat their draws run after
    run.  (Keras keeps ``state`` in a Variable; here it is a NumPy array.)

    >>> gen = SeedGenerator(42)
    >>> a, b = normal((2,), seed=gen), normal((2,), seed=gen)
    >>> bool((a.numpy() == b.numpy()).all()), gen.state.tolist()
    (False, [42, 2])
    >>> bool((normal((2,), seed=SeedGenerator(42)).numpy() == a.numpy()).all())
    True
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or serialization.auto_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.state = np.array([int(seed), 0], dtype=np.int64)

    @property
    def seed(self):
        return self._initial_seed

    def next(self, ordered=True):
        """The current ``[seed, counter]`` (a copy); then advance the state."""
        value = self.state.copy()
        if ordered:
            self.state[1] += 1
        else:
            self.state[:] = (self.state + 1) * 5387 % 933199
        return value

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def make_default_seed():
    """A seed from Python's ``random`` module (as Keras), repeatable after
    ``keras.utils.set_random_seed``.

    >>> import random; random.seed(0); a = make_default_seed()
    >>> random.seed(0); a == make_default_seed()
    True
    """
    return _python_random.randint(1, int(1e9))


def draw_seed(seed):
    """The ``[seed, counter]`` pair a draw uses: ``[seed, 0]`` for an int, the
    generator's next state for a ``SeedGenerator``.

    >>> draw_seed(7).tolist()
    [7, 0]
    """
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.array([int(seed), 0], dtype=np.int64)
    raise ValueError("Argument `seed` must be either an integer or an instance of "
                     f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")


def _rng(seed):
    """The NumPy generator for a draw: the shared one (reseeded by
    ``set_random_seed``) for ``seed=None``, else one made from ``draw_seed``."""
    if seed is None:
        return _global["rng"]
    state = draw_seed(seed)
    return np.random.default_rng(int(state[0]) if state[1] == 0 else state.tolist())


def _tensor(values, dtype):
    return Tensor(np.asarray(values, dtype=dtype or "float32"))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normally distributed values."""
    return _tensor(_rng(seed).normal(mean, stddev, size=shape), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform values in ``[minval, maxval)``."""
    return _tensor(_rng(seed).uniform(minval, maxval, size=shape), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values redrawn until within two standard deviations."""
    rng = _rng(seed)
    values = rng.normal(size=shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.normal(size=int(bad.sum()))
        bad = np.abs(values) > 2
    return _tensor(mean + stddev * values, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in ``[minval, maxval)``."""
    return _tensor(_rng(seed).integers(minval, maxval, size=shape), dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each value with probability ``rate``; scale the rest by 1/(1-rate).

    >>> dropout(Tensor(np.ones(4, dtype="float32")), 0.0).numpy().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    if rate == 0:
        return inputs
    keep = _rng(seed).random(noise_shape or inputs.shape) >= rate
    return inputs * Tensor((keep / (1.0 - rate)).astype(inputs.dtype))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in random order."""
    order = _rng(seed).permutation(x.shape[axis])
    return x[(slice(None),) * axis + (order,)]


def _values(x):
    return np.asarray(x.numpy() if isinstance(x, Tensor) else x)


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma-distributed values with concentration ``alpha`` (scale 1).

    >>> bool((gamma((100,), 2.0, seed=1).numpy() > 0).all())
    True
    """
    return _tensor(_rng(seed).gamma(_values(alpha), size=shape), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta-distributed values in ``(0, 1)`` (``alpha``, ``beta`` broadcast to ``shape``).

    >>> x = beta((100,), 2.0, 3.0, seed=1).numpy(); bool(((x > 0) & (x < 1)).all())
    True
    """
    return _tensor(_rng(seed).beta(_values(alpha), _values(beta), size=shape), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial counts of successes in ``counts`` trials with success
    ``probabilities`` (float values, as Keras gives).

    >>> binomial((3,), 5, 1.0, seed=0).numpy().tolist()
    [5.0, 5.0, 5.0]
    """
    counts = np.broadcast_to(_values(counts), shape).astype(np.int64)
    return _tensor(_rng(seed).binomial(counts, _values(probabilities), size=shape), dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """For each row of 2-D ``logits`` (unnormalized log-probabilities),
    ``num_samples`` class indices drawn with probability softmax(row).

    >>> categorical([[-1e9, 0.0]], 3, seed=0).numpy().tolist()
    [[1, 1, 1]]
    """
    logits = _values(logits).astype(np.float64)
    if logits.ndim != 2:
        raise ValueError(f"categorical: `logits` should be a 2-D tensor (batch, classes), got shape "
                         f"{logits.shape}")
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = _rng(seed).random((logits.shape[0], int(num_samples)))
    out = np.minimum((u[:, :, None] >= cdf[:, None, :]).sum(-1), logits.shape[1] - 1)
    return Tensor(out.astype(dtype))
