"""EinsumDense, ReversibleEmbedding, the CTC loss, activations.sparsemax and the
initializer aliases: the standard layer checks, NumPy formulas, saving, and
real Keras (outputs, one training step, weight names, config, files both ways)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import keras_parity, real_keras
from tinykeras.saving.keras_config import drop_unused
from tinykeras.testing import check_gradients, run_layer_test

L = tk.layers
RNG = np.random.default_rng(19)
# (a None in output_shape stays None in the symbolic shape, as in Keras: these give every size)
EINSUM_CASES = [("ab,bc->ac", 3, "c", (2, 4)), ("abc,cde->abde", (5, 2, 3), "de", (2, 5, 4)),
                ("...b,bc->...c", 3, None, (2, 3, 4)), ("abc,cd->abd", (5, 3), "bd", (2, 5, 4)),
                ("abcd,cde->abe", (5, 3), "e", (2, 5, 2, 4)), ("ab...,bc->ac...", 3, "c", (2, 4, 5))]


@pytest.mark.parametrize("equation, out, bias, shape", EINSUM_CASES)
def test_einsum_dense_layer_test_and_numpy(equation, out, bias, shape):
    layer = run_layer_test(L.EinsumDense, {"equation": equation, "output_shape": out, "bias_axes": bias},
                           input_shape=shape, expected_num_trainable_weights=1 + (bias is not None),
                           expected_num_non_trainable_weights=0)
    x = RNG.normal(size=shape).astype(np.float32)
    want = np.einsum(equation, x, layer.kernel.numpy())
    if bias is not None:
        want = want + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-5, atol=1e-6)


def test_einsum_dense_shapes_fans_and_errors():
    layer = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4), bias_axes="e")
    assert layer.compute_output_shape((None, 7, 6)) == (None, None, 2, 4)   # Keras's None
    layer.build((None, 7, 6))
    assert layer.kernel.shape == (6, 2, 4) and layer.bias.shape == (4,)
    limit = np.sqrt(6 / (6 + 8))   # glorot fans from the equation: in 6, out 2*4
    assert np.abs(layer.kernel.numpy()).max() <= limit and np.abs(layer.kernel.numpy()).max() > 0.8 * limit
    assert L.EinsumDense("ab...,bc->ac...", 3, bias_axes="c").compute_output_shape((None, 4, 5)) == (None, 3, 5)
    with pytest.raises(ValueError, match="invalid einsum equation 'ab->b'"):
        L.EinsumDense("ab->b", 3).build((None, 4))
    with pytest.raises(ValueError, match="bias dimension 'z' was requested"):
        L.EinsumDense("ab,bc->ac", 3, bias_axes="z").build((None, 4))
    with pytest.raises(ValueError, match="do not match at shared dimension 'b'"):
        L.EinsumDense("abc,cd->abd", (5, 3)).build((None, 4, 2))
    with pytest.raises(ValueError, match="LoRA"):
        L.EinsumDense("ab,bc->ac", 3, lora_rank=2)


def test_reversible_embedding_layer_test_and_numpy():
    ids = RNG.integers(0, 10, size=(3, 4))
    for kwargs, n in (({"input_dim": 10, "output_dim": 4}, 1),
                      ({"input_dim": 10, "output_dim": 4, "tie_weights": False, "mask_zero": True}, 2)):
        run_layer_test(L.ReversibleEmbedding, kwargs, input_data=ids, expected_output_shape=(3, 4, 4),
                       expected_num_trainable_weights=n, check_gradients=False)
        hidden = RNG.normal(size=(3, 4, 4)).astype(np.float32)
        layer = run_layer_test(L.ReversibleEmbedding, {**kwargs, "logit_soft_cap": 2.0}, input_data=hidden,
                               call_kwargs={"reverse": True}, expected_output_shape=(3, 4, 10),
                               expected_num_trainable_weights=n)
        kernel = layer.embeddings.numpy().T if n == 1 else layer.reverse_embeddings.numpy()
        np.testing.assert_allclose(layer(hidden, reverse=True).numpy(), 2 * np.tanh(hidden @ kernel / 2),
                                   rtol=1e-5, atol=1e-6)
    layer = L.ReversibleEmbedding(10, 4, mask_zero=True)
    out = layer(np.array([[3, 0, 1]]))
    assert out._keras_mask.numpy().tolist() == [[True, False, True]]
    assert getattr(layer(out, reverse=True), "_keras_mask", None) is None
    with pytest.raises(ValueError, match="reverse=True expects inputs whose last axis is output_dim=4"):
        layer(np.ones((2, 3), "float32"), reverse=True)


def test_einsum_dense_gradients_against_finite_differences():
    def fn(x, kernel, bias):
        layer = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="e", dtype="float64")
        layer.build(x.shape)
        layer.kernel, layer.bias = kernel, bias   # differentiate through the layer's call
        return layer.call(x)
    check_gradients(fn, [RNG.normal(size=(2, 3, 4)), RNG.normal(size=(4, 2, 3)), RNG.normal(size=(3,))],
                    name="EinsumDense")


def test_ctc_sparsemax_and_aliases():
    logits = np.zeros((1, 2, 2), np.float32)
    assert tk.losses.ctc([[1]], logits).item() == pytest.approx(-np.log(0.75), rel=1e-6)  # 3 of 4 paths
    assert tk.losses.get("CTC").get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    with pytest.raises(ValueError, match=r"ctc: labels of shape \(1, 1\) do not fit predictions of shape \(2, 3\)"):
        tk.losses.ctc([[1]], np.zeros((2, 3), np.float32))
    assert tk.activations.get("sparsemax") is tk.ops.sparsemax
    assert tk.activations.serialize(tk.activations.sparsemax) == "sparsemax"
    assert tk.initializers.IdentityInitializer is tk.initializers.Identity
    assert tk.initializers.OrthogonalInitializer is tk.initializers.Orthogonal


def _einsum_model(lib):
    ids = lib.Input((5,), dtype="int32")
    emb = L.ReversibleEmbedding if lib is tk else lib.layers.ReversibleEmbedding
    embedding = emb(9, 4, tie_weights=False, logit_soft_cap=3.0, mask_zero=True)
    Lb = lib.layers
    h = embedding(ids)
    h = Lb.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", activation="tanh")(h)
    h = Lb.EinsumDense("abcd,cde->abe", output_shape=(None, 4), bias_axes="e")(h)
    h = Lb.EinsumDense("...b,bc->...c", output_shape=4)(h)
    tied = emb(9, 4)
    logits = tied(tied(ids) + h, reverse=True)
    return lib.Model(ids, embedding(h, reverse=True) + logits)


def test_saved_and_loaded(tmp_path):
    model = _einsum_model(tk)
    ids = RNG.integers(0, 9, size=(3, 5)).astype("int32")
    for suffix in ("keras", "safetensors"):
        path = str(tmp_path / f"m.{suffix}")
        model.save(path)
        again = tk.models.load_model(path)
        np.testing.assert_array_equal(again.predict(ids, verbose=0), model.predict(ids, verbose=0))
    printed = []
    model.summary(print_fn=printed.append)
    text = "\n".join(printed)
    einsum, embedding = (next(layer for layer in model.layers if type(layer) is cls)
                         for cls in (L.EinsumDense, L.ReversibleEmbedding))
    line = next(line for line in text.splitlines() if f"│ {einsum.name} " in line)
    assert "(None, None, 2," in line and line.split("│")[3].strip() == "30" and "(EinsumDense)" in text
    line = next(line for line in text.splitlines() if f"│ {embedding.name[:18]}" in line)
    assert line.split("│")[3].strip() == "72" and "(ReversibleEmbeddi" in text


# -- real Keras 3 (torch backend), when installed -------------------------------
@pytest.mark.keras
def test_matches_keras_forward_training_and_files(tmp_path):
    keras = real_keras()
    ids = RNG.integers(0, 9, size=(6, 5)).astype("int32")
    y = RNG.normal(size=(6, 5, 9)).astype(np.float32)
    k_model, t_model = _einsum_model(keras), _einsum_model(tk)
    for model, lib in ((k_model, keras), (t_model, tk)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    weights = [RNG.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in k_model.get_weights()]
    keras_parity(keras, k_model, t_model, ids, y, tmp_path, weights, label="EinsumDense+ReversibleEmbedding")
    for t_layer, k_layer in zip(t_model.layers[1:], k_model.layers[1:]):
        k_config, t_config = drop_unused(k_layer.get_config()), drop_unused(t_layer.get_config())
        assert set(k_config) == set(t_config)
        for key in set(k_config) - {"name", "dtype"}:
            assert t_config[key] == k_config[key], key


@pytest.mark.keras
def test_ctc_matches_keras_values_and_gradients():
    keras = real_keras()
    import torch
    y_true = np.array([[1, 2, 0], [3, 3, 1], [2, 0, 0]])
    logits = RNG.normal(size=(3, 6, 4)).astype(np.float32)
    k_logits = torch.tensor(logits, requires_grad=True)
    k_loss = keras.losses.CTC()(y_true, k_logits)
    k_loss.backward()
    t_logits = tk.Tensor(logits, requires_grad=True)
    t_loss = tk.losses.CTC()(y_true, t_logits)
    t_loss.backward()
    assert t_loss.item() == pytest.approx(k_loss.item(), rel=1e-5)
    np.testing.assert_allclose(t_logits.grad.numpy(), k_logits.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(tk.losses.ctc(y_true, logits).numpy(),
                               keras.losses.ctc(y_true, logits).numpy(), rtol=1e-5)
    x = RNG.normal(size=(3, 5)).astype(np.float32)
    assert tk.activations.sparsemax(x).numpy().shape == keras.activations.sparsemax(x).numpy().shape
