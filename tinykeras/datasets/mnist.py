"""MNIST: 70,000 28x28 handwritten digits, downloaded on first use.

The file is the one Keras uses (``mnist.npz``, 11 MB). It is downloaded
once into ``~/.tinykeras/datasets/`` (or ``$TINYKERAS_HOME/datasets/``),
its sha256 checked, and loaded from there afterwards, offline.

Licence: Yann LeCun and Corinna Cortes hold the copyright of MNIST, a
derivative work of the NIST data sets, available under CC BY-SA 3.0.
"""

import numpy as np

from tinykeras.utils.data_utils import get_file

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Loads MNIST, exactly like ``keras.datasets.mnist.load_data``.

    Args:
        path: name of the file in the cache folder.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images of
        shapes ``(60000, 28, 28)`` and ``(10000, 28, 28)`` and ``uint8``
        labels 0..9.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (60000, 28, 28)
    """
    path = get_file(fname=path, origin=BASE_URL + "mnist.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    return (x_train, y_train), (x_test, y_test)
