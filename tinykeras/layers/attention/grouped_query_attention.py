"""``GroupQueryAttention``: attention whose key/value heads are shared by groups of query heads.

``GroupQueryAttention(head_dim, num_query_heads, num_key_value_heads,
dropout=0.0, use_bias=True, sliding_window=None, ...)`` projects the query
into ``num_query_heads`` heads and key and value into
``num_key_value_heads`` heads (``num_query_heads`` a multiple of it), repeats
each key/value head for its group and attends as ``MultiHeadAttention``
(whose projections, masks and attention it shares, see
:mod:`.heads`).  Sub-layers and weights are Keras 3's: ``query``
``(dim, num_query_heads, head_dim)``, ``key`` and ``value`` ``(dim,
num_key_value_heads, head_dim)``, ``gate`` (``use_gate=True``) and
``attention_output`` ``(num_query_heads, head_dim, dim)``, each with a bias.
Without dropout and attention scores it runs ``ops.dot_product_attention``,
as Keras does.

>>> import numpy as np, tinykeras as tk
>>> gqa = tk.layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
>>> out, scores = gqa(np.ones((2, 3, 8), "float32"), np.ones((2, 5, 8), "float32"), return_attention_scores=True)
>>> out.shape, scores.shape, [w.shape for w in gqa.get_weights()][::2]
((2, 3, 8), (2, 4, 3, 5), [(8, 4, 4), (8, 2, 4), (8, 2, 4), (4, 4, 8)])
"""
from ... import ops, random
from ...serialization import serialize
from ..weight_options import set_weight_options, weight_options_config
from .heads import HeadsAttention

OPTIONS = [f"{w}_{kind}" for kind in ("initializer", "regularizer", "constraint") for w in ("kernel", "bias")]


class GroupedQueryAttention(HeadsAttention):
    """Keras 3's grouped-query attention over ``(batch, steps, dim)`` inputs; call as
    ``MultiHeadAttention``: ``layer(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)``.  As in
    Keras, the class is ``GroupedQueryAttention`` (its layers are named
    ``grouped_query_attention``) and it is exported and saved as ``GroupQueryAttention``."""

    _export_name = "GroupQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, use_gate=False,
                 seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"GroupQueryAttention {self.name!r}: `{arg}` must be a positive integer, "
                                 f"got {value!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        if flash_attention:
            raise ValueError(f"GroupQueryAttention {self.name!r}: flash_attention is not supported")
        self.supports_masking = True
        self.head_dim, self.num_query_heads, self.num_key_value_heads = head_dim, num_query_heads, num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout, self.use_bias, self.use_gate, self.seed = dropout, use_bias, use_gate, seed
        self.sliding_window = sliding_window
        set_weight_options(self, **{name: value for name, value in locals().items() if name in OPTIONS})
        self.seed_generator = random.SeedGenerator(seed)
        self._returns_scores = False

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        shapes = {"query": tuple(query_shape), "value": tuple(value_shape), "key": tuple(key_shape)}
        if any(len(s) != 3 for s in shapes.values()):
            raise ValueError(f"GroupQueryAttention {self.name!r}: expects query, value and key of rank 3 "
                             f"(batch, steps, dim); received "
                             f"{', '.join(f'{k}_shape={v}' for k, v in shapes.items())}")
        GroupedQueryAttention.compute_output_shape(self, query_shape, value_shape, key_shape)
        extra = {"activity_regularizer": self.activity_regularizer}
        self.feature_dim = shapes["query"][-1]
        for attr, name, heads, source in (("_query_dense", "query", self.num_query_heads, "query"),
                                          ("_key_dense", "key", self.num_key_value_heads, "key"),
                                          ("_gate_dense", "gate", self.num_query_heads, "query"),
                                          ("_value_dense", "value", self.num_key_value_heads, "value")):
            if name != "gate" or self.use_gate:
                sub = self._projection(name, (heads, self.head_dim), activation="sigmoid" if name == "gate"
                                       else None, **extra)
                sub._maybe_build(shapes[source])
                setattr(self, attr, sub)
        self._output_dense = self._projection("attention_output", (self.feature_dim,), contract_dims=2, **extra)
        self._output_dense._maybe_build((None, None, self.num_query_heads, self.head_dim))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        self._returns_scores = return_attention_scores
        key = value if key is None else key
        mask = self._attention_mask(query, value, key, (query_mask, value_mask, key_mask), attention_mask,
                                    use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)                                          # (B, Tq, Hq, d)
        k = ops.repeat(self._key_dense(key), self.num_repeats, axis=2)         # (B, Tv, Hq, d)
        v = ops.repeat(self._value_dense(value), self.num_repeats, axis=2)
        if (self.dropout > 0 and training) or return_attention_scores:
            out, scores = self._attend(q, k, v, mask, training)
        else:
            out, scores = ops.dot_product_attention(q, k, v, mask=None if mask is None else ops.expand_dims(
                mask, 1), scale=1.0 / self.head_dim ** 0.5), None
        out = self._output_dense(out if gate is None else out * gate)
        return (out, scores) if return_attention_scores else out

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are "
                             f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                             f"value_shape={value_shape}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        return tuple(query_shape)

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
                "use_gate": self.use_gate, "sliding_window": self.sliding_window, "dropout": self.dropout,
                "activity_regularizer": serialize(self.activity_regularizer),
                **weight_options_config(self, OPTIONS), "seed": self.seed}
