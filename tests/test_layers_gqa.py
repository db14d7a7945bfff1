"""GroupQueryAttention: the standard layer checks, a NumPy reference with
shared key/value heads, masks, saving, and real Keras (outputs with and
without scores, masks, one SGD step, weight paths, config, files both ways)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import assert_reloads_and_summary_row, keras_parity, real_keras
from tinykeras.saving.object_paths import object_paths
from tinykeras.testing import run_layer_test

L = tk.layers
RNG = np.random.default_rng(23)


class _ListCall(L.GroupQueryAttention):
    """Takes ``[query, value]`` as one input, the form run_layer_test calls with."""

    def build(self, input_shape):
        super().build(*input_shape)

    def call(self, inputs, training=None):
        return super().call(inputs[0], inputs[1], training=training)

    def compute_output_shape(self, input_shape):
        return super().compute_output_shape(*input_shape)


def test_layer_test():
    for kwargs in ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2},
                   {"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 1, "use_gate": True,
                    "use_bias": False}):
        run_layer_test(_ListCall, kwargs, input_shape=[(2, 3, 4), (2, 5, 4)],
                       expected_output_shape=(2, 3, 4),
                       expected_num_trainable_weights=8 if "use_gate" not in kwargs else 5)


def _numpy_gqa(layer, q_in, v_in, mask=None):
    def proj(sub, x):
        return np.einsum("btm,m...->bt...", x, sub.kernel.numpy()) + (sub.bias.numpy() if sub.bias is not None else 0)
    q, k, v = proj(layer._query_dense, q_in), proj(layer._key_dense, v_in), proj(layer._value_dense, v_in)
    k, v = np.repeat(k, layer.num_repeats, axis=2), np.repeat(v, layer.num_repeats, axis=2)
    s = np.einsum("bquh,bkuh->buqk", q, k) / np.sqrt(layer.head_dim)
    if mask is not None:
        s = np.where(mask[:, None], s, -1e9)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    out = np.einsum("buqk,bkuh->bquh", w, v)
    return np.einsum("bquh,uhm->bqm", out, layer._output_dense.kernel.numpy()) + layer._output_dense.bias.numpy(), w


def test_against_numpy_masks_and_errors():
    layer = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    q_in, v_in = RNG.normal(size=(2, 3, 5)).astype(np.float32), RNG.normal(size=(2, 4, 5)).astype(np.float32)
    out, scores = layer(q_in, v_in, return_attention_scores=True)
    want, w = _numpy_gqa(layer, q_in, v_in)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(layer(q_in, v_in).numpy(), want, rtol=1e-4, atol=1e-5)   # dot_product_attention
    mask = np.tril(np.ones((3, 4), bool))[None].repeat(2, 0)
    np.testing.assert_allclose(layer(q_in, v_in, use_causal_mask=True).numpy(),
                               _numpy_gqa(layer, q_in, v_in, mask)[0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="`num_query_heads` must be divisible by `num_key_value_heads`"):
        L.GroupQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape` must be equal"):
        L.GroupQueryAttention(2, 2, 1)(q_in, np.ones((2, 4, 6), np.float32))


def test_saved_and_loaded(tmp_path):
    q = tk.Input((3, 6))
    model = tk.Model(q, L.GroupQueryAttention(2, 4, 2, use_gate=True)(q, q))
    assert [p for p, _ in object_paths(model)][:2] == ["layers/grouped_query_attention/_gate_dense/vars/0",
                                                       "layers/grouped_query_attention/_gate_dense/vars/1"]
    x = RNG.normal(size=(2, 3, 6)).astype(np.float32)
    assert assert_reloads_and_summary_row(model, x, tmp_path, model.layers[1])[1:] == ["(None, 3, 6)", "222"]


@pytest.mark.keras
def test_matches_keras(tmp_path):
    keras = real_keras()

    def build(lib):
        q, v = lib.Input((4, 6)), lib.Input((5,), dtype="int32")
        ev = lib.layers.Embedding(7, 6, mask_zero=True)(v)
        gqa = lib.layers.GroupQueryAttention(3, 4, 2, use_gate=True, sliding_window=3)
        out = gqa(q, ev)
        out2, scores = lib.layers.GroupQueryAttention(2, 2, 1)(q, q, return_attention_scores=True,
                                                                 use_causal_mask=True)
        model = lib.Model([q, v], [lib.layers.Add()([out, out2]), scores])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss=["mse", None])
        return model
    x = [RNG.normal(size=(3, 4, 6)).astype(np.float32), np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [1, 1, 1, 1, 1]])]  # no row fully masked
    k_model, t_model = build(keras), build(tk)
    weights = [RNG.normal(size=w.shape).astype(np.float32) for w in k_model.get_weights()]
    y = [RNG.normal(size=(3, 4, 6)).astype(np.float32), np.zeros((3, 2, 4, 4), np.float32)]
    keras_parity(keras, k_model, t_model, x, y, tmp_path, weights, label="GroupQueryAttention")
    k_config, t_config = k_model.layers[3].get_config(), t_model.layers[3].get_config()
    assert set(k_config) == set(t_config)
    for key in set(k_config) - {"name", "dtype"}:
        assert t_config[key] == k_config[key], key
