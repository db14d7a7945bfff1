"""Boston housing prices (StatLib, 1970s): 506 districts, 13 features each.

**Warning** (from Keras): one feature, "B", encodes an assumption about
racial self-segregation; Keras discourages this data set except to
illustrate ethical issues.  :mod:`tinykeras.datasets.california_housing`
(``version="small"``) is its suggested replacement.

Same file (``boston_housing.npz``, sha256 checked), split and results as
``keras.datasets.boston_housing``.
"""
import numpy as np

from tinykeras.datasets import common
from tinykeras.utils.data_utils import get_file

BASE_URL = common.KERAS_DATASETS_URL
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads Boston housing, like ``keras.datasets.boston_housing.load_data``.

    Args:
        path: name of the file in the cache folder.
        test_split: fraction of the (shuffled) districts kept for testing.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``float64`` features of
        shape ``(n, 13)`` and prices in k$ of shape ``(n,)`` (404 and 102).

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    >>> x_train.shape, x_test.shape  # doctest: +SKIP
    ((404, 13), (102, 13))
    """
    common.check_test_split(test_split)
    path = get_file(path, origin=f"{BASE_URL}boston_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return common.shuffle_split(x, y, test_split, seed)
