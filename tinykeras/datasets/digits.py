"""The 8x8 handwritten digits (UCI "optdigits"), bundled with tinykeras.

1,797 grayscale images of the digits 0-9, each pixel an integer in 0..16.
The data ships with the package (``data/digits.csv.gz``, CC BY 4.0, see
``data/DIGITS_LICENSE.txt``), so this data set works offline: use it for
quick experiments where MNIST would be too slow for pure Python.
"""

import os

import numpy as np

DATA_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")


def load_data(test_split=0.2, seed=113):
    """Loads the digits, shuffled and split into train and test sets.

    Args:
        test_split: fraction of the images to put in the test set.
        seed: seed of the shuffle; the same seed always gives the same
            split.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images of shape
        ``(n, 8, 8)`` with values 0..16, and ``uint8`` labels 0..9.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()
    >>> x_train.shape, x_test.shape, int(x_train.max())
    ((1437, 8, 8), (360, 8, 8), 16)
    """
    if not 0 <= test_split < 1:
        raise ValueError(
            f"`test_split` must be in [0, 1). Received: test_split={test_split}"
        )
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
    images, labels = table[:, :-1].reshape(-1, 8, 8), table[:, -1]

    # RandomState, unlike default_rng, gives the same numbers in every
    # NumPy version, so the split never changes.
    order = np.random.RandomState(seed).permutation(len(labels))
    images, labels = images[order], labels[order]

    n_train = int(len(labels) * (1 - test_split))
    return (images[:n_train], labels[:n_train]), (
        images[n_train:],
        labels[n_train:],
    )
