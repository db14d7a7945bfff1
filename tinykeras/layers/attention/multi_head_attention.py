"""``MultiHeadAttention`` with Keras 3's arguments and weight layout.

``MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0,
use_bias=True, output_shape=None, ...)`` projects query, key and value into
``num_heads`` heads with four ``Projection`` sub-layers, named and built in
Keras's order: ``query`` and ``key`` (kernels ``(dim, heads, key_dim)``),
``value`` (``(dim, heads, value_dim)``) and ``attention_output``
(``(heads, value_dim, out_dim)``), each with a bias, so
``set_weights(keras_mha.get_weights())`` gives Keras's outputs.  Scores are
``softmax(q k^T / sqrt(key_dim))`` per head.

Call: ``mha(query, value, key=None, attention_mask=None,
return_attention_scores=False, training=None, use_causal_mask=False)``.
The Keras masks of query, value and key (``Embedding(mask_zero=True)``...)
combine with ``attention_mask`` (bool ``(batch, Tq, Tv)``) and the causal
mask; the output carries the query's mask.

>>> import numpy as np, tinykeras as tk
>>> mha = tk.layers.MultiHeadAttention(num_heads=2, key_dim=4)
>>> x = np.ones((3, 5, 8), "float32")
>>> out, scores = mha(x, x, return_attention_scores=True, use_causal_mask=True)
>>> out.shape, scores.shape, [w.shape for w in mha.get_weights()][::2]
((3, 5, 8), (3, 2, 5, 5), [(8, 2, 4), (8, 2, 4), (8, 2, 4), (2, 4, 8)])
"""
from ... import constraints, initializers, random, regularizers
from ...serialization import serialize
from .heads import HeadsAttention


class MultiHeadAttention(HeadsAttention):
    """Multi-head (scaled dot-product) attention over rank-3 inputs ``(batch, steps, dim)``."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, use_gate=False, seed=None, **kwargs):
        for arg, value in (("num_heads", num_heads), ("key_dim", key_dim), ("value_dim", value_dim)):
            if (value is not None or arg != "value_dim") and (not isinstance(value, int) or value <= 0):
                raise ValueError(f"Received an invalid value for argument `{arg}`, expected a positive "
                                 f"integer. Received: {arg}={value!r}")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if attention_axes not in (None, 1, -2, (1,), [1], (-2,), [-2]):
            raise ValueError(f"MultiHeadAttention {self.name!r}: tinykeras attends over the time axis "
                             f"of (batch, steps, dim) inputs only; got attention_axes={attention_axes!r}")
        if flash_attention:
            raise ValueError(f"MultiHeadAttention {self.name!r}: flash_attention is not supported")
        self.supports_masking = True
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim or key_dim
        self.dropout, self.use_bias, self.use_gate, self.seed = dropout, use_bias, use_gate, seed
        self._output_shape = (output_shape,) if isinstance(output_shape, int) else \
            (tuple(output_shape) if output_shape else None)
        self.attention_axes, self.sliding_window = attention_axes, sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed_generator = random.SeedGenerator(seed)
        self._returns_scores = False

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        shapes = {"query": tuple(query_shape), "value": tuple(value_shape), "key": tuple(key_shape)}
        if any(len(s) != 3 for s in shapes.values()) or shapes["value"][1:-1] != shapes["key"][1:-1]:
            raise ValueError(f"MultiHeadAttention {self.name!r}: expects query, value and key of shapes "
                             f"(batch, Tq, dim), (batch, Tv, dim) and (batch, Tv, dim); received "
                             f"{', '.join(f'{k}_shape={v}' for k, v in shapes.items())}")
        heads = self.num_heads
        self.query_dense = self._projection("query", (heads, self.key_dim))
        self.query_dense._maybe_build(shapes["query"])
        self.key_dense = self._projection("key", (heads, self.key_dim))
        self.key_dense._maybe_build(shapes["key"])
        if self.use_gate:
            self.gate_dense = self._projection("gate", (heads, self.value_dim), activation="sigmoid")
            self.gate_dense._maybe_build(shapes["query"])
        self.value_dense = self._projection("value", (heads, self.value_dim))
        self.value_dense._maybe_build(shapes["value"])
        self.output_dense = self._projection("attention_output", self._output_shape or (shapes["query"][-1],),
                                             contract_dims=2)
        self.output_dense._maybe_build(shapes["query"][:2] + (heads, self.value_dim))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        key = value if key is None else key
        mask = self._attention_mask(query, value, key, (query_mask, value_mask, key_mask), attention_mask,
                                    use_causal_mask)
        out, scores = self._attend(self.query_dense(query), self.key_dense(key), self.value_dense(value), mask,
                                   training)                             # (B, Tq, H, dv), (B, H, Tq, Tv)
        if self.use_gate:
            out = out * self.gate_dense(query)
        out = self.output_dense(out)
        self._returns_scores = return_attention_scores
        return (out, scores) if return_attention_scores else out

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self._output_shape or (query_shape[-1],))

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "use_gate": self.use_gate,
                "output_shape": list(self._output_shape) if self._output_shape else None,
                "attention_axes": self.attention_axes, "sliding_window": self.sliding_window,
                "kernel_initializer": serialize(self.kernel_initializer),
                "bias_initializer": serialize(self.bias_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer),
                "bias_regularizer": serialize(self.bias_regularizer),
                "kernel_constraint": serialize(self.kernel_constraint),
                "bias_constraint": serialize(self.bias_constraint), "seed": self.seed}
