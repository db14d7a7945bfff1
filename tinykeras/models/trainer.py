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
import numpy as np

from ..core.autograd import no_grad
from ..ops import convert_to_tensor
from ..layers.symbolic import flatten, map_structure
from . import data_adapter as data
from .compile_utils import CompileLoss, CompileMetrics, as_list


class Trainer:
    """The training half of ``Model`` (a mixin)."""

    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._compile_config = None

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, loss(es) and metrics (strings or objects)."""
        from .. import optimizers
        self.optimizer = optimizers.get(optimizer)
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        self._compile_config = {"optimizer": optimizer if isinstance(optimizer, str) else None,
                                "loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        self._compiled_loss = self._compiled_metrics = None
        if loss is not None and self._names(default=None):
            self._setup_compiled()
        self.compiled = True

    def _names(self, default=("output",)):
        """The model's output names, once known (a subclassed model has one output)."""
        try:
            return list(self.output_names)
        except (AttributeError, ValueError):
            return None if default is None else list(default)

    def _setup_compiled(self):
        args, names = self._compile_args, self._names()
        if args["loss"] is not None:
            self._compiled_loss = CompileLoss(args["loss"], args["loss_weights"], names)
        self._compiled_metrics = CompileMetrics(args["metrics"], names)

    @property
    def metrics_names(self):
        names = ["loss"]
        if self._compiled_metrics is not None and self._compiled_metrics.metrics:
            names += list(self._compiled_metrics.results())
        return names

    # -- one batch -----------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Compiled loss plus regularization losses, as a scalar Tensor."""
        if self._compiled_loss is None:
            if self._compile_args.get("loss") is None:
                raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
            self._setup_compiled()
        names = self._compiled_loss.output_names
        total, parts = self._compiled_loss(as_list(y, names, "y"), as_list(y_pred, names, "y_pred"),
                                           sample_weight)
        self._last_loss_parts = parts
        regularization = self.losses
        if regularization:
            total = total + sum(regularization[1:], regularization[0])
        return total

    def train_step(self, data):
        """One step on ``data = (x, y, sample_weight)``: forward, loss,
        backward, optimizer update; returns the logs (as Keras 3 on torch)."""
        x, y, sample_weight = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._track_loss(loss, x)
        self.zero_grad()
        loss.backward()
        variables = self.trainable_weights
        self.optimizer.apply([v.grad for v in variables], variables)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on ``data = (x, y, sample_weight)``, no training."""
        x, y, sample_weight = data
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """Predictions for one batch of inputs (Tensors)."""
        with no_grad():
            return self(data, training=False)

    def zero_grad(self):
        """Forget the gradients of every trainable variable."""
        for v in self.trainable_weights:
            v.grad = None

    def _track_loss(self, loss, x):
        n = data.num_samples(x)
        self._loss_sum += float(loss.item()) * n
        self._seen += n
        names = self._compiled_loss.output_names
        if len(names) > 1:
            for name, part in zip(names, self._last_loss_parts):
                if part is not None:
                    self._output_loss_sums[name] = self._output_loss_sums.get(name, 0.0) + float(part.item()) * n

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch; return the running logs."""
        names = self._compiled_metrics.output_names
        ys = [None if t is None else convert_to_tensor(t) for t in as_list(y, names, "y")]
        preds = [p.detach() for p in as_list(y_pred, names, "y_pred")]
        self._compiled_metrics.update_state(ys, preds, sample_weight)
        return self._logs()

    def _reset_trackers(self):
        self._loss_sum, self._seen, self._output_loss_sums = 0.0, 0, {}
        if self._compiled_metrics is not None:
            self._compiled_metrics.reset_state()

    def _logs(self):
        logs = {"loss": self._loss_sum / max(self._seen, 1)}
        for name, total in self._output_loss_sums.items():
            logs[f"{name}_loss"] = total / max(self._seen, 1)
        logs.update(self._compiled_metrics.results())
        return logs

    def _check_ready(self, what):
        if not self.compiled or self.optimizer is None:
            raise RuntimeError(f"You must call `compile()` before calling `{what}()`.")

    def _prepare(self, x, y, sample_weight):
        x, y = data.to_numpy_structure(x), data.to_numpy_structure(y)
        sample_weight = data.to_numpy_structure(sample_weight)
        if x is None:
            raise ValueError("No input data: x is None")
        data.check_lengths(x, y, sample_weight)
        self._ensure_built(x)
        if self._compiled_loss is None and self._compile_args.get("loss") is not None:
            self._setup_compiled()
        elif self._compiled_metrics is None:
            self._setup_compiled()
        return x, y, sample_weight

    @staticmethod
    def _num_samples(what, x):
        """The number of samples in ``x``; none is a ``ValueError`` naming ``what``."""
        n = data.num_samples(x)
        if n == 0:
            raise ValueError(f"{what}: the input has no samples")
        return n

    def _ensure_built(self, x):
        if not self.built:
            first = flatten(x)[0]
            self.build((None,) + tuple(first.shape[1:]))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics)."""
        self._check_ready("train_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        sample_weight = data.class_weights_to_sample_weights(y, class_weight, sample_weight)
        self._reset_trackers()
        return self._format(self.train_step((x, y, sample_weight)), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._check_ready("test_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        self._reset_trackers()
        return self._format(self.test_step((x, y, sample_weight)), return_dict)

    def predict_on_batch(self, x):
        """Predictions for one batch, as NumPy arrays."""
        x = data.to_numpy_structure(x)
        self._ensure_built(x)
        return map_structure(lambda t: t.numpy(), self.predict_step(x))

    def _format(self, logs, return_dict):
        if return_dict:
            return logs
        values = [logs["loss"]] + [v for k, v in logs.items() if k != "loss"]
        return values[0] if len(values) == 1 else values

    # -- whole data sets -------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History`` callback."""
        from ..callbacks import CallbackList
        self._check_ready("fit")
        batch_size = batch_size or 32
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        if validation_data is None and validation_split:
            (x, y, sample_weight), validation_data = data.split_validation(x, y, sample_weight,
                                                                             validation_split)
        elif validation_data is not None:
            if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be a tuple (x_val, y_val) or "
                                 "(x_val, y_val, val_sample_weight)")
        sample_weight = data.class_weights_to_sample_weights(y, class_weight, sample_weight)
        n = self._num_samples("fit", x)
        steps = data.num_batches(n, batch_size)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                           verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        cbs.on_train_begin()
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self._reset_trackers()
            cbs.on_epoch_begin(epoch)
            for step, (xb, yb, swb) in enumerate(data.iterate_batches([x, y, sample_weight],
                                                                      batch_size, shuffle)):
                cbs.on_train_batch_begin(step)
                logs = self.train_step((xb, yb, swb))
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                vx, vy, *vsw = validation_data
                val = self.evaluate(vx, vy, sample_weight=vsw[0] if vsw else None,
                                    batch_size=validation_batch_size or batch_size, verbose=0,
                                    callbacks=cbs, return_dict=True, _internal=True)
                epoch_logs.update({f"val_{k}": v for k, v in val.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs if epochs > initial_epoch else {})
        return self.history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _internal=False, **kwargs):
        """Loss and metrics over a data set (a scalar, a list, or a dict)."""
        from ..callbacks import CallbackList
        self._check_ready("evaluate")
        batch_size = batch_size or 32
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        n = self._num_samples("evaluate", x)
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks if isinstance(callbacks, CallbackList) else CallbackList(
            callbacks, add_progbar=verbose != 0 and not _internal, model=self, verbose=verbose,
            epochs=1, steps=data.num_batches(n, batch_size))
        self._reset_trackers()
        cbs.on_test_begin()
        logs = {}
        for step, (xb, yb, swb) in enumerate(data.iterate_batches([x, y, sample_weight], batch_size, False)):
            cbs.on_test_batch_begin(step)
            logs = self.test_step((xb, yb, swb))
            cbs.on_test_batch_end(step, logs)
        cbs.on_test_end(logs)
        return self._format(logs, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Predictions for every sample, as NumPy arrays (batched)."""
        from ..callbacks import CallbackList
        batch_size = batch_size or 32
        x = data.to_numpy_structure(x)
        if not self.built:
            self._ensure_built(x)
        n = self._num_samples("predict", x)
        verbose = 1 if verbose == "auto" else verbose
        cbs = CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                           epochs=1, steps=data.num_batches(n, batch_size))
        cbs.on_predict_begin()
        outputs = []
        for step, (xb,) in enumerate(data.iterate_batches([x], batch_size, False)):
            cbs.on_predict_batch_begin(step)
            outputs.append(map_structure(lambda t: t.numpy(), self.predict_step(xb)))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
        cbs.on_predict_end()
        return map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)
