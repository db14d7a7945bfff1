"""Small data sets with the ``keras.datasets`` interface.

Each module has a ``load_data()`` that returns
``(x_train, y_train), (x_test, y_test)`` as NumPy arrays:

* ``digits``: 1,797 8x8 handwritten digits, bundled (works offline).
* ``mnist``, ``fashion_mnist``: downloaded once from the same URLs as
  Keras, checked against known hashes, then loaded from the cache
  (``~/.tinykeras/datasets``, or ``$TINYKERAS_HOME/datasets``).
"""

from tinykeras.datasets import digits, fashion_mnist, mnist

__all__ = ["digits", "fashion_mnist", "mnist"]
