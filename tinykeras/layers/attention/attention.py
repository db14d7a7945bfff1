"""``Attention`` (Luong, dot-product) and ``AdditiveAttention`` (Bahdanau), and
the masked softmax and causal mask that every attention layer here uses.

Both take ``[query, value]`` or ``[query, value, key]`` (key defaults to
value), each ``(batch, steps, dim)``, and return ``(batch, Tq, dim)``:
``softmax(scores(query, key)) @ value``.  Masks (``mask=[query_mask,
value_mask]``, or the inputs' Keras masks) hide padded value steps and zero
the outputs of padded query steps.

>>> import numpy as np, tinykeras as tk
>>> q, v = np.ones((2, 3, 4), "float32"), np.ones((2, 5, 4), "float32")
>>> out, scores = tk.layers.Attention()([q, v], return_attention_scores=True)
>>> out.shape, scores.shape, round(float(scores.numpy()[0, 0, 0]), 4)
((2, 3, 4), (2, 3, 5), 0.2)
"""
import numpy as np

from ... import ops, random
from ...core.tensor import Tensor
from ..layer import Layer
from ..symbolic import KerasTensor


def causal_mask(q_steps, v_steps):
    """``(1, Tq, Tv)`` bool: query step i sees value steps j <= i.

    >>> causal_mask(3, 3).numpy()[0].astype(int).tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]

    Unknown step counts (a layer traced for its output shape) give a
    symbolic mask.
    """
    if q_steps is None or v_steps is None:
        return KerasTensor((1, q_steps, v_steps), "bool")
    return Tensor(np.tril(np.ones((q_steps, v_steps), bool))[None])


def masked_softmax(scores, mask=None, axis=-1):
    """Softmax over ``axis`` where ``mask`` (bool, broadcastable) is True; masked
    entries get -1e9 before the softmax (-3e4 in float16) and 0 after it, so a
    fully masked row gives zeros, as Keras's ``Softmax`` layer.

    >>> masked_softmax(Tensor(np.zeros((1, 3), "float32")), Tensor(np.array([[True, True, False]]))).numpy().tolist()
    [[0.5, 0.5, 0.0]]
    """
    if mask is None:
        return ops.softmax(scores, axis=axis)
    mask = ops.convert_to_tensor(mask)
    if mask.dtype != "bool":
        mask = mask > 0.5
    big = -3e4 if scores.dtype == "float16" else -1e9
    return ops.where(mask, ops.softmax(ops.where(mask, scores, big), axis=axis), 0)


class Attention(Layer):
    """``Attention(use_scale=False, score_mode="dot", dropout=0.0, seed=None)``.

    ``"dot"`` scores are ``query @ key^T`` (times a learned scalar ``scale``
    if ``use_scale``); ``"concat"`` scores are ``concat_score_weight *
    sum(tanh(scale * (query + key)))``.  Call with ``return_attention_scores``
    and ``use_causal_mask`` as in Keras."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        self.use_scale, self.score_mode, self.dropout, self.seed = use_scale, score_mode, dropout, seed
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self._returns_scores = False

    def _validate(self, inputs, mask=None):
        name = f"{type(self).__name__} {self.name!r}"
        is_list = isinstance(inputs, (list, tuple)) and all(isinstance(x, tuple) or hasattr(x, "shape")
                                                             for x in inputs)
        if not is_list or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name}: must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]; received {type(inputs).__name__}"
                             f"{'' if not isinstance(inputs, (list, tuple)) else f' of length {len(inputs)}'}")
        shapes = [tuple(x) if isinstance(x, tuple) else tuple(x.shape) for x in inputs]
        if any(len(s) != 3 for s in shapes) or shapes[0][-1] != shapes[-1][-1] or shapes[1][1] != shapes[-1][1]:
            raise ValueError(f"{name}: expects query, value (and key) of shapes (batch, Tq, dim), "
                             f"(batch, Tv, dim_v) and (batch, Tv, dim) ; received shapes {shapes}")
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{name}: mask must be a list [query_mask, value_mask]; received {mask!r}")
        return shapes

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = self.add_weight(name="scale", shape=(), initializer="ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones") \
            if self.score_mode == "concat" else None

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            scores = query @ ops.swapaxes(key, -2, -1)
            return scores * self.scale if self.scale is not None else scores
        summed = ops.expand_dims(query, -2) + ops.expand_dims(key, -3)
        if self.scale is not None:
            summed = summed * self.scale
        return self.concat_score_weight * ops.sum(ops.tanh(summed), axis=-1)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        shapes = self._validate(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (mask[0], mask[1]) if mask else (None, None)
        for which, m, shape in (("query", q_mask, shapes[0]), ("value", v_mask, shapes[1])):
            if m is not None and tuple(m.shape) != shape[:2]:
                raise ValueError(f"{type(self).__name__} {self.name!r}: the {which} mask has shape "
                                 f"{tuple(m.shape)}, expected {shape[:2]} for the {which} of shape {shape}")
        scores = self._calculate_scores(q, k)
        scores_mask = None if v_mask is None else ops.expand_dims(ops.convert_to_tensor(v_mask), -2)
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            scores_mask = causal if scores_mask is None else scores_mask & causal
        weights = _softmax_keeping_rows(scores, scores_mask)
        dropped = random.dropout(weights, self.dropout, seed=self.seed_generator) \
            if training and self.dropout > 0 else weights
        out = dropped @ v
        if q_mask is not None:
            out = ops.where(ops.expand_dims(ops.convert_to_tensor(q_mask), -1), out, 0)
        self._returns_scores = return_attention_scores
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        out = None if not mask or mask[0] is None else ops.convert_to_tensor(mask[0])
        return [out, None] if self._returns_scores else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


def _softmax_keeping_rows(scores, mask):
    """Keras's ``Attention`` subtracts 1e9 at masked positions (no zeroing after)."""
    if mask is not None:
        scores = ops.where(mask, scores, scores - (65504.0 if scores.dtype == "float16" else 1e9))
    return ops.softmax(scores, axis=-1)


class AdditiveAttention(Attention):
    """``AdditiveAttention(use_scale=True, dropout=0.0)``: scores are
    ``sum(scale * tanh(query + key), axis=-1)``, ``scale`` a learned ``(dim,)``
    vector (glorot-uniform)."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        shapes = self._validate(input_shape)
        self.scale = self.add_weight(name="scale", shape=(shapes[0][-1],), initializer="glorot_uniform") \
            if self.use_scale else None

    def _calculate_scores(self, query, key):
        summed = ops.tanh(ops.expand_dims(query, -2) + ops.expand_dims(key, -3))
        return ops.sum(summed * self.scale if self.scale is not None else summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
