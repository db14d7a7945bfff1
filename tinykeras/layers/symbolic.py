"""Symbolic tensors for the functional API, and helpers for nested inputs.

``tk.Input((4,))`` returns a :class:`KerasTensor`: a shape and a dtype, no
values.  Calling a layer on one records a :class:`Node` (layer, arguments,
outputs); a functional ``Model`` replays those nodes in order.

>>> import tinykeras as tk
>>> x = tk.Input((4,))
>>> tk.layers.Dense(2)(x).shape
(None, 2)
"""


class KerasTensor:
    """A placeholder: shape (None for unknown), dtype, and the node that made it."""

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)

    ndim = property(lambda self: len(self.shape))

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def _no_ops(self, *args):
        raise TypeError("A symbolic tensor (from keras.Input) cannot be used in a Python "
                        "expression directly; wrap the computation in a layer (e.g. "
                        "layers.Lambda, layers.Add, or a custom Layer)")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _no_ops
    __matmul__ = __getitem__ = __neg__ = __pow__ = _no_ops
    __hash__ = object.__hash__


class Node:
    """One call of ``layer`` inside a functional graph."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, t in enumerate(flatten(outputs)):
            t._keras_history = (layer, self.index, i)

    @property
    def input_tensors(self):
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        return [t._keras_history[0]._inbound_nodes[t._keras_history[1]]
                for t in self.input_tensors if t._keras_history is not None]


def map_structure(fn, *structures, is_leaf=None):
    """Apply ``fn`` to the leaves of equally nested lists, tuples and dicts.

    >>> map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)])
    [11, (22, 33)]
    """
    first = structures[0]
    if is_leaf is not None and is_leaf(first):
        return fn(*structures)
    if isinstance(first, dict):
        return {k: map_structure(fn, *(s[k] for s in structures), is_leaf=is_leaf) for k in first}
    if isinstance(first, (list, tuple)) and not hasattr(first, "_fields"):
        out = [map_structure(fn, *items, is_leaf=is_leaf) for items in zip(*structures)]
        return out if isinstance(first, list) else tuple(out)
    return fn(*structures)


def flatten(structure):
    """Leaves of a nested structure, in order (dicts by key order).

    >>> flatten({"a": [1, 2], "b": 3})
    [1, 2, 3]
    """
    if isinstance(structure, dict):
        return [leaf for v in structure.values() for leaf in flatten(v)]
    if isinstance(structure, (list, tuple)):
        return [leaf for v in structure for leaf in flatten(v)]
    return [structure]


def any_symbolic(structure):
    return any(isinstance(t, KerasTensor) for t in flatten(structure))
