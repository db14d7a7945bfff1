"""Tests for `tinykeras.callbacks`, driven by hand with a tiny fake model.

Each test calls the hooks the way `fit` does, with made-up logs, and checks
what the callback did with real numbers. The last test trains a real model
(skipped until `tinykeras.Sequential` and `Model.fit` exist).
"""
import os

import numpy as np
import pytest

from tinykeras.callbacks import (CSVLogger, Callback, CallbackList, EarlyStopping, History,
                                 LambdaCallback, LearningRateScheduler, ModelCheckpoint,
                                 ProgbarLogger, ReduceLROnPlateau, TerminateOnNaN)
from callback_fakes import HOOKS, FakeModel, fit, val_losses


def test_callback_base_has_every_hook_and_they_do_nothing():
    cb = Callback()
    assert cb.model is None and cb.params is None
    for hook in HOOKS:
        args = () if hook.endswith(("train_begin", "train_end", "test_begin", "test_end",
                                    "predict_begin", "predict_end")) else (0,)
        assert getattr(cb, hook)(*args, logs={"loss": 1.0}) is None
    model = FakeModel()
    cb.set_model(model)
    cb.set_params({"epochs": 3})
    assert cb.model is model and cb.params == {"epochs": 3}


def test_train_batch_hooks_call_the_old_batch_names():
    calls = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            calls.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            calls.append(("end", batch, logs))

    Old().on_train_batch_begin(3)
    Old().on_train_batch_end(3, {"loss": 0.5})
    Old().on_test_batch_end(4, {"loss": 0.5})  # test batches don't
    assert calls == [("begin", 3), ("end", 3, {"loss": 0.5})]


def test_callback_list_adds_defaults_once_and_sets_model_and_params():
    model = FakeModel()
    history = History()
    cbs = CallbackList([[history], EarlyStopping()], add_history=True, add_progbar=True,
                       model=model, verbose=1, epochs=2, steps=5)
    kinds = [type(cb) for cb in cbs.callbacks]
    assert kinds == [History, EarlyStopping, ProgbarLogger]  # nested list flattened
    assert cbs.callbacks[0] is history and model.history is history
    params = {"verbose": 1, "epochs": 2, "steps": 5}
    assert all(cb.params == params and cb.model is model for cb in cbs.callbacks)
    assert CallbackList(add_history=False).callbacks == []


def test_callback_list_cleans_logs_and_shares_them_in_order():
    seen = []

    class Spy(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(dict(logs))

    model = FakeModel(learning_rate=0.5)
    from tinykeras import Tensor
    logs = {"val_loss": np.float32(0.25), "loss": Tensor(np.float32(2.0)), "n": 3}
    cbs = CallbackList([ReduceLROnPlateau(), Spy()], add_history=True, model=model)
    cbs.on_train_begin()
    cbs.on_epoch_end(0, logs)
    # Keys sorted, NumPy scalars became floats, the learning rate added by
    # ReduceLROnPlateau is seen by the callbacks after it (History too).
    assert seen == [{"loss": 2.0, "n": 3.0, "val_loss": 0.25, "learning_rate": 0.5}]
    assert type(seen[0]["val_loss"]) is float
    assert list(seen[0]) == ["loss", "n", "val_loss", "learning_rate"]
    assert model.history.history == {"loss": [2.0], "n": [3.0], "val_loss": [0.25],
                                     "learning_rate": [0.5]}
    assert list(logs) == ["val_loss", "loss", "n"]  # the caller's dict is untouched


def test_callback_list_calls_every_hook_of_every_callback():
    calls = []

    class Recorder(Callback):
        def __init__(self, name):
            super().__init__()
            for hook in HOOKS:
                setattr(self, hook,
                        lambda *args, _h=hook, **kw: calls.append((name, _h) + args[:1]))

    cbs = CallbackList([Recorder("a"), Recorder("b")])
    cbs.on_train_begin()
    cbs.on_epoch_begin(0)
    cbs.on_train_batch_begin(0)
    cbs.on_train_batch_end(0, {"loss": 1.0})
    cbs.on_epoch_end(0, {"loss": 1.0})
    cbs.on_train_end()
    cbs.on_test_batch_end(1)
    cbs.on_predict_begin()
    assert calls == [
        ("a", "on_train_begin", {}), ("b", "on_train_begin", {}),
        ("a", "on_epoch_begin", 0), ("b", "on_epoch_begin", 0),
        ("a", "on_train_batch_begin", 0), ("b", "on_train_batch_begin", 0),
        ("a", "on_train_batch_end", 0), ("b", "on_train_batch_end", 0),
        ("a", "on_epoch_end", 0), ("b", "on_epoch_end", 0),
        ("a", "on_train_end", {}), ("b", "on_train_end", {}),
        ("a", "on_test_batch_end", 1), ("b", "on_test_batch_end", 1),
        ("a", "on_predict_begin", {}), ("b", "on_predict_begin", {}),
    ]


# -- History -----------------------------------------------------------------------

def test_history_records_every_epoch_and_sets_model_history():
    model, ran = fit([], [{"loss": 0.9, "val_loss": 1.1}, {"loss": 0.5, "val_loss": 0.8},
                          {"loss": 0.25, "val_loss": 0.7}])
    history = model.history
    assert isinstance(history, History) and ran == [0, 1, 2]
    assert history.history == {"loss": [0.9, 0.5, 0.25], "val_loss": [1.1, 0.8, 0.7]}
    assert history.epoch == [0, 1, 2]
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}


