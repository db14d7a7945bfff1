"""`LearningRateScheduler`: set the learning rate at the start of each epoch."""

import numpy as np

from .callback import Callback, print_msg


class LearningRateScheduler(Callback):
    """Sets ``model.optimizer.learning_rate = schedule(epoch, lr)`` before
    every epoch (``epoch`` is 0-based, ``lr`` the current rate). A schedule
    taking only ``epoch`` works too. The rate is logged as ``learning_rate``.

    Args:
        schedule: a function ``(epoch, lr) -> float`` or ``(epoch) -> float``.
        verbose: 1 prints the new rate every epoch.

    Example:

    >>> from types import SimpleNamespace
    >>> model = SimpleNamespace(optimizer=SimpleNamespace(learning_rate=0.1))
    >>> def schedule(epoch, lr):
    ...     return lr if epoch < 2 else lr * 0.5
    >>> scheduler = LearningRateScheduler(schedule)
    >>> scheduler.set_model(model)
    >>> rates = []
    >>> for epoch in range(4):
    ...     scheduler.on_epoch_begin(epoch)
    ...     rates.append(model.optimizer.learning_rate)
    >>> rates
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:  # Like Keras: try schedule(epoch, lr), fall back to schedule(epoch).
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                      f"rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
