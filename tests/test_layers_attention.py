"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention (and the
Projection sub-layer), with masks from Embedding(mask_zero=True) reaching
attention and GlobalAveragePooling1D.  Values against NumPy references
written here, gradients against finite differences, configs, errors, and
Keras 3 with the same weights when it imports."""
import os

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import layers
from tinykeras.layers.attention import Projection, causal_mask, masked_softmax
from tinykeras.testing import check_gradients, run_layer_test

RNG = np.random.default_rng(1)


def _softmax(s, mask=None):
    if mask is not None:
        s = np.where(mask, s, -1e9)
    e = np.exp(s - s.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return p if mask is None else np.where(mask, p, 0.0)


def mha_reference(weights, query, value, key=None, mask=None, key_dim=2):
    """Keras's einsum equations, in float64."""
    wq, bq, wk, bk, wv, bv, wo, bo = [np.asarray(w, np.float64) for w in weights]
    key = value if key is None else key
    q = np.einsum("abc,cde->abde", query, wq) + bq
    k = np.einsum("abc,cde->abde", key, wk) + bk
    v = np.einsum("abc,cde->abde", value, wv) + bv
    scores = _softmax(np.einsum("aecd,abcd->acbe", k, q / np.sqrt(key_dim)),
                      None if mask is None else mask[:, None])
    out = np.einsum("acbe,aecd->abcd", scores, v)
    return np.einsum("abcd,cde->abe", out, wo) + bo, scores


# -- MultiHeadAttention -----------------------------------------------------------

def test_mha_weight_layout_names_and_shapes():
    mha = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, output_shape=7)
    out = mha(np.ones((2, 6, 8), "float32"), np.ones((2, 9, 10), "float32"))
    assert out.shape == (2, 6, 7)
    assert [(v.path, v.shape) for v in mha.weights] == [(f"{mha.name}/{path}", shape) for path, shape in [
        ("query/kernel", (8, 3, 4)), ("query/bias", (3, 4)), ("key/kernel", (10, 3, 4)), ("key/bias", (3, 4)),
        ("value/kernel", (10, 3, 5)), ("value/bias", (3, 5)), ("attention_output/kernel", (3, 5, 7)),
        ("attention_output/bias", (7,))]]
    gated = layers.MultiHeadAttention(2, 4, use_bias=False, use_gate=True)
    gated(np.ones((1, 3, 8), "float32"), np.ones((1, 3, 8), "float32"))
    assert [v.path for v in gated.weights] == [f"{gated.name}/{n}/kernel" for n in ("query", "key", "gate", "value",
                                                                        "attention_output")]


@pytest.mark.parametrize("case", ["plain", "causal", "attention_mask", "key", "keras_masks"])
def test_mha_matches_numpy_reference(case):
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    q, v, k = RNG.normal(size=(2, 4, 3)), RNG.normal(size=(2, 5, 3)), RNG.normal(size=(2, 5, 6))
    mask = None
    kwargs = {}
    if case == "causal":
        kwargs, mask = {"use_causal_mask": True}, np.tril(np.ones((4, 5), bool))[None]
    elif case == "attention_mask":
        mask = RNG.random((2, 4, 5)) > 0.3
        kwargs = {"attention_mask": mask}
    elif case == "key":
        kwargs = {"key": k}
    elif case == "keras_masks":
        qm, vm = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool), np.array([[1, 0, 1, 1, 1], [1, 1, 1, 0, 0]], bool)
        kwargs, mask = {"query_mask": qm, "value_mask": vm}, qm[:, :, None] & vm[:, None, :]
    out, scores = mha(q, v, return_attention_scores=True, **kwargs)
    ref_out, ref_scores = mha_reference(mha.get_weights(), q, v, kwargs.get("key"), mask)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(scores.numpy(), ref_scores, rtol=1e-10, atol=1e-12)