# -- EarlyStopping -----------------------------------------------------------------

def test_early_stopping_counts_patience():
    # best 0.8 at epoch 1; epochs 2, 3 don't improve -> stop at epoch 3 (patience 2)
    stopper = EarlyStopping(patience=2)
    model, ran = fit([stopper], val_losses(1.0, 0.8, 0.85, 0.81, 0.5))
    assert ran == [0, 1, 2, 3] and model.stop_training
    assert stopper.stopped_epoch == 3 and stopper.best == 0.8 and stopper.best_epoch == 1
    assert stopper.wait == 2


def test_early_stopping_patience_zero_stops_at_first_bad_epoch():
    stopper = EarlyStopping()
    _, ran = fit([stopper], val_losses(1.0, 0.9, 0.95, 0.1))
    assert ran == [0, 1, 2] and stopper.stopped_epoch == 2


def test_early_stopping_min_delta():
    # improvements of 0.05 are smaller than min_delta=0.1: they don't count
    stopper = EarlyStopping(min_delta=0.1, patience=2)
    _, ran = fit([stopper], val_losses(1.0, 0.95, 0.9, 0.7))
    assert ran == [0, 1, 2] and stopper.best == 1.0
    # ... but 0.85 is better than 1.0 by more than 0.1
    stopper = EarlyStopping(min_delta=0.1, patience=2)
    _, ran = fit([stopper], val_losses(1.0, 0.95, 0.85, 0.9, 0.9))
    assert ran == [0, 1, 2, 3, 4] and stopper.best == 0.85 and stopper.stopped_epoch == 4


def test_early_stopping_restores_the_best_epochs_weights(capsys):
    stopper = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model, ran = fit([stopper], val_losses(1.0, 0.6, 0.7, 0.8, 0.1))
    assert ran == [0, 1, 2, 3]
    # The fake training sets the weights to the epoch number: epoch 1 was best.
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])
    np.testing.assert_array_equal(model.weights[1], [1.0, 1.0, 1.0])
    assert capsys.readouterr().out == (
        "Epoch 4: early stopping\n"
        "Restoring model weights from the end of the best epoch: 2.\n")


def test_early_stopping_without_restore_keeps_last_weights():
    model, _ = fit([EarlyStopping(patience=1)], val_losses(1.0, 0.6, 0.7, 0.8))
    np.testing.assert_array_equal(model.weights[0], [2.0, 2.0])


