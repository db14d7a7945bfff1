"""`CSVLogger`: write one CSV row per epoch."""

import collections.abc
import csv
import os

import numpy as np

from .callback import Callback


class CSVLogger(Callback):
    """Streams the epoch logs to a CSV file: an ``epoch`` column (0-based),
    then the logs keys in alphabetical order.

    As in Keras, if the first epoch has no ``val_`` keys, ``val_<key>`` columns
    are added anyway (filled with ``NA``). Rows end with ``\\r\\n`` (the csv
    module's default).

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: append to an existing file (the header is written only if
            the file was empty) instead of overwriting it.

    Example:

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> logger = CSVLogger(path)
    >>> logger.on_train_begin()
    >>> logger.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75})
    >>> logger.on_epoch_end(1, {"loss": 0.25, "val_loss": 0.5})
    >>> logger.on_train_end()
    >>> print(open(path).read().replace("\\r", ""), end="")
    epoch,loss,val_loss
    0,0.5,0.75
    1,0.25,0.5
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    """A list-like value becomes ``"[1, 2]"``; anything else is written as is."""
    is_array_scalar = isinstance(value, np.ndarray) and value.ndim == 0
    if isinstance(value, collections.abc.Iterable) and not isinstance(value, str) \
            and not is_array_scalar:
        return f'"[{", ".join(map(str, value))}]"'
    return value