def test_mha_gradients_match_finite_differences():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    q, v = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 4, 4))
    mha(q, v)
    slots = [(sub, name) for sub in mha._layers for name in ("kernel", "bias")]
    mask = RNG.random((2, 3, 4)) > 0.25

    def fn(q, v, *ws):
        try:
            for (sub, name), w in zip(slots, ws):
                object.__setattr__(sub, name, w)
            return mha(q, v, attention_mask=mask, use_causal_mask=False)
        finally:
            for sub, name in slots:
                object.__setattr__(sub, name, next(x for x in sub.weights if x.name == name))

    check_gradients(fn, [q, v] + [getattr(sub, name).numpy() for sub, name in slots], name="MultiHeadAttention")


def test_mha_config_symbolic_and_dropout():
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=0, name="mha")
    config = mha.get_config()
    assert layers.MultiHeadAttention.from_config(config).get_config() == config
    q_in, v_in = tk.Input((4, 6)), tk.Input((5, 6))
    out, scores = mha(q_in, v_in, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    model = tk.Model([q_in, v_in], out)
    q, v = RNG.normal(size=(3, 4, 6)).astype("float32"), RNG.normal(size=(3, 5, 6)).astype("float32")
    np.testing.assert_allclose(model.predict([q, v], verbose=0), mha(q, v).numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(mha(q, v, training=True).numpy(), mha(q, v).numpy())
    model.compile(optimizer="adam", loss="mse")
    assert np.isfinite(model.fit([q, v], np.zeros((3, 4, 6), "float32"), verbose=0).history["loss"][0])


def test_masks_flow_from_embedding_through_attention_and_pooling():
    ids = np.array([[3, 4, 5, 0, 0], [6, 7, 0, 0, 0]])
    inp = tk.Input((None,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(inp)
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=2)(x, x)
    model = tk.Model(inp, [attended, layers.GlobalAveragePooling1D()(attended)])
    seq, pooled = model(ids)
    assert seq._keras_mask.numpy().tolist() == (ids != 0).tolist()
    for row, length in ((0, 3), (1, 2)):   # padding never changes the unpadded steps
        short = model(ids[row:row + 1, :length])[0].numpy()
        np.testing.assert_allclose(seq.numpy()[row, :length], short[0], rtol=1e-5, atol=1e-6)
    expected = np.stack([seq.numpy()[0, :3].mean(0), seq.numpy()[1, :2].mean(0)])
    np.testing.assert_allclose(pooled.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_projection_and_helpers():
    proj = Projection((2, 3), name="query")
    assert proj(np.ones((4, 5, 6), "float32")).shape == (4, 5, 2, 3)
    assert Projection.from_config(proj.get_config()).partial_output_shape == (2, 3)
    assert causal_mask(2, 3).numpy()[0].tolist() == [[True, False, False], [True, True, False]]
    probs = masked_softmax(tk.Tensor(np.zeros((2, 3), "float32")), tk.Tensor(np.array([[1, 0, 1], [0, 0, 0]], bool)))
    assert probs.numpy().tolist() == [[0.5, 0.0, 0.5], [0.0, 0.0, 0.0]]


# -- Attention and AdditiveAttention -----------------------------------------------

@pytest.mark.parametrize("cls,kwargs", [(layers.Attention, {}), (layers.Attention, {"use_scale": True}),
                                        (layers.Attention, {"score_mode": "concat"}),
                                        (layers.AdditiveAttention, {})])
def test_attention_layers_run_layer_test(cls, kwargs):
    n = len(cls(**kwargs).get_config())
    layer = run_layer_test(cls, kwargs, input_shape=[(2, 3, 4), (2, 5, 4)], expected_output_shape=(2, 3, 4),
                           supports_masking=True)
    assert len(layer.get_config()) == n


@pytest.mark.parametrize("additive", [False, True])
def test_attention_matches_numpy_reference_with_masks(additive):
    q, v, k = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 5, 4)), RNG.normal(size=(2, 5, 4))
    qm, vm = np.array([[1, 1, 0], [1, 1, 1]], bool), np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    layer = (layers.AdditiveAttention if additive else layers.Attention)(dtype="float64")
    out, scores = layer([q, v, k], mask=[qm, vm], return_attention_scores=True, use_causal_mask=True)
    if additive:
        raw = (layer.scale.numpy() * np.tanh(q[:, :, None] + k[:, None])).sum(-1)
    else:
        raw = q @ k.transpose(0, 2, 1)
    keep = vm[:, None, :] & np.tril(np.ones((3, 5), bool))
    weights = _softmax(np.where(keep, raw, raw - 1e9))
    np.testing.assert_allclose(scores.numpy(), weights, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), np.where(qm[..., None], weights @ v, 0), rtol=1e-10, atol=1e-12)
    assert out._keras_mask.numpy().tolist() == qm.tolist()


# -- bad input -------------------------------------------------------------------------

def test_attention_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"MultiHeadAttention 'mha2d'.*query_shape=\(2, 4\)"):
        layers.MultiHeadAttention(2, 2, name="mha2d")(np.ones((2, 4), "float32"), np.ones((2, 4), "float32"))
    mha = layers.MultiHeadAttention(2, 2, name="mha_mask")
    x = np.ones((2, 4, 3), "float32")
    with pytest.raises(ValueError, match=r"mha_mask.*attention_mask has shape \(2, 4, 3\).*\(batch, 4, 4\)"):
        mha(x, x, attention_mask=np.ones((2, 4, 3), bool))
    with pytest.raises(ValueError, match=r"mha_mask.*query mask has shape \(2, 3\)"):
        mha(x, x, query_mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"Attention 'att'.*list of inputs"):
        layers.Attention(name="att")(x)
    with pytest.raises(ValueError, match=r"value mask has shape \(2, 5\), expected \(2, 4\)"):
        layers.Attention()([x, x], mask=[None, np.ones((2, 5), bool)])
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 2)


