"""`SwapEMAWeights`: evaluate and predict with the optimizer's moving
averages of the weights (``use_ema=True``).

>>> import tinykeras as tk
>>> SwapEMAWeights(swap_on_epoch=True).swap_on_epoch
True
"""
from .callback import Callback


class SwapEMAWeights(Callback):
    """``SwapEMAWeights(swap_on_epoch=False)``, as Keras 3.

    The optimizer must have ``use_ema=True``.  During ``evaluate``/``predict``
    (and validation inside ``fit``) the model holds the exponential moving
    averages of its weights; the training weights come back afterwards.  With
    ``swap_on_epoch=True`` the averages are also in the model between epochs
    (for callbacks such as ModelCheckpoint), and at the end of the last epoch.

    Deviation: Keras 3 leaves the averages in the model after ``predict``
    (its ``on_predict_end`` tests the flag the wrong way round); here the
    training weights are swapped back, as after ``evaluate``.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "_model_variables_moving_average"):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             f"optimizer. Received: use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap_variables(self):
        optimizer = self._optimizer()
        for var, average in zip(optimizer._trainable_variables,
                                optimizer._model_variables_moving_average):
            current = var.numpy().copy()
            var.assign(average.numpy())
            average.assign(current)

    def _finalize_ema_values(self):
        optimizer = self._optimizer()
        for var, average in zip(optimizer._trainable_variables,
                                optimizer._model_variables_moving_average):
            average.assign(var.numpy())

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            # fit ends by copying the averages into the model: they must be
            # the averages again, not the swapped-out training weights.
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
