"""`History`: records every epoch's logs; `fit` returns it."""

from .callback import Callback


class History(Callback):
    """Records the logs of every epoch; ``model.fit`` returns this object.

    Attributes:
        history: dict mapping each log key to its list of per-epoch values,
            e.g. ``{"loss": [0.9, 0.5], "val_loss": [1.0, 0.7]}``.
        epoch: the list of epoch indices that were recorded.

    Example:

    >>> from types import SimpleNamespace
    >>> history = History()
    >>> history.set_model(SimpleNamespace())
    >>> history.on_train_begin()
    >>> history.on_epoch_end(0, {"loss": 0.9, "val_loss": 1.0})
    >>> history.on_epoch_end(1, {"loss": 0.5, "val_loss": 0.7})
    >>> history.history, history.epoch
    ({'loss': [0.9, 0.5], 'val_loss': [1.0, 0.7]}, [0, 1])
    >>> history.model.history is history
    True
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        # Like Keras: the epoch list restarts, `history` keeps growing if the
        # same History is used for a second `fit`.
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
