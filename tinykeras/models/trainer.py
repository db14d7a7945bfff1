"""``compile``, ``fit``, ``evaluate``, ``predict`` and the one-batch versions.

One training step (``train_step``) is the whole story of deep learning:

    y_pred = model(x, training=True)        # forward, recording the graph
    loss = compiled_loss(y, y_pred) + sum(model.losses)
    loss.backward()                         # gradients into each variable's .grad
    optimizer.apply(grads, variables)       # update the weights in place

>>> import numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1)])
>>> model.compile(optimizer="sgd", loss="mse")
>>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
>>> len(history.history["loss"])
2
"""
import warnings

import numpy as np

from ..core.autograd import no_grad
from ..tree import flatten, map_structure
from . import data_adapter as data
from .compile_utils import CompileLoss, CompileMetrics, as_list
from .data_adapter import unpack_x_y_sample_weight
from .lean import small_batch


class Trainer:
    """The training half of ``Model`` (a mixin).

    ``fit`` hands each batch to ``train_step(data)`` exactly as Keras does:
    ``(x, y)``, ``(x, y, sample_weight)`` or ``x`` alone; override it (with
    ``compute_loss``, ``optimizer.apply`` and ``compute_metrics``) to train
    your own way, as in ``docs/custom-training.md``.
    """

    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_config = None
        self._compiled_loss = self._compiled_metrics = self._loss_tracker = None
        self._output_loss_trackers = {}

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, loss(es) and metrics (strings or objects)."""
        from .. import metrics as metrics_module, optimizers
        self.optimizer = optimizers.get(optimizer)
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                              "weighted_metrics": weighted_metrics}
        self._compile_config = {"optimizer": optimizer if isinstance(optimizer, str) else None,
                                "loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        self._compile_speed = {"run_eagerly": run_eagerly, "steps_per_execution": steps_per_execution,
                               "jit_compile": jit_compile}  # kept for saving; results never depend on them
        self._compiled_loss = self._compiled_metrics = None
        self._loss_tracker, self._output_loss_trackers = metrics_module.Mean(name="loss"), {}
        if self._names(default=None):
            self._setup_compiled()
        self.compiled = True

    def _names(self, default=("output",)):
        """The model's output names, once known (a subclassed model has one output)."""
        try:
            return list(self.output_names)
        except (AttributeError, ValueError):
            return None if default is None else list(default)

    def _setup_compiled(self):
        from ..metrics import Mean
        args, names = self._compile_args, self._names()
        if args["loss"] is not None:
            self._compiled_loss = CompileLoss(args["loss"], args["loss_weights"], names)
            if len(names) > 1:
                self._output_loss_trackers = {n: Mean(name=f"{n}_loss") for n, l in
                                              zip(names, self._compiled_loss.losses) if l is not None}
        self._compiled_metrics = CompileMetrics(args["metrics"], names, args.get("weighted_metrics"))

    @property
    def metrics(self):
        """The metrics ``fit`` reports, as Keras lists them: the loss tracker,
        the compiled metrics, per-output losses, then Metric attributes."""
        from ..metrics import Metric
        found = []
        if self.compiled:
            found.append(self._loss_tracker)
            if self._compiled_metrics is not None:
                found.append(self._compiled_metrics)
            found.extend(self._output_loss_trackers.values())
        found.extend(v for k, v in vars(self).items() if isinstance(v, Metric) and not k.startswith("_"))
        return found

    @property
    def metrics_names(self):
        """``[m.name for m in self.metrics]``, as Keras 3."""
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Reset every metric in ``metrics`` (``fit`` does so at each epoch)."""
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self):
        """``{name: value}`` for every metric in ``metrics``."""
        logs = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update(result)
            else:
                value = np.asarray(result.numpy() if hasattr(result, "numpy") else result)
                logs[metric.name] = float(value) if value.ndim == 0 else value
        return logs

    # -- one batch -----------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Compiled loss plus the losses of ``add_loss`` and regularizers, as a scalar Tensor."""
        if self._compiled_metrics is None:
            self._setup_compiled()
        losses = []
        if self._compiled_loss is not None:
            names = self._compiled_loss.output_names
            total, parts = self._compiled_loss(as_list(y, names, "y"), as_list(y_pred, names, "y_pred"),
                                               sample_weight)
            batch = flatten(y_pred)[0].shape[0]
            for name, part in zip(names, parts):
                if name in self._output_loss_trackers:
                    self._output_loss_trackers[name].update_state(part.detach(), sample_weight=batch)
            losses.append(total)
        losses.extend(self.losses)
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()` "
                             "(or add losses with `add_loss`).")
        return sum(losses[1:], losses[0])

    def train_step(self, data):
        """One step on ``data`` (as ``fit`` packs it): forward, loss, backward,
        optimizer update; returns the logs (as Keras 3 on torch)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(loss.detach(), sample_weight=_batch_size(x))
        self.zero_grad()
        self.optimizer.scale_loss(loss).backward()   # loss_scale_factor, LossScaleOptimizer
        variables = self.trainable_weights
        self.optimizer.apply([v.grad for v in variables], variables)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on one batch, no training."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """Predictions for one batch (``data`` as ``predict`` packs it)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        with no_grad():
            return self(x, training=False)

    def _predict_small_batch(self, x):
        """``predict``'s lean path for one small array (``Sequential`` skips its own ``__call__``)."""
        return self.predict_step((x,))

    def zero_grad(self):
        """Forget the gradients of every trainable variable."""
        for v in self.trainable_weights:
            v.grad = None

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch; return ``get_metrics_result()``."""
        if self._compiled_metrics is None:
            self._setup_compiled()
        self._compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _check_ready(self, what):
        if not self.compiled or self.optimizer is None:
            raise RuntimeError(f"You must call `compile()` before calling `{what}()`.")

    def _ready_for(self, batch):
        """Build the model from the first batch, and the compiled loss once the outputs are known."""
        if not self.built:
            first = flatten(unpack_x_y_sample_weight(batch)[0])[0]
            self.build((None,) + tuple(np.shape(first)[1:]))
        if self.compiled and self._compiled_metrics is None:
            self._setup_compiled()
        return batch

    def _one_batch(self, x, y=None, sample_weight=None, class_weight=None):
        """What Keras hands the step in ``*_on_batch``: ``(x, y, sample_weight)``."""
        x, y = data.to_numpy_structure(x, "x"), data.to_numpy_structure(y, "y")
        sample_weight = data.to_numpy_structure(sample_weight, "sample_weight")
        if data.check_lengths(x, y, sample_weight) == 0:
            _no_batches("a batch")
        sample_weight = data.class_weights_to_sample_weights(y, class_weight, sample_weight)
        return self._ready_for((x, y, sample_weight))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics)."""
        self._check_ready("train_on_batch")
        batch = self._one_batch(x, y, sample_weight, class_weight)
        self.reset_metrics()
        return self._format(self.train_step(batch), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._check_ready("test_on_batch")
        batch = self._one_batch(x, y, sample_weight)
        self.reset_metrics()
        return self._format(self.test_step(batch), return_dict)

    def predict_on_batch(self, x):
        """Predictions for one batch, as NumPy arrays."""
        return map_structure(_to_numpy, self.predict_step(self._one_batch(x)[:1]))

    def _format(self, logs, return_dict):
        """The logs as a dict, a scalar, or a list in Keras's order: the
        metrics' own names first, then the other keys sorted."""
        logs = _flat_logs(logs)
        if return_dict:
            return logs
        names = [n for m in self.metrics for n in
                 ([sub.name for sub in m.metrics] if isinstance(m, CompileMetrics) else [m.name])]
        values = [logs[n] for n in dict.fromkeys(names) if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    # -- whole data sets -------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs on any input form ``data_adapter`` takes;
        returns the ``History`` callback."""
        from ..callbacks import CallbackList
        self._check_ready("fit")
        if validation_split and validation_data is None:
            if not data.is_array_data(x):
                raise ValueError("`validation_split` is only supported for arrays and lists, not "
                                 f"for {type(x).__name__}; pass `validation_data` instead")
            (x, y, sample_weight), validation_data = data.split_validation(x, y, sample_weight,
                                                                             validation_split)
        train = data.EpochIterator(data.get_adapter(x, y, sample_weight, batch_size, steps_per_epoch,
                                                    shuffle, class_weight), steps_per_epoch)
        val = None
        if validation_data is not None:
            vx, vy, vsw = unpack_x_y_sample_weight(validation_data)
            val = data.EpochIterator(data.get_adapter(vx, vy, vsw, validation_batch_size or batch_size,
                                                      validation_steps), validation_steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=train.num_batches)
        self.stop_training = False
        cbs.on_train_begin()
        # BackupAndRestore sets the epoch to resume at (once).
        initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            logs = None
            for step, batch in train.epoch():
                cbs.on_train_batch_begin(step)
                logs = self.train_step(self._ready_for(batch))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if logs is None:
                _no_batches("fit", epoch > initial_epoch, "stopping training")
                break
            epoch_logs = _flat_logs(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = _flat_logs(self._test_loop(val, cbs, epoch > initial_epoch))
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training or train.ran_out:
                break
        if self.optimizer is not None and epochs > 0:
            self.optimizer.finalize_variable_values(self.trainable_weights)   # use_ema: the averages
        cbs.on_train_end(epoch_logs)
        return self.history

    def _test_loop(self, iterator, cbs, may_be_used_up=False):
        self.reset_metrics()
        cbs.on_test_begin()
        logs = None
        for step, batch in iterator.epoch():
            cbs.on_test_batch_begin(step)
            logs = self.test_step(self._ready_for(batch))
            cbs.on_test_batch_end(step, logs)
        if logs is None:
            _no_batches("evaluate", may_be_used_up, "no validation logs for this epoch")
        cbs.on_test_end(logs)
        return logs or {}

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics over a data set (a scalar, a list, or a dict)."""
        from ..callbacks import CallbackList
        self._check_ready("evaluate")
        iterator = data.EpochIterator(data.get_adapter(x, y, sample_weight, batch_size, steps), steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=iterator.num_batches)
        return self._format(self._test_loop(iterator, cbs), return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Predictions for every sample, as NumPy arrays (batched)."""
        if small_batch(self, x, batch_size, steps, callbacks, verbose, Trainer.predict_step):  # one batch, nothing to report
            return map_structure(lambda t: np.array(_to_numpy(t)), self._predict_small_batch(x))
        from ..callbacks import CallbackList
        iterator = data.EpochIterator(data.get_adapter(x, batch_size=batch_size, steps=steps), steps)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=iterator.num_batches)
        cbs.on_predict_begin()
        outputs = []
        for step, batch in iterator.epoch():
            cbs.on_predict_batch_begin(step)
            outputs.append(map_structure(_to_numpy, self.predict_step(self._ready_for(batch))))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        if not outputs:
            _no_batches("predict")
        return map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)


def _batch_size(x):
    return next((int(np.shape(a)[0]) for a in flatten(x) if a is not None and np.ndim(a)), 1)


def _to_numpy(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def _flat_logs(logs):
    """Logs with nested dicts (a ``compile_metrics`` result) flattened, values as floats."""
    flat = {}
    for key, value in logs.items():
        flat.update(_flat_logs(value) if isinstance(value, dict) else {key: _to_float(value)})
    return flat


def _to_float(value):
    """A metric value as a float (arrays, e.g. per-class scores, stay arrays)."""
    value = _to_numpy(value) if hasattr(value, "numpy") or isinstance(value, np.generic) else value
    return float(value) if np.ndim(value) == 0 and not isinstance(value, (str, dict)) else value


def _no_batches(what, later_epoch=False, consequence=""):
    if later_epoch:
        warnings.warn(f"{what}: the data yielded no batch in this epoch (a generator is used up "
                      "after one pass: pass steps_per_epoch/validation_steps, or a PyDataset or "
                      f"dataset that can be iterated again); {consequence}.", stacklevel=3)
        return
    raise ValueError(f"{what}: the input has no samples")  # an empty array, or a source that yielded no batch
