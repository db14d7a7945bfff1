"""`ModelCheckpoint`: save the model (or its weights) during training."""

import os
import warnings

import numpy as np

from .callback import print_msg
from .monitor_callback import MonitorCallback

MODEL_SUFFIXES = (".safetensors", ".keras")  # what `model.save` writes (ours, Keras 3's)
WEIGHTS_SUFFIXES = (".weights.safetensors", ".weights.h5")  # what `model.save_weights` writes


class ModelCheckpoint(MonitorCallback):
    """Saves the model or its weights at the end of every epoch (or every
    ``save_freq`` batches), optionally only when ``monitor`` improved.

    ``filepath`` may contain ``{epoch}`` (1-based) and any logs key, formatted
    with `str.format`: ``"ckpt/{epoch:02d}-{val_loss:.2f}.weights.safetensors"``
    gives ``ckpt/03-0.42.weights.safetensors``. Missing folders are created.

    Args:
        filepath: where to save; must end in ``.safetensors`` or ``.keras`` (a whole model,
            `model.save`) or, with ``save_weights_only=True``, in
            ``.weights.safetensors`` or ``.weights.h5`` (`model.save_weights`).
        monitor: the logs key used by ``save_best_only``.
        verbose: 1 prints a message at each save.
        save_best_only: save only when ``monitor`` improved on the best so far.
        save_weights_only: save only the weights.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        save_freq: ``"epoch"``, or an integer: save every that many batches.
        initial_value_threshold: the best value to beat at the start.

    Example:

    >>> import os, tempfile
    >>> from types import SimpleNamespace
    >>> folder = tempfile.mkdtemp()
    >>> saved = []
    >>> model = SimpleNamespace(save_weights=lambda path, overwrite: saved.append(path))
    >>> checkpoint = ModelCheckpoint(os.path.join(folder, "{epoch:02d}.weights.safetensors"),
    ...                              monitor="loss", save_best_only=True,
    ...                              save_weights_only=True)
    >>> checkpoint.set_model(model)
    >>> for epoch, loss in enumerate([0.9, 0.95, 0.7]):
    ...     checkpoint.on_epoch_end(epoch, {"loss": loss})
    >>> [os.path.basename(path) for path in saved]
    ['01.weights.safetensors', '03.weights.safetensors']
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. "
                             "Expected save_freq are 'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith(WEIGHTS_SUFFIXES):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the "
                    f"filepath provided must end in `{WEIGHTS_SUFFIXES[0]}` (tinykeras) or "
                    f"`{WEIGHTS_SUFFIXES[1]}` (Keras 3). Received: filepath={self.filepath}")
        elif (not self.filepath.endswith(MODEL_SUFFIXES)
              or self.filepath.endswith(WEIGHTS_SUFFIXES)):
            raise ValueError(
                f"The filepath provided must end in `{MODEL_SUFFIXES[0]}` (tinykeras) or "
                f"`{MODEL_SUFFIXES[1]}` (Keras 3); `{WEIGHTS_SUFFIXES[0]}` and `{WEIGHTS_SUFFIXES[1]}` "
                f"are for `save_weights_only=True`. Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        """Counts batches (across epochs) and says when ``save_freq`` is reached."""
        if self.save_freq == "epoch":
            return False
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch started over at batch 0
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        if np.ndim(current) > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.")
            return True
        if self.monitor_op is None:  # saving every N batches, before any epoch end
            self._set_monitor_op()
        best_str = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} "
                          f"to {current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs or {})
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch, batch, logs):
        """``filepath`` with ``{epoch}`` (1-based), ``{batch}`` and the logs filled in."""
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from e
