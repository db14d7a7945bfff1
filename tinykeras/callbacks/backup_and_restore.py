"""`BackupAndRestore`: resume an interrupted ``fit`` where it stopped.

>>> import os, tempfile
>>> backup = BackupAndRestore(os.path.join(tempfile.mkdtemp(), "backup"))
>>> os.path.basename(backup._weights_path), os.path.basename(backup._metadata_path)
('latest.weights.safetensors', 'training_metadata.json')
"""
import json
import os
import shutil

from ..saving import safetensors_io
from ..saving.errors import FileFormatError
from ..saving.object_paths import optimizer_paths
from ..saving.weights_file import match
from .callback import Callback


class BackupAndRestore(Callback):
    """``BackupAndRestore(backup_dir, save_freq="epoch", double_checkpoint=False,
    delete_checkpoint=True)``, as Keras 3.

    At the end of every epoch (or every ``save_freq`` batches) it writes the
    model's weights, the optimizer's state and the number of finished epochs
    to ``backup_dir``.  When ``fit`` starts and a backup exists, it loads it
    and ``fit`` continues at the next epoch, so an interrupted run ends with
    the weights an uninterrupted one gives.  ``double_checkpoint`` keeps the
    previous backup (``*.bkp``) to fall back on when the latest is damaged;
    ``delete_checkpoint`` removes ``backup_dir`` when training finishes.

    Deviation: the files are tinykeras's (``latest.weights.safetensors`` for
    the weights, ``latest.optimizer.safetensors`` for the optimizer state)
    where Keras writes ``latest.weights.h5``; ``training_metadata.json`` is
    the same.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Invalid value for argument `save_freq`. Received: save_freq={save_freq}. "
                             "Expected either 'epoch' or an integer value.")
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._batches_seen_since_last_saving = self._last_batch_seen = self._current_epoch = 0
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.safetensors")
        self._optimizer_path = os.path.join(self.backup_dir, "latest.optimizer.safetensors")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._files = (self._weights_path, self._optimizer_path, self._metadata_path)

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
        except (OSError, FileFormatError, ValueError, KeyError):
            if not os.path.exists(self._weights_path + ".bkp"):
                raise
            for path in self._files:     # the latest backup is damaged: use the previous one
                if os.path.exists(path + ".bkp"):
                    shutil.copyfile(path + ".bkp", path)
                elif os.path.exists(path):
                    os.remove(path)
            self._load_model()

    def _load_model(self):
        model = self.model
        if not model.built:
            raise ValueError("To use the BackupAndRestore callback, your model must be built before "
                             f"you call `fit()`. Model {model.name!r} is unbuilt. You can build it "
                             "beforehand by calling it on a batch of data.")
        if os.path.exists(self._weights_path):
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(model.trainable_variables)
                optimizer.built = True
            model.load_weights(self._weights_path)
            if optimizer is not None and os.path.exists(self._optimizer_path):
                expected = dict(optimizer_paths(optimizer))
                header = safetensors_io.read_header(self._optimizer_path)
                report = match(expected, header.tensors)
                if not report.ok:
                    raise ValueError(f"{self._optimizer_path}: the optimizer state does not match "
                                     f"the model's optimizer: {report}")
                arrays = safetensors_io.read_tensors(self._optimizer_path, header, report.loaded)
                for name, array in arrays.items():
                    expected[name].assign(array.astype(expected[name].dtype, copy=False))
        if os.path.exists(self._metadata_path):
            with open(self._metadata_path, encoding="utf-8") as f:
                model._initial_epoch = int(json.load(f)["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in self._files:
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        self.model.save_weights(self._weights_path, overwrite=True)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and optimizer.built:
            state = {name: v.numpy() for name, v in optimizer_paths(optimizer)}
            safetensors_io.write_file(self._optimizer_path, state, {"content": "optimizer state"})
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
        safetensors_io.atomic_write(self._metadata_path,
                                    lambda f: f.write(json.dumps(metadata).encode("utf-8")))

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        add_batches = batch + 1 if batch <= self._last_batch_seen else batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add_batches
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
