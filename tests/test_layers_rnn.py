"""Recurrent layers: SimpleRNN, LSTM, GRU, their cells, RNN, StackedRNNCells,
Bidirectional, TimeDistributed and Masking.

Each is checked for shapes, config round trip, gradients (``run_layer_test``
and finite differences), values against a step-by-step NumPy reference
written here, masking, and (when Keras 3 with the torch backend imports)
against Keras with the same weights.
"""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import layers
from tinykeras.core import registry
from tinykeras.testing import check_gradients, run_layer_test

RNG = np.random.default_rng(0)
MASK = np.array([[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1], [1, 0, 1, 0, 1, 1]], bool)
KINDS = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False})]


def _sig(x):
    return 1 / (1 + np.exp(-x))


def reference(kind, x, weights, mask=None, go_backwards=False, initial=None, reset_after=True,
              zero_output=False):
    """Keras's recurrence, one step at a time, in float64: (outputs, final states)."""
    w, u_, b = [np.asarray(a, np.float64) for a in weights]
    batch, steps, units = x.shape[0], x.shape[1], u_.shape[0]
    states = [np.zeros((batch, units)) for _ in range(2 if kind == "LSTM" else 1)] if initial is None \
        else [np.asarray(s, np.float64) for s in initial]
    prev, outs = np.zeros((batch, units)), []
    for t in (range(steps)[::-1] if go_backwards else range(steps)):
        h = states[0]
        if kind == "SimpleRNN":
            new = [np.tanh(x[:, t] @ w + h @ u_ + b)]
        elif kind == "LSTM":
            z = x[:, t] @ w + h @ u_ + b
            i, f, g, o = np.split(z, 4, axis=-1)
            c = _sig(f) * states[1] + _sig(i) * np.tanh(g)
            new = [_sig(o) * np.tanh(c), c]
        else:
            bx, bh = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
            xz = x[:, t] @ w + bx
            rec = h @ u_ + bh
            z = _sig(xz[:, :units] + rec[:, :units])
            r = _sig(xz[:, units:2 * units] + rec[:, units:2 * units])
            hh = np.tanh(xz[:, 2 * units:] + (r * rec[:, 2 * units:] if reset_after
                                               else (r * h) @ u_[:, 2 * units:]))
            new = [z * h + (1 - z) * hh]
        keep = np.ones((batch, 1), bool) if mask is None else mask[:, t:t + 1]
        states = [np.where(keep, n, s) for n, s in zip(new, states)]
        prev = np.where(keep, new[0], 0.0 if zero_output else prev)
        outs.append(prev)
    return np.stack(outs, 1), states


def _layer(kind, kw, **options):
    return getattr(layers, kind)(3, dtype="float64", **kw, **options)


def _loop_only(layer):
    """Make ``layer`` run its cell step by step (no fused sequence op)."""
    layer.cell.can_fuse = lambda training: False
    return layer


# -- shapes, configs, gradients (run_layer_test) -------------------------------

@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("options,shapes", [
    ({}, [(2, 3)]),
    ({"return_sequences": True}, [(2, 4, 3)]),
    ({"return_state": True, "go_backwards": True}, None),
])
def test_run_layer_test(kind, kw, options, shapes):
    n_states = 2 if kind == "LSTM" else 1
    expected = shapes or [(2, 3)] * (1 + n_states)
    run_layer_test(getattr(layers, kind), {"units": 3, **kw, **options}, input_shape=(2, 4, 5),
                   expected_output_shape=expected if len(expected) > 1 else expected[0],
                   expected_num_trainable_weights=3, expected_num_non_trainable_weights=0,
                   supports_masking=True)


