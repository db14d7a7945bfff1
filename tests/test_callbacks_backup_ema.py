"""BackupAndRestore (an interrupted fit resumes at the right epoch with the
uninterrupted run's weights) and SwapEMAWeights (evaluate/predict with the
moving averages), with Keras 3 as the reference where it runs."""
import json
import os

import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras

RNG = np.random.default_rng(9)
X = RNG.normal(size=(24, 4)).astype(np.float32)
Y = RNG.normal(size=(24, 2)).astype(np.float32)


def _model(lib, seed=0, **opt_kwargs):
    model = lib.Sequential([lib.Input((4,)), lib.layers.Dense(3, activation="tanh"),
                            lib.layers.Dense(2)])
    model.compile(optimizer=lib.optimizers.Adam(0.05, **opt_kwargs), loss="mse")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in model.get_weights()])
    return model


class InterruptAt(tk.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch, self.seen = epoch, []

    def on_epoch_begin(self, epoch, logs=None):
        self.seen.append(epoch)
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


def test_interrupted_fit_resumes_with_identical_results(tmp_path):
    backup_dir = str(tmp_path / "backup")
    reference = _model(tk)
    reference.fit(X, Y, epochs=5, batch_size=8, shuffle=False, verbose=0)

    model = _model(tk)
    stop = InterruptAt(3)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(X, Y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[tk.callbacks.BackupAndRestore(backup_dir), stop])
    with open(os.path.join(backup_dir, "training_metadata.json")) as f:
        assert json.load(f)["epoch"] == 3

    resumed = _model(tk, seed=1)              # a fresh process: other weights, unbuilt optimizer
    seen = InterruptAt(-1)
    history = resumed.fit(X, Y, epochs=5, batch_size=8, shuffle=False, verbose=0,
                          callbacks=[tk.callbacks.BackupAndRestore(backup_dir), seen])
    assert seen.seen == [3, 4] and len(history.history["loss"]) == 2
    for got, expected in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)
    assert int(resumed.optimizer.iterations) == int(reference.optimizer.iterations) == 15
    assert not os.path.exists(backup_dir)          # delete_checkpoint
    resumed.fit(X, Y, epochs=1, verbose=0)         # the next fit starts from epoch 0 again


def test_save_every_n_batches_records_epoch_and_batch(tmp_path):
    backup_dir = str(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _model(tk).fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0, callbacks=[
            tk.callbacks.BackupAndRestore(backup_dir, save_freq=2), InterruptAt(3)])
    # 3 batches an epoch, a backup every 2: the last after the 8th batch (epoch 2, batch 1);
    # as in Keras, a resumed fit starts that epoch again.
    with open(os.path.join(backup_dir, "training_metadata.json")) as f:
        assert json.load(f) == {"epoch": 2, "batch": 1}


def test_double_checkpoint_falls_back_on_a_damaged_backup(tmp_path):
    backup_dir = str(tmp_path / "b")
    model = _model(tk)
    with pytest.raises(RuntimeError):
        model.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0, callbacks=[
            tk.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True), InterruptAt(2)])
    with open(os.path.join(backup_dir, "latest.weights.safetensors"), "wb") as f:
        f.write(b"damaged")
    resumed = _model(tk)
    seen = InterruptAt(-1)
    resumed.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                callbacks=[tk.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False), seen])
    assert seen.seen == [1, 2, 3]                  # the previous backup: after epoch 0


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        tk.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`"):
        tk.callbacks.BackupAndRestore("x", save_freq="batch")


def _averages(model):
    return [v.numpy().copy() for v in model.optimizer._model_variables_moving_average]


def test_swap_ema_weights_for_evaluate_and_predict():
    model = _model(tk, use_ema=True, ema_momentum=0.5)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    trained = [w.copy() for w in model.get_weights()]
    # fit ends with the averages in the model (Keras's finalize_variable_values)
    for w, avg in zip(trained, _averages(model)):
        np.testing.assert_array_equal(w, avg)
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    model.set_weights([w + 1.0 for w in model.get_weights()])   # training weights != averages
    before, averages = [w.copy() for w in model.get_weights()], _averages(model)
    swap = tk.callbacks.SwapEMAWeights()
    swap.set_model(model)
    plain = model.predict(X, verbose=0)
    with_ema = model.predict(X, verbose=0, callbacks=[swap])
    twin = _model(tk)
    twin.set_weights(averages)
    np.testing.assert_allclose(with_ema, twin.predict(X, verbose=0), rtol=1e-6)
    assert not np.allclose(plain, with_ema)
    for w, b in zip(model.get_weights(), before):   # training weights are back
        np.testing.assert_array_equal(w, b)
    assert model.evaluate(X, Y, verbose=0, callbacks=[swap]) == pytest.approx(
        twin.evaluate(X, Y, verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="`use_ema=True` is set on the optimizer"):
        _model(tk).fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y),
                       callbacks=[tk.callbacks.SwapEMAWeights()])


@pytest.mark.keras
@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_fit_with_swap_ema_weights_matches_keras(swap_on_epoch):
    keras = real_keras()
    results = []
    for lib in (keras, tk):
        model = _model(lib, use_ema=True, ema_momentum=0.7)
        history = model.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                            validation_data=(X[:8], Y[:8]),
                            callbacks=[lib.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)])
        results.append((history.history, [np.asarray(w) for w in model.get_weights()]))
    (k_hist, k_weights), (t_hist, t_weights) = results
    for key in k_hist:
        np.testing.assert_allclose(t_hist[key], k_hist[key], rtol=1e-4, atol=1e-6)
    for got, expected in zip(t_weights, k_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.keras
def test_resumed_fit_matches_keras(tmp_path):
    keras = real_keras()
    results = []
    for lib in (keras, tk):
        folder = str(tmp_path / lib.__name__)
        model = _model(lib)
        stop = type("Stop", (lib.callbacks.Callback,), {
            "on_epoch_begin": lambda self, epoch, logs=None: _raise_at(epoch, 2)})()
        with pytest.raises(RuntimeError):
            model.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                      callbacks=[lib.callbacks.BackupAndRestore(folder), stop])
        model = _model(lib, seed=1)
        history = model.fit(X, Y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                            callbacks=[lib.callbacks.BackupAndRestore(folder)])
        results.append((history.history["loss"], [np.asarray(w) for w in model.get_weights()]))
    (k_loss, k_weights), (t_loss, t_weights) = results
    np.testing.assert_allclose(t_loss, k_loss, rtol=1e-4)
    assert len(t_loss) == 2
    for got, expected in zip(t_weights, k_weights):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def _raise_at(epoch, at):
    if epoch == at:
        raise RuntimeError("interrupted")
