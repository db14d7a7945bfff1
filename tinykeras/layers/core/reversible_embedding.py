"""``ReversibleEmbedding``: an ``Embedding`` that can also project back to the vocabulary.

``layer(ids)`` embeds as ``Embedding``; ``layer(hidden, reverse=True)``
gives logits ``hidden @ embeddings.T`` (tied weights, the default) or
``hidden @ reverse_embeddings`` (``tie_weights=False``: a second weight of
shape ``(output_dim, input_dim)``), optionally soft-capped as
``tanh(logits / logit_soft_cap) * logit_soft_cap``.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.ReversibleEmbedding(10, 4)
>>> hidden = layer(np.array([[1, 2, 3]]))
>>> hidden.shape, layer(hidden, reverse=True).shape
((1, 3, 4), (1, 3, 10))
"""
from ... import ops
from .embedding import Embedding


class ReversibleEmbedding(Embedding):
    """``ReversibleEmbedding(input_dim, output_dim, tie_weights=True,
    embeddings_initializer="uniform", embeddings_regularizer=None,
    embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
    logit_soft_cap=None)``; call ``layer(inputs, reverse=False)``."""

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero, **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(shape=(self.output_dim, self.input_dim),
                                                      initializer=self.embeddings_initializer,
                                                      name="reverse_embeddings")

    def call(self, inputs, reverse=False):
        if not reverse:
            out = super().call(inputs)
            if self.mask_zero:                  # the mask is set here: compute_mask knows no `reverse`
                out._keras_mask = ops.not_equal(inputs, 0)
            return out
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(f"ReversibleEmbedding {self.name!r}: reverse=True expects inputs whose last "
                             f"axis is output_dim={self.output_dim}, got shape {tuple(inputs.shape)}")
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
