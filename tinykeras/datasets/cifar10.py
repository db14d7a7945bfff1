"""CIFAR-10: 60,000 32x32 colour images in 10 classes, downloaded on first use.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
7 horse, 8 ship, 9 truck.  The archive is the one Keras uses
(``cifar-10-python.tar.gz``, 163 MB, sha256 checked), extracted into the
cache (``~/.tinykeras/datasets/cifar-10-batches-py-target/``).  Its batches
are Python pickles, read with :mod:`tinykeras.datasets.safe_pickle`: only
arrays, lists, bytes, strings and numbers are built, no code runs.

Licence: Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny
Images" (2009), https://www.cs.toronto.edu/~kriz/cifar.html.
"""
import os

import numpy as np

from tinykeras.datasets import cifar
from tinykeras.utils.data_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """Loads CIFAR-10, like ``keras.datasets.cifar10.load_data``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images of shape
        ``(50000, 32, 32, 3)`` and ``(10000, 32, 32, 3)`` (channels first if
        ``keras.backend.image_data_format()`` is ``"channels_first"``) and
        ``uint8`` labels of shape ``(50000, 1)`` and ``(10000, 1)``.  (Keras
        assumes 10,000 images per training batch; tinykeras stacks the five
        batches whatever their size, the same on the real file.)

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), (50000, 1))
    """
    path = get_file(fname="cifar-10-batches-py-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-10-batches-py")
    batches = [cifar.load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in batches]).astype("uint8")
    y_train = np.concatenate([np.asarray(labels) for _, labels in batches]).astype("uint8")
    x_test, y_test = cifar.load_batch(os.path.join(path, "test_batch"))
    return cifar.finish(x_train, y_train, x_test.astype("uint8"), np.asarray(y_test).astype("uint8"))
