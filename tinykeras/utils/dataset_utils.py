"""Datasets without TensorFlow: ``Dataset``, ``split_dataset`` and
``timeseries_dataset_from_array``.

Where Keras returns a ``tf.data.Dataset``, tinykeras returns a ``Dataset``:
a plain-Python, re-iterable sequence of NumPy batches (``(x, y)`` tuples or
``x`` alone) that ``fit``/``evaluate``/``predict`` take like any iterable.
It reads samples only when a batch is cut, supports ``len()``, and has the
few ``tf.data`` methods Keras examples chain: ``batch``, ``unbatch``,
``shuffle``, ``take``, ``map``, and ``prefetch``/``cache`` (which return the dataset
unchanged: tinykeras loads each batch as it is needed).

>>> import numpy as np
>>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3, batch_size=4)
>>> [batch.tolist() for batch in ds][0]
[[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
>>> len(ds)
2
"""
import math

import numpy as np

from ..tree import map_structure


class Dataset:
    """Samples ``0..num_samples-1`` read by ``read(indices)`` (a structure of
    arrays, one row per index), iterated in batches or one sample at a time.

    >>> ds = Dataset.from_arrays((np.arange(5), np.arange(5) * 10)).batch(2)
    >>> [(x.tolist(), y.tolist()) for x, y in ds]
    [([0, 1], [0, 10]), ([2, 3], [20, 30]), ([4], [40])]
    """

    def __init__(self, read, num_samples, batch_size=None, shuffle_seed=False, **attributes):
        self._read, self.num_samples = read, int(num_samples)
        self.batch_size, self._shuffle_seed = batch_size, shuffle_seed
        self._epoch = 0
        self._attributes = attributes
        for name, value in attributes.items():  # e.g. class_names, file_paths
            setattr(self, name, value)

    @classmethod
    def from_arrays(cls, data, **attributes):
        """A dataset of the rows of ``data`` (an array, or a tuple/list/dict of arrays)."""
        from .array_data import check_lengths, to_numpy_structure
        data = to_numpy_structure(data, "data")
        n = check_lengths(data, None)
        return cls(lambda index: map_structure(lambda a: a[index], data), n, **attributes)

    def _copy(self, **changes):
        args = dict(read=self._read, num_samples=self.num_samples, batch_size=self.batch_size,
                    shuffle_seed=self._shuffle_seed, **self._attributes)
        args.update(changes)
        return Dataset(**args)

    def _order(self):
        if self._shuffle_seed is False:
            return np.arange(self.num_samples)
        seed = self._shuffle_seed  # None: NumPy's global generator (keras.utils.set_random_seed)
        rng = np.random if seed is None else np.random.default_rng([seed, self._epoch])
        self._epoch += 1
        return rng.permutation(self.num_samples)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self._read(int(i))
            return
        for start in range(0, self.num_samples, self.batch_size):
            yield self._read(order[start:start + self.batch_size])

    def __len__(self):
        """Batches per pass (samples when unbatched)."""
        return self.num_samples if self.batch_size is None else math.ceil(self.num_samples / self.batch_size)

    def batch(self, batch_size):
        """The same samples in batches of ``batch_size``.

        >>> len(Dataset.from_arrays(np.zeros((10, 2))).batch(4))
        3
        """
        if self.batch_size is not None:
            raise ValueError(f"This dataset is already batched (batch_size={self.batch_size}); "
                             "call .unbatch() first")
        return self._copy(batch_size=int(batch_size))

    def unbatch(self):
        """The same samples, one at a time."""
        return self._copy(batch_size=None)

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """A new random order every pass (tinykeras shuffles all samples, so
        ``buffer_size`` does not matter); with ``seed`` the orders repeat."""
        return self._copy(shuffle_seed=seed)

    def take(self, count):
        """The first ``count`` batches (samples when unbatched).

        >>> len(Dataset.from_arrays(np.zeros((10, 2))).batch(4).take(2))
        2
        """
        size = self.batch_size or 1
        n = min(self.num_samples, count * size)
        order = np.arange(n)
        return self._copy(read=lambda index: self._read(order[index]), num_samples=n, shuffle_seed=False)

    def map(self, map_func, num_parallel_calls=None, deterministic=None):
        """``map_func`` applied to each element (each batch, if batched) as it
        is read; a tuple element is passed as separate arguments (as tf.data).

        >>> ds = Dataset.from_arrays((np.arange(4), np.arange(4) * 10)).batch(2)
        >>> [x.tolist() for x in ds.map(lambda x, y: x)]
        [[0, 1], [2, 3]]
        """
        def read(index):
            element = self._read(index)
            return map_func(*element) if isinstance(element, tuple) else map_func(element)
        return self._copy(read=read)

    def prefetch(self, buffer_size=None):
        """Returns the dataset unchanged (batches are loaded as needed)."""
        return self

    def cache(self, filename=""):
        """Returns the dataset unchanged (samples are read from memory or files each pass)."""
        return self

    def as_numpy_iterator(self):
        """An iterator over the NumPy batches (they already are NumPy)."""
        return iter(self)

    def __repr__(self):
        return (f"<Dataset samples={self.num_samples} batch_size={self.batch_size} "
                f"shuffle={self._shuffle_seed is not False}>")


