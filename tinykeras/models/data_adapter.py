"""Turn what users pass to ``fit``/``evaluate``/``predict`` into batches.

Keras 3's input forms, each behind a small adapter with one job: iterate
over batches.

* arrays: NumPy arrays, Tensors, rectangular Python lists, and lists,
  tuples or dicts of them (several inputs or outputs) -> ``ArrayAdapter``
  cuts batches (shuffled per epoch when asked);
* ``keras.utils.PyDataset`` (and its alias ``Sequence``) ->
  ``PyDatasetAdapter`` (``workers > 1`` loads batches ahead in threads);
* Python generators and any other iterable of batches (such as the
  datasets of ``keras.utils.timeseries_dataset_from_array``) ->
  ``IterableAdapter``.

Each batch reaches ``train_step``/``test_step``/``predict_step`` packed as
Keras packs it: ``x`` alone, ``(x, y)`` or ``(x, y, sample_weight)``, as
NumPy arrays (Keras hands backend tensors; every tinykeras op and layer
takes NumPy arrays).  ``EpochIterator`` runs one epoch at a time, keeping
its place across epochs when ``steps_per_epoch`` is given, as Keras does.

>>> import numpy as np
>>> adapter = get_adapter(np.arange(5), np.arange(5) * 10, batch_size=2)
>>> [(x.tolist(), y.tolist()) for x, y in adapter]
[([0, 1], [0, 10]), ([2, 3], [20, 30]), ([4], [40])]
"""
import collections
import itertools
import math
import types
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..tree import flatten
from ..utils.array_data import (  # noqa: F401  (data.check_lengths etc. are used by the trainer)
    _is_array, check_lengths, num_samples, pack_x_y_sample_weight, take, to_array,
    to_numpy_structure, unpack_x_y_sample_weight)
from ..utils.py_dataset import PyDataset


def split_validation(x, y, sample_weight, validation_split):
    """Keras takes the validation data from the *end*, before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, got {validation_split}")
    x, y = to_numpy_structure(x, "x"), to_numpy_structure(y, "y")
    sample_weight = to_numpy_structure(sample_weight, "sample_weight")
    n = check_lengths(x, y, sample_weight)
    cut = int(math.floor(n * (1.0 - validation_split)))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} leaves an empty training or "
                         f"validation set for {n} samples")
    head, tail = slice(0, cut), slice(cut, n)
    return ((take(x, head), take(y, head), take(sample_weight, head)),
            (take(x, tail), take(y, tail), take(sample_weight, tail)))


def class_weights_to_sample_weights(y, class_weight, sample_weight):
    """Per-sample weights from ``class_weight`` (a dict class -> weight)."""
    if not class_weight:
        return sample_weight
    ys = flatten(y)
    if len(ys) != 1 or ys[0] is None:
        raise ValueError("class_weight is only supported for models with a single output "
                         "(and needs the targets y)")
    labels = to_array(ys[0], "y")
    labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels.reshape(len(labels), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    table = np.ones(max(int(labels.max()) + 1, max(class_weight) + 1), dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = w
    weights = table[labels]
    return weights if sample_weight is None else np.asarray(sample_weight) * weights


class ArrayAdapter:
    """Batches cut from arrays held in memory (shuffled anew each epoch)."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                 class_weight=None):
        x, y = to_numpy_structure(x, "x"), to_numpy_structure(y, "y")
        sample_weight = to_numpy_structure(sample_weight, "sample_weight")
        self.num_samples = check_lengths(x, y, sample_weight)
        sample_weight = class_weights_to_sample_weights(y, class_weight, sample_weight)
        self.data = pack_x_y_sample_weight(x, y, sample_weight)
        if not batch_size:
            batch_size = max(int(math.ceil(self.num_samples / steps)), 1) if steps else 32
        self.batch_size, self.shuffle = batch_size, shuffle
        self.num_batches = int(math.ceil(self.num_samples / batch_size))

    def __iter__(self):
        order = np.random.permutation(self.num_samples) if self.shuffle else None
        for start in range(0, self.num_samples, self.batch_size):
            index = order[start:start + self.batch_size] if self.shuffle else slice(start, start + self.batch_size)
            yield take(self.data, index)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


