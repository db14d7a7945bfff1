"""Small numerical helpers: one-hot encoding and global seeding.

Both functions mirror their Keras 3 namesakes (``keras.utils.to_categorical``
and ``keras.utils.set_random_seed``).
"""

import random

import numpy as np

# Functions called with the seed by `set_random_seed`. Other modules (the
# backends, the random-layer code, ...) append to this list so that one call
# seeds every random number generator in tinykeras, without this module
# having to know about them.
_seed_hooks = []


def to_categorical(x, num_classes=None):
    """Converts a class vector (integers) to a one-hot (binary) class matrix.

    Follows Keras: a trailing axis of size 1 is dropped before encoding
    (so labels of shape ``(n, 1)`` give ``(n, num_classes)``), and
    ``num_classes`` defaults to ``max(x) + 1``. The result is ``float32``.

    Args:
        x: array-like of class indices, from 0 to ``num_classes - 1``.
        num_classes: total number of classes; inferred when ``None`` (or 0).

    Returns:
        A ``float32`` NumPy array of shape ``x.shape + (num_classes,)``.

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    # Drop a trailing axis of size 1, e.g. labels stored as (n, 1).
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    one_hot = np.zeros((x.shape[0], num_classes), dtype="float32")
    one_hot[np.arange(x.shape[0]), x] = 1.0
    return one_hot.reshape(input_shape + (num_classes,))


def set_random_seed(seed):
    """Seeds every random number generator used by tinykeras.

    Seeds Python's ``random`` module and NumPy's global generator, then
    calls each function in ``_seed_hooks`` with the seed.

    Args:
        seed: a non-negative integer (NumPy rejects negative seeds).

    Example:

    >>> set_random_seed(1337)
    >>> a = np.random.rand()
    >>> set_random_seed(1337)
    >>> a == np.random.rand()
    True
    """
    if not isinstance(seed, int):
        raise ValueError(
            "Expected `seed` argument to be an integer. "
            f"Received: seed={seed} (of type {type(seed)})"
        )
    from .. import random as tk_random  # the generator behind layers and initializers
    random.seed(seed)
    np.random.seed(seed)
    tk_random.reseed(seed)
    for hook in _seed_hooks:
        hook(seed)
