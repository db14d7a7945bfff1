"""What ``compile`` sets up: losses and metrics matched to the model's outputs.

>>> import numpy as np, tinykeras as tk
>>> loss = CompileLoss("mse", None, ["out"])
>>> total, parts = loss([np.zeros((2, 1))], [tk.ops.ones((2, 1))])
>>> total.item()
1.0
"""
import numpy as np



def _per_output(spec, names, what):
    """Spread a loss/metric/weight spec over the outputs: one for all, a list
    in output order, or a dict by output name."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(f"compile: {what} has keys {sorted(unknown)} that are not outputs of "
                             f"the model; the outputs are {names}")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1 and (what != "metrics" or
                                                                 all(isinstance(s, (list, tuple, type(None))) for s in spec)):
        if len(spec) != len(names):
            raise ValueError(f"compile: {what} has {len(spec)} entries but the model has "
                             f"{len(names)} outputs {names}")
        return list(spec)
    return [spec] * len(names)


def _as_loss(losses, loss):
    """A plain function (``"mse"`` gives one) is wrapped into a Loss, as Keras does."""
    return loss if isinstance(loss, losses.Loss) else losses.LossFunctionWrapper(loss)


class CompileLoss:
    """The total loss: sum over outputs of weight * loss(y_true, y_pred)."""

    def __init__(self, loss, loss_weights, output_names):
        from .. import losses
        self.output_names = output_names
        self.losses = [None if l is None else _as_loss(losses, losses.get(l))
                       for l in _per_output(loss, output_names, "loss")]
        weights = _per_output(loss_weights, output_names, "loss_weights") if loss_weights is not None \
            else [1.0] * len(output_names)
        self.weights = [1.0 if w is None else float(w) for w in weights]
        if all(l is None for l in self.losses):
            raise ValueError("compile: no loss given for any output")

    def __call__(self, y_true, y_pred, sample_weight=None):
        if len(y_true) != len(y_pred):
            raise ValueError(f"the model has {len(y_pred)} outputs but {len(y_true)} targets were given")
        total, parts = None, []
        for loss, weight, yt, yp in zip(self.losses, self.weights, y_true, y_pred):
            if loss is None:
                parts.append(None)
                continue
            value = loss(yt, yp, sample_weight=sample_weight)
            parts.append(value)
            value = value * weight if weight != 1.0 else value
            total = value if total is None else total + value
        return total, parts

    def get_config(self):
        from ..serialization import serialize
        return {"loss": [serialize(l) for l in self.losses], "loss_weights": self.weights}


class CompileMetrics:
    """Metrics per output, resolved on the first batch (``"accuracy"`` needs
    to see the shapes of ``y_true`` and ``y_pred``).  One entry of
    ``model.metrics`` (named ``compile_metrics``, as in Keras) whose
    ``result()`` is a dict."""

    name = "compile_metrics"

    def __init__(self, metrics, output_names, weighted_metrics=None):
        for what, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):  # Keras's check and message
                raise ValueError(f"Expected `{what}` argument to be a list, tuple, or dict. Received instead: "
                                 f"{what}={value} of type {type(value)}")
        self.output_names = output_names
        self.specs = [self._specs(metrics, output_names, "metrics"),
                      self._specs(weighted_metrics, output_names, "weighted_metrics")]
        self._groups = None

    @staticmethod
    def _specs(metrics, names, what):
        specs = _per_output(metrics, names, what) if metrics else [[]] * len(names)
        return [[] if s is None else (list(s) if isinstance(s, (list, tuple)) else [s]) for s in specs]

    def build(self, y_true, y_pred):
        """``metrics`` ignore sample weights, ``weighted_metrics`` use them (as in
        Keras); a weighted metric whose name is taken gets a ``weighted_`` prefix."""
        from .. import metrics as metrics_module
        self._groups = []
        for plain, weighted, yt, yp in zip(*self.specs, y_true, y_pred):
            group = [(metrics_module.resolve(s, yt, yp), False) for s in plain]
            for spec in weighted:
                metric = metrics_module.resolve(spec, yt, yp)
                if any(metric.name == m.name for m, _ in group):
                    metric.name = "weighted_" + metric.name
                group.append((metric, True))
            self._groups.append(group)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """``y_true``/``y_pred``: one array, or a list or dict over the outputs."""
        from ..ops import convert_to_tensor
        y_true = [None if t is None else convert_to_tensor(t) for t in as_list(y_true, self.output_names, "y")]
        y_pred = [p.detach() for p in as_list(y_pred, self.output_names, "y_pred")]
        if self._groups is None:
            self.build(y_true, y_pred)
        for group, yt, yp in zip(self._groups, y_true, y_pred):
            for metric, weighted in group:
                metric.update_state(yt, yp, sample_weight=sample_weight if weighted else None)

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def result(self):
        """``{name: float}``, prefixed by the output name when there are several outputs."""
        out = {}
        for name, group in zip(self.output_names, self._groups or []):
            for metric, _ in group:
                key = metric.name if len(self.output_names) == 1 else f"{name}_{metric.name}"
                out[key] = float(np.asarray(metric.result()))
        return out

    @property
    def metrics(self):
        """The Metric objects, once built (after the first batch)."""
        return [m for group in self._groups or [] for m, _ in group]


def as_list(structure, names, what):
    """Targets or predictions as a list in output order (from array, list or dict)."""
    if isinstance(structure, dict):
        missing = [n for n in names if n not in structure]
        if missing:
            raise ValueError(f"{what} is a dict without keys {missing}; the model's outputs are {names}")
        return [structure[n] for n in names]
    if isinstance(structure, (list, tuple)) and len(names) > 1:
        return list(structure)
    return [structure]

