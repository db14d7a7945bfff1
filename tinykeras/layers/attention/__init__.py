"""Attention layers: ``MultiHeadAttention``, ``Attention`` and ``AdditiveAttention``."""
from .attention import AdditiveAttention, Attention, causal_mask, masked_softmax
from .multi_head_attention import MultiHeadAttention
from .projection import Projection

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention", "Projection", "causal_mask", "masked_softmax"]
