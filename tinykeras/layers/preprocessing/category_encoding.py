"""``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors.

>>> import numpy as np, tinykeras as tk
>>> tk.layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(np.array([3, 0])).numpy().tolist()
[[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
>>> tk.layers.CategoryEncoding(num_tokens=4)(np.array([[0, 1], [3, 3]])).numpy().tolist()
[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
"""
import numpy as np

from ...core.tensor import Tensor
from ..layer import Layer
from .preprocessing_utils import encode_categorical, encoded_shape


class CategoryEncoding(Layer):
    """``CategoryEncoding(num_tokens=None, output_mode="multi_hot", sparse=False)``, as Keras 3.

    ``"one_hot"``: each id becomes a vector of ``num_tokens`` (a trailing
    axis of 1 is replaced); ``"multi_hot"``: each row of ids becomes one
    vector with 1 at every id present; ``"count"``: how often each id
    appears in the row (weighted by ``count_weights`` when given).  Ids must
    lie in ``[0, num_tokens)``.  No weights; not differentiable (ids are
    integers).  ``sparse=True`` is refused, as on Keras's torch backend.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of tokens is "
                             "not known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError(f"CategoryEncoding {self.name!r}: sparse=True is not supported "
                             "(tinykeras has no sparse tensors)")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError("`count_weights` is not used when `output_mode` is not `'count'`. "
                             f"Received `count_weights={count_weights}`.")
        ids = np.asarray(inputs.numpy() if isinstance(inputs, Tensor) else inputs)
        if ids.ndim == 0:
            ids = ids[None]
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_tokens):
            raise ValueError(f"CategoryEncoding {self.name!r}: input values must be in the range "
                             f"0 <= values < num_tokens with num_tokens={self.num_tokens}, got values "
                             f"from {ids.min()} to {ids.max()}")
        encoded = encode_categorical(ids, self.output_mode, self.num_tokens, self.dtype, count_weights)
        return Tensor(np.ascontiguousarray(encoded, dtype=self.dtype))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
