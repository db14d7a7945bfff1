"""`ReduceLROnPlateau`: divide the learning rate when progress stalls."""

import numpy as np

from .callback import print_msg
from .learning_rate_scheduler import learning_rates, rated_optimizers
from .monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs
    without improvement of ``monitor`` (never going below ``min_lr``).

    It reads and sets ``model.optimizer.learning_rate`` and adds the current
    rate to the epoch logs as ``learning_rate`` (so `History` records it).

    Args:
        monitor: the logs key to watch. Defaults to ``"val_loss"``.
        factor: new_lr = lr * factor; must be < 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints a message at each reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        min_delta: an improvement smaller than this does not count.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the lower bound of the learning rate.

    Example:

    >>> from types import SimpleNamespace
    >>> model = SimpleNamespace(optimizer=SimpleNamespace(learning_rate=0.1))
    >>> reducer = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    >>> reducer.set_model(model)
    >>> reducer.on_train_begin()
    >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
    ...     reducer.on_epoch_end(epoch, {"loss": loss})
    >>> model.optimizer.learning_rate
    0.025
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0,
                 mode="auto", min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0  # epochs of cooldown left
        self.wait = 0  # epochs without improvement

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs.update(learning_rates(self.model.optimizer))
        current = self._get_monitor_value(
            logs, "Learning rate reduction is conditioned on", end=".")
        if current is None:
            return

        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce_lr(self, epoch):
        """Lowers the rate(s) (clamped at ``min_lr``); False if all are already at it."""
        reduced = False
        for key, optimizer in rated_optimizers(self.model.optimizer):
            old_lr = float(optimizer.learning_rate)
            # Compared in float32 (as Keras does): a rate stored as float32 reads
            # back slightly off, and must still count as "already at min_lr".
            if np.float32(old_lr) <= np.float32(self.min_lr):
                continue
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            reduced = True
            if self.verbose > 0:
                which = f" {optimizer.name}" if key != "learning_rate" else ""
                print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing{which} "
                          f"learning rate to {new_lr}.")
        return reduced
