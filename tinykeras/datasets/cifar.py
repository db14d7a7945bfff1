"""What CIFAR-10 and CIFAR-100 share: reading a batch file, laying out images.

A batch is a pickled dict written by Python 2 (``{b"data": uint8 array
(n, 3072), b"labels": [...], ...}``); it is read with
:mod:`tinykeras.datasets.safe_pickle`, so a tampered file cannot run code.

>>> import io, os, pickle, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "batch")
>>> with open(path, "wb") as f:
...     pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [3, 1]}, f)
>>> data, labels = load_batch(path)
>>> data.shape, labels
((2, 3, 32, 32), [3, 1])
"""
import numpy as np

from tinykeras import backend
from tinykeras.datasets import safe_pickle


def load_batch(fpath, label_key="labels"):
    """``(data, labels)`` of one batch file: ``(n, 3, 32, 32)`` uint8 and a list."""
    batch = safe_pickle.load(fpath, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{fpath} is not a CIFAR batch (a pickled dict)")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def finish(x_train, y_train, x_test, y_test):
    """Labels as ``(n, 1)`` columns; images channels-last unless the
    backend's ``image_data_format()`` is ``"channels_first"``."""
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