@pytest.mark.parametrize("kind,kw", KINDS)
def test_weight_layouts_and_cells(kind, kw):
    gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    layer = getattr(layers, kind)(4, **kw)
    layer(np.ones((2, 3, 5), "float32"))
    bias = (2, 4 * gates) if kind == "GRU" and kw.get("reset_after", True) else (4 * gates,)
    assert [w.shape for w in layer.get_weights()] == [(5, 4 * gates), (4, 4 * gates), bias]
    assert [v.path for v in layer.weights] == [f"{layer.name}/{layer.cell.name}/{n}" for n in ("kernel", "recurrent_kernel", "bias")]
    assert layer.units == 4 and layer.cell.name == f"{tk.global_state.snake_case(kind)}_cell"
    cell = getattr(layers, f"{kind}Cell")(4, **kw)
    run_layer_test(layers.RNN, {"cell": cell, "return_sequences": True}, input_shape=(2, 3, 5),
                   expected_output_shape=(2, 3, 4))


def test_lstm_unit_forget_bias_and_defaults():
    layer = layers.LSTM(2)
    layer.build((None, 3, 4))
    assert layer.cell.bias.numpy().tolist() == [0, 0, 1, 1, 0, 0, 0, 0]
    assert layers.LSTM(2, unit_forget_bias=False).get_config()["unit_forget_bias"] is False
    config = layers.GRU(2).get_config()
    assert config["reset_after"] is True and config["recurrent_activation"] == "sigmoid"
    assert "recurrent_activation" not in layers.SimpleRNN(2).get_config()


def test_symbolic_shapes_and_functional_state_outputs():
    inp = tk.Input((None, 4))
    seq, h, c = layers.LSTM(3, return_sequences=True, return_state=True)(inp)
    assert seq.shape == (None, None, 3) and h.shape == c.shape == (None, 3)
    out = layers.GRU(2)(seq, initial_state=[layers.Dense(2)(h)])
    model = tk.Model(inp, [out, c])
    outs = model.predict(np.ones((2, 5, 4), "float32"), verbose=0)
    assert [o.shape for o in outs] == [(2, 2), (2, 3)]


# -- values against the NumPy reference ------------------------------------------

@pytest.mark.parametrize("kind,kw", KINDS + [("LSTM", {"activation": "relu"})])
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("masked,backwards,initial,zero", [
    (False, False, False, False), (True, False, False, False), (True, True, False, False),
    (True, False, True, False), (True, True, True, True), (False, True, True, False)])
def test_values_match_step_by_step_reference(kind, kw, fused, masked, backwards, initial, zero):
    x = RNG.normal(size=(3, 6, 4))
    layer = _layer(kind, kw, return_sequences=True, return_state=True, go_backwards=backwards,
                   zero_output_for_mask=zero)
    if not fused:
        _loop_only(layer)
    n_states = 2 if kind == "LSTM" else 1
    init = [RNG.normal(size=(3, 3)) for _ in range(n_states)] if initial else None
    mask = MASK if masked else None
    got = layer(x, mask=mask, initial_state=init)
    activation = kw.get("activation", "tanh")
    if activation != "tanh":  # the reference knows tanh only: compare with the other path instead
        other = _loop_only(_layer(kind, kw, return_sequences=True, return_state=True, go_backwards=backwards,
                                  zero_output_for_mask=zero))
        other(x)
        other.set_weights(layer.get_weights())
        expected = [t.numpy() for t in other(x, mask=mask, initial_state=init)]
    else:
        outs, states = reference(kind, x, layer.get_weights(), mask, backwards, init,
                                 kw.get("reset_after", True), zero)
        expected = [outs] + states
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-10, atol=1e-12)


def test_fused_and_generic_ops_agree_on_gradients():
    """The composite (what a backend without a fused kernel runs) and the NumPy
    kernel give the same values and gradients."""
    x = RNG.normal(size=(2, 5, 3))
    for kind, kw in KINDS:
        layer = _layer(kind, kw, return_sequences=True)
        layer(x)
        op = f"{tk.global_state.snake_case(kind)}_sequence"
        results = []
        for fused in (True, False):
            saved = registry.ACTIVE.pop(op) if not fused else None
            try:
                xt = tk.Tensor(x, requires_grad=True)
                out = layer(xt, mask=MASK[:2, :5])
                grads = tk.grad((out * out).sum(), [xt] + layer.weights)
                results.append([out.numpy()] + [g.numpy() for g in grads])
            finally:
                if saved is not None:
                    registry.ACTIVE[op] = saved
        for a, b in zip(*results):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind,kw", KINDS)
