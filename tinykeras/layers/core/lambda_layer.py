"""``Lambda``: wrap any function of tensors as a layer (no weights).

>>> import tinykeras as tk
>>> x = tk.Input((3,))
>>> y = tk.layers.Lambda(lambda t: tk.ops.square(t) + 1.0)(x)
>>> model = tk.Model(x, y)
>>> model.predict(tk.ops.ones((1, 3)), verbose=0).tolist()
[[2.0, 2.0, 2.0]]

The function is kept as a Python object: ``get_config()`` returns it as
is, so ``Lambda.from_config(layer.get_config())`` works in memory, but a
model file cannot store it (Keras's own ``__lambda__`` bytecode format is
unsafe to load); write a small ``Layer`` subclass for models you save.
"""
import inspect

from ..layer import Layer


class Lambda(Layer):
    """``Lambda(function, output_shape=None, mask=None, arguments=None)``.

    * ``function(inputs, **arguments)``; it also gets ``mask=`` and
      ``training=`` when its signature names them.
    * ``output_shape``: the output's shape without the batch axis, or a
      function of the input shape; by default it is found by running
      ``function`` on zeros.
    * ``mask``: the output mask, or a function ``mask(inputs, previous_mask)``.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(function, dict):
            function = _function_from_config(function)
        if not callable(function):
            raise TypeError(f"Lambda {self.name!r}: `function` must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._wants_mask, self._wants_training = "mask" in params, "training" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._wants_mask:
            kwargs["mask"] = mask
        if self._wants_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        leaves = input_shape if isinstance(input_shape, tuple) and input_shape and \
            not isinstance(input_shape[0], (tuple, list)) else input_shape[0]
        return (leaves[0],) + tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def get_config(self):
        config = {**super().get_config(), "function": self.function, "arguments": self.arguments}
        if self._output_shape is not None:
            config["output_shape"] = self._output_shape
        if self.mask is not None:
            config["mask"] = self.mask
        return config


def _function_from_config(config):
    """A function stored as ``{"class_name": "function", "config": name}``: only
    registered custom objects are accepted (never bytecode)."""
    from ...serialization import _registered
    name = config.get("registered_name") or config.get("config")
    fn = _registered(name, None) if isinstance(name, str) else None
    if fn is None:
        raise ValueError(f"Lambda: cannot rebuild the function {config!r}; tinykeras only loads "
                         "registered functions (keras.saving.register_keras_serializable), never "
                         "Python bytecode")
    return fn
