"""Random tensors with Keras 3's ``keras.random`` API, drawn on the host by
NumPy (so every backend gets the same numbers for the same seed).

>>> import tinykeras as tk
>>> a = tk.random.uniform((2,), seed=1).numpy(); b = tk.random.uniform((2,), seed=1).numpy()
>>> bool((a == b).all())
True
"""
import numpy as np

from .core.tensor import Tensor

_global = {"rng": np.random.default_rng()}


def reseed(seed):
    """Reseed the generator behind unseeded draws (``utils.set_random_seed`` calls it)."""
    _global["rng"] = np.random.default_rng(seed)


class SeedGenerator:
    """A stateful source of seeds: each draw advances it (as ``keras.random.SeedGenerator``).

    >>> gen = SeedGenerator(42)
    >>> normal((1,), seed=gen).shape
    (1,)
    """

    def __init__(self, seed=None, name=None):
        self._rng = np.random.default_rng(seed)
        self.seed = seed
        self.name = name

    def next(self):
        return self._rng


def _rng(seed):
    if seed is None:
        return _global["rng"]
    if isinstance(seed, SeedGenerator):
        return seed.next()
    return np.random.default_rng(seed)


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
