"""``HeadsAttention``: what ``MultiHeadAttention`` and ``GroupQueryAttention``
share: their ``Projection`` sub-layers, the merge of the Keras masks of
query, value and key with ``attention_mask`` and the causal and
sliding-window masks, and scaled dot-product attention over heads.

>>> import numpy as np, tinykeras as tk
>>> gqa = tk.layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
>>> isinstance(gqa, HeadsAttention), gqa(np.ones((1, 3, 5), "float32"), np.ones((1, 4, 5), "float32")).shape
(True, (1, 3, 5))
"""
import math

from ... import ops, random
from ...ops import attention_ops
from ..layer import Layer
from .attention import causal_mask
from .projection import Projection


class HeadsAttention(Layer):
    """Base of the multi-head attention layers (it has no ``call`` of its own)."""

    def _projection(self, name, shape, contract_dims=1, activation=None, **kwargs):
        """One sub-layer; each gets a fresh copy of the initializers (as Keras)."""
        return Projection(shape, contract_dims=contract_dims, use_bias=self.use_bias, activation=activation,
                          name=name, dtype=self.dtype,
                          kernel_initializer=type(self.kernel_initializer).from_config(
                              self.kernel_initializer.get_config()),
                          bias_initializer=type(self.bias_initializer).from_config(
                              self.bias_initializer.get_config()),
                          kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                          kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
                          **kwargs)

    def _attention_mask(self, query, value, key, given, attention_mask, use_causal_mask):
        """Merge the masks of query, value and key (``given``, else their Keras
        masks), ``attention_mask`` and the causal mask into one bool
        ``(batch or 1, Tq, Tv)`` mask (None: attend everywhere)."""
        tq, tv = query.shape[1], value.shape[1]
        masks = []
        for what, t, m, axis, steps in (("query", query, given[0], -1, tq), ("value", value, given[1], -2, tv),
                                        ("key", key, given[2], -2, tv)):
            m = getattr(t, "_keras_mask", None) if m is None else ops.convert_to_tensor(m)
            if m is not None:
                if tuple(m.shape) != (t.shape[0], steps):
                    raise ValueError(f"{type(self).__name__} {self.name!r}: the {what} mask has shape "
                                     f"{tuple(m.shape)}, expected {(t.shape[0], steps)}")
                masks.append(ops.expand_dims(ops.cast(m, "bool"), axis))
        if use_causal_mask:
            masks.append(causal_mask(tq, tv))
        if self.sliding_window is not None:
            i = ops.arange(tq).reshape((1, tq, 1))
            masks.append(ops.abs(i - ops.arange(tv).reshape((1, 1, tv))) < self.sliding_window)
        if attention_mask is not None:
            attention_mask = ops.cast(ops.convert_to_tensor(attention_mask), "bool")
            if attention_mask.ndim not in (2, 3) or tuple(attention_mask.shape[-2:]) != (tq, tv):
                raise ValueError(f"{type(self).__name__} {self.name!r}: attention_mask has shape "
                                 f"{tuple(attention_mask.shape)}, expected (batch, {tq}, {tv}) for query "
                                 f"of shape {tuple(query.shape)} and value of shape {tuple(value.shape)}")
            masks.append(attention_mask)
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out

    def _attend(self, q, k, v, mask, training):
        """``(output (B, Tq, H, dv), scores (B, H, Tq, Tv))`` of heads ``q`` ``(B, Tq, H, dk)``,
        ``k`` ``(B, Tv, H, dk)``, ``v`` ``(B, Tv, H, dv)``; ``mask`` ``(B or 1, Tq, Tv)``."""
        scores = attention_ops.attention_probabilities(q, k, mask, scale=1.0 / math.sqrt(q.shape[-1]))
        dropped = random.dropout(scores, self.dropout, seed=self.seed_generator) \
            if training and self.dropout > 0 else scores                 # (B, H, Tq, Tv)
        return attention_ops.attention_combine(dropped, v), scores

    def compute_mask(self, query, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        return [mask, None] if self._returns_scores else mask