def test_early_stopping_max_mode_is_inferred_for_accuracy():
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    _, ran = fit([stopper], [{"val_accuracy": a} for a in (0.5, 0.7, 0.6, 0.9)])
    assert ran == [0, 1, 2] and stopper.best == 0.7
    stopper = EarlyStopping(monitor="val_accuracy", patience=1, mode="min")
    _, ran = fit([stopper], [{"val_accuracy": a} for a in (0.5, 0.7, 0.6, 0.9)])
    assert ran == [0, 1] and stopper.best == 0.5


def test_early_stopping_baseline_and_start_from_epoch():
    # No epoch beats the baseline 0.5: stop after `patience` epochs, but keep
    # the best of those.
    stopper = EarlyStopping(patience=3, baseline=0.5, restore_best_weights=True)
    model, ran = fit([stopper], val_losses(0.9, 0.8, 0.85, 0.1))
    assert ran == [0, 1, 2] and stopper.best == 0.8
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])
    # Warm-up: epochs 0 and 1 are ignored, so the 0.1 of epoch 0 never counts.
    stopper = EarlyStopping(patience=1, start_from_epoch=2)
    _, ran = fit([stopper], val_losses(0.1, 0.9, 0.8, 0.7, 0.75, 0.6))
    assert ran == [0, 1, 2, 3, 4] and stopper.best == 0.7


def test_early_stopping_warns_when_monitor_is_missing():
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_loss` "
                                         "which is not available. Available metrics are: "
                                         "accuracy,loss"):
        model, ran = fit([EarlyStopping()], [{"loss": 1.0, "accuracy": 0.5}] * 3)
    assert ran == [0, 1, 2] and not model.stop_training


def test_auto_mode_unknown_metric_raises_and_unknown_mode_warns():
    with pytest.raises(ValueError, match="Pass `mode='max'`"):
        fit([EarlyStopping(monitor="my_score")], [{"my_score": 1.0}])
    with pytest.warns(UserWarning, match="mode 'biggest' is unknown, fallback to auto"):
        assert EarlyStopping(mode="biggest").mode == "auto"


# -- ModelCheckpoint ---------------------------------------------------------------

def test_checkpoint_saves_only_on_improvement_with_formatted_names(tmp_path):
    pattern = str(tmp_path / "ckpt" / "model-{epoch:02d}-{val_loss:.2f}.safetensors")
    checkpoint = ModelCheckpoint(pattern, save_best_only=True)
    model, _ = fit([checkpoint], val_losses(1.0, 0.9, 0.95, 0.5))
    assert sorted(os.listdir(tmp_path / "ckpt")) == [
        "model-01-1.00.safetensors", "model-02-0.90.safetensors", "model-04-0.50.safetensors"]
    assert [method for method, _ in model.saved] == ["save"] * 3
    assert checkpoint.best == 0.5


def test_checkpoint_every_epoch_and_weights_only(tmp_path, capsys):
    path = str(tmp_path / "w{epoch}.weights.safetensors")
    model, _ = fit([ModelCheckpoint(path, save_weights_only=True, verbose=1)],
                   val_losses(1.0, 2.0))
    assert model.saved == [("save_weights", str(tmp_path / "w1.weights.safetensors")),
                           ("save_weights", str(tmp_path / "w2.weights.safetensors"))]
    assert (tmp_path / "w2.weights.safetensors").read_text() == "save_weights"
    out = capsys.readouterr().out
    assert out.startswith(f"\nEpoch 1: saving model to {tmp_path}/w1.weights.safetensors\n"
                          f"\nEpoch 1: finished saving model to {tmp_path}/w1.weights")


def test_checkpoint_max_mode_threshold_and_messages(tmp_path, capsys):
    path = str(tmp_path / "best.safetensors")
    checkpoint = ModelCheckpoint(path, monitor="val_acc", save_best_only=True, verbose=1,
                                 mode="max", initial_value_threshold=0.6)
    model, _ = fit([checkpoint], [{"val_acc": a} for a in (0.5, 0.7, 0.65)])
    assert len(model.saved) == 1 and checkpoint.best == 0.7
    assert capsys.readouterr().out == (
        "\nEpoch 1: val_acc did not improve from 0.60000\n"
        f"\nEpoch 2: val_acc improved from 0.60000 to 0.70000, saving model to {path}\n"
        f"\nEpoch 2: finished saving model to {path}\n"
        "\nEpoch 3: val_acc did not improve from 0.70000\n")


def test_checkpoint_save_freq_in_batches(tmp_path):
    path = str(tmp_path / "e{epoch}-b{batch}.safetensors")
    model, _ = fit([ModelCheckpoint(path, save_freq=3)], val_losses(1.0, 1.0, 1.0), steps=2)
    # 6 batches in all (2 per epoch), saved after the 3rd and the 6th
    assert [os.path.basename(p) for _, p in model.saved] == ["e2-b1.safetensors",
                                                             "e3-b2.safetensors"]


def test_checkpoint_checks_suffix_and_save_freq():
    with pytest.raises(ValueError, match=r"must end in `\.safetensors`.*or `\.keras`"):
        ModelCheckpoint("model.h5")
    with pytest.raises(ValueError, match=r"must end in `\.safetensors`"):
        ModelCheckpoint("model.weights.safetensors")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.safetensors`.*`\.weights\.h5`"):
        ModelCheckpoint("model.safetensors", save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq"):
        ModelCheckpoint("model.safetensors", save_freq="batch")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        fit([ModelCheckpoint("m-{val_acc}.safetensors")], val_losses(1.0))


# -- ReduceLROnPlateau -------------------------------------------------------------

def test_reduce_lr_at_the_right_epoch_and_clamped_at_min_lr(capsys):
    reducer = ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.03, verbose=1)
    lrs = []
    model = FakeModel(learning_rate=0.1)
    probe = LambdaCallback(on_epoch_end=lambda e, logs: lrs.append(model.optimizer.learning_rate))
    fit([reducer, probe], val_losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0), model=model)
    # plateau from epoch 1: reduce after epochs 2, 4 (0.05, then 0.025 -> 0.03), then stop
    assert lrs == [0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03]
    assert model.history.history["learning_rate"] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03]
    assert capsys.readouterr().out == (
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.05.\n"
        "\nEpoch 5: ReduceLROnPlateau reducing learning rate to 0.03.\n")


