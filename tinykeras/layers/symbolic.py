"""Symbolic tensors for the functional API.

``tk.Input((4,))`` returns a :class:`KerasTensor`: a shape and a dtype, no
values.  Calling a layer (or an op: ``layers/operation.py``) on one records a
:class:`Node` (operation, arguments, outputs); a functional ``Model`` replays
those nodes in order.

>>> import tinykeras as tk
>>> x = tk.Input((4,))
>>> tk.layers.Dense(2)(x).shape
(None, 2)
"""
from ..core.tensor import Symbolic
from ..tree import flatten


def _op(name, reflected=False):
    def method(self, *args, **kwargs):
        from .. import ops
        if reflected:
            return getattr(ops, name)(args[0], self)
        return getattr(ops, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


class KerasTensor(Symbolic):
    """A placeholder: shape (None for unknown), dtype, and the node that made it.

    Python operators, indexing and every ``tk.ops`` function take it and
    give another KerasTensor, recording a node of the graph (as Keras 3):

    >>> x = KerasTensor((None, 4, 6))
    >>> (x[:, 1:3] * 2 + 1).shape, x.T.shape, x.reshape((-1, 24)).shape
    ((None, 2, 6), (6, 4, None), (None, 24))
    """
    __array_ufunc__ = None  # NumPy arrays defer to our reflected operators

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)

    ndim = property(lambda self: len(self.shape))
    T = property(lambda self: self.transpose())

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    __hash__ = object.__hash__
    __add__, __radd__ = _op("add"), _op("add", True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", True)
    __truediv__, __rtruediv__ = _op("true_divide"), _op("true_divide", True)
    __floordiv__, __rfloordiv__ = _op("floor_divide"), _op("floor_divide", True)
    __mod__, __rmod__ = _op("mod"), _op("mod", True)
    __pow__, __rpow__ = _op("power"), _op("power", True)
    __matmul__, __rmatmul__ = _op("matmul"), _op("matmul", True)
    __and__, __rand__ = _op("logical_and"), _op("logical_and", True)
    __or__, __ror__ = _op("logical_or"), _op("logical_or", True)
    __lt__, __le__, __gt__, __ge__ = _op("less"), _op("less_equal"), _op("greater"), _op("greater_equal")
    __ne__ = _op("not_equal")  # as Keras 3; ``==`` stays identity, so KerasTensors can be dict keys
    __neg__, __abs__, __invert__ = _op("negative"), _op("absolute"), _op("logical_not")
    __getitem__ = _op("get_item")
    exp, log, sqrt, tanh, sign, sin, cos = map(_op, ("exp", "log", "sqrt", "tanh", "sign", "sin", "cos"))
    sum, mean, max, min, prod = map(_op, ("sum", "mean", "max", "min", "prod"))
    astype, broadcast_to = _op("cast"), _op("broadcast_to")

    def __pos__(self):
        return self

    def reshape(self, *shape):
        from .. import ops
        return ops.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape)

    def transpose(self, *axes):
        from .. import ops
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return ops.transpose(self, axes or None)

    def _no_value(self, *args):
        raise TypeError(f"{self!r} is symbolic (from keras.Input): it has a shape and a dtype but no "
                        "values; build a Model from it and call the model on data")

    numpy = __array__ = __bool__ = __len__ = __iter__ = __float__ = __int__ = __index__ = _no_value


class Node:
    """One call of ``layer`` inside a functional graph."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(flatten(outputs)):
            if isinstance(t, KerasTensor):  # (``ops.jvp``'s aux may hold other values)
                t._keras_history = (layer, self.index, i)

    @property
    def input_tensors(self):
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        return [t._keras_history[0]._inbound_nodes[t._keras_history[1]]
                for t in self.input_tensors if t._keras_history is not None]


def any_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in flatten(structure))
