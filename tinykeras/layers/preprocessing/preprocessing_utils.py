"""What the preprocessing layers share: host arrays, ``adapt()`` batches and
the categorical encodings (Keras's ``numerical_utils.encode_categorical_inputs``).

>>> encode_categorical(np.array([[0, 2], [1, 1]]), "count", depth=3, dtype="float32").tolist()
[[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]]
>>> encode_categorical(np.array([[2], [0]]), "one_hot", depth=3, dtype="float32").tolist()
[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
>>> [b.tolist() for b in adapt_batches(x for x in [[1, 2], [3]])]
[[1, 2], [3]]
"""
import itertools

import numpy as np

from ...core.tensor import Tensor

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def host(x, dtype=None):
    """``x`` (a Tensor, an array, a list, a scalar) as a NumPy array; strings
    (and bytes) stay as an object array of Python ``str``/``bytes``."""
    if isinstance(x, Tensor):
        x = x.numpy()
    elif hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # another framework's tensor
        x = x.numpy()
    arr = np.asarray(x)
    if arr.dtype.kind in "US":
        arr = arr.astype(object)
    return arr if dtype is None else arr.astype(dtype, copy=False)


def is_string_array(arr):
    """True for an array of strings or bytes (an empty object array too)."""
    if arr.dtype.kind in "US":
        return True
    if arr.dtype.kind != "O":
        return False
    return all(isinstance(v, (str, bytes)) for v in arr.flat)


def adapt_batches(data, steps=None, where="adapt()"):
    """The batches ``adapt(data, steps)`` reads, as NumPy arrays: an array,
    Tensor, list or tuple is one batch; any other iterable (a generator, a
    ``tk.utils`` dataset) gives its batches, at most ``steps`` of them."""
    if isinstance(data, (np.ndarray, Tensor, list, tuple, str, bytes, int, float)) or \
            not hasattr(data, "__iter__"):
        yield host(data)
        return
    for batch in itertools.islice(data, steps):
        if isinstance(batch, (tuple, dict)):
            raise ValueError(f"{where} takes batches of inputs, but this dataset yields "
                             f"{type(batch).__name__}s (e.g. (inputs, labels)): adapt on "
                             "ds.map(lambda x, y: x)")
        yield host(batch)


def check_output_mode(where, output_mode, allowed=OUTPUT_MODES):
    """Keras's aliases (``"binary"``, ``"tf-idf"``) resolved; anything else
    outside ``allowed`` raises a ValueError naming ``where``."""
    output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
    if output_mode not in allowed:
        raise ValueError(f"{where}: invalid value for argument `output_mode`. Expected one of "
                         f"{allowed}. Received: output_mode={output_mode!r}")
    return output_mode


def refuse_sparse(where, sparse, output_mode):
    """``sparse=True`` is refused (tinykeras has no sparse tensors, as Keras
    on the torch backend); so is ``sparse`` with ``output_mode="int"``."""
    if sparse and output_mode == "int":
        raise ValueError(f"{where}: `sparse` may only be true if `output_mode` is 'one_hot', "
                         f"'multi_hot', 'count' or 'tf_idf'. Received: sparse={sparse} and "
                         f"output_mode={output_mode}")
    if sparse:
        raise ValueError(f"{where}: sparse=True is not supported (tinykeras has no sparse tensors, "
                         "as Keras on the torch backend)")


def encode_categorical(ids, output_mode, depth, dtype, count_weights=None):
    """Keras's encodings of integer ``ids``: ``"int"`` casts; ``"one_hot"``
    gives a vector per id (a trailing axis of 1 replaced); ``"multi_hot"`` and
    ``"count"`` one vector per row (axis 1 is reduced, axis 0 for a vector).
    Ids outside ``[0, depth)`` give zero vectors (masked values are dropped so)."""
    ids = np.asarray(ids)
    if output_mode == "int":
        return ids.astype(dtype)
    if ids.ndim == 0:
        ids = ids[None]
    if output_mode == "one_hot" and ids.ndim > 1 and ids.shape[-1] == 1:
        ids = ids[..., 0]
    ids = ids.astype(np.int64)
    valid = (ids >= 0) & (ids < depth)
    encoded = (np.arange(depth) == np.where(valid, ids, -1)[..., None]).astype(dtype)
    if output_mode == "one_hot":
        return encoded
    axis = 1 if ids.ndim > 1 else 0
    if output_mode == "multi_hot":
        return encoded.max(axis=axis) if encoded.shape[axis] else encoded.sum(axis=axis)
    if count_weights is not None:
        weights = host(count_weights)
        encoded = encoded.astype(weights.dtype) * weights[..., None]
    return encoded.sum(axis=axis)


def encoded_shape(input_shape, output_mode, depth):
    """The output shape :func:`encode_categorical` gives for ``input_shape``."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) == 1:
        return (depth,)
    return (input_shape[0],) + input_shape[2:] + (depth,)
