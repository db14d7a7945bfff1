"""`ProgbarLogger`: prints ``Epoch 1/5`` and a progress bar, as ``fit`` does.

Output for ``verbose=1`` (one bar redrawn in place per epoch)::

    Epoch 1/5
    32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 4ms/step - accuracy: 0.91 - loss: 0.29

and for ``verbose=2`` (one line per epoch, written when it ends)::

    Epoch 1/5
    32/32 - 1s - 4ms/step - accuracy: 0.9123 - loss: 0.2950
"""

from .callback import Callback, print_msg


class ProgbarLogger(Callback):
    """Prints metrics to stdout through `tinykeras.utils.progbar.Progbar`.

    `fit`, `evaluate` and `predict` add one automatically unless
    ``verbose=0``. It reads ``params = {"verbose": v, "epochs": n,
    "steps": steps_per_epoch}`` (``steps=None`` means unknown).

    Example:

    >>> logger = ProgbarLogger()
    >>> logger.set_params({"verbose": 2, "epochs": 2, "steps": 3})
    >>> logger.on_train_begin()
    >>> for epoch in range(2):  # doctest: +ELLIPSIS
    ...     logger.on_epoch_begin(epoch)
    ...     for step in range(3):
    ...         logger.on_train_batch_end(step, {"loss": 0.5})
    ...     logger.on_epoch_end(epoch, {"loss": 0.5})
    Epoch 1/2
    3/3 - 0s - ...s/step - loss: 0.5000
    Epoch 2/2
    3/3 - 0s - ...s/step - loss: 0.5000
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    # `fit` shows one bar per epoch; the validation run inside `fit` shows
    # none. `evaluate` and `predict` on their own show a single bar.
    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()
            self._maybe_init_progbar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_begin(self, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # the outputs are not metrics

    def on_predict_end(self, logs=None):
        self._finalize_progbar(logs)

    # -- the bar --------------------------------------------------------------
    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None

    def _maybe_init_progbar(self):
        if self.progbar is None:
            from ..utils.progbar import Progbar

            # The logs already hold running averages: show them as they are.
            self.progbar = Progbar(target=self.target, verbose=self.verbose,
                                   unit_name="step", stateless_metrics=set())

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:  # unknown number of steps: now we know it
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)
