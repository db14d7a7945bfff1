"""ConvLSTM1D/2D/3D: the standard layer checks (gradients against float64
finite differences), a NumPy reference, masks, channels_first, the state
options, saving, and real Keras (outputs, one SGD step, config, files)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import assert_reloads_and_summary_row, keras_parity, real_keras
from tinykeras.saving.keras_config import drop_unused
from tinykeras.testing import run_layer_test

L = tk.layers
RNG = np.random.default_rng(29)


@pytest.mark.parametrize("cls, kwargs, shape, out", [
    (L.ConvLSTM1D, {"filters": 2, "kernel_size": 2, "return_sequences": True}, (2, 3, 4, 2), (2, 3, 3, 2)),
    (L.ConvLSTM2D, {"filters": 2, "kernel_size": 2, "padding": "same"}, (2, 2, 3, 3, 1), (2, 3, 3, 2)),
    (L.ConvLSTM3D, {"filters": 1, "kernel_size": 2, "strides": 2}, (1, 2, 4, 2, 2, 1), (1, 2, 1, 1, 1)),
])
def test_layer_test(cls, kwargs, shape, out):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out, expected_num_trainable_weights=3,
                   expected_num_non_trainable_weights=0, supports_masking=True)


def _conv1d(x, w, padding):
    """NumPy conv (B, L, C) x (K, C, F), stride 1, Keras's "same" padding."""
    k = w.shape[0]
    if padding == "same":
        x = np.pad(x, ((0, 0), ((k - 1) // 2, k // 2), (0, 0)))
    n = x.shape[1] - k + 1
    return np.stack([np.einsum("bkc,kcf->bf", x[:, i:i + k], w) for i in range(n)], 1)


def _numpy_conv_lstm1d(layer, x):
    w, r, b = (v.numpy().astype(np.float64) for v in layer.weights)
    f = layer.filters
    sig = lambda v: 1 / (1 + np.exp(-v))   # noqa: E731
    h = c = None
    outs = []
    for t in range(x.shape[1]):
        z = _conv1d(x[:, t], w, layer.padding) + b
        if h is None:
            h = c = np.zeros(z.shape[:-1] + (f,))
        z = z + _conv1d(h, r, "same")
        i, g_f, g, o = (z[..., j * f:(j + 1) * f] for j in range(4))
        c = sig(g_f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs, 1), h, c


def test_against_numpy_masks_and_channels_first():
    x = RNG.normal(size=(2, 4, 5, 3))
    layer = L.ConvLSTM1D(3, 3, padding="same", return_sequences=True, return_state=True, dtype="float64")
    seq, h, c = layer(x)
    want = _numpy_conv_lstm1d(layer, x)
    for got, expected in zip((seq, h, c), want):
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9, atol=1e-12)
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    np.testing.assert_array_equal(layer.weights[2].numpy()[3:6], 1.0)   # unit_forget_bias
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    seq_m, h_m, _ = layer(x, mask=mask)
    np.testing.assert_allclose(h_m.numpy()[0], _numpy_conv_lstm1d(layer, x[:, :2])[1][0], rtol=1e-9)
    np.testing.assert_allclose(seq_m.numpy()[0, 3], seq_m.numpy()[0, 1])        # masked steps repeat
    first = L.ConvLSTM1D(3, 3, padding="same", data_format="channels_first", return_sequences=True,
                         dtype="float64")
    first(np.moveaxis(x, -1, 2))
    first.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.moveaxis(first(np.moveaxis(x, -1, 2)).numpy(), 2, -1), want[0], rtol=1e-9)


def test_states_errors_and_saving(tmp_path):
    layer = L.ConvLSTM2D(2, 3, stateful=True, go_backwards=True)
    x = RNG.normal(size=(1, 3, 4, 4, 1)).astype(np.float32)
    first = layer(x).numpy()
    assert layer.states[0].shape == (1, 2, 2, 2)
    assert not np.allclose(layer(x).numpy(), first)                 # the state carried over
    layer.reset_state()
    np.testing.assert_allclose(layer(x).numpy(), first, rtol=1e-6)
    with pytest.raises(ValueError, match="Specifying `strides > 1` is not compatible with `dilation_rate > 1`"):
        L.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"ConvLSTM2D .*expects inputs of rank 5 .* shape \(1, 3, 4, 1\)"):
        L.ConvLSTM2D(2, 3)(np.ones((1, 3, 4, 1), np.float32))
    model = tk.Sequential([tk.Input((3, 5, 2)), L.ConvLSTM1D(2, 2, return_sequences=True), L.Flatten(),
                           L.Dense(1)])
    x = RNG.normal(size=(2, 3, 5, 2)).astype(np.float32)
    _, shape, params = assert_reloads_and_summary_row(model, x, tmp_path, model.layers[0])
    assert shape == "(None, 3, 4, 2)" and params == str(2 * 2 * 8 + 2 * 2 * 8 + 8)


@pytest.mark.keras
def test_matches_keras(tmp_path):
    keras = real_keras()

    def build(lib):
        L_ = lib.layers
        a, b, v = lib.Input((3, 5, 2)), lib.Input((2, 4, 4, 1)), lib.Input((2, 3, 3, 3, 1))
        seq, h, c = L_.ConvLSTM1D(2, 2, padding="same", return_sequences=True, return_state=True)(a)
        x2 = L_.ConvLSTM2D(2, 3, go_backwards=True, unit_forget_bias=False, bias_initializer="ones")(b)
        x3 = L_.ConvLSTM3D(1, 2, data_format="channels_last", recurrent_activation="hard_sigmoid")(v)
        out = L_.Concatenate()([L_.Flatten()(t) for t in (seq, h, c, x2, x3)])
        model = lib.Model([a, b, v], L_.Dense(2)(out))
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        return model
    x = [RNG.normal(size=s).astype(np.float32) for s in ((3, 3, 5, 2), (3, 2, 4, 4, 1), (3, 2, 3, 3, 3, 1))]
    y = RNG.normal(size=(3, 2)).astype(np.float32)
    k_model, t_model = build(keras), build(tk)
    weights = [RNG.normal(0, 0.5, size=w.shape).astype(np.float32) for w in k_model.get_weights()]
    keras_parity(keras, k_model, t_model, x, y, tmp_path, weights, label="ConvLSTM1D/2D/3D")
    for t_layer, k_layer in zip(t_model.layers, k_model.layers):
        if "ConvLSTM" in type(k_layer).__name__:
            k_config, t_config = drop_unused(k_layer.get_config()), drop_unused(t_layer.get_config())
            assert set(k_config) == set(t_config)
            for key in set(k_config) - {"name", "dtype"}:
                assert t_config[key] == k_config[key], key