@pytest.mark.parametrize("fused", [True, False])
def test_masked_gradients_match_finite_differences(kind, kw, fused):
    layer, x = _layer(kind, kw, return_sequences=True, go_backwards=True), RNG.normal(size=(3, 6, 2))
    layer(x)
    weights = (layer if fused else _loop_only(layer)).weights

    def fn(x, *ws):
        try:  # swap the weights for the leaves being differentiated
            for v, w in zip(weights, ws):
                object.__setattr__(layer.cell, v.name, w)
            return layer(x, mask=MASK)
        finally:
            for v in weights:
                object.__setattr__(layer.cell, v.name, v)

    check_gradients(fn, [x] + [v.numpy() for v in weights], name=f"{kind} masked")


# -- masking ------------------------------------------------------------------------

@pytest.mark.parametrize("kind,kw", KINDS)
def test_padding_does_not_change_the_final_state(kind, kw):
    ids = np.array([[3, 5, 2, 0, 0], [4, 0, 0, 0, 0]])
    model = tk.Sequential([tk.Input((None,), dtype="int32"), layers.Embedding(8, 4, mask_zero=True),
                           getattr(layers, kind)(3, **kw)])
    padded = model.predict(ids, verbose=0)
    assert np.allclose(padded[0], model.predict(ids[:1, :3], verbose=0)[0], atol=1e-6)
    assert np.allclose(padded[1], model.predict(ids[1:, :1], verbose=0)[0], atol=1e-6)


def test_masked_outputs_repeat_or_zero_and_mask_propagates():
    x = RNG.normal(size=(3, 6, 2)).astype("float32")
    seq = layers.LSTM(2, return_sequences=True)
    out = seq(x, mask=MASK).numpy()
    assert np.allclose(out[0, 4], out[0, 3]) and np.allclose(out[1, :2], 0)   # repeat / zeros before
    bi = layers.Bidirectional(layers.GRU(2, return_sequences=True))
    y = bi(x, mask=MASK)
    assert np.allclose(y.numpy()[0, 4:], 0) and y._keras_mask.numpy().tolist() == MASK.tolist()
    seq_out, h, c = layers.LSTM(2, return_sequences=True, return_state=True)(x, mask=MASK)
    assert seq_out._keras_mask is not None and getattr(h, "_keras_mask", None) is None
    assert getattr(layers.LSTM(2)(x, mask=MASK), "_keras_mask", None) is None


def test_masking_layer():
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    x[0, 2:] = 0.0
    x[1, 1] = 0.0
    run_layer_test(layers.Masking, {"mask_value": 0.0}, input_data=x, expected_output_shape=(2, 4, 3),
                   expected_mask_shape=(2, 4), supports_masking=True, run_training_check=False,
                   check_gradients=False)  # finite differences would move masked zeros off the mask
    xt = tk.Tensor(x, requires_grad=True)
    out = layers.Masking()(xt)
    out.sum().backward()
    assert out._keras_mask.numpy().tolist() == [[True, True, False, False], [True, False, True, True]]
    assert xt.grad.numpy()[:, :, 0].tolist() == [[1, 1, 0, 0], [1, 0, 1, 1]]
    model = tk.Sequential([tk.Input((4, 3)), layers.Masking(), layers.GlobalAveragePooling1D()])
    expected = np.stack([x[0, :2].mean(0), x[1, [0, 2, 3]].mean(0)])
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
    assert layers.Masking(mask_value=-1.0).get_config()["mask_value"] == -1.0


# -- stateful, dropout, wrappers, custom cells ----------------------------------------

