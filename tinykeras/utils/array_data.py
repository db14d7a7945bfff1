"""Arrays from what users pass as data: NumPy arrays, Tensors, rectangular
Python lists and nested lists/tuples/dicts of them, with a clear error for
ragged lists; and Keras's ``pack_x_y_sample_weight``/``unpack_x_y_sample_weight``.
``tinykeras.models.data_adapter`` cuts batches from these.
"""
import numpy as np

from ..tree import flatten, map_structure


def unpack_x_y_sample_weight(data):
    """``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` as a triple
    (for use in a custom ``train_step``).

    >>> unpack_x_y_sample_weight(([1.0], [2.0]))
    ([1.0], [2.0], None)
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found a tuple of {len(data)} items: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple ``fit`` hands to ``train_step``: ``x`` alone when there is no
    target (wrapped as ``(x,)`` if ``x`` is a list or tuple), else ``(x, y)``
    or ``(x, y, sample_weight)``.

    >>> pack_x_y_sample_weight("x"), pack_x_y_sample_weight(["a", "b"]), pack_x_y_sample_weight("x", "y")
    ('x', (['a', 'b'],), ('x', 'y'))
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


# -- arrays ------------------------------------------------------------------
def _is_array(value):
    """NumPy arrays, Tensors, torch tensors, pandas frames: things with a shape that NumPy reads."""
    return hasattr(value, "shape") and (hasattr(value, "dtype") or hasattr(value, "__array__")) \
        and not isinstance(value, np.generic)


def _ragged_error(value, what):
    rows = value
    while isinstance(rows, (list, tuple)) and rows and all(
            isinstance(r, (list, tuple)) or (isinstance(r, np.ndarray) and r.ndim) for r in rows):
        lengths = sorted({len(r) for r in rows})
        if len(lengths) > 1:
            return ValueError(
                f"{what} is a ragged list: its rows have different lengths {lengths[:8]}. A model "
                "needs rectangular data: pad the rows to one length (keras.utils.pad_sequences) "
                "or pass a NumPy array.")
        rows = [item for r in rows for item in r]
    return ValueError(f"{what} could not be turned into a NumPy array of numbers (a list of "
                      f"batches? pass a generator or a dataset instead): {str(value)[:80]}")


def to_array(value, what="x"):
    """A NumPy array from an array, Tensor or rectangular (nested) list; a
    ragged list is a ValueError saying the rows have different lengths.

    >>> to_array([[1, 2], [3, 4]]).shape
    (2, 2)
    >>> to_array([[1, 2], [3]])
    Traceback (most recent call last):
    ...
    ValueError: x is a ragged list: its rows have different lengths [1, 2]. A model needs rectangular data: pad the rows to one length (keras.utils.pad_sequences) or pass a NumPy array.
    """
    if value is None or isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu()
    try:
        array = np.asarray(value)
    except ValueError:
        raise _ragged_error(value, what) from None
    if array.dtype == object:
        raise _ragged_error(value, what)
    return array


def _holds_arrays(seq):
    """A list or tuple of arrays or dicts is a structure (several inputs);
    a list of plain numbers and lists is data, as NumPy reads it."""
    return any(_is_array(v) or isinstance(v, dict) for v in seq)


def to_numpy_structure(data, what="x"):
    """Arrays in the same nesting (dicts, and lists/tuples of arrays); None stays None.

    >>> [a.shape for a in to_numpy_structure([np.zeros((2, 3)), [[1], [2]]])]
    [(2, 3), (2, 1)]
    """
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: to_numpy_structure(v, f"{what}[{k!r}]") for k, v in data.items()}
    if isinstance(data, (list, tuple)) and _holds_arrays(data):
        return type(data)(to_numpy_structure(v, f"{what}[{i}]") for i, v in enumerate(data))
    return to_array(data, what)


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
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None and num_samples(value, name) != n:
            raise ValueError(f"Data cardinality is ambiguous: x sizes: {n}, {name} sizes: "
                             f"{num_samples(value, name)}. Make sure all arrays contain the same "
                             "number of samples.")
    return n


def take(structure, index):
    return map_structure(lambda a: None if a is None else a[index], structure)
