"""The NumPy LSTM, simple-RNN and GRU kernels with preallocated buffers (numpy_plugin/numpy_lstm.py, numpy_gru.py)
against the plain loops of ops/rnn_ops.py, values and gradients, and
against float64 finite differences."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.numpy_plugin import numpy_gru, numpy_lstm, numpy_rnn
from tinykeras.ops import rnn_ops

MASKS = {"none": None,
         "some": np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1]], bool),
         "all-masked-row": np.array([[0, 0, 0, 0, 0], [1, 0, 1, 0, 1], [1, 1, 1, 1, 1]], bool)}


def case(dtype, seed=0, b=3, steps=5, u=4, n_in=3):
    """LSTM inputs ``x, kernel, bias, h0, c0, recurrent_kernel``, time-major
    with the batch last (as ``rnn_ops`` takes them)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, n_in, b)).astype(dtype)
    kernel, bias = (rng.standard_normal((n_in, 4 * u)) * 0.5).astype(dtype), rng.standard_normal(4 * u).astype(dtype)
    h0, c0 = rng.standard_normal((u, b)).astype(dtype), rng.standard_normal((u, b)).astype(dtype)
    recurrent = (rng.standard_normal((u, 4 * u)) * 0.5).astype(dtype)
    return x, kernel, bias, h0, c0, recurrent


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("gate_grads", [False, True])
def test_matches_the_plain_loops(mask, dtype, gate_grads):
    inputs = case(dtype)
    m = MASKS[mask]
    ns = numpy_rnn.NUMPY_NS
    out = numpy_lstm.forward(*inputs, m)
    ref = rnn_ops.lstm_forward(ns, *inputs, m)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    assert out.shape == ref.shape and out.dtype == ref.dtype
    np.testing.assert_allclose(out, ref, **tol)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    if not gate_grads:
        g[:, 8:] = 0
    flat = numpy_lstm.backward(g, out, *inputs, m)
    ref_flat = rnn_ops.lstm_backward(ns, g, ref, *inputs, m)
    np.testing.assert_allclose(flat, ref_flat, **tol)


@pytest.mark.parametrize("mask", MASKS)
def test_matches_the_composite_on_tensors(mask):
    inputs = case("float64", seed=3)
    m = MASKS[mask]
    ref = rnn_ops.lstm_forward(rnn_ops.TENSOR_NS, *[tk.Tensor(a) for a in inputs],
                               None if m is None else tk.Tensor(m)).numpy()
    np.testing.assert_allclose(numpy_lstm.forward(*inputs, m), ref, rtol=1e-12, atol=1e-12)


def check_finite_differences(forward, inputs, mask, g, flat, rng, eps=1e-6):
    """Four entries of each input: the packed gradient ``flat`` against the
    central difference of ``sum(g * forward(*inputs, mask))``."""
    start = 0
    for which, x in enumerate(inputs):
        grad = flat[start:start + x.size].reshape(x.shape)
        start += x.size
        for _ in range(4):
            idx = tuple(rng.integers(0, n) for n in x.shape)
            values = []
            for sign in (1, -1):
                moved = [a.copy() for a in inputs]
                moved[which][idx] += sign * eps
                values.append((g * forward(*moved, mask)).sum())
            np.testing.assert_allclose((values[0] - values[1]) / (2 * eps), grad[idx], rtol=1e-6, atol=1e-8)
    assert start == flat.size


@pytest.mark.parametrize("mask", ["none", "some"])
def test_gradients_match_finite_differences(mask):
    inputs, m = list(case("float64", seed=5)), MASKS[mask]
    g = np.random.default_rng(6).standard_normal((5, 24, 3))
    flat = numpy_lstm.backward(g, numpy_lstm.forward(*inputs, m), *inputs, m)
    check_finite_differences(numpy_lstm.forward, inputs, m, g, flat, np.random.default_rng(7))


