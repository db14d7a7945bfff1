"""``Embedding``: turn integer ids into dense vectors (rows of a table).

>>> import tinykeras as tk
>>> layer = tk.layers.Embedding(input_dim=10, output_dim=4, mask_zero=True)
>>> out = layer(tk.ops.convert_to_tensor([[1, 2, 0]]))
>>> out.shape, [w.shape for w in layer.get_weights()]
((1, 3, 4), [(10, 4)])
>>> out._keras_mask.numpy().tolist()          # id 0 is padding
[[True, True, False]]
"""
import warnings

import numpy as np

from ... import constraints, initializers, ops, regularizers
from ..layer import Layer


class Embedding(Layer):
    """``Embedding(input_dim, output_dim, embeddings_initializer="uniform",
    embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
    weights=None)``: one weight, ``embeddings`` of shape ``(input_dim, output_dim)``;
    ``output[..., :] = embeddings[inputs[...]]``.

    With ``mask_zero=True`` id 0 is reserved for padding and the layer
    emits the mask ``inputs != 0`` for the layers after it.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{arg}` must be a positive integer. Received: "
                                 f"{arg}={value!r} (of type {type(value).__name__}).")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.")
        super().__init__(**kwargs)
        if lora_rank is not None or quantization_config is not None:
            raise ValueError(f"Embedding {self.name!r}: LoRA and quantization are not supported "
                             "by tinykeras")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.autocast = False  # float ids are cast to int, never to floatx
        if weights is not None:
            self._maybe_build(None)
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")

    def call(self, inputs):
        ids = inputs.numpy() if hasattr(inputs, "numpy") else np.asarray(inputs)
        if ids.dtype.kind not in "iu":
            ids = ids.astype(np.int32)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids[(ids < 0) | (ids >= self.input_dim)].ravel()[0]
            raise ValueError(f"Embedding {self.name!r}: input id {int(bad)} is out of range; ids "
                             f"must be in [0, {self.input_dim}) (input_dim={self.input_dim}); "
                             f"input shape {tuple(ids.shape)}")
        return ops.take(self.embeddings, ids, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}
