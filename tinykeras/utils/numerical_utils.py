"""Small numerical helpers: one-hot encoding, normalizing, global seeding.

They mirror their Keras 3 namesakes (``keras.utils.to_categorical``,
``keras.utils.normalize`` and ``keras.utils.set_random_seed``).
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

    Follows Keras 3: a trailing axis of size 1 is dropped before encoding
    (so labels of shape ``(n, 1)`` give ``(n, num_classes)``), and
    ``num_classes`` defaults to ``max(x) + 1``.  Array-likes give a
    ``float64`` NumPy array (as Keras); a tinykeras ``Tensor`` gives a
    ``float32`` Tensor (``ops.one_hot``).

    Args:
        x: array-like of class indices, from 0 to ``num_classes - 1``.
        num_classes: total number of classes; inferred when ``None`` (or 0).

    Returns:
        An array of shape ``x.shape + (num_classes,)``.

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    from .. import ops
    if isinstance(x, ops.Tensor):
        if x.ndim > 1 and x.shape[-1] == 1:
            x = ops.reshape(x, x.shape[:-1])
        if not num_classes:
            num_classes = int(ops.max(x).numpy()) + 1
        return ops.one_hot(x, num_classes)
    x = np.array(x, dtype="int64")
    input_shape = x.shape
    # Drop a trailing axis of size 1, e.g. labels stored as (n, 1).
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(x)) + 1
    one_hot = np.zeros((x.shape[0], num_classes))
    one_hot[np.arange(x.shape[0]), x] = 1.0
    return one_hot.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divides ``x`` by its ``order``-norm along ``axis`` (``keras.utils.normalize``).

    A NumPy array gives a NumPy array (zero norms are left alone; as in
    Keras, ``axis=0`` or ``None`` is read as ``-1`` when expanding the
    norm); anything else gives a float Tensor, computed with ops (norms
    below ``backend.epsilon()`` are clipped to it).

    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    >>> normalize([[1.0, 3.0]], order=1).numpy().tolist()
    [[0.25, 0.75]]
    """
    if isinstance(x, np.ndarray):
        norm = np.atleast_1d(np.linalg.norm(x, order, axis))
        norm[norm == 0] = 1
        return x / np.expand_dims(norm, axis or -1)
    from .. import backend, ops
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = ops.convert_to_tensor(x)
    if x.dtype not in ("float16", "float32", "float64"):
        x = ops.cast(x, backend.floatx())
    if x.ndim == 0:
        x = ops.expand_dims(x, 0)
    norm = ops.power(ops.sum(ops.power(ops.abs(x), order), axis=axis, keepdims=True), 1.0 / order)
    return x / ops.maximum(norm, backend.epsilon())


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
