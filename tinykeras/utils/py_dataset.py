"""``keras.utils.PyDataset`` (alias ``Sequence``): a data set written in Python,
one batch per index.

Subclass it, call ``super().__init__(**kwargs)``, and write ``__len__`` (the
number of batches) and ``__getitem__(index)`` (one batch: ``(x,)``,
``(x, y)`` or ``(x, y, sample_weight)``).  ``fit`` calls ``on_epoch_begin``
and ``on_epoch_end`` around each epoch and, with ``shuffle=True`` (its
default), visits the batches in a new random order every epoch.

``workers`` and ``max_queue_size`` work as in Keras: with ``workers > 1``
that many threads load up to ``max_queue_size`` batches ahead, handed to
the model in order.  ``use_multiprocessing`` is accepted for Keras code but
tinykeras always loads in threads (NumPy releases the GIL in its heavy
work, and the data set need not be picklable): a deliberate difference.

>>> import numpy as np
>>> class Squares(PyDataset):
...     def __init__(self, **kwargs):
...         super().__init__(**kwargs)
...         self.x = np.arange(10, dtype="float32")[:, None]
...     def __len__(self):
...         return 5
...     def __getitem__(self, i):
...         x = self.x[2 * i:2 * i + 2]
...         return x, x ** 2
>>> ds = Squares(workers=2)
>>> ds.num_batches, ds[1][1].ravel().tolist()
(5, [4.0, 9.0])
"""
import itertools
import warnings


class PyDataset:
    """Base class for a data set of batches computed in Python (see the module docstring).

    Args:
        workers: threads that load batches ahead during ``fit`` (1: none).
        use_multiprocessing: accepted for Keras code; tinykeras uses threads.
        max_queue_size: how many batches the workers may load ahead.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _setting(self, name, default):
        if not hasattr(self, "_" + name):
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
                          "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
                          "`max_queue_size`.", stacklevel=3)
            setattr(self, "_" + name, default)
        return getattr(self, "_" + name)

    @property
    def workers(self):
        return self._setting("workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return self._setting("use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return self._setting("max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    @property
    def num_batches(self):
        """The number of batches (``len(self)``); ``None`` means endless."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ or the "
                                  "num_batches property")

    def __iter__(self):
        n = self.num_batches
        for index in itertools.count() if n is None else range(n):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch of ``fit``/``evaluate``/``predict``."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle the samples)."""


Sequence = PyDataset
