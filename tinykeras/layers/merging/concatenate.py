"""``Concatenate`` (and ``concatenate``): join tensors along one axis.

>>> import tinykeras as tk
>>> x, y = tk.ops.ones((2, 2, 5)), tk.ops.zeros((2, 1, 5))
>>> tk.layers.Concatenate(axis=1)([x, y]).shape
(2, 3, 5)
>>> a, b = tk.Input((3,)), tk.Input((4,))
>>> tk.layers.concatenate([a, b]).shape
(None, 7)
"""
from ... import ops
from .base_merge import Merge, functional_form


class Concatenate(Merge):
    """``Concatenate(axis=-1)([x1, x2, ...])``: all shapes must match except along ``axis``."""

    _align_ranks = False

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        shapes = self._check_list(input_shape)
        if len({len(s) for s in shapes}) != 1:
            raise self._error("a `Concatenate` layer requires inputs of the same rank", shapes)
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise self._error(f"axis={self.axis} is out of bounds for inputs of rank {rank}", shapes)
        axis = self.axis % rank
        out = []
        for a in range(rank):
            dims = [s[a] for s in shapes]
            if a == axis:
                out.append(None if None in dims else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise self._error("a `Concatenate` layer requires inputs with matching shapes "
                                  f"except for the concatenation axis (axis={self.axis})", shapes)
            out.append(known.pop() if known else None)
        return tuple(out)

    def _merge_function(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            mask = [mask]
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones_like(x, dtype="bool")
            elif m.ndim < x.ndim:
                m = ops.broadcast_to(ops.expand_dims(m, -1), x.shape)
            masks.append(m)
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


concatenate = functional_form(Concatenate, "concatenate", extra=(("axis", -1),))
