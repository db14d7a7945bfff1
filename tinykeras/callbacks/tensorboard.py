"""`TensorBoard`: event files TensorBoard reads, written through the optional
package ``tensorboardX`` (``pip install "tinykeras[tensorboard]"``).

>>> import os, tempfile
>>> import tinykeras as tk
>>> model = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1)])
>>> model.compile("sgd", "mse")
>>> log_dir = tempfile.mkdtemp()
>>> try:
...     callbacks = [TensorBoard(log_dir)]
... except ImportError:                  # no tensorboardX: the error names the extra
...     callbacks, log_dir = [], None
>>> _ = model.fit(tk.ops.ones((4, 2)), tk.ops.ones((4, 1)), epochs=2, verbose=0,
...               callbacks=callbacks)
>>> sorted(os.listdir(log_dir)) if log_dir else ["train"]   # event files under train/
['train']
"""
import os
import time

import numpy as np

from .callback import Callback
from .learning_rate_scheduler import learning_rates

EXTRA = "tensorboard"     # pip install "tinykeras[tensorboard]" brings tensorboardX


def require_tensorboardx():
    """``tensorboardX``, or an ImportError that names the extra installing it."""
    try:
        import tensorboardX
    except ImportError as exc:
        raise ImportError("The TensorBoard callback writes event files through the optional package "
                          f"tensorboardX: pip install \"tinykeras[{EXTRA}]\" (or pip install "
                          "tensorboardX)") from exc
    return tensorboardX


class TensorBoard(Callback):
    """``TensorBoard(log_dir="logs", histogram_freq=0, write_graph=True,
    write_images=False, write_steps_per_second=False, update_freq="epoch",
    profile_batch=0, embeddings_freq=0, embeddings_metadata=None)``, as Keras 3.

    Writes, as Keras does, under ``log_dir/train`` and ``log_dir/validation``:

    * at each epoch end ``epoch_<metric>`` scalars (step: the epoch) with the
      optimizer's ``learning_rate`` (one ``learning_rate_<name>`` per inner
      optimizer of a MultiOptimizer) and, with ``write_steps_per_second``,
      ``steps_per_second``; ``val_*`` logs go to ``validation`` without the prefix;
    * with ``update_freq`` ``"batch"`` or N, ``batch_<metric>`` every N
      training batches (step: the batch count since ``fit`` began);
    * after every validation or ``evaluate``, ``evaluation_<metric>_vs_iterations``
      (step: ``optimizer.iterations``) in ``validation``;
    * every ``histogram_freq`` epochs a histogram of each layer weight
      (``<weight.path>/histogram``) and, with ``write_images``, the weight as an
      image (``<weight.path>/image``);
    * with ``write_graph``, the model's JSON config as the ``keras`` summary of
      the ``graph_keras_model`` plugin (TensorBoard's Graphs tab draws it).

    ``profile_batch`` must be 0 (Keras's torch backend cannot profile either) and
    ``embeddings_freq`` 0: Keras's projector output is a TensorFlow checkpoint
    naming scheme tinykeras has no use for (see docs/keras-names.md).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._tbx = require_tensorboardx()
        if profile_batch:
            raise ValueError("Profiling is not available in tinykeras (nor with Keras's torch backend). "
                             f"Received: profile_batch={profile_batch} (must be 0)")
        if embeddings_freq:
            raise ValueError("TensorBoard: embeddings_freq is not supported in tinykeras (Keras writes a "
                             "projector config for TensorFlow checkpoints). Received: "
                             f"embeddings_freq={embeddings_freq} (must be 0)")
        if update_freq != "epoch" and update_freq != "batch" and \
                not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError("TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer. "
                             f"Received: update_freq={update_freq!r}")
        self.log_dir = str(log_dir)
        self.histogram_freq, self.write_graph, self.write_images = histogram_freq, write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._global_train_batch = self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._batch_start_time = self._epoch_start_time = 0.0
        self._writers, self._training = {}, False

    # -- writers ----------------------------------------------------------------
    def _writer(self, which):
        if which not in self._writers:
            folder = os.path.join(self.log_dir, "train" if which == "train" else "validation")
            self._writers[which] = self._tbx.FileWriter(folder)
        return self._writers[which]

    def _scalar(self, which, name, value, step):
        self._writer(which).add_summary(self._tbx.summary.scalar(name, float(np.asarray(value))),
                                        int(step))

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        """Keep the model; write its graph (JSON config) when ``write_graph``."""
        super().set_model(model)
        self._writers = {}
        from ..models import Functional, Sequential
        if self.write_graph and isinstance(model, (Functional, Sequential)):
            self._write_keras_model_summary()

    def _write_keras_model_summary(self):
        from tensorboardX.proto import summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
        try:
            json_string = self.model.to_json()
        except Exception as exc:   # as Keras: a model that cannot be serialized is no error
            import warnings
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
            return
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[json_string.encode()],
                                        tensor_shape=tensor_shape_pb2.TensorShapeProto())
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="keras", metadata=metadata,
                                                                       tensor=tensor)])
        self._writer("train").add_summary(summary, 0)

    # -- hooks --------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._training = True

    def on_train_end(self, logs=None):
        self._training = False
        self._close_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            step = int(np.asarray(optimizer.iterations.numpy()))
            for name, value in (logs or {}).items():
                self._scalar("val", f"evaluation_{name}_vs_iterations", value, step)
        if not self._training:   # evaluate(): nothing follows (tensorboardX writes on close)
            self._close_writers()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step = self._global_train_batch
        if self.write_steps_per_second:
            self._scalar("train", "batch_steps_per_second",
                         1.0 / max(time.time() - self._batch_start_time, 1e-9), step)
        if isinstance(logs, dict):
            for name, value in logs.items():
                self._scalar("train", f"batch_{name}", value, step)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(np.asarray(self.model.optimizer.iterations.numpy()))
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        """Epoch scalars, then histograms (and images) every ``histogram_freq`` epochs."""
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # -- what is written ----------------------------------------------------------
    def _learning_rates(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)   # LossScaleOptimizer
        if optimizer is None or not (hasattr(optimizer, "optimizers") or hasattr(optimizer, "learning_rate")):
            return {}
        return learning_rates(optimizer)

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        train.update(self._learning_rates())
        if self.write_steps_per_second:
            steps = int(np.asarray(self.model.optimizer.iterations.numpy())) - self._previous_epoch_iterations
            train["steps_per_second"] = steps / max(time.time() - self._epoch_start_time, 1e-9)
        for which, values in (("train", train), ("val", val)):
            for name, value in values.items():
                self._scalar(which, f"epoch_{name}", value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight.numpy())
                histogram = self._tbx.summary.histogram(f"{name}/histogram", values, 30)  # TF's 30 bins
                writer.add_summary(histogram, epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        writer.add_summary(self._tbx.summary.image(f"{name}/image", image,
                                                                   dataformats="HWC"), epoch)


def _weight_image(w):
    """A weight as Keras images it (bias: a row; kernel: wide side across; conv
    kernel: its output channels side by side): ``(H, W, 1)``, or None for
    more dimensions.  As in Keras, the values are intensities in [0, 1]
    (the writer clips the rest)."""
    w = np.squeeze(w)
    if w.ndim == 1:
        w = w[None, :]
    elif w.ndim == 2:
        w = w.T if w.shape[0] > w.shape[1] else w
    elif w.ndim == 3:
        w = np.concatenate(list(np.transpose(w, (2, 0, 1))), axis=1)
    else:
        return None
    return w[..., None].astype(np.float32)
