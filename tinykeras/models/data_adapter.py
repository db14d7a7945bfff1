"""Turn what users pass to ``fit``/``evaluate``/``predict`` into batches.

Inputs may be NumPy arrays, lists or dicts of arrays (by input name), or
Tensors; targets likewise.  Everything stays NumPy until a batch is cut,
so only one batch at a time moves to the backend.

>>> import numpy as np
>>> batches = list(iterate_batches([np.arange(5)], batch_size=2, shuffle=False))
>>> [b[0].tolist() for b in batches]
[[0, 1], [2, 3], [4]]
"""
import math

import numpy as np

from ..layers.symbolic import flatten, map_structure


def to_numpy_structure(data):
    """Arrays in the same nesting; None stays None."""
    if data is None:
        return None
    return map_structure(lambda x: None if x is None else np.asarray(x), data)


def num_samples(structure, what="x"):
    """The common first dimension of every array, or a clear error."""
    sizes = {a.shape[0] if a.ndim else 1 for a in flatten(structure) if a is not None}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the arrays in {what} have different "
                         f"first dimensions {sorted(sizes)}; make sure all arrays contain the "
                         "same number of samples.")
    return sizes.pop() if sizes else 0


def check_lengths(x, y, sample_weight=None):
    n = num_samples(x, "x")
    for name, data in (("y", y), ("sample_weight", sample_weight)):
        if data is not None and num_samples(data, name) != n:
            raise ValueError(f"Data cardinality is ambiguous: x sizes: {n}, {name} sizes: "
                             f"{num_samples(data, name)}. Make sure all arrays contain the same "
                             "number of samples.")
    return n


def take(structure, index):
    return map_structure(lambda a: None if a is None else a[index], structure)


def split_validation(x, y, sample_weight, validation_split):
    """Keras takes the validation data from the *end*, before shuffling."""
    if not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, got {validation_split}")
    n = num_samples(x)
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
    if len(ys) != 1:
        raise ValueError("class_weight is only supported for models with a single output")
    labels = ys[0]
    labels = labels.argmax(-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels.reshape(len(labels), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    table = np.ones(max(int(labels.max()) + 1, max(class_weight) + 1), dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = w
    weights = table[labels]
    return weights if sample_weight is None else np.asarray(sample_weight) * weights


def iterate_batches(arrays, batch_size, shuffle, rng=None):
    """Yield tuples of batches (one per structure in ``arrays``)."""
    n = num_samples(arrays[0])
    order = (rng or np.random).permutation(n) if shuffle else None
    for start in range(0, n, batch_size):
        index = order[start:start + batch_size] if shuffle else slice(start, start + batch_size)
        yield tuple(take(a, index) for a in arrays)


def num_batches(n, batch_size):
    return max(1, math.ceil(n / batch_size)) if n else 0
