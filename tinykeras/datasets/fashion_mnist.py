"""Fashion-MNIST: 70,000 28x28 images of clothes, downloaded on first use.

Same format and size as MNIST, with 10 classes of Zalando articles:

    0 T-shirt/top  1 Trouser  2 Pullover  3 Dress  4 Coat
    5 Sandal       6 Shirt    7 Sneaker   8 Bag    9 Ankle boot

The four gzipped IDX files come from the same URLs as in Keras and are
cached in ``~/.tinykeras/datasets/fashion-mnist/``. Keras does not check
them; tinykeras checks the MD5 sums published by Zalando Research.

Licence: copyright Zalando SE, MIT licence
(https://github.com/zalandoresearch/fashion-mnist).
"""

import gzip
import os

import numpy as np

from tinykeras.utils.data_utils import get_file

BASE_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
# File name -> MD5, as published in the Fashion-MNIST README.
FILES = {
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}


def _read_idx(path, header_size):
    """The bytes of a gzipped IDX file after its header, as uint8."""
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_size)


def load_data():
    """Loads Fashion-MNIST, like ``keras.datasets.fashion_mnist.load_data``.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images of
        shapes ``(60000, 28, 28)`` and ``(10000, 28, 28)`` and ``uint8``
        labels 0..9.

    Example:

    >>> (x_train, y_train), _ = load_data()  # doctest: +SKIP
    >>> x_train.shape, y_train[:3]  # doctest: +SKIP
    ((60000, 28, 28), array([9, 0, 0], dtype=uint8))
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = {
        name: get_file(name, BASE_URL + name, file_hash=md5, cache_subdir=subdir)
        for name, md5 in FILES.items()
    }

    def images_and_labels(prefix):
        labels = _read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"], 8)
        images = _read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"], 16)
        return images.reshape(len(labels), 28, 28), labels

    return images_and_labels("train"), images_and_labels("t10k")
