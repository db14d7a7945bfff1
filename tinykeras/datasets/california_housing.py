"""California housing (1990 census): 20,640 block groups, 8 features each.

Features: median income, house age, average rooms, average bedrooms,
population, average occupancy, latitude, longitude; the target is the
median house value in dollars.  ``version="small"`` keeps the first 600
rows, a stand-in for the deprecated Boston data set.  Same file
(``california_housing.npz``, sha256 checked), split and results as
``keras.datasets.california_housing``.

Source: StatLib, https://www.dcc.fc.up.pt/~ltorgo/Regression/cal_housing.html.
"""
import numpy as np

from tinykeras.datasets import common
from tinykeras.utils.data_utils import get_file

BASE_URL = common.KERAS_DATASETS_URL
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads California housing, like ``keras.datasets.california_housing.load_data``.

    Args:
        version: ``"large"`` (20,640 rows) or ``"small"`` (the first 600).
        path: name of the file in the cache folder.
        test_split: fraction of the (shuffled) rows kept for testing.
        seed: seed of the shuffle.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: features of shape
        ``(n, 8)`` and values in dollars of shape ``(n,)``.

    Example:

    >>> (x_train, y_train), _ = load_data(version="small")  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (480, 8)
    """
    common.check_test_split(test_split)
    path = get_file(path, origin=f"{BASE_URL}california_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    elif version != "large":
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    return common.shuffle_split(x, y, test_split, seed)
