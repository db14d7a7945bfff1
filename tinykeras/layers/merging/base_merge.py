"""``Merge``: the base of every layer that combines a list of tensors.

A subclass writes ``_merge_function(inputs)``; ``Merge`` checks that it got
a list, that the batch sizes agree and the shapes broadcast, lines up
inputs of different ranks (size-1 axes inserted after the batch axis, as
Keras does) and ORs the inputs' masks.

>>> import tinykeras as tk
>>> class Hypot(Merge):
...     def _merge_function(self, inputs):
...         return tk.ops.sqrt(sum(tk.ops.square(x) for x in inputs))
>>> Hypot()([tk.ops.full((1, 2), 3.0), tk.ops.full((1, 2), 4.0)]).numpy().tolist()
[[5.0, 5.0]]
"""
from ... import ops
from ..layer import Layer


def shape_str(shape):
    if shape is None:
        return "None"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def shapes_str(shapes):
    return "[" + ", ".join(shape_str(s) for s in shapes) + "]"


class Merge(Layer):
    """Base class for ``Add``, ``Subtract``, ``Multiply``, ``Average``,
    ``Maximum``, ``Minimum``, ``Concatenate`` and ``Dot``."""

    #: exact number of inputs required (None: any number >= 1)
    _num_inputs = None
    #: whether inputs of lower rank get size-1 axes inserted after the batch axis
    _align_ranks = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    # -- shape checks --------------------------------------------------------
    def _error(self, message, shapes):
        return ValueError(f"{type(self).__name__} layer {self.name!r}: {message}. "
                          f"Received input shapes: {shapes_str(shapes)}")

    def _check_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: a merge layer should be "
                             f"called on a list of inputs. Received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        if self._num_inputs is not None and len(shapes) != self._num_inputs:
            raise self._error(f"it should be called on exactly {self._num_inputs} inputs, "
                              f"got {len(shapes)}", shapes)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise self._error("cannot merge tensors with different batch sizes", shapes)
        return shapes

    def _broadcast(self, shape1, shape2, shapes):
        """Shape of an elementwise op on two (batch-less) shapes."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1 or i == j:
                out.append(j if i == 1 else i)
            else:
                raise self._error("inputs have incompatible shapes", shapes)
        return tuple(out)

    def build(self, input_shape):
        shapes = self._check_list(input_shape)
        self.compute_output_shape(shapes)
        self._reshape_required = self._align_ranks and len({len(s) for s in shapes}) > 1

    def compute_output_shape(self, input_shape):
        shapes = self._check_list(input_shape)
        out = shapes[0][1:]
        for shape in shapes[1:]:
            out = self._broadcast(out, shape[1:], shapes)
        batch = {s[0] for s in shapes if s} - {None}
        return (batch.pop() if batch else None,) + out

    # -- computing -----------------------------------------------------------
    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: a merge layer should be "
                             f"called on a list of inputs. Received: inputs={inputs!r}")
        if getattr(self, "_reshape_required", False):
            rank = max(x.ndim for x in inputs)
            expanded = []
            for x in inputs:
                y = x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:])
                if getattr(x, "_keras_mask", None) is not None:
                    y._keras_mask = x._keras_mask
                expanded.append(y)
            inputs = expanded
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        raise NotImplementedError

    @staticmethod
    def _masks(inputs):
        """Each input's mask broadcast to its shape (None where it has none)."""
        out = []
        for x in inputs:
            mask = getattr(x, "_keras_mask", None)
            out.append(None if mask is None else ops.broadcast_to(ops.expand_dims(mask, -1), x.shape))
        return out

    def _reduce_with_masks(self, op, inputs):
        """Fold ``op`` over the inputs so that masked-out entries never win
        (Keras's rule for ``Maximum`` and ``Minimum``)."""
        output = output_mask = None
        for x, mask in zip(inputs, self._masks(inputs)):
            if output is None:
                output, output_mask = x, mask
                continue
            if mask is not None:
                x = ops.where(mask, x, output)
            if output_mask is not None:
                output = ops.where(output_mask, output, x)
            output_mask = None if mask is None or output_mask is None else \
                ops.logical_or(output_mask, mask)
            output = op(output, x)
        return output

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            mask = [mask]
        if len(mask) != len(inputs):
            raise ValueError(f"{type(self).__name__} layer {self.name!r}: `mask` should be a list "
                             f"with one entry per input. Received: mask={mask!r}")
        if any(m is None for m in mask):
            return None
        output = mask[0]
        for m in mask[1:]:
            output = ops.logical_or(output, m)
        return output


def functional_form(layer_cls, name, extra=()):
    """``add(inputs, **kwargs)`` for ``Add`` and so on: make the layer, call it.
    ``extra``: ``(argument, default)`` pairs that may also be given by position."""
    def merge(inputs, *args, **kwargs):
        for (arg, default), value in zip(extra, args + (None,) * len(extra)):
            kwargs.setdefault(arg, default if value is None else value)
        return layer_cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = name
    signature = ", ".join(("inputs",) + tuple(f"{a}={d!r}" for a, d in extra) + ("**kwargs",))
    merge.__doc__ = (f"``{name}({signature})``: functional interface to the ``{layer_cls.__name__}`` "
                     f"layer; same as ``{layer_cls.__name__}(**kwargs)(inputs)``.")
    return merge