@pytest.mark.parametrize("kind", ["lstm", "simple_rnn", "gru"])
def test_layer_uses_the_kernels_and_trains_like_the_composite(kind):
    """A recurrent layer, bidirectional with masking and return_sequences, on
    the kernels and on the composite loops: same outputs and weight gradients."""
    from tinykeras.core import registry
    rng = np.random.default_rng(8)
    ids = rng.integers(1, 20, (4, 7)).astype("int32")
    ids[0, 5:] = 0
    ids[2, 3:] = 0

    layer = {"lstm": tk.layers.LSTM, "simple_rnn": tk.layers.SimpleRNN, "gru": tk.layers.GRU}[kind]

    def run():
        tk.utils.set_random_seed(2)
        model = tk.Sequential([tk.Input((7,), dtype="int32"), tk.layers.Embedding(20, 5, mask_zero=True),
                               tk.layers.Bidirectional(layer(3, return_sequences=True)), layer(2)])
        out = model(ids)
        out.sum().backward()
        return out.numpy(), [np.asarray(w.grad) for w in model.trainable_weights]

    fast = run()
    kernels = registry.ACTIVE
    saved = {k: kernels.get(k) for k in (f"{kind}_sequence", f"{kind}_sequence_grad")}
    try:
        for k in saved:
            kernels.pop(k, None)
        assert f"{kind}_sequence" not in kernels
        slow = run()
    finally:
        kernels.update(saved)
    np.testing.assert_allclose(fast[0], slow[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(fast[1], slow[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_simple_rnn_matches_the_plain_loops(mask, dtype):
    rng = np.random.default_rng(11)
    xz, h0 = rng.standard_normal((3, 5, 4)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    kernel = (rng.standard_normal((4, 4)) * 0.5).astype(dtype)
    m, ns = MASKS[mask], numpy_rnn.NUMPY_NS
    out = numpy_lstm.simple_rnn_forward(xz, h0, kernel, m)
    ref = rnn_ops.simple_rnn_forward(ns, xz, h0, kernel, m)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, ref, **tol)
    g = rng.standard_normal(out.shape).astype(dtype)
    np.testing.assert_allclose(numpy_lstm.simple_rnn_backward(g, out, xz, h0, kernel, m),
                               rnn_ops.simple_rnn_backward(ns, g, ref, xz, h0, kernel, m), **tol)


def test_simple_rnn_gradients_match_finite_differences():
    rng = np.random.default_rng(12)
    inputs = [rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 4)), rng.standard_normal((4, 4)) * 0.5]
    m, g = MASKS["some"], rng.standard_normal((3, 5, 4))
    flat = numpy_lstm.simple_rnn_backward(g, numpy_lstm.simple_rnn_forward(*inputs, m), *inputs, m)
    check_finite_differences(numpy_lstm.simple_rnn_forward, inputs, m, g, flat, rng)


GRU_FORMS = {True: (numpy_gru.forward, numpy_gru.backward),
             False: (numpy_gru.forward_reset_before, numpy_gru.backward_reset_before)}


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_matches_the_plain_loops(mask, dtype, reset_after):
    rng = np.random.default_rng(13)
    inputs = [rng.standard_normal((3, 5, 12)), rng.standard_normal((3, 4)), rng.standard_normal((4, 12)) * 0.5,
              rng.standard_normal(12)]
    inputs = [a.astype(dtype) for a in inputs]
    m, ns = MASKS[mask], numpy_rnn.NUMPY_NS
    forward, backward = GRU_FORMS[reset_after]
    out = forward(*inputs, m)
    ref = rnn_ops.gru_forward(ns, *inputs, m, reset_after=reset_after)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, ref, **tol)
    g = rng.standard_normal(out.shape).astype(dtype)
    np.testing.assert_allclose(backward(g, out, *inputs, m),
                               rnn_ops.gru_backward(ns, g, ref, *inputs, m, reset_after=reset_after), **tol)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gradients_match_finite_differences(reset_after):
    rng = np.random.default_rng(14)
    inputs = [rng.standard_normal((3, 5, 12)), rng.standard_normal((3, 4)), rng.standard_normal((4, 12)) * 0.5,
              rng.standard_normal(12)]
    m, g = MASKS["some"], rng.standard_normal((3, 5, 4))
    forward, backward = GRU_FORMS[reset_after]
    flat = backward(g, forward(*inputs, m), *inputs, m)
    check_finite_differences(forward, inputs, m, g, flat, rng)


def test_work_on_a_second_thread_equals_all_at_once(monkeypatch):
    """With a free core the input projection (forward), and the step factors
    and the gradients of the input, the kernels and the bias (backward), are
    taken by chunks of steps on a second thread beside the loop: the same
    numbers as without it."""
    from tinykeras.numpy_plugin import numpy_threads
    inputs = case("float64", seed=11, steps=9)
    g = np.random.default_rng(12).standard_normal((9, 24, 3))
    monkeypatch.setattr(numpy_threads.POLICY, "threads", 1)
    out = numpy_lstm.forward(*inputs, None)
    one = numpy_lstm.backward(g, out, *inputs, None)
    monkeypatch.setattr(numpy_threads.POLICY, "threads", 2)
    for chunk in (2, 4, 100):
        monkeypatch.setattr(numpy_lstm._BackwardWork, "CHUNK", chunk)
        monkeypatch.setattr(numpy_lstm._Projection, "CHUNK", chunk)
        np.testing.assert_allclose(numpy_lstm.forward(*inputs, None), out, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(numpy_lstm.backward(g, out, *inputs, None), one, rtol=1e-12,
                                   atol=1e-12)
