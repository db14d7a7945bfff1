"""`CallbackList`: calls every hook of a list of callbacks at once.

The trainer talks to one `CallbackList` instead of looping over the user's
callbacks itself. It also adds the two callbacks `fit` always has
(`History`, and `ProgbarLogger` unless ``verbose=0``) and cleans up the logs
(sorted keys, plain Python floats) before handing them on.
"""

import numpy as np

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger


def pythonify_logs(logs):
    """Returns a new dict: keys sorted, nested dicts flattened, scalars as floats.

    >>> import numpy as np
    >>> pythonify_logs({"val_loss": np.float32(0.5), "loss": 1, "extra": {"lr": 0.1}})
    {'lr': 0.1, 'loss': 1.0, 'val_loss': 0.5}
    """
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
            continue
        if isinstance(value, (list, tuple)):
            result[key] = value  # e.g. predict's batch outputs: several arrays
            continue
        if hasattr(value, "numpy") and not isinstance(value, np.generic):
            value = value.numpy()  # a tinykeras Tensor
        if np.ndim(value) == 0:
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
        result[key] = value
    return result


def _flatten(callbacks):
    if isinstance(callbacks, (list, tuple)):
        return [cb for item in callbacks for cb in _flatten(item)]
    return [callbacks]


class CallbackList(Callback):
    """A list of callbacks that is itself a callback.

    Args:
        callbacks: a list of `Callback` instances (nested lists are flattened).
        add_history: add a `History` if the list has none.
        add_progbar: add a `ProgbarLogger` if the list has none.
        model: the model, handed to every callback with `set_model`.
        **params: handed to every callback with `set_params`, e.g.
            ``verbose=1, epochs=5, steps=10``.

    Example:

    >>> history = History()
    >>> callbacks = CallbackList([history], model=None, epochs=2)
    >>> callbacks.on_train_begin()
    >>> for epoch in range(2):
    ...     callbacks.on_epoch_begin(epoch)
    ...     callbacks.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1)})
    >>> callbacks.on_train_end()
    >>> history.history, history.params
    ({'loss': [1.0, 0.5]}, {'epochs': 2})
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks) if callbacks else []
        self._add_default_callbacks(add_history, add_progbar)
        self.set_model(model)
        self.set_params(params)

    def _add_default_callbacks(self, add_history, add_progbar):
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next(
            (cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)

    def append(self, callback):
        """Adds one more callback (it gets the list's model and params)."""
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        if self.params:
            callback.set_params(self.params)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, index, logs, logs_as_keyword=False):
        """Calls ``hook`` on every callback with the same (cleaned) logs dict,
        so a callback that adds a key (ReduceLROnPlateau adds ``learning_rate``)
        is seen by the ones after it, History included."""
        logs = pythonify_logs(logs)
        args = () if index is None else (index,)
        for callback in self.callbacks:
            method = getattr(callback, hook)
            if logs_as_keyword:
                method(*args, logs=logs)
            else:
                method(*args, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", None, logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", None, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_batch_begin", batch, logs, logs_as_keyword=True)

    def on_batch_end(self, batch, logs=None):
        self._call("on_batch_end", batch, logs, logs_as_keyword=True)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs, logs_as_keyword=True)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs, logs_as_keyword=True)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", None, logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", None, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs, logs_as_keyword=True)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs, logs_as_keyword=True)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", None, logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", None, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs, logs_as_keyword=True)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs, logs_as_keyword=True)
