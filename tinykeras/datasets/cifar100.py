"""CIFAR-100: 60,000 32x32 colour images in 100 classes, downloaded on first use.

The 100 "fine" classes are grouped into 20 "coarse" superclasses.  The
archive is the one Keras uses (``cifar-100-python.tar.gz``, 161 MB, sha256
checked); its pickled batches are read with
:mod:`tinykeras.datasets.safe_pickle` (no code runs from the file).

Licence: Alex Krizhevsky, "Learning Multiple Layers of Features from Tiny
Images" (2009), https://www.cs.toronto.edu/~kriz/cifar.html.
"""
import os

from tinykeras.datasets import cifar
from tinykeras.utils.data_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Loads CIFAR-100, like ``keras.datasets.cifar100.load_data``.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images of shape
        ``(50000, 32, 32, 3)`` and ``(10000, 32, 32, 3)`` (channels first if
        ``image_data_format()`` is ``"channels_first"``) and labels of shape
        ``(n, 1)``; as in Keras, these labels are ``int64``, not ``uint8``.

    Example:

    >>> (x_train, y_train), _ = load_data(label_mode="coarse")  # doctest: +SKIP
    >>> int(y_train.max())  # doctest: +SKIP
    19
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    path = get_file(fname="cifar-100-python-target", origin=ORIGIN, extract=True,
                    file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = cifar.load_batch(os.path.join(path, "train"), f"{label_mode}_labels")
    x_test, y_test = cifar.load_batch(os.path.join(path, "test"), f"{label_mode}_labels")
    return cifar.finish(x_train, y_train, x_test, y_test)