def _split_sizes(left_size, right_size, total):
    """Keras's rules: ints count samples, floats are fractions; one may be None."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and not isinstance(size, (int, float)):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, "
                            f"Received: type({name})={type(size)}.")
        if isinstance(size, int) and not 0 < size < total or isinstance(size, float) and not 0 < size < 1:
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or "
                             f"a float within the range `[0, 1]`. Received: {name}={size}")
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: you must specify either `left_size` or `right_size`")
    if isinstance(left_size, float) and isinstance(right_size, float) and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be "
                         "less than or equal to 1.")
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right}")
    if left == 0 or right == 0:
        raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                         f"`right_size`={right}, one side of the split would be empty.")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split arrays or a ``Dataset`` into two unbatched ``Dataset``s (e.g. train/test).

    ``left_size``/``right_size``: a number of samples (int) or a fraction
    (float); the other side gets the rest.  ``shuffle`` mixes the samples
    first (repeatably with ``seed``).

    >>> left, right = split_dataset(np.arange(10), left_size=0.8)
    >>> len(left), [int(v) for v in right]
    (8, [8, 9])
    """
    if isinstance(dataset, Dataset):
        source = dataset.unbatch()
        read, total = source._read, source.num_samples
    else:
        source = Dataset.from_arrays(tuple(dataset) if isinstance(dataset, list) else dataset)
        read, total = source._read, source.num_samples
    left, right = _split_sizes(left_size, right_size, total)
    rng = np.random if seed is None else np.random.default_rng(seed)
    order = rng.permutation(total) if shuffle else np.arange(total)
    sides = order[:left], order[total - right:]
    return tuple(Dataset(lambda index, rows=rows: read(rows[index]), len(rows)) for rows in sides)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None,
                                  end_index=None):
    """Sliding windows over a time series, as batches of NumPy arrays.

    Window ``i`` is ``data[s:s + sequence_length * sampling_rate:sampling_rate]``
    with ``s = start_index + i * sequence_stride``; its target (when
    ``targets`` is given) is ``targets[s]``.  Batches are ``(windows,
    targets)``, or ``windows`` alone when ``targets`` is None.

    >>> x = np.arange(20, dtype="float32")
    >>> ds = timeseries_dataset_from_array(x[:-3], x[3:], sequence_length=3, batch_size=2)
    >>> windows, targets = next(iter(ds))
    >>> windows.tolist(), targets.tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]], [3.0, 4.0])
    """
    data = np.asarray(data)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    if not 0 <= start_index < len(data) or not start_index < end_index <= len(data):
        raise ValueError(f"timeseries_dataset_from_array: start_index={start_index} and "
                         f"end_index={end_index} must satisfy 0 <= start_index < end_index <= "
                         f"len(data)={len(data)}")
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):
        if int(value) <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets) - start_index)
    starts = start_index + np.arange(0, max(num_seqs, 0), sequence_stride)
    offsets = np.arange(sequence_length) * sampling_rate

    def read(index):
        begin = starts[index]
        windows = data[np.asarray(begin)[..., None] + offsets]
        return windows if targets is None else (windows, targets[begin])

    dataset = Dataset(read, len(starts), batch_size=batch_size)
    return dataset.shuffle(seed=seed) if shuffle else dataset
