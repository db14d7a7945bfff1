"""``EinsumDense``: a dense layer whose product is any einsum equation.

``EinsumDense(equation, output_shape, activation=None, bias_axes=None, ...)``
computes ``activation(einsum(equation, inputs, kernel) + bias)``.  The
kernel's shape comes from the equation (each kernel letter takes its size
from the input or from ``output_shape``) and the bias covers the output
axes from the first letter of ``bias_axes`` on (size 1 for the letters not
in ``bias_axes``), exactly as Keras 3 lays them out, so
``set_weights(keras_layer.get_weights())`` gives Keras's outputs.

>>> import tinykeras as tk
>>> layer = tk.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="de")
>>> layer(tk.ops.ones((3, 5, 6))).shape, [w.shape for w in layer.get_weights()]
((3, 5, 2, 4), [(6, 2, 4), (2, 4)])
"""
import re

from ... import activations, initializers, ops
from ...serialization import serialize
from ..input_spec import InputSpec
from ..layer import Layer
from ..weight_options import set_weight_options, weight_options_config

WEIGHT_OPTIONS = [f"{w}_{kind}" for kind in ("initializer", "regularizer", "constraint") for w in ("kernel", "bias")]

_FORMS = (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),      # ab,bc->ac
          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),      # ...ab,bc->...ac
          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False))  # ab...,bc->ac...


def analyze_einsum(equation, bias_axes, input_shape, output_shape, who="EinsumDense"):
    """``(kernel_shape, bias_shape or None, full_output_shape, input_axes,
    output_axes)`` of an EinsumDense equation for inputs of ``input_shape``
    (Keras's ``_analyze_einsum_string``: ``output_shape`` leaves out the
    batch axis and the axes ``...`` stands for; a ``None`` in it stays
    ``None`` in the output shape, as in Keras, even where the input knows it).

    >>> analyze_einsum("abc,cd->abd", "d", (None, 7, 4), (None, 3))
    ([4, 3], [3], [None, None, 3], [0], [1])
    """
    replaced = equation.replace("...", "0")
    for pattern, left_elided in _FORMS:
        found = re.fullmatch(pattern, replaced)
        if found:
            break
    else:
        raise ValueError(f"{who}: invalid einsum equation '{equation}'. Equations must be in the form "
                         "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    input_spec, weight_spec, output_spec = found.groups()
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    full = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        full[1:1] = input_shape[1:elided]
    elif elided > 0:
        full += input_shape[len(input_shape) - elided:]
    shift = elided if left_elided else 0
    input_map = {d: i + shift for i, d in enumerate(input_spec)}
    output_map = {d: i + shift for i, d in enumerate(output_spec)}
    for d in input_spec:
        if d in output_map and full[output_map[d]] is not None and full[output_map[d]] != input_shape[input_map[d]]:
            raise ValueError(f"{who}: input shape and output shape do not match at shared dimension "
                             f"'{d}'. Input shape is {input_shape[input_map[d]]}, and output shape is "
                             f"{full[output_map[d]]}.")
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(f"{who}: dimension '{d}' was specified in the output '{output_spec}' but has "
                             f"no corresponding dim in the input spec '{input_spec}' or weight spec "
                             f"'{weight_spec}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_map:
            kernel_shape.append(full[output_map[d]])
            output_axes.append(i)
        elif d in input_map:
            kernel_shape.append(input_shape[input_map[d]])
            input_axes.append(i)
        else:
            raise ValueError(f"{who}: weight dimension '{d}' did not have a match in either the input spec "
                             f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                             "weight must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"{who}: bias dimension '{d}' was requested, but is not part of the "
                                 f"output spec '{output_spec}'")
        first = min(output_spec.find(d) for d in bias_axes)
        bias_shape = [full[output_map[d]] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * max(elided, 0)
    return kernel_shape, bias_shape, full, input_axes, output_axes


class EinsumDense(Layer):
    """Keras 3's ``EinsumDense``: weights ``kernel`` then ``bias`` (when
    ``bias_axes`` is given); a ``VarianceScaling`` kernel initializer
    (``glorot_uniform``...) takes its fans from the equation's input and
    output axes, as in Keras."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None or gptq_unpacked_column_size:
            raise ValueError(f"EinsumDense {self.name!r}: LoRA and quantization are not supported by "
                             "tinykeras")
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense {self.name!r}: equation must be a string such as 'ab,bc->ac', "
                            f"got {equation!r}")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        set_weight_options(self, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                           kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                           kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.lora_rank, self.lora_alpha, self.quantization_config = None, None, None

    def _analyze(self, input_shape):
        return analyze_einsum(self.equation, self.bias_axes, input_shape, self.partial_output_shape,
                              who=f"EinsumDense {self.name!r}")

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = self._analyze(input_shape)
        if any(d is None for d in kernel_shape + (bias_shape or [])):
            raise ValueError(f"EinsumDense {self.name!r}: the weights' shapes must be known; equation "
                             f"{self.equation!r} with input shape {tuple(input_shape)} and output_shape "
                             f"{self.partial_output_shape} gives kernel {kernel_shape}, bias {bias_shape}")
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (init.input_axes is None or init.output_axes is None):
            init = type(init).from_config({**init.get_config(), "input_axes": input_axes,
                                           "output_axes": output_axes})
        self.kernel = self.add_weight(shape=tuple(kernel_shape), initializer=init, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None if bias_shape is None else self.add_weight(
            shape=tuple(bias_shape), initializer=self.bias_initializer, name="bias",
            regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def call(self, inputs):
        x = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return tuple(self._analyze(input_shape)[2])

    def get_config(self):
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes, "activity_regularizer": serialize(self.activity_regularizer),
                **weight_options_config(self, WEIGHT_OPTIONS)}