# -- Keras 3 with the same weights ----------------------------------------------------

def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except Exception as exc:
        pytest.skip(f"keras 3 is not usable here: {exc}")
    return keras


def _np(t):
    return np.asarray(t.detach().cpu()) if hasattr(t, "cpu") else np.asarray(t.numpy())


@pytest.mark.parametrize("kwargs", [{}, {"value_dim": 3, "output_shape": 7}, {"use_bias": False}])
@pytest.mark.parametrize("call", [{}, {"use_causal_mask": True}, {"return_attention_scores": True}])
def test_mha_against_keras(kwargs, call):
    keras = _keras()
    q, v = RNG.normal(size=(2, 4, 6)).astype("float32"), RNG.normal(size=(2, 5, 6)).astype("float32")
    mask = RNG.random((2, 4, 5)) > 0.3
    mask[..., 0] = True  # a fully masked row: Keras's fused path and its softmax path disagree
    k_mha, t_mha = keras.layers.MultiHeadAttention(3, 2, **kwargs), layers.MultiHeadAttention(3, 2, **kwargs)
    expected = k_mha(q, v, attention_mask=mask, **call)
    t_mha(q, v)
    t_mha.set_weights(k_mha.get_weights())
    got = t_mha(q, v, attention_mask=mask, **call)
    for e, g in zip(expected if isinstance(expected, tuple) else [expected], got if isinstance(got, tuple) else [got]):
        np.testing.assert_allclose(g.numpy(), _np(e), rtol=1e-5, atol=1e-5)


def test_attention_models_with_embedding_masks_against_keras():
    keras = _keras()
    ids = RNG.integers(1, 12, size=(3, 6))
    ids[0, 4:], ids[1, 1:] = 0, 0

    def build(lib):
        inp = lib.Input((6,), dtype="int32")
        x = lib.layers.Embedding(12, 4, mask_zero=True)(inp)
        a = lib.layers.MultiHeadAttention(2, 2)(x, x, use_causal_mask=True)
        b = lib.layers.Attention(use_scale=True)([a, x])
        c = lib.layers.AdditiveAttention()([b, a])
        return lib.Model(inp, lib.layers.GlobalAveragePooling1D()(c))

    k_model, t_model = build(keras), build(tk)
    t_model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(t_model.predict(ids, verbose=0), _np(k_model(ids)), rtol=1e-5, atol=1e-6)
