"""The lean inference path (tinykeras/models/lean.py) gives the plain path's
results, to the bit, and steps aside whenever the plain path has work to do."""
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core.autograd import no_grad
from tinykeras.models import lean, sequential, trainer

layers = tk.layers


@pytest.fixture
def plain(monkeypatch):
    """A context in which the lean path is switched off."""
    class Plain:
        def __enter__(self):
            monkeypatch.setattr(trainer, "small_batch", lambda *a: False)
            monkeypatch.setattr(sequential, "lean_layers", lambda *a: None)

        def __exit__(self, *exc):
            monkeypatch.undo()
    return Plain()


def mlp(**dense):
    tk.utils.set_random_seed(1)
    model = tk.Sequential([tk.Input((12,)), layers.Dense(16, activation="relu", **dense),
                           layers.BatchNormalization(), layers.Dropout(0.5),
                           layers.Dense(8, activation="tanh"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.random((64, 12)), np.eye(3)[rng.integers(0, 3, 64)], epochs=1, verbose=0)  # moving stats
    return model


@pytest.mark.parametrize("batch", [1, 32])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_predict_matches_plain_path(plain, batch, dtype):
    model = mlp()
    x = np.random.default_rng(2).random((batch, 12)).astype(dtype)
    with no_grad():
        assert lean.lean_layers(model, tk.Tensor(x.astype("float32"))) is not None
    fast = model.predict(x, verbose=0)
    with plain:
        slow = model.predict(x, verbose=0)
    assert fast.dtype == slow.dtype and fast.shape == slow.shape == (batch, 3)
    np.testing.assert_array_equal(fast, slow)


def test_model_call_without_grad_matches_and_with_grad_records(plain):
    model = mlp()
    x = np.random.default_rng(3).random((5, 12)).astype("float32")
    with no_grad():
        fast = model(x).numpy()
    with plain:
        with no_grad():
            slow = model(x).numpy()
    np.testing.assert_array_equal(fast, slow)
    c = np.random.default_rng(5).random((5, 3)).astype("float32")
    model.zero_grad()
    out = model(x)                     # autograd on: the plain path, which records the graph
    (out * c).sum().backward()
    kernel = model.layers[0].kernel
    assert kernel.grad is not None and np.abs(np.asarray(kernel.grad)).sum() > 0
    # the gradient agrees with a finite difference of the lean forward (float64 for precision)
    w = kernel.numpy().astype("float64")
    i, j, eps = 3, 5, 1e-3
    for sign in (1, -1):
        w2 = w.copy()
        w2[i, j] += sign * eps
        kernel.assign(w2.astype("float32"))
        with no_grad():
            value = (model(x).numpy().astype("float64") * c).sum()
        if sign == 1:
            up = value
    kernel.assign(w.astype("float32"))
    np.testing.assert_allclose((up - value) / (2 * eps), np.asarray(kernel.grad)[i, j], rtol=2e-2, atol=1e-3)


def test_training_call_is_not_lean():
    model = mlp()
    with no_grad():
        assert lean.lean_layers(model, None, training=True) is None
    assert lean.lean_layers(model, None) is None          # autograd on


def test_steps_aside_for_masks_regularizers_and_open_shapes(plain):
    masked = tk.Sequential([tk.Input((6,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
                            layers.LSTM(3)])
    regularized = tk.Sequential([tk.Input((4,)), layers.Dense(2, activity_regularizer="l2")])
    open_shape = tk.Sequential([tk.Input((None, 4)), layers.Dense(2)])
    with no_grad():
        for model in (masked, regularized, open_shape):
            assert lean.lean_layers(model) is None
    ids = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]], dtype="int32")
    fast = masked.predict(ids, verbose=0)
    with plain:
        slow = masked.predict(ids, verbose=0)
    np.testing.assert_array_equal(fast, slow)


def test_larger_than_a_batch_and_callbacks_take_the_plain_path(monkeypatch):
    model = mlp()
    calls = []
    original = lean.run_layers
    monkeypatch.setattr(sequential, "run_layers", lambda *a: calls.append(1) or original(*a))
    x = np.random.default_rng(4).random((70, 12)).astype("float32")
    out = model.predict(x, verbose=0)                # 3 batches of 32, 32, 6: still lean per batch
    assert out.shape == (70, 3) and len(calls) == 3
    assert not lean.small_batch(model, x, None, None, None, 0, trainer.Trainer.predict_step)
    assert not lean.small_batch(model, x[:4], None, None, [tk.callbacks.Callback()], 0,
                                trainer.Trainer.predict_step)
    assert not lean.small_batch(model, x[:4], None, None, None, 1, trainer.Trainer.predict_step)
    np.testing.assert_allclose(out[:4], model.predict(x[:4], verbose=0), rtol=1e-5)  # BLAS blocks by batch size


def test_predict_returns_a_fresh_array():
    model = tk.Sequential([tk.Input((3,)), layers.Activation("linear")])
    x = np.ones((2, 3), dtype="float32")
    out = model.predict(x, verbose=0)
    out[...] = 7
    np.testing.assert_array_equal(x, 1)


def test_a_custom_predict_step_is_used():
    class Doubled(tk.Sequential):
        def predict_step(self, data):
            return super().predict_step(data) * 2

    model = Doubled([tk.Input((3,)), layers.Dense(1, kernel_initializer="ones")])
    np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), [[6.0]])


def test_small_predict_skips_the_models_call_but_not_a_subclass_call(monkeypatch):
    model = mlp()
    x = np.random.default_rng(5).random((3, 12)).astype("float32")
    expected = model.predict(x, verbose=0)
    monkeypatch.setattr(tk.layers.Layer, "__call__", lambda *a, **k: pytest.fail("a __call__ ran"))
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="expects shape"):
        model.predict(x[:, :5], verbose=0)      # the plain path's error for a wrong shape

    class Negated(tk.Sequential):
        def call(self, inputs, training=None, mask=None):
            return -super().call(inputs, training=training, mask=mask)

    tk.utils.set_random_seed(3)
    negated = Negated([tk.Input((3,)), layers.Dense(2)])
    plain_model = tk.Sequential([tk.Input((3,)), layers.Dense(2)])
    plain_model.set_weights(negated.get_weights())
    ones = np.ones((1, 3), "float32")
    np.testing.assert_array_equal(negated.predict(ones, verbose=0), -plain_model.predict(ones, verbose=0))
