"""``Pipeline``: a layer that applies a list of layers in turn (Keras 3's
preprocessing pipeline; a plain layer, not a model).

>>> import numpy as np, tinykeras as tk
>>> pipeline = tk.layers.Pipeline([tk.layers.Rescaling(0.5), tk.layers.Rescaling(1.0, offset=1.0)])
>>> pipeline(np.array([[2.0, 4.0]], "float32")).numpy().tolist()
[[2.0, 3.0]]
"""
from ...tree import flatten
from ..layer import Layer, _call_spec


class Pipeline(Layer):
    """``Pipeline(layers, name=None)``, as Keras 3.

    Each layer gets the previous one's outputs, ``training`` (``True`` unless
    the caller or ``fit``/``predict`` says otherwise, as Keras: augmentation
    layers in a pipeline augment) and the mask, when its ``call`` takes them.
    Its weights are its layers' weights, in order; its config holds theirs.
    """

    def __init__(self, layers, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(layers, (list, tuple)) or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline {self.name!r}: `layers` must be a list of Layer instances, "
                             f"received {layers!r}")
        # Tracked (its weights are theirs); a public attribute, so the weights' paths are
        # Keras's ("pipeline/layers/dense/vars/0", where Keras walks the property `layers`).
        self.layers = list(layers)
        self.built = True

    def call(self, inputs, training=True, mask=None):
        training = True if training is None else training
        outputs = inputs
        for layer in self.layers:
            spec = _call_spec(type(layer))
            kwargs = {}
            if "mask" in spec and mask is not None:
                kwargs["mask"] = mask
            if "training" in spec:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            masks = [getattr(t, "_keras_mask", None) for t in flatten(outputs)]
            mask = masks[0] if len(masks) == 1 else (masks if any(m is not None for m in masks) else None)
        return outputs

    def get_config(self):
        from ...saving.layer_config import serialize_layer  # here: saving imports layers
        return {"layers": [serialize_layer(layer) for layer in self.layers], "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving.layer_config import deserialize_layer  # here: saving imports layers
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                             f"layers. Received config with layers={layers}.")
        config = {**config, "layers": [deserialize_layer(layer, custom_objects) for layer in layers]}
        return cls(**config)
