"""The weightless activation layers: ``ReLU``, ``LeakyReLU``, ``ELU`` and
``Softmax``, with Keras 3's arguments, defaults and checks.

>>> import tinykeras as tk
>>> x = tk.ops.convert_to_tensor([[-2.0, 0.5, 8.0]])
>>> tk.layers.ReLU(max_value=6.0)(x).numpy().tolist()          # MobileNet's ReLU6
[[0.0, 0.5, 6.0]]
>>> print(tk.layers.LeakyReLU()(x).numpy())                     # Keras's default slope: 0.3
[[-0.6  0.5  8. ]]
>>> tk.layers.Softmax()(tk.ops.convert_to_tensor([[1.0, 1.0]])).numpy().tolist()
[[0.5, 0.5]]
"""
import warnings

from ... import activations, ops
from ..layer import Layer


class _Elementwise(Layer):
    """Base of the weightless activation layers: same shape out, masks pass."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape


def _non_negative(layer, what, value, allow_none=False):
    if value is None and allow_none:
        return
    if value is None or value < 0:
        raise ValueError(f"{what} of a {type(layer).__name__} layer cannot be "
                         f"{'a negative value' if allow_none else 'None or a negative value'}. "
                         f"Received: {what}={value}")


class ReLU(_Elementwise):
    """``ReLU(max_value=None, negative_slope=0.0, threshold=0.0)``:
    ``x`` above ``threshold`` (clipped at ``max_value``), else
    ``negative_slope * (x - threshold)``.  ``ReLU(6.0)`` is ReLU6.

    >>> import tinykeras as tk
    >>> tk.layers.ReLU(negative_slope=0.5)(tk.ops.convert_to_tensor([-2.0, 2.0])).numpy().tolist()
    [-1.0, 2.0]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _non_negative(self, "max_value", max_value, allow_none=True)
        _non_negative(self, "negative_slope", negative_slope)
        _non_negative(self, "threshold", threshold)
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``LeakyReLU(negative_slope=0.3)``: ``x`` if positive, else
    ``negative_slope * x`` (``alpha=`` is accepted with a warning, as Keras).

    >>> import tinykeras as tk
    >>> tk.layers.LeakyReLU(0.1)(tk.ops.convert_to_tensor([-10.0])).numpy().tolist()
    [-1.0]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             f"negative value. Expected a float. Received: negative_slope={negative_slope}")
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """``ELU(alpha=1.0)``: ``x`` if positive, else ``alpha * (exp(x) - 1)``.

    >>> import tinykeras as tk
    >>> round(tk.layers.ELU()(tk.ops.convert_to_tensor([-1.0])).numpy().item(), 4)
    -0.6321
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_Elementwise):
    """``Softmax(axis=-1)``; ``layer(x, mask=m)`` gives masked positions
    (``m`` False or <= 0.5) probability 0, as Keras does.

    >>> import numpy as np, tinykeras as tk
    >>> x = tk.ops.convert_to_tensor([[1.0, 1.0, 5.0]])
    >>> tk.layers.Softmax()(x, mask=np.array([[True, True, False]])).numpy().tolist()
    [[0.5, 0.5, 0.0]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            if mask.dtype != "bool":
                mask = mask > 0.5
            inputs = ops.where(mask, inputs, -1e9)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            outputs = ops.exp(inputs - ops.logsumexp(inputs, axis=tuple(self.axis), keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, list) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = ops.where(mask, outputs, 0.0)
        return outputs

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
