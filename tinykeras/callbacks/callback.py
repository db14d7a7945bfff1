"""The `Callback` base class: hooks that `fit`, `evaluate` and `predict` call.

A training loop calls, in this order::

    on_train_begin
        on_epoch_begin(epoch)
            on_train_batch_begin(batch)  ->  on_train_batch_end(batch, logs)
            ...
        on_epoch_end(epoch, logs)        # logs = {"loss": ..., "val_loss": ...}
        ...
    on_train_end

`evaluate` uses the ``on_test_*`` hooks and `predict` the ``on_predict_*``
ones. Every hook does nothing here; a callback overrides the ones it needs.
"""

from ..utils import io_utils


def print_msg(message, line_break=True):
    """Prints a message for the user (what Keras's ``io_utils.print_msg`` does)."""
    io_utils.write(f"{message}\n" if line_break else str(message))


class Callback:
    """Base class for callbacks: subclass it and override the hooks you need.

    Attributes:
        params: dict of training parameters, e.g.
            ``{"verbose": 1, "epochs": 5, "steps": 32}``.
        model: the model being trained (set by `set_model`).

    Example:

    >>> class CountEpochs(Callback):
    ...     def on_train_begin(self, logs=None):
    ...         self.count = 0
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         self.count += 1
    >>> counter = CountEpochs()
    >>> counter.on_train_begin()
    >>> for epoch in range(3):
    ...     counter.on_epoch_end(epoch, {"loss": 0.5})
    >>> counter.count
    3
    >>> # In real use: model.fit(x, y, epochs=3, callbacks=[CountEpochs()])
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    # -- training ---------------------------------------------------------------
    def on_train_begin(self, logs=None):
        """Called once at the start of `fit`."""

    def on_train_end(self, logs=None):
        """Called once at the end of `fit`; ``logs`` are the last epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of epoch ``epoch`` (0-based) during `fit`."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch; ``logs`` has the epoch's metrics,
        validation ones prefixed with ``val_`` (``{"loss": 0.2, "val_loss": 0.3}``)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before training on batch ``batch`` (its index in the epoch)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch; ``logs`` has the running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        """Older name of `on_train_batch_begin` (which calls it)."""

    def on_batch_end(self, batch, logs=None):
        """Older name of `on_train_batch_end` (which calls it)."""

    # -- evaluation (`evaluate`, and validation inside `fit`) ------------------
    def on_test_begin(self, logs=None):
        """Called at the start of `evaluate`."""

    def on_test_end(self, logs=None):
        """Called at the end of `evaluate`; ``logs`` has the final metrics."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before evaluating batch ``batch``."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after evaluating a batch; ``logs`` has the running metrics."""

    # -- prediction -------------------------------------------------------------
    def on_predict_begin(self, logs=None):
        """Called at the start of `predict`."""

    def on_predict_end(self, logs=None):
        """Called at the end of `predict`."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before predicting batch ``batch``."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after predicting a batch; ``logs`` is ``{"outputs": ...}``."""
