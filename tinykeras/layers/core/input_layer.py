"""``Input`` and ``InputLayer``: where a functional graph starts.

>>> import tinykeras as tk
>>> x = tk.Input(shape=(28, 28, 1), name="image")
>>> x.shape, x.name
((None, 28, 28, 1), 'image')
"""
import numpy as np

from ..layer import Layer
from ..symbolic import KerasTensor, Node


class InputLayer(Layer):
    """The layer behind ``Input``: it holds the input's batch shape and dtype.

    Takes Keras 3's ``shape``/``batch_size``/``batch_shape``, and the older
    ``input_shape``/``batch_input_shape`` that Keras 3 still reads:

    >>> InputLayer(input_shape=(4,)).batch_shape, InputLayer(batch_input_shape=(8, 2)).batch_shape
    ((None, 4), (8, 2))
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if sparse or ragged:
            raise ValueError(f"InputLayer: {'sparse' if sparse else 'ragged'} inputs are not "
                             "supported by tinykeras")
        if input_tensor is not None:
            raise ValueError("InputLayer: input_tensor is not supported by tinykeras; pass "
                             "shape= (or batch_shape=) and dtype=")
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer: you cannot pass both `shape` and `batch_shape` at the "
                             f"same time (got shape={shape}, batch_shape={batch_shape})")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("InputLayer: you cannot pass both `batch_size` and `batch_shape` at "
                             "the same time")
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer: an input shape is required, e.g. shape=(784,)")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        if any(d is not None and d < 0 for d in batch_shape):
            raise ValueError(f"InputLayer: negative dimension in shape {batch_shape}")
        super().__init__(name=name, dtype=_dtype_name(dtype), **kwargs)
        self.batch_shape = batch_shape
        self.built = True
        Node(self, (), {}, KerasTensor(batch_shape, dtype=self.dtype, name=self.name))  # self.output

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name}


def _dtype_name(dtype):
    """Keras's dtype name; ``"string"`` for strings (``str``, ``"string"``, a
    NumPy str/bytes/object dtype), which the string preprocessing layers take."""
    if dtype in ("string", str, bytes, object) or (isinstance(dtype, str) and dtype.rstrip("0123456789")
                                                    in ("str", "bytes")):  # NumPy's names: "str32"...
        return "string"
    dtype = np.dtype(dtype or "float32")
    return "string" if dtype.kind in "USO" else dtype.name


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input to start a functional model: ``Input(shape=(784,))``."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output
