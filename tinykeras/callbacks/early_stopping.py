"""`EarlyStopping`: stop `fit` when the monitored metric stops improving."""

from .callback import print_msg
from .monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training once ``monitor`` has not improved for ``patience`` epochs.

    It sets ``model.stop_training = True``; `fit` then ends after the epoch.

    Args:
        monitor: the logs key to watch. Defaults to ``"val_loss"``.
        min_delta: an improvement smaller than this does not count.
        patience: epochs without improvement before stopping.
        verbose: 1 prints a message when stopping / restoring.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        baseline: a value the metric must beat; if no epoch beats it,
            training stops after ``patience`` epochs.
        restore_best_weights: at the end of training, put back the weights of
            the best epoch (``model.set_weights``).
        start_from_epoch: epochs to ignore at the start (warm-up).

    Example:

    >>> from types import SimpleNamespace
    >>> stopper = EarlyStopping(monitor="loss", patience=1)
    >>> stopper.set_model(SimpleNamespace(stop_training=False))
    >>> stopper.on_train_begin()
    >>> for epoch, loss in enumerate([0.9, 0.8, 0.85, 0.86]):
    ...     stopper.on_epoch_end(epoch, {"loss": loss})
    ...     if stopper.model.stop_training:
    ...         break
    >>> epoch, stopper.best, stopper.best_epoch
    (2, 0.8, 1)
    >>> # In real use: model.fit(x, y, epochs=100, validation_split=0.2,
    >>> #                        callbacks=[EarlyStopping(patience=3)])
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0,
                 mode="auto", baseline=None, restore_best_weights=False,
                 start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Keep something to restore even if no epoch ever improves.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only an epoch that also beats the baseline resets the patience.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg("Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        return self._get_monitor_value(logs, "Early stopping conditioned on")
