"""``Hashing`` and ``HashedCrossing``: values (or crosses of values) to hash
bins, with Keras's hash functions (see :mod:`.hash_functions`), so every bin
is the one Keras (through TensorFlow) gives.

>>> import numpy as np, tinykeras as tk
>>> tk.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy().ravel().tolist()
[1, 0, 1, 1, 2]
>>> tk.layers.HashedCrossing(num_bins=5)((np.array(["A", "B", "A", "B", "A"]),
...                                       np.array([101, 101, 101, 102, 102]))).numpy().tolist()
[1, 4, 1, 1, 3]
"""
import numpy as np

from .... import backend
from ....core.tensor import Tensor
from ...layer import Layer
from ..preprocessing_utils import (check_output_mode, encode_categorical, encoded_shape, host,
                                   is_string_array, refuse_sparse)
from .hash_functions import CROSS_HASH_KEY, MASK, as_hash_bytes, fingerprint64, fingerprint_cat64, hash_buckets


def _salt_pair(where, salt):
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        return [int(s) for s in salt]
    if isinstance(salt, (int, np.integer)) and not isinstance(salt, bool):
        return [int(salt), int(salt)]
    raise ValueError(f"{where}: the `salt` argument can only be a tuple of size 2 integers, or a single "
                     f"integer. Received: salt={salt}.")


def _check_values(where, arr):
    if not (arr.dtype.kind in "iub" or is_string_array(arr) or arr.dtype.kind == "f"):
        raise TypeError(f"{where}: expects strings or integers, received an array of dtype {arr.dtype}")


class Hashing(Layer):
    """``Hashing(num_bins, mask_value=None, salt=None, output_mode="int",
    sparse=False)``, as Keras 3.

    Strings are hashed with FarmHash ``Fingerprint64``, integers through their
    decimal digits (floats are first truncated, as Keras); with ``salt`` (an int
    or two ints) SipHash-2-4 is used instead.  ``mask_value`` (a string or an
    int) goes to bin 0 and the others to ``1..num_bins-1``.  ``"int"`` gives
    int64 (the layer's ``dtype``); other modes encode as ``CategoryEncoding``.

    >>> Hashing(num_bins=3, salt=133)([["A"], ["B"], ["C"]]).numpy().ravel().tolist()
    [0, 0, 2]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(**kwargs)
        where = f"Hashing {self.name!r}"
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"{where}: the `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"{where}: when `output_mode=\"int\"`, `dtype` should be an integer type, "
                             f"'int32' or 'int64'. Received: dtype={self.dtype}")
        self.output_mode = check_output_mode(where, output_mode)
        refuse_sparse(where, sparse, output_mode)
        self.num_bins, self.mask_value, self.sparse = num_bins, mask_value, sparse
        self.salt = _salt_pair(where, salt)
        self.strong_hash = self.salt is not None
        self.autocast = False
        self.built = True

    def _output_dtype(self):
        return self.dtype

    def call(self, inputs):
        values = host(inputs)
        _check_values(f"Hashing {self.name!r}", values)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self.num_bins - 1 if self.mask_value is not None and self.num_bins > 1 else self.num_bins
        ids = hash_buckets(values, bins, self.salt)
        if bins != self.num_bins:
            mask = np.broadcast_to(np.asarray(values == self.mask_value, bool), values.shape)
            ids = np.where(mask, 0, ids + 1)
        return Tensor(np.asarray(encode_categorical(ids, self.output_mode, self.num_bins, self.dtype), order="C"))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return (tuple(input_shape)[:-1] if len(input_shape) else ()) + (self.num_bins,)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode, "sparse": self.sparse}


class HashedCrossing(Layer):
    """``HashedCrossing(num_bins, output_mode="int", sparse=False, name=None,
    dtype=None)``, as Keras 3: the cross of two or more features (each of
    shape ``()``, ``(batch,)`` or ``(batch, 1)``, strings or integers) hashed
    into ``num_bins`` bins as ``tf.sparse.cross_hashed`` does (fingerprints
    of strings, integers as they are, combined with ``FingerprintCat64``).
    ``"int"`` gives int64; ``"one_hot"`` one-hot vectors.
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = f"HashedCrossing {self.name!r}"
        self.output_mode = check_output_mode(where, output_mode, ("int", "one_hot"))
        refuse_sparse(where, sparse, output_mode)
        self.num_bins, self.sparse = num_bins, sparse
        self.autocast = False
        self.built = True

    def _output_dtype(self):
        return self.dtype

    def _inputs(self, inputs):
        where = f"HashedCrossing {self.name!r}"
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"{where} should be called on a list or tuple of at least two inputs. "
                             f"Received: inputs={inputs}")
        arrays = [host(x) for x in inputs]
        first = arrays[0].shape
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"{where}: all inputs should have shape `()`, `(batch_size)` or "
                             f"`(batch_size, 1)`. Received shapes {[a.shape for a in arrays]}")
        if any(a.shape != first for a in arrays[1:]):
            raise ValueError(f"{where}: all inputs should have equal shape. Received shapes "
                             f"{[a.shape for a in arrays]}")
        if not all(a.dtype.kind in "iu" or is_string_array(a) for a in arrays):
            raise ValueError(f"{where}: all inputs should have an integer or string dtype. Received "
                             f"dtypes {[a.dtype.name for a in arrays]}")
        return arrays

    def call(self, inputs):
        arrays = self._inputs(inputs)
        features = [[fingerprint64(as_hash_bytes(v)) if isinstance(v, (str, bytes)) else int(v) & MASK
                     for v in a.ravel().tolist()] for a in arrays]
        ids = []
        for row in zip(*features):
            h = CROSS_HASH_KEY
            for feature in row:
                h = fingerprint_cat64(h, feature)
            ids.append(h % self.num_bins)
        ids = np.asarray(ids, np.int64).reshape(arrays[0].shape)
        return Tensor(np.asarray(encode_categorical(ids, self.output_mode, self.num_bins, self.dtype), order="C"))

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        return encoded_shape(first, "one_hot", self.num_bins)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse,
                "name": self.name, "dtype": self.dtype}
