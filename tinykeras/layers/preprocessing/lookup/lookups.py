"""``StringLookup`` and ``IntegerLookup``: the two faces of :class:`IndexLookup`.

>>> import numpy as np, tinykeras as tk
>>> tk.layers.StringLookup(vocabulary=["a", "b", "c", "d"])(np.array([["a", "c", "d"], ["d", "z", "b"]])).numpy().tolist()
[[1, 3, 4], [4, 0, 2]]
>>> tk.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])(np.array([[12, 1138, 42], [42, 1000, 36]])).numpy().tolist()
[[1, 3, 4], [4, 0, 2]]
>>> tk.layers.StringLookup(vocabulary=["a", "b"], invert=True)(np.array([[1, 2, 0]])).tolist()
[['a', 'b', '[UNK]']]
"""
import numpy as np

from ....core.tensor import Tensor
from ..preprocessing_utils import is_string_array
from .index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """``StringLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
    oov_token="[UNK]", vocabulary=None, idf_weights=None, invert=False,
    output_mode="int", pad_to_max_tokens=False, sparse=False,
    encoding="utf-8", name=None, salt=None)``, as Keras 3.

    Inputs are strings (a list, or a NumPy ``str``/``bytes``/object array;
    bytes are decoded with ``encoding``).  ``"int"`` gives int64 ids, the
    other modes float vectors (see :class:`IndexLookup`).  With
    ``invert=True`` ids go back to tokens, as a NumPy object array of
    ``str`` (Keras on torch gives a list): tinykeras tensors hold numbers only.
    With several OOV ids, unknown strings are spread over them with FarmHash
    (SipHash with ``salt``), as Keras.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         name=name, salt=salt, vocabulary_dtype="string", **kwargs)

    def _token(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def _token_array(self, arr):
        if arr.size and not is_string_array(arr):
            raise TypeError(f"{self._where}: expects strings (a list or an array of str/bytes), received "
                            f"an array of dtype {arr.dtype}")
        if any(isinstance(v, bytes) for v in arr.flat):
            arr = np.vectorize(self._token, otypes=[object])(arr)
        return arr.astype(object)

    def _sort_key(self, token):
        return token.encode(self.encoding)

    def _inverted_output(self, tokens, shape):
        out = np.empty(len(tokens), object)
        out[:] = tokens
        return out.reshape(shape)

    def _output_dtype(self):
        return "string" if self.invert else super()._output_dtype()

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]
        return {**config, "encoding": self.encoding}


class IntegerLookup(IndexLookup):
    """``IntegerLookup(max_tokens=None, num_oov_indices=1, mask_token=None,
    oov_token=-1, vocabulary=None, vocabulary_dtype="int64", idf_weights=None,
    invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
    oov_method="floormod", salt=None, name=None)``, as Keras 3.

    Inputs are integers; with several OOV ids, an unknown value ``v`` gets
    ``v % num_oov_indices`` (``oov_method="floormod"``) or its FarmHash
    bucket (``"farmhash"``, SipHash with ``salt``).  ``invert=True`` gives
    int64 tokens back.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("IntegerLookup: only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=None if mask_token is None else int(mask_token),
                         oov_token=None if oov_token is None else int(oov_token), vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _token(self, value):
        if isinstance(value, (str, bytes)):
            try:
                return int(value)
            except ValueError:
                raise TypeError(f"{self._where}: expects integers, received {value!r}") from None
        if isinstance(value, float) and not float(value).is_integer():
            raise TypeError(f"{self._where}: expects integers, received {value!r}")
        return int(value)

    def _token_array(self, arr):
        if arr.dtype.kind == "f" and np.all(np.mod(arr, 1) == 0):
            arr = arr.astype(np.int64)
        if arr.size and arr.dtype.kind not in "iub":
            raise TypeError(f"{self._where}: expects integers, received an array of dtype {arr.dtype}")
        return arr.astype(np.int64)

    def _inverted_output(self, tokens, shape):
        return Tensor(np.asarray(tokens, np.int64).reshape(shape))

    def _output_dtype(self):
        return "int64" if self.invert else super()._output_dtype()
