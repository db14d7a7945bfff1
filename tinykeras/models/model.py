"""``Model``: a Layer that can be trained, evaluated, summarized and saved.

Three ways to make one, as in Keras: ``Sequential([...])``, the functional
``Model(inputs, outputs)``, or a subclass with its own ``call``.

>>> import tinykeras as tk
>>> class TwoLayer(tk.Model):
...     def __init__(self):
...         super().__init__()
...         self.hidden = tk.layers.Dense(8, activation="relu")
...         self.out = tk.layers.Dense(1)
...     def call(self, x):
...         return self.out(self.hidden(x))
>>> TwoLayer()(tk.ops.ones((2, 3))).shape
(2, 1)
"""
from ..layers.layer import Layer
from .trainer import Trainer


class Model(Trainer, Layer):
    """A trainable stack or graph of layers (see the module docstring)."""

    def __new__(cls, *args, **kwargs):
        if len(args) >= 2 or "outputs" in kwargs or "inputs" in kwargs:
            from .functional import Functional
            if cls is Model:
                return Functional.__new__(Functional)
            if not issubclass(cls, Functional):
                return Model.__new__(_functional_subclass(cls))
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if type(self).__name__ == "Functional" or not (args or "inputs" in kwargs):
            Layer.__init__(self, **{k: v for k, v in kwargs.items() if k in ("name", "trainable", "dtype")})
            Trainer.__init__(self)
            return
        raise TypeError("Model(inputs, outputs) builds a functional model; a subclass of Model "
                        "defines call() instead")

    @property
    def layers(self):
        """The model's layers (sub-layers, in the order they were tracked)."""
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer by ``name`` or by ``index`` in ``layers``."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Model {self.name!r}: no layer at index {index}; the model has "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def build(self, input_shape):
        """Build a subclassed model by calling it on zeros of ``input_shape``."""
        if type(self).call is not Model.call and not self.built:
            import numpy as np
            from ..core.autograd import no_grad
            from ..core.tensor import Tensor
            with no_grad():
                shape = [1 if d is None else d for d in input_shape]
                self.call(Tensor(np.zeros(shape, dtype="float32")))
            self._build_input_shape = tuple(input_shape)
        self.built = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print a table of layers, output shapes and parameter counts (Keras's layout)."""
        from ..utils.summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def save(self, filepath, overwrite=True, **kwargs):
        """Save architecture, weights and optimizer state (``.safetensors`` or a directory)."""
        from ..saving import save_model
        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save only the weights to ``*.weights.safetensors``."""
        from ..saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights saved by ``save_weights`` (by structure, as Keras 3)."""
        from ..saving import load_weights
        return load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Export for inference; tinykeras writes ``format="onnx"`` (see ``tinykeras.export``)."""
        from ..export import export
        export(self, filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)

    def to_json(self, **kwargs):
        """The architecture as a JSON string (``models.model_from_json`` reads it)."""
        import json
        from ..saving.layer_config import serialize_layer
        return json.dumps(serialize_layer(self), **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional config (with ``layers`` and ``input_layers``) rebuilds the
        graph; any other config goes to the constructor, as in Keras."""
        if "layers" in config and "input_layers" in config:
            from .functional import Functional
            return Functional.from_config(config, custom_objects)
        return cls(**config)

    def get_config(self):
        if type(self).get_config is Model.get_config and type(self).__init__ is not Model.__init__:
            return {"name": self.name, "trainable": self.trainable}
        return super().get_config()


_FUNCTIONAL_SUBCLASSES = {}


def _functional_subclass(cls):
    """``class M(keras.Model)`` called as ``M(inputs, outputs)``: Keras makes M
    functional; here a subclass of (M, Functional) with M's name keeps M's
    methods (``train_step``...) and takes Functional's graph ``call``."""
    from .functional import Functional
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__, "__qualname__": cls.__qualname__})
    return _FUNCTIONAL_SUBCLASSES[cls]
