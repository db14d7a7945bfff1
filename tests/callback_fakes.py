"""A fake model, optimizer and fit loop that drive callbacks by hand."""
import numpy as np

from tinykeras.callbacks import CallbackList


class FakeOptimizer:
    def __init__(self, learning_rate):
        self.learning_rate = learning_rate


class FakeModel:
    """What the callbacks use of a model; weights are [epoch, epoch] arrays."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.weights = [np.zeros(2), np.zeros(3)]
        self.optimizer = FakeOptimizer(learning_rate)
        self.saved = []  # (method, path)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [np.array(w) for w in weights]

    def save(self, filepath, overwrite=True):
        self._write("save", filepath)

    def save_weights(self, filepath, overwrite=True):
        self._write("save_weights", filepath)

    def _write(self, method, filepath):
        with open(filepath, "w") as f:
            f.write(method)
        self.saved.append((method, filepath))


def fit(cbs, epoch_logs, model=None, steps=2, batch_logs=None, verbose=0):
    """Calls the hooks like `Model.fit`; returns (model, epochs that ran)."""
    model = model or FakeModel()
    cbs = CallbackList(cbs, add_history=True, model=model, verbose=verbose,
                       epochs=len(epoch_logs), steps=steps)
    cbs.on_train_begin()
    ran = []
    for epoch, logs in enumerate(epoch_logs):
        model.weights = [np.full(2, float(epoch)), np.full(3, float(epoch))]  # "training"
        cbs.on_epoch_begin(epoch)
        for batch in range(steps):
            cbs.on_train_batch_begin(batch)
            cbs.on_train_batch_end(batch, (batch_logs or {}).get((epoch, batch), {"loss": 1.0}))
            if model.stop_training:
                break
        cbs.on_epoch_end(epoch, dict(logs))
        ran.append(epoch)
        if model.stop_training:
            break
    cbs.on_train_end(dict(logs))
    return model, ran


def val_losses(*values):
    return [{"loss": 1.0, "val_loss": v} for v in values]


# -- Callback and CallbackList -----------------------------------------------------

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
         "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin", "on_batch_end"]
