"""tk.applications.torch_weights: PyTorch state dicts (as safetensors) into
tinykeras models.  The layouts are checked on hand-made arrays against NumPy
versions of torch's formulas (no torch needed); where torch is installed,
real torch modules are compared too."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.applications.torch_weights import load_torch_weights

RNG = np.random.RandomState(0)
L = tk.layers


def rand(*shape):
    return RNG.normal(size=shape).astype("float32")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def torch_conv2d(x, w, b):  # NCHW cross-correlation, stride 1, padding 1
    n, c, h, wd = x.shape
    k = w.shape[-1]
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd), "float32")
    for i in range(h):
        for j in range(wd):
            out[:, :, i, j] = np.einsum("nckl,ockl->no", xp[:, :, i:i + k, j:j + k], w)
    return out + b[None, :, None, None]


def test_conv_batchnorm_flatten_linear_by_name():
    state = {"conv.weight": rand(4, 2, 3, 3), "conv.bias": rand(4),
             "bn.weight": rand(4), "bn.bias": rand(4), "bn.running_mean": rand(4),
             "bn.running_var": np.abs(rand(4)) + 0.5, "bn.num_batches_tracked": np.array(7, "int64"),
             "fc.weight": rand(3, 4 * 5 * 5), "fc.bias": rand(3)}
    inputs = tk.Input((5, 5, 2))
    x = L.Conv2D(4, 3, padding="same", name="conv")(inputs)
    x = L.BatchNormalization(epsilon=1e-5, momentum=0.9, name="bn")(x)
    outputs = L.Dense(3, name="fc")(L.Flatten()(L.ReLU()(x)))
    model = tk.Model(inputs, outputs)
    report = load_torch_weights(model, state, flatten_chw={"fc": (4, 5, 5)})
    assert report.ok and report.ignored == ["bn.num_batches_tracked"] and not report.notes
    x_nchw = rand(2, 2, 5, 5)
    y = torch_conv2d(x_nchw, state["conv.weight"], state["conv.bias"])
    y = (y - state["bn.running_mean"][:, None, None]) / np.sqrt(state["bn.running_var"][:, None, None] + 1e-5)
    y = np.maximum(y * state["bn.weight"][:, None, None] + state["bn.bias"][:, None, None], 0)
    expected = y.reshape(2, -1) @ state["fc.weight"].T + state["fc.bias"]   # torch flattens (C, H, W)
    got = model.predict(np.transpose(x_nchw, (0, 2, 3, 1)), verbose=0)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


def test_depthwise_and_embedding_layouts():
    weight = rand(6, 1, 3, 3)  # Conv2d(3, 6, 3, groups=3): 2 filters per input channel
    model = tk.Sequential([tk.Input((4, 4, 3)), L.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False,
                                                                   padding="same", name="dw")])
    load_torch_weights(model, {"dw.weight": weight})
    x = rand(1, 3, 4, 4)
    expected = np.concatenate([torch_conv2d(x[:, c:c + 1], weight[2 * c:2 * c + 2], np.zeros(2, "float32"))
                               for c in range(3)], axis=1)
    np.testing.assert_allclose(model.predict(np.transpose(x, (0, 2, 3, 1)), verbose=0),
                               np.transpose(expected, (0, 2, 3, 1)), rtol=1e-4, atol=1e-5)
    table = rand(10, 4)
    emb = tk.Sequential([tk.Input((3,), dtype="int32"), L.Embedding(10, 4, name="features_0")])
    load_torch_weights(emb, {"features.0.weight": table})  # "_" stands for torch's "."
    np.testing.assert_array_equal(emb.predict(np.array([[1, 2, 9]]), verbose=0)[0], table[[1, 2, 9]])


def test_lstm_and_gru_match_torch_formulas():
    hidden, n_in, steps = 3, 2, 4
    x = rand(1, steps, n_in)
    lstm = {k: rand(*s) for k, s in [("weight_ih_l0", (4 * hidden, n_in)), ("weight_hh_l0", (4 * hidden, hidden)),
                                      ("bias_ih_l0", (4 * hidden,)), ("bias_hh_l0", (4 * hidden,))]}
    h, c, outs = np.zeros(hidden), np.zeros(hidden), []
    for t in range(steps):
        gates = lstm["weight_ih_l0"] @ x[0, t] + lstm["bias_ih_l0"] + lstm["weight_hh_l0"] @ h + lstm["bias_hh_l0"]
        i, f, g, o = np.split(gates, 4)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outs.append(h)
    model = tk.Sequential([tk.Input((steps, n_in)), L.LSTM(hidden, return_sequences=True, name="rnn")])
    load_torch_weights(model, {f"rnn.{k}": v for k, v in lstm.items()})
    np.testing.assert_allclose(model.predict(x, verbose=0)[0], np.array(outs), rtol=1e-4, atol=1e-5)

    gru = {k: rand(*s) for k, s in [("weight_ih_l0", (3 * hidden, n_in)), ("weight_hh_l0", (3 * hidden, hidden)),
                                     ("bias_ih_l0", (3 * hidden,)), ("bias_hh_l0", (3 * hidden,))]}
    h, outs = np.zeros(hidden), []
    for t in range(steps):
        xr, xz, xn = np.split(gru["weight_ih_l0"] @ x[0, t] + gru["bias_ih_l0"], 3)
        hr, hz, hn = np.split(gru["weight_hh_l0"] @ h + gru["bias_hh_l0"], 3)
        r, z = sigmoid(xr + hr), sigmoid(xz + hz)
        h = (1 - z) * np.tanh(xn + r * hn) + z * h
        outs.append(h)
    model = tk.Sequential([tk.Input((steps, n_in)), L.GRU(hidden, return_sequences=True, name="rnn")])
    load_torch_weights(model, {f"rnn.{k}": v for k, v in gru.items()})
    np.testing.assert_allclose(model.predict(x, verbose=0)[0], np.array(outs), rtol=1e-4, atol=1e-5)


def test_report_lists_every_unmatched_key_and_layer(tmp_path):
    from safetensors.numpy import save_file
    path = str(tmp_path / "state.safetensors")
    save_file({"fc.weight": rand(2, 3), "fc.bias": rand(2), "head.weight": rand(5, 2),
               "bn.weight": rand(2), "bn.bias": rand(2), "bn.running_mean": rand(2),
               "bn.running_var": rand(2) ** 2}, path)
    model = tk.Sequential([tk.Input((3,)), L.Dense(2, name="fc"), L.BatchNormalization(name="bn"),
                           L.Dense(4, name="out")])
    with pytest.raises(ValueError, match="head.weight"):
        load_torch_weights(model, path)
    before = model.get_layer("out").kernel.numpy().copy()
    report = load_torch_weights(model, path, strict=False)
    assert report.unmatched_torch_keys == ["head.weight"] and report.unmatched_layers == ["out"]
    assert "bn: epsilon=0.001" in report.notes[0]
    assert np.array_equal(model.get_layer("out").kernel.numpy(), before)
    np.testing.assert_array_equal(model.get_layer("fc").kernel.numpy(), load_state(path)["fc.weight"].T)
    with pytest.raises(ValueError, match="shapes"):  # mapped to a module of the wrong shape
        load_torch_weights(model, path, mapping={"out": "head"}, strict=False)


def load_state(path):
    from safetensors.numpy import load_file
    return load_file(path)


# -- with torch ------------------------------------------------------------------------------

def test_real_torch_modules(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                                                torch.nn.ReLU())
            self.classifier = torch.nn.Linear(4 * 6 * 6, 5)

        def forward(self, x):
            return self.classifier(torch.flatten(self.features(x), 1))

    net = Net()
    net.train()
    for _ in range(3):  # non-trivial running statistics
        net(torch.randn(8, 1, 6, 6) * 2 + 1)
    net.eval()
    path = str(tmp_path / "net.safetensors")
    save_file(net.state_dict(), path)
    inputs = tk.Input((6, 6, 1))
    x = L.Conv2D(4, 3, padding="same", name="features.0")(inputs)
    x = L.BatchNormalization(epsilon=1e-5, momentum=0.9, name="features.1")(x)
    outputs = L.Dense(5, name="classifier")(L.Flatten()(L.ReLU()(x)))
    model = tk.Model(inputs, outputs)
    report = load_torch_weights(model, path, flatten_chw={"classifier": (4, 6, 6)})
    assert report.ok and report.ignored == ["features.1.num_batches_tracked"]
    data = torch.randn(3, 1, 6, 6)
    with torch.no_grad():
        expected = net(data).numpy()
    np.testing.assert_allclose(model.predict(data.numpy().transpose(0, 2, 3, 1), verbose=0), expected,
                               rtol=1e-4, atol=1e-5)

    class Seq(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(20, 6)
            self.lstm = torch.nn.LSTM(6, 5, batch_first=True)
            self.gru = torch.nn.GRU(5, 4, batch_first=True)

        def forward(self, tokens):
            return self.gru(self.lstm(self.embed(tokens))[0])[0]

    seq = Seq()
    save_file(seq.state_dict(), path)
    model = tk.Sequential([tk.Input((7,), dtype="int32"), L.Embedding(20, 6, name="embed"),
                           L.LSTM(5, return_sequences=True, name="lstm"), L.GRU(4, return_sequences=True, name="gru")])
    assert load_torch_weights(model, path).ok
    tokens = torch.randint(0, 20, (2, 7))
    with torch.no_grad():
        expected = seq(tokens).numpy()
    np.testing.assert_allclose(model.predict(tokens.numpy(), verbose=0), expected, rtol=1e-4, atol=1e-5)
