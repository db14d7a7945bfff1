"""Elementwise merge layers: ``Add``, ``Subtract``, ``Multiply``,
``Average``, ``Maximum``, ``Minimum`` and their functional forms
``add``, ``subtract``, ``multiply``, ``average``, ``maximum``, ``minimum``.

Inputs must have the same shape (or shapes that broadcast).

>>> import tinykeras as tk
>>> a, b = tk.ops.full((1, 2), 3.0), tk.ops.full((1, 2), 1.0)
>>> tk.layers.Add()([a, b]).numpy().tolist(), tk.layers.subtract([a, b]).numpy().tolist()
([[4.0, 4.0]], [[2.0, 2.0]])

In a functional model:

>>> x1, x2 = tk.Input((16,)), tk.Input((16,))
>>> added = tk.layers.add([tk.layers.Dense(8)(x1), tk.layers.Dense(8)(x2)])
>>> tk.Model([x1, x2], tk.layers.Dense(4)(added)).output_shape
(None, 4)
"""
from ... import ops
from .base_merge import Merge, functional_form


def _fold(op, inputs):
    output = inputs[0]
    for x in inputs[1:]:
        output = op(output, x)
    return output


class Add(Merge):
    """``Add()([x1, x2, ...])``: the elementwise sum of the inputs."""

    def _merge_function(self, inputs):
        return _fold(ops.add, inputs)


class Subtract(Merge):
    """``Subtract()([x1, x2])``: ``x1 - x2`` (exactly two inputs)."""

    _num_inputs = 2

    def _merge_function(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """``Multiply()([x1, x2, ...])``: the elementwise product.  Masked-out
    entries count as 1; where every input is masked the output is 0."""

    def _merge_function(self, inputs):
        masks = self._masks(inputs)
        if any(m is None for m in masks):
            return _fold(ops.multiply, [x if m is None else ops.where(m, x, 1.0)
                                        for x, m in zip(inputs, masks)])
        output = _fold(ops.multiply, [ops.where(m, x, 1.0) for x, m in zip(inputs, masks)])
        return ops.where(_fold(ops.logical_or, masks), output, 0.0)


class Average(Merge):
    """``Average()([x1, x2, ...])``: the elementwise mean."""

    def _merge_function(self, inputs):
        return _fold(ops.add, inputs) / len(inputs)


class Maximum(Merge):
    """``Maximum()([x1, x2, ...])``: the elementwise maximum (masked-out entries never win)."""

    def _merge_function(self, inputs):
        return self._reduce_with_masks(ops.maximum, inputs)


class Minimum(Merge):
    """``Minimum()([x1, x2, ...])``: the elementwise minimum (masked-out entries never win)."""

    def _merge_function(self, inputs):
        return self._reduce_with_masks(ops.minimum, inputs)


add = functional_form(Add, "add")
subtract = functional_form(Subtract, "subtract")
multiply = functional_form(Multiply, "multiply")
average = functional_form(Average, "average")
maximum = functional_form(Maximum, "maximum")
minimum = functional_form(Minimum, "minimum")