class Float32Optimizer:
    """Stores the rate as float32, as a real optimizer's variable does."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    @property
    def learning_rate(self):
        return float(self._lr)

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = np.float32(value)


def test_reduce_lr_stops_at_min_lr_stored_as_float32(capsys):
    # float32(0.1) reads back as 0.10000000149 > 0.1: still counts as "at min_lr"
    model = FakeModel()
    model.optimizer = Float32Optimizer(0.2)
    reducer = ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.1, verbose=1)
    fit([reducer], val_losses(1.0, 1.0, 1.0, 1.0, 1.0), model=model)
    assert model.optimizer.learning_rate == float(np.float32(0.1))
    assert capsys.readouterr().out.count("reducing learning rate") == 1


def test_reduce_lr_min_delta_and_cooldown():
    model = FakeModel(learning_rate=1.0)
    lrs = []
    reducer = ReduceLROnPlateau(factor=0.1, patience=1, cooldown=2, min_delta=0.01)
    probe = LambdaCallback(on_epoch_end=lambda e, logs: lrs.append(model.optimizer.learning_rate))
    # 0.995 is better than 1.0 by less than min_delta: a plateau from epoch 1
    fit([reducer, probe], val_losses(1.0, 0.995, 0.99, 0.99, 0.99, 0.99, 0.99), model=model)
    # Reduce at epoch 1. Cooldown 2: epoch 2 only counts the cooldown down;
    # at epoch 3 it reaches 0 and that epoch already counts as a bad one
    # (patience 1), so: reduce again at 3, and at 5.
    assert lrs == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001])


def test_reduce_lr_rejects_factor_one_and_warns_on_missing_monitor():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="Learning rate reduction is conditioned on metric "
                                         "`val_loss` which is not available. Available "
                                         r"metrics are: loss,learning_rate\."):
        fit([ReduceLROnPlateau()], [{"loss": 1.0}])


# -- LearningRateScheduler ---------------------------------------------------------

def test_learning_rate_scheduler_two_and_one_argument_schedules(capsys):
    model = FakeModel(learning_rate=0.1)
    seen = []
    halve = LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr / 2, verbose=1)
    probe = LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(model.optimizer.learning_rate))
    fit([halve, probe], val_losses(1, 1, 1), model=model)
    assert seen == [0.1, 0.05, 0.025]
    assert model.history.history["learning_rate"] == [0.1, 0.05, 0.025]
    assert capsys.readouterr().out.splitlines()[-1] == (
        "Epoch 3: LearningRateScheduler setting learning rate to 0.025.")

    model = FakeModel()
    fit([LearningRateScheduler(lambda epoch: 1.0 / (epoch + 1))], val_losses(1, 1, 1, 1),
        model=model)
    assert model.history.history["learning_rate"] == [1.0, 0.5, 1 / 3, 0.25]

    with pytest.raises(ValueError, match="should be a float"):
        fit([LearningRateScheduler(lambda epoch: 1)], val_losses(1))


# -- CSVLogger ---------------------------------------------------------------------

def test_csv_logger_writes_exact_rows(tmp_path):
    path = tmp_path / "log.csv"
    fit([CSVLogger(str(path))], [{"loss": 0.5, "accuracy": 0.25, "val_loss": 0.75},
                                 {"loss": 0.125, "accuracy": np.float32(0.5), "val_loss": 0.5}])
    assert path.read_bytes() == (b"epoch,accuracy,loss,val_loss\r\n"
                                 b"0,0.25,0.5,0.75\r\n"
                                 b"1,0.5,0.125,0.5\r\n")
    # append=True: no second header; a new separator
    fit([CSVLogger(path, append=True)], [{"loss": 2.0, "accuracy": 1.0, "val_loss": 3.0}])
    assert path.read_text().splitlines()[-1] == "0,1.0,2.0,3.0"
    assert path.read_text().count("epoch") == 1


def test_csv_logger_separator_and_missing_validation_columns(tmp_path):
    path = tmp_path / "log.tsv"
    fit([CSVLogger(path, separator="\t")], [{"loss": 0.5}, {"loss": 0.25, "val_loss": 0.5}])
    # As Keras: without val_ keys in the first epoch, val_ columns are added.
    assert path.read_bytes() == (b"epoch\tloss\tval_loss\r\n"
                                 b"0\t0.5\tNA\r\n"
                                 b"1\t0.25\t0.5\r\n")


# -- TerminateOnNaN ----------------------------------------------------------------

def test_terminate_on_nan_stops_on_the_first_nan(capsys):
    batch_logs = {(1, 0): {"loss": 0.5}, (1, 1): {"loss": float("nan")},
                  (2, 0): {"loss": float("nan")}}
    model, ran = fit([TerminateOnNaN()], val_losses(1, 1, 1, 1), batch_logs=batch_logs)
    assert ran == [0, 1] and model.stop_training
    assert capsys.readouterr().out == "Batch 1: Invalid loss, terminating training\n"


def test_terminate_on_nan_inf_and_raise_error():
    model, ran = fit([TerminateOnNaN()], val_losses(1, 1),
                     batch_logs={(0, 0): {"loss": float("inf")}})
    assert ran == [0]
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        fit([TerminateOnNaN(raise_error=True)], val_losses(1, 1),
            batch_logs={(0, 1): {"loss": float("nan")}})


# -- LambdaCallback ----------------------------------------------------------------

def test_lambda_callback_calls_the_given_functions():
    calls = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin {epoch}"),
        on_train_batch_end=lambda batch, logs: calls.append(f"batch_end {batch} {logs}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch} {logs['val_loss']}"),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_begin=lambda logs: calls.append("test_begin"),  # any hook, by keyword
    )
    fit([cb], val_losses(0.5), steps=2)
    cb.on_test_begin({})
    cb.on_predict_begin({})  # not given: the base class's no-op
    assert calls == ["train_begin", "epoch_begin 0", "batch_end 0 {'loss': 1.0}",
                     "batch_end 1 {'loss': 1.0}", "epoch_end 0 0.5", "train_end", "test_begin"]


# -- ProgbarLogger -----------------------------------------------------------------
