"""`TerminateOnNaN`: stop as soon as the loss becomes NaN or infinite."""

import numpy as np

from .callback import Callback, print_msg


class TerminateOnNaN(Callback):
    """Checks ``logs["loss"]`` after every training batch; on NaN or inf it
    sets ``model.stop_training = True`` (or raises, with ``raise_error=True``).

    Args:
        raise_error: raise a `RuntimeError` instead of stopping quietly.

    Example:

    >>> from types import SimpleNamespace
    >>> guard = TerminateOnNaN()
    >>> guard.set_model(SimpleNamespace(stop_training=False))
    >>> guard.on_train_batch_end(0, {"loss": 0.5})
    >>> guard.on_train_batch_end(1, {"loss": float("nan")})
    Batch 1: Invalid loss, terminating training
    >>> guard.model.stop_training
    True
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                               f"Loss value: {loss}. Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