def test_stateful_carries_state_between_calls_and_resets():
    x = RNG.normal(size=(2, 6, 3)).astype("float32")
    whole = layers.GRU(4)
    whole(x)
    stateful = layers.GRU(4, stateful=True)
    stateful(x[:, :3])
    stateful.set_weights(whole.get_weights())
    stateful.reset_states()
    stateful(x[:, :3])
    np.testing.assert_allclose(stateful(x[:, 3:]).numpy(), whole(x).numpy(), rtol=1e-5, atol=1e-6)
    stateful.reset_state()
    assert not stateful.states[0].numpy().any() and len(stateful.weights) == 3
    with pytest.raises(ValueError, match=r"gru.*batch size.*\(5, 6, 3\)"):
        stateful(np.zeros((5, 6, 3), "float32"))


def test_dropout_only_in_training():
    x = RNG.normal(size=(4, 5, 3)).astype("float32")
    for kw in ({"dropout": 0.5}, {"recurrent_dropout": 0.5}, {"dropout": 0.3, "recurrent_dropout": 0.3}):
        layer, plain = layers.LSTM(3, seed=1, **kw), layers.LSTM(3)
        layer(x)
        plain(x)
        plain.set_weights(layer.get_weights())
        np.testing.assert_allclose(layer(x).numpy(), plain(x).numpy(), rtol=1e-6)
        trained = layer(x, training=True).numpy()
        assert np.isfinite(trained).all() and not np.allclose(trained, plain(x).numpy())
        assert layer.cell._dropout_mask is None and layer.cell._recurrent_dropout_mask is None


def test_time_distributed_and_bidirectional_configs():
    x = RNG.normal(size=(2, 3, 4))
    td = layers.TimeDistributed(layers.Dense(2, dtype="float64"), dtype="float64")
    td(x)
    check_gradients(lambda t: td(t), [x], name="TimeDistributed")
    clone = layers.TimeDistributed.from_config(td.get_config())
    assert clone.layer.units == 2
    assert td.compute_output_shape((None, 3, 4)) == (None, 3, 2)
    for merge in ("concat", "sum", "ave", "mul", None):
        kw = {"layer": layers.SimpleRNN(2, return_sequences=True), "merge_mode": merge}
        expected = [(2, 4, 2), (2, 4, 2)] if merge is None else (2, 4, 4 if merge == "concat" else 2)
        run_layer_test(layers.Bidirectional, kw, input_shape=(2, 4, 3), expected_output_shape=expected,
                       expected_num_trainable_weights=6, run_training_check=merge is not None)
    bi = layers.Bidirectional(layers.LSTM(2, return_state=True))
    outs = bi(np.ones((2, 3, 4), "float32"))
    assert [o.shape for o in outs] == [(2, 4)] + [(2, 2)] * 4
    assert [l.name.split("_")[0] for l in bi._layers] == ["forward", "backward"] and len(bi.weights) == 6


def test_custom_cell_and_stacked_cells():
    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = self.state_size = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
            self.u = self.add_weight(shape=(self.units, self.units), name="u")

        def call(self, inputs, states):
            h = tk.ops.tanh(inputs @ self.w + states[0] @ self.u)
            return h, [h]

    x = RNG.normal(size=(2, 5, 3)).astype("float32")
    layer = layers.RNN(MinimalCell(4), return_sequences=True)
    out = layer(x, mask=MASK[:2, :5])
    w, u = layer.cell.w.numpy(), layer.cell.u.numpy()
    h, prev = np.zeros((2, 4)), np.zeros((2, 4))
    for t in range(5):
        keep = MASK[:2, t:t + 1]
        new = np.tanh(x[:, t] @ w + h @ u)
        h, prev = np.where(keep, new, h), np.where(keep, new, prev)
        np.testing.assert_allclose(out.numpy()[:, t], prev, rtol=1e-5, atol=1e-6)
    stacked = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)], return_state=True)
    assert [t.shape for t in stacked(x)] == [(2, 2), (2, 3), (2, 3), (2, 2)]
    assert layers.RNN.from_config(stacked.get_config()).cell.cells[1].units == 2


# -- bad input ------------------------------------------------------------------------

