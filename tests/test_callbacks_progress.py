"""ProgbarLogger output, and the callbacks side by side with real Keras."""

import os
import re
import warnings

import numpy as np
import pytest

import tinykeras.utils.progbar as progbar_module
from tinykeras import callbacks
from tinykeras.callbacks import CallbackList
from callback_fakes import FakeModel, val_losses  # noqa: F401


ANSI = re.compile(r"\x1b\[[0-9;]*m")


class ManualClock:
    """The progress bar's clock; the test moves it."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def progbar_fit(verbose, monkeypatch, epochs=2):
    """Two steps per epoch, 0.25 s each; returns what was printed."""
    clock = ManualClock()
    monkeypatch.setattr(progbar_module, "_now", clock)
    model = FakeModel()
    cbs = CallbackList(None, add_history=True, add_progbar=True, model=model,
                       verbose=verbose, epochs=epochs, steps=2)
    cbs.on_train_begin()
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch)
        for batch in range(2):
            cbs.on_train_batch_begin(batch)
            clock.now += 0.25
            cbs.on_train_batch_end(batch, {"loss": 1.0 / (batch + 1 + epoch),
                                           "accuracy": 0.25 * (batch + 1)})
        cbs.on_epoch_end(epoch, {"loss": 0.5 / (epoch + 1), "accuracy": 0.5,
                                 "val_loss": 0.00005})
    cbs.on_train_end()


def test_progbar_logger_verbose_2(capsys, monkeypatch):
    progbar_fit(2, monkeypatch)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        "2/2 - 0s - 250ms/step - accuracy: 0.5000 - loss: 0.5000 - val_loss: 5.0000e-05\n"
        "Epoch 2/2\n"
        "2/2 - 0s - 250ms/step - accuracy: 0.5000 - loss: 0.2500 - val_loss: 5.0000e-05\n")


def test_progbar_logger_verbose_1_without_a_terminal(capsys, monkeypatch):
    progbar_fit(1, monkeypatch)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.5000 - loss: 0.5000"
        " - val_loss: 5.0000e-05\nEpoch 2/2\n2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - "
        "accuracy: 0.5000 - loss: 0.2500 - val_loss: 5.0000e-05\n")


def test_progbar_logger_verbose_1(capsys, monkeypatch):
    monkeypatch.setattr(progbar_module, "_dynamic_display", lambda: True)  # a terminal
    progbar_fit(1, monkeypatch)
    out = capsys.readouterr().out
    # In a terminal Keras redraws in place (backspaces then "\r");
    # the bar is bold/green/grey ANSI text.
    assert out.count("Epoch") == 2 and out.endswith("\n")
    assert "\x1b[1m1/2\x1b[0m \x1b[32m" + "━" * 10 + "\x1b[0m\x1b[37m" + "━" * 10 in out
    frames = re.split(r"[\r\n]", ANSI.sub("", out).replace("\b", ""))
    assert [frame.rstrip() for frame in frames if frame] == [
        "Epoch 1/2",
        "1/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.2500 - loss: 1.0000",
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.5000 - loss: 0.5000",
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.5000 - loss: 0.5000"
        " - val_loss: 5.0000e-05",
        "Epoch 2/2",
        "1/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.2500 - loss: 0.5000",
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.5000 - loss: 0.3333",
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 250ms/step - accuracy: 0.5000 - loss: 0.2500"
        " - val_loss: 5.0000e-05",
    ]


def test_progbar_logger_one_epoch_no_header_and_verbose_auto(capsys, monkeypatch):
    progbar_fit("auto", monkeypatch, epochs=1)
    out = ANSI.sub("", capsys.readouterr().out)
    assert "Epoch" not in out and out.endswith("val_loss: 5.0000e-05\n")


def test_progbar_logger_for_evaluate_and_predict(capsys, monkeypatch):
    monkeypatch.setattr(progbar_module, "_now", ManualClock())
    cbs = CallbackList(None, add_progbar=True, model=FakeModel(), verbose=2, epochs=1, steps=3)
    cbs.on_test_begin()
    for batch in range(3):
        cbs.on_test_batch_end(batch, {"loss": 0.5})
    cbs.on_test_end({"loss": 0.5})
    cbs.on_predict_begin()
    for batch in range(3):
        cbs.on_predict_batch_end(batch, {"outputs": np.ones((2, 2))})
    cbs.on_predict_end()
    assert capsys.readouterr().out == "3/3 - 0s - 0s/step - loss: 0.5000\n3/3 - 0s - 0s/step\n"


# -- the same runs through real Keras 3 --------------------------------------------

@pytest.mark.keras
@pytest.mark.slow
def test_same_behaviour_as_keras(monkeypatch, capsys):
    """Drives Keras's own callbacks with the same fake model and logs."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        keras_callbacks = pytest.importorskip("keras.src.callbacks")
        keras_progbar = pytest.importorskip("keras.src.utils.progbar")
    except Exception as e:  # e.g. keras without a usable backend
        pytest.skip(f"keras not usable: {e}")
    import tinykeras.callbacks as tk_callbacks

    def run(module, make, epoch_logs, model_lr=0.1):
        model = FakeModel(model_lr)
        cbs = module.CallbackList([make(module)], add_history=True, model=model,
                                  verbose=0, epochs=len(epoch_logs), steps=2)
        cbs.on_train_begin()
        for epoch, logs in enumerate(epoch_logs):
            model.weights = [np.full(2, float(epoch))]
            cbs.on_epoch_begin(epoch)
            cbs.on_epoch_end(epoch, dict(logs))
            if model.stop_training:
                break
        cbs.on_train_end()
        return (capsys.readouterr().out, model.history.history, model.stop_training,
                model.optimizer.learning_rate, [w.tolist() for w in model.weights])

    sequences = [(1.0, 0.9, 0.95, 0.93, 0.97, 0.99, 0.8), (0.5, 0.6, 0.4, 0.45, 0.46, 0.47)]
    makers = [
        lambda m: m.EarlyStopping(patience=2, min_delta=0.02, verbose=1,
                                  restore_best_weights=True),
        lambda m: m.EarlyStopping(patience=2, baseline=0.45, restore_best_weights=True),
        lambda m: m.EarlyStopping(patience=1, start_from_epoch=2, verbose=1),
        lambda m: m.ReduceLROnPlateau(patience=1, factor=0.5, cooldown=1, min_lr=0.02,
                                      verbose=1),
        lambda m: m.LearningRateScheduler(lambda e, lr: lr * 0.5, verbose=1),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for make in makers:
            for seq in sequences:
                logs = val_losses(*seq)
                assert run(tk_callbacks, make, logs) == run(keras_callbacks, make, logs)

    class KerasClock:
        def __init__(self, clock):
            self.time = clock

    def bar_text(module, verbose):
        clock = ManualClock()
        monkeypatch.setattr(progbar_module, "_now", clock)
        monkeypatch.setattr(keras_progbar, "time", KerasClock(clock))
        cbs = module.CallbackList(None, add_progbar=True, model=FakeModel(), verbose=verbose,
                                  epochs=2, steps=3)
        cbs._async_train = False  # Keras may update the bar from a thread pool
        cbs.on_train_begin()
        for epoch in range(2):
            cbs.on_epoch_begin(epoch)
            for batch in range(3):
                clock.now += 0.125
                cbs.on_train_batch_end(batch, {"loss": 1.0 / (batch + 1), "mae": 0.0001})
            cbs.on_epoch_end(epoch, {"loss": 0.5, "mae": 0.0001, "val_loss": 0.25})
        cbs.on_train_end()
        return capsys.readouterr().out

    # Keras redraws in place whenever the posix module is loaded; tinykeras only
    # in a terminal (see tinykeras/utils/progbar.py), so compare in terminal mode.
    monkeypatch.setattr(progbar_module, "_dynamic_display", lambda: True)
    for verbose in (1, 2):
        assert bar_text(tk_callbacks, verbose) == bar_text(keras_callbacks, verbose)


# -- with a real model -------------------------------------------------------------

def _framework_ready(keras):
    """Whether the pieces `fit` needs exist yet (the framework grows in parallel)."""
    needed = [("Sequential",), ("Model", "fit"), ("layers", "Dense"), ("optimizers", "SGD"),
              ("optimizers", "get"), ("losses", "get")]
    try:
        for path in needed:
            obj = keras
            for name in path:
                obj = getattr(obj, name)
    except (AttributeError, ImportError):
        return False
    return True


def test_fit_with_early_stopping_and_history():
    import tinykeras as keras
    if not _framework_ready(keras):
        pytest.skip("tinykeras.Sequential / Model.fit / optimizers not available yet")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    stopper = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    try:
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[stopper])
    except ModuleNotFoundError as e:  # a part of tinykeras not written yet
        if not (e.name or "").startswith("tinykeras."):
            raise
        pytest.skip(f"{e.name} not available yet")
    assert isinstance(history, callbacks.History) and model.history is history
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["loss"] and len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]  # it learned
    assert stopper.best == min(history.history["loss"]) and not model.stop_training
