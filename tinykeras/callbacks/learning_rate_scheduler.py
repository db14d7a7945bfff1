"""`LearningRateScheduler`: set the learning rate at the start of each epoch."""

import numpy as np

from .callback import Callback, print_msg


class LearningRateScheduler(Callback):
    """Sets ``model.optimizer.learning_rate = schedule(epoch, lr)`` before
    every epoch (``epoch`` is 0-based, ``lr`` the current rate). A schedule
    taking only ``epoch`` works too. The rate is logged as ``learning_rate``
    (a MultiOptimizer's inner optimizers: each its own, ``learning_rate_<name>``).

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
        for key, optimizer in rated_optimizers(self.model.optimizer):
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
                which = f"{optimizer.name} " if key != "learning_rate" else ""
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}learning "
                          f"rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(learning_rates(self.model.optimizer))


def rated_optimizers(optimizer):
    """``[(log key, optimizer), ...]`` whose learning rate the callbacks read and
    set: ``("learning_rate", optimizer)``, or for a MultiOptimizer one
    ``("learning_rate_<name>", inner)`` per inner optimizer, as Keras 3.15.

    >>> from types import SimpleNamespace as NS
    >>> [k for k, _ in rated_optimizers(NS(optimizers=[NS(name="sgd"), NS(name="adam")]))]
    ['learning_rate_sgd', 'learning_rate_adam']
    """
    if hasattr(optimizer, "optimizers"):
        return [(f"learning_rate_{opt.name}", opt) for opt in optimizer.optimizers]
    return [("learning_rate", optimizer)]


def learning_rates(optimizer):
    """``{log key: float rate}`` of :func:`rated_optimizers`."""
    return {key: float(np.asarray(opt.learning_rate)) for key, opt in rated_optimizers(optimizer)}
