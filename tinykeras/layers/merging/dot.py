"""``Dot`` (and ``dot``): per-sample dot products of two tensors.

>>> import numpy as np, tinykeras as tk
>>> x = np.arange(10, dtype="float32").reshape(1, 5, 2)
>>> y = np.arange(10, 20, dtype="float32").reshape(1, 2, 5)
>>> tk.layers.Dot(axes=(1, 2))([x, y]).numpy().tolist()
[[[260.0, 360.0], [320.0, 445.0]]]
>>> a, b = tk.Input((4,)), tk.Input((4,))
>>> tk.layers.dot([a, b], axes=1, normalize=True).shape     # cosine similarity
(None, 1)
"""
import math

from ... import backend, ops
from .base_merge import Merge, functional_form


def batch_dot(x, y, axes):
    """Contract axis ``axes[0]`` of ``x`` with axis ``axes[1]`` of ``y`` for each
    sample; the result has ``x``'s other axes then ``y``'s (batch excluded),
    and at least 2 dimensions (``(batch, 1)`` for two vectors), as Keras."""
    a0, a1 = axes
    x_rest = [d for i, d in enumerate(x.shape) if i not in (0, a0)]
    y_rest = [d for i, d in enumerate(y.shape) if i not in (0, a1)]
    x_perm = [i for i in range(x.ndim) if i != a0] + [a0]
    y_perm = [0, a1] + [i for i in range(1, y.ndim) if i != a1]
    x = ops.transpose(x, x_perm).reshape(x.shape[0], math.prod(x_rest), x.shape[a0])
    y = ops.transpose(y, y_perm).reshape(y.shape[0], y.shape[a1], math.prod(y_rest))
    out = ops.matmul(x, y)
    shape = (out.shape[0],) + tuple(x_rest) + tuple(y_rest)
    return out.reshape(shape if len(shape) > 1 else shape + (1,))


def _l2_normalize(x, axis):
    """``x / max(||x||, epsilon)`` along ``axis`` (Keras's ``normalize``)."""
    inv = 1.0 / ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return x * ops.minimum(inv, 1.0 / backend.epsilon())


class Dot(Merge):
    """``Dot(axes, normalize=False)([x1, x2])``: ``axes`` is an int or a pair
    (one axis per input, never the batch axis 0).  ``normalize=True``
    L2-normalizes both along those axes first, giving cosine similarities."""

    _num_inputs = 2
    _align_ranks = False

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Dot {self.name!r}: invalid type for argument `axes`: it should be "
                                f"a list or an int. Received: axes={axes!r}")
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Dot {self.name!r}: `axes` should contain two integers. "
                                 f"Received: axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolve_axes(self, shapes):
        axes = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        out = []
        for a, shape in zip(axes, shapes):
            if not -len(shape) <= a < len(shape):
                raise self._error(f"axis {a} is out of bounds for an input of rank {len(shape)}",
                                  shapes)
            out.append(a % len(shape))
        if 0 in out:
            raise self._error("cannot take the dot product over the batch axis 0", shapes)
        return out

    def compute_output_shape(self, input_shape):
        shapes = self._check_list(input_shape)
        if min(len(s) for s in shapes) < 2:
            raise self._error("both inputs need at least 2 dimensions (batch included)", shapes)
        a0, a1 = self._resolve_axes(shapes)
        d0, d1 = shapes[0][a0], shapes[1][a1]
        if d0 is not None and d1 is not None and d0 != d1:
            raise self._error(f"incompatible input shapes: axis values {d0} (at axis {a0}) != "
                              f"{d1} (at axis {a1})", shapes)
        batch = shapes[0][0] if shapes[0][0] is not None else shapes[1][0]
        out = (batch,) + tuple(d for i, d in enumerate(shapes[0]) if i not in (0, a0)) + \
            tuple(d for i, d in enumerate(shapes[1]) if i not in (0, a1))
        return out if len(out) > 1 else out + (1,)

    def _merge_function(self, inputs):
        x1, x2 = inputs
        axes = self._resolve_axes([x1.shape, x2.shape])
        if self.normalize:
            x1, x2 = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


dot = functional_form(Dot, "dot", extra=(("axes", -1),))
