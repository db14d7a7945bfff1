"""``Sequential``: a plain stack of layers.

>>> import tinykeras as tk
>>> model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(8, activation="relu"),
...                        tk.layers.Dense(1)])
>>> model.output_shape
(None, 1)
"""
from ..core.autograd import no_grad
from ..layers.core.input_layer import InputLayer
from ..layers.layer import Layer
from ..layers.operation import recording
from .functional import Functional, check_input_shape
from .lean import lean_layers, run_layers
from .model import Model


class Sequential(Model):
    """``Sequential(layers=None, trainable=True, name=None)``, with ``add`` and ``pop``."""

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(name=name, trainable=trainable)
        object.__setattr__(self, "_functional", None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or a ``keras.Input``)."""
        history = getattr(layer, "_keras_history", None)
        if history is not None and isinstance(history[0], InputLayer):
            layer = history[0]
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential {self.name!r}: only layers can be added, got {layer!r}")
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError(f"Sequential {self.name!r}: an Input can only be the first layer")
        if any(layer.name == l.name for l in self._layers):
            raise ValueError(f"Sequential {self.name!r}: all layers need unique names; "
                             f"{layer.name!r} is already there")
        self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError(f"Sequential {self.name!r}: there is no layer to remove")
        layer = self._layers.pop()
        object.__setattr__(self, "_functional", None)
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    @property
    def layers(self):
        return [l for l in self._layers if not isinstance(l, InputLayer)]

    def _maybe_rebuild(self):
        first = self._layers[0] if self._layers else None
        if first is not None and not isinstance(first, InputLayer) and first._batch_input_shape:
            self._layers.insert(0, InputLayer(batch_shape=first._batch_input_shape))
            first = self._layers[0]
        if isinstance(first, InputLayer) and len(self._layers) > 1:
            self.build(first.batch_shape)

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (batch dimension included)."""
        if input_shape is None:
            raise ValueError(f"Sequential {self.name!r}: build() needs an input shape")
        if not isinstance(self._layers[0] if self._layers else None, InputLayer):
            self._layers.insert(0, InputLayer(batch_shape=tuple(input_shape)))
        with recording():  # its own graph, even when first called inside a traced layer
            x = self._layers[0].output
            for layer in self._layers[1:]:
                x = layer(x)
            object.__setattr__(self, "_functional",
                               Functional(self._layers[0].output, x, name=self.name + "_graph"))
        self.built = True

    def _predict_small_batch(self, x):
        """``predict`` on one small array: the layers' ``call`` methods
        directly when ``lean_layers`` allows (no ``__call__`` of the model)."""
        with no_grad():
            first = self._layers[0]
            plain = self._functional is None or type(self).call is not Sequential.call or \
                type(self).__call__ is not Layer.__call__
            lean = None if plain else lean_layers(self)
            if lean is None:
                return self(x, training=False)
            x = first._convert_input(x)
            check_input_shape(first, x)
            return run_layers(lean, x)

    def call(self, inputs, training=None, mask=None):
        """Each layer on the previous one's output (masks travel on the tensors)."""
        if self._functional is None:
            self.build((None,) + tuple(inputs.shape[1:]))
        first = self._layers[0]
        x = first._convert_input(inputs)  # the Input's dtype
        check_input_shape(first, x)
        lean = lean_layers(self, x, training)
        if lean is not None:    # inference with nothing for __call__ to do: call the layers directly
            return run_layers(lean, x)
        for layer in self._layers[1:]:
            x = layer(x, training=training)
        return x

    def _maybe_build(self, shapes):
        if isinstance(shapes, tuple):  # the first call: build for any batch size
            self.build((None,) + tuple(shapes[1:]))
        else:
            super()._maybe_build(shapes)

    def _functional_or_raise(self):
        if self._functional is None:
            raise ValueError(f"Sequential model '{self.name}' has not yet been built. Build the model "
                             "first by calling `build()` or by calling the model on a batch of data.")
        return self._functional

    @property
    def inputs(self):
        return self._functional_or_raise().inputs

    @property
    def outputs(self):
        return self._functional_or_raise().outputs

    @property
    def input_shape(self):
        return self._functional_or_raise().input_shape

    @property
    def output_shape(self):
        return self._functional_or_raise().output_shape

    @property
    def input_names(self):
        return self._functional_or_raise().input_names

    @property
    def output_names(self):
        return self._functional_or_raise().output_names

    def get_config(self):
        from ..saving.layer_config import serialize_layer
        layers = [serialize_layer(l) for l in self._layers]
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.layer_config import sequential_from_config
        return sequential_from_config(cls, config, custom_objects)