# -- datasets, generators, iterables ------------------------------------------
def _standardize_batch(batch, class_weight, source):
    """A batch from a dataset or generator: a tuple ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``, or ``x`` alone (an array or a dict)."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple):
        if len(batch) not in (1, 2, 3):
            raise ValueError(f"{source} must yield a tuple (inputs,), (inputs, targets) or "
                             f"(inputs, targets, sample_weights); got a tuple of {len(batch)} items")
        batch = tuple(to_numpy_structure(part, name) for part, name in
                      zip(batch, ("x", "y", "sample_weight")))
    elif not isinstance(batch, dict):
        batch = to_array(batch, f"the batch of {source}")
    if class_weight:
        x, y, sample_weight = unpack_x_y_sample_weight(batch)
        batch = (x, y, class_weights_to_sample_weights(y, class_weight, sample_weight))
    return batch


class IterableAdapter:
    """Batches from a generator or any iterable (one pass per ``iter()``)."""

    def __init__(self, data, class_weight=None):
        self.data, self.class_weight = data, class_weight
        self.source = "a generator" if isinstance(data, types.GeneratorType) else type(data).__name__
        self.num_batches = len(data) if hasattr(data, "__len__") else None

    def __iter__(self):
        for batch in self.data:
            yield _standardize_batch(batch, self.class_weight, self.source)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


class PyDatasetAdapter(IterableAdapter):
    """Batches ``dataset[i]`` of a ``PyDataset`` (in shuffled order when
    ``shuffle``); with ``workers > 1`` a thread pool loads up to
    ``max_queue_size`` batches ahead, in order."""

    def __init__(self, dataset, class_weight=None, shuffle=False):
        super().__init__(dataset, class_weight)
        self.shuffle = shuffle
        self.num_batches = dataset.num_batches

    def __iter__(self):
        ds = self.data
        indices = itertools.count() if self.num_batches is None else range(self.num_batches)
        if self.shuffle and self.num_batches is not None:
            indices = np.random.permutation(self.num_batches).tolist()
        batches = (ds[i] for i in indices) if ds.workers <= 1 else \
            _ordered_prefetch(ds.__getitem__, indices, ds.workers, ds.max_queue_size)
        for batch in batches:
            yield _standardize_batch(batch, self.class_weight, self.source)

    def on_epoch_begin(self):
        self.data.on_epoch_begin()

    def on_epoch_end(self):
        self.data.on_epoch_end()


def _ordered_prefetch(load, indices, workers, depth):
    """``load(i)`` for each index, computed ahead by ``workers`` threads, yielded in order."""
    indices = iter(indices)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = collections.deque(pool.submit(load, i) for i in itertools.islice(indices, max(depth, workers)))
        while pending:
            result = pending.popleft().result()
            for i in itertools.islice(indices, 1):
                pending.append(pool.submit(load, i))
            yield result


def _is_batch_source(x):
    """Generators, datasets and other iterables of batches (not arrays or structures)."""
    return (isinstance(x, types.GeneratorType) or hasattr(x, "__iter__")) and \
        not isinstance(x, (list, tuple, dict, str, bytes, np.ndarray)) and not _is_array(x)


def get_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                class_weight=None):
    """The adapter for ``x`` (and ``y``, ``sample_weight`` when ``x`` holds arrays)."""
    if x is None:
        raise ValueError("No input data: x is None")
    if isinstance(x, PyDataset) or _is_batch_source(x):
        kind = "PyDataset" if isinstance(x, PyDataset) else (
            "generator" if isinstance(x, types.GeneratorType) else f"{type(x).__name__} (an iterable of batches)")
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(f"When providing `x` as a {kind}, `{name}` should not be passed. "
                                 f"Instead, the {'targets' if name == 'y' else 'sample weights'} "
                                 f"should be included as part of the {kind}.")
        if isinstance(x, PyDataset):
            return PyDatasetAdapter(x, class_weight, shuffle)
        return IterableAdapter(x, class_weight)
    if not isinstance(x, (list, tuple, dict)) and not _is_array(x):
        raise ValueError(f"Unrecognized data type: x={str(x)[:80]} (of type {type(x).__name__}); "
                         "expected arrays, lists, dicts of arrays, a PyDataset, a generator or "
                         "an iterable of batches")
    return ArrayAdapter(x, y, sample_weight, batch_size, steps, shuffle, class_weight)


def is_array_data(x):
    """True when ``x`` is held in memory (arrays, lists, dicts), not a dataset."""
    return x is not None and not isinstance(x, PyDataset) and not _is_batch_source(x)


class EpochIterator:
    """Steps of one epoch after another (Keras's ``EpochIterator``).

    Without ``steps`` each epoch is one pass over the data.  With ``steps``
    the iterator keeps its place from one epoch to the next; a data set of
    known size that is used up ends the epoch early (with a warning) and
    starts over in the next one; a generator that runs out sets ``ran_out``.

    >>> it = EpochIterator(get_adapter(np.arange(4), batch_size=1), steps=2)
    >>> [[int(b[0]) for _, b in it.epoch()] for _ in range(3)]
    [[0, 1], [2, 3], [0, 1]]
    """

    def __init__(self, adapter, steps=None):
        self.adapter, self.steps = adapter, steps
        self.ran_out = False
        self._iterator, self._seen = None, 0

    @property
    def num_batches(self):
        """Steps per epoch, ``None`` while unknown (a generator)."""
        return self.steps or self.adapter.num_batches

    def epoch(self):
        """Yield ``(step, batch)`` for one epoch."""
        self.adapter.on_epoch_begin()
        known = self.adapter.num_batches
        if self._iterator is None or self.steps is None:
            self._iterator, self._seen = iter(self.adapter), 0
        for step in itertools.count() if self.steps is None else range(self.steps):
            batch = None if known and self._seen >= known else next(self._iterator, StopIteration)
            if batch is None or batch is StopIteration:
                if self.steps is not None:
                    self.ran_out = batch is StopIteration
                    warnings.warn("Your input ran out of data; interrupting training. Make sure "
                                  "that your dataset or generator can generate at least "
                                  "`steps_per_epoch * epochs` batches.", stacklevel=3)
                break
            self._seen += 1
            yield step, batch
        if self.steps is None or (known and self._seen >= known):
            self._iterator = None
        self.adapter.on_epoch_end()
