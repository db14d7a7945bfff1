"""Data sets with the ``keras.datasets`` interface.

Each module has a ``load_data()`` that returns
``(x_train, y_train), (x_test, y_test)`` as NumPy arrays, with Keras 3's
arguments, shapes and dtypes:

* ``digits``: 1,797 8x8 handwritten digits, bundled (works offline).
* ``mnist``, ``fashion_mnist``, ``cifar10``, ``cifar100``, ``imdb``
  (and ``get_word_index``), ``reuters`` (and ``get_word_index``,
  ``get_label_names``), ``boston_housing``, ``california_housing``:
  downloaded once from the same URLs as Keras, checked against the same
  hashes, then loaded from the cache (``~/.tinykeras/datasets``, or
  ``$TINYKERAS_HOME/datasets``).

Files that Keras reads as pickles (CIFAR batches, the ragged IMDB/Reuters
arrays) are read with :mod:`tinykeras.datasets.safe_pickle`, which refuses
anything but plain values and NumPy arrays: no code runs from a data file.

>>> from tinykeras import datasets
>>> (x_train, y_train), _ = datasets.digits.load_data()
>>> x_train.shape
(1437, 8, 8)
"""

from tinykeras.datasets import (boston_housing, california_housing, cifar10, cifar100, digits,
                                fashion_mnist, imdb, mnist, reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "digits",
           "fashion_mnist", "imdb", "mnist", "reuters"]