def test_errors_name_the_layer_and_the_shapes():
    with pytest.raises(ValueError, match=r"LSTM 'bad_rank'.*\(2, 5\)"):
        layers.LSTM(2, name="bad_rank")(np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match=r"GRU 'bad_mask'.*mask has shape \(2, 4\).*\(2, 5\)"):
        layers.GRU(2, name="bad_mask")(np.ones((2, 5, 3), "float32"), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"initial_state has shapes \[\(2, 3\)\].*\(2, 2\)"):
        layers.SimpleRNN(2)(np.ones((2, 5, 3), "float32"), initial_state=[np.zeros((2, 3), "float32")])
    with pytest.raises(ValueError, match=r"simple_rnn_stateful.*stateful=True.*\(None, 5, 3\)"):
        layers.SimpleRNN(2, stateful=True, name="simple_rnn_stateful")(tk.Input((5, 3)))
    with pytest.raises(ValueError, match=r"TimeDistributed.*return_state=True"):
        layers.TimeDistributed(layers.LSTM(2, return_state=True))
    with pytest.raises(ValueError, match=r"Bidirectional.*recurrent layer.*Dense"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match=r"TimeDistributed.*at least 3 dimensions.*\(2, 3\)"):
        layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="units"):
        layers.LSTMCell(0)
    with pytest.raises(ValueError, match="`cell`|call"):
        layers.RNN(object())
    with pytest.raises(ValueError, match=r"LSTMCell.*2 state\(s\).*\[\(1, 3\)\]"):
        layers.LSTMCell(3)(np.ones((1, 2), "float32"), [np.zeros((1, 3), "float32")])


# -- training, and Keras 3 with the same weights ----------------------------------------

def test_lstm_learns_a_toy_task():
    tk.utils.set_random_seed(0)
    x = RNG.normal(size=(256, 8, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")[:, None]
    model = tk.Sequential([tk.Input((8, 1)), layers.LSTM(8), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=tk.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    assert history.history["accuracy"][-1] > 0.85


def _keras():
    from keras_zoo import keras_or_skip
    return keras_or_skip()


def _to_numpy(t):  # a torch tensor (Keras's torch backend) or a NumPy array
    return np.asarray(t.detach().cpu()) if hasattr(t, "cpu") else np.asarray(t)


@pytest.mark.parametrize("kind,kw", KINDS + [("LSTM", {"activation": "relu"})])
@pytest.mark.parametrize("options", [{"return_sequences": True}, {"return_state": True, "go_backwards": True},
                                     {"return_sequences": True, "return_state": True}])
def test_against_keras_with_the_same_weights(kind, kw, options):
    keras = _keras()
    x = RNG.normal(size=(3, 6, 5)).astype("float32")
    for mask in (None, MASK):
        k_layer, t_layer = getattr(keras.layers, kind)(4, **kw, **options), getattr(layers, kind)(4, **kw, **options)
        expected = k_layer(x, mask=mask)
        t_layer(x)
        t_layer.set_weights(k_layer.get_weights())
        got = t_layer(x, mask=mask)
        for e, g in zip(expected if isinstance(expected, (list, tuple)) else [expected],
                        got if isinstance(got, (list, tuple)) else [got]):
            np.testing.assert_allclose(g.numpy(), _to_numpy(e), rtol=1e-5, atol=1e-5)


def test_masked_model_against_keras():
    keras = _keras()
    ids = RNG.integers(1, 20, size=(4, 7))
    ids[0, 4:], ids[1, :3], ids[2, 2] = 0, 0, 0

    def build(lib):
        inp = lib.Input((7,), dtype="int32")
        x = lib.layers.Embedding(20, 6, mask_zero=True)(inp)
        x = lib.layers.Bidirectional(lib.layers.LSTM(5, return_sequences=True), merge_mode="sum")(x)
        x = lib.layers.TimeDistributed(lib.layers.Dense(3))(x)
        x = lib.layers.GRU(4, return_sequences=True, go_backwards=True)(x)
        return lib.Model(inp, lib.layers.GlobalAveragePooling1D()(x))

    k_model, t_model = build(keras), build(tk)
    t_model.set_weights(k_model.get_weights())
    np.testing.assert_allclose(t_model.predict(ids, verbose=0), _to_numpy(k_model(ids)), rtol=1e-5, atol=1e-6)
