"""Attention layers: ``MultiHeadAttention``, ``GroupQueryAttention``, ``Attention`` and ``AdditiveAttention``."""
from .attention import AdditiveAttention, Attention, causal_mask, masked_softmax
from .multi_head_attention import MultiHeadAttention
from .grouped_query_attention import GroupedQueryAttention as GroupQueryAttention
from .projection import Projection

__all__ = ["MultiHeadAttention", "GroupQueryAttention", "Attention", "AdditiveAttention", "Projection", "causal_mask", "masked_softmax"]
