"""The ``Optimizer`` base class: Keras 3's BaseOptimizer, made fast for NumPy.

A step (``apply``/``apply_gradients``) does, in Keras's order: drop missing
gradients, (accumulate gradients), clip (``clipnorm``/``clipvalue``/
``global_clipnorm``), decoupled weight decay ``w -= w * weight_decay * lr``,
the optimizer's update of every variable, the variables' ``constraint``, and
``iterations += 1``.  Each per-variable update is one composite op from
``tinykeras/ops/optimizer_ops.py``; on the NumPy backend it runs as a fused
kernel that updates the weight and slot arrays **in place**.  So an array
obtained earlier with ``variable.numpy()`` (the live buffer on NumPy) sees
later updates: copy it if you need a snapshot.  Before the first in-place
update the optimizer gives each variable a private copy of its buffer, so
arrays passed to ``Variable(...)``/``assign`` are never modified.

>>> import tinykeras as tk
>>> w = tk.Variable([1.0, 2.0], name="w")
>>> opt = tk.optimizers.SGD(learning_rate=0.5)
>>> _ = opt.apply_gradients([(tk.Tensor([1.0, -1.0]), w)])
>>> w.numpy().tolist(), int(opt.iterations)
([0.5, 2.5], 1)
"""
import warnings

import numpy as np

from .. import backend, initializers, ops, serialization
from ..core.autograd import no_grad
from ..core.tensor import Tensor
from ..variables import Variable
from . import schedules

_BASE_ARGS = ("weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
              "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
              "gradient_accumulation_steps")


class Optimizer:
    """Base optimizer; subclasses implement ``build`` (slots) and ``update_step``.

    ``Optimizer(learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
    global_clipnorm=None, use_ema=False, ema_momentum=0.99,
    ema_overwrite_frequency=None, loss_scale_factor=None,
    gradient_accumulation_steps=None, name=None)``.  ``learning_rate`` is a
    float (kept in a float32 Variable), a ``LearningRateSchedule`` or a
    no-argument callable.  Subclasses list their own hyperparameters in
    ``_hyper_names`` and ``get_config`` includes them.

    Deviation: Keras insists on a Python float ``learning_rate``; ints and
    NumPy scalars are accepted here.

    >>> class PlainGD(Optimizer):
    ...     def update_step(self, gradient, variable, learning_rate):
    ...         self.assign_sub(variable, gradient * learning_rate)
    >>> v = Variable([1.0]); _ = PlainGD(0.1).apply([Tensor([1.0])], [v]); round(v.item(), 6)
    0.9
    """
    _hyper_names = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        if gradient_accumulation_steps is not None and gradient_accumulation_steps < 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: {ema_momentum}")
        self.name = name or serialization.auto_name(type(self).__name__)
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm, self.use_ema, self.ema_momentum = global_clipnorm, use_ema, ema_momentum
        self.ema_overwrite_frequency, self.loss_scale_factor = ema_overwrite_frequency, loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables, self._trainable_variables, self._index = [], [], {}
        self._owned = {}  # id(variable) -> the array it owns (see _own_buffers)
        self._slot_variables = []  # slots: updated in place by the fused kernels
        self._exclude_ids, self._exclude_pattern = set(), None
        self._iterations = self._make_variable(np.int64(0), "iteration", "int64")
        if isinstance(learning_rate, (schedules.LearningRateSchedule,)) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if not isinstance(learning_rate, (int, float, np.number, Tensor)):
                raise ValueError("Argument `learning_rate` should be float, or an instance of "
                                 "LearningRateSchedule, or a callable (that takes in the current "
                                 "iteration value and returns the corresponding learning rate "
                                 f"value). Received instead: learning_rate={learning_rate}")
            self._learning_rate = self._make_variable(float(learning_rate), "learning_rate",
                                                      backend.floatx())

    # -- variables ---------------------------------------------------------
    def _make_variable(self, value, name, dtype):
        var = Variable(value, dtype=dtype, trainable=False, name=name)
        var.path = f"{self.name}/{name}"
        self._variables.append(var)
        return var

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None,
                     name=None):
        """A new non-trainable optimizer Variable, tracked in ``variables``."""
        init = initializers.get(initializer)
        from ..saving.budget import charge  # here: saving imports optimizers
        charge(shape, dtype or backend.floatx(), f"{self.name}/{name or 'variable'}")
        return self._make_variable(init(tuple(shape), dtype or backend.floatx()), name or "variable",
                                   dtype or backend.floatx())

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like ``reference_variable``, named ``{path}_{name}`` as in Keras
        (e.g. ``adam/dense_kernel_momentum``)."""
        name = name or "var"
        ref = getattr(reference_variable, "path", None) or str(reference_variable.name)
        name = f"{ref.replace('/', '_').replace(':', '_')}_{name}"
        slot = self.add_variable(reference_variable.shape, initializer, reference_variable.dtype,
                                 name=name)
        self._slot_variables.append(slot)
        return slot

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per variable for each name in ``name`` (a string or a list of
        strings; created variable by variable); a list, or a tuple of lists."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        out = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots, slot_name, init in zip(out, names, inits):
                slots.append(self.add_variable_from_reference(variable, slot_name, init))
        return out[0] if isinstance(name, str) else out

    @property
    def variables(self):
        """``[iteration, learning_rate (when a float), *slots]``, in creation order."""
        return list(self._variables)

    def _saved_children(self):
        """``[(attribute, optimizer or list of optimizers), ...]``: the optimizers
        this one wraps, whose variables Keras's ``.keras`` files store a second
        time under ``optimizer/<attribute>/...`` (LossScaleOptimizer, MultiOptimizer)."""
        return []

    @property
    def iterations(self):
        """The step counter (an int64 Variable; steps of accumulated gradients count once)."""
        if self.gradient_accumulation_steps:
            return Tensor(np.asarray(int(self._iterations.numpy()) // self.gradient_accumulation_steps))
        return self._iterations

    def build(self, variables):
        """Index the trainable ``variables`` and create slots (subclasses add theirs)."""
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(variables,
                                                                       "gradient_accumulator")
        self._index = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = list(variables)
        self.built = True

    def _get_variable_index(self, variable):
        return self._index[id(variable)]

    # -- learning rate -----------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate: the float32 Variable (for a float rate), or
        the schedule's value at the current step.  Assign a float to change it."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return lr(self._iterations)
        if isinstance(lr, Variable) or not callable(lr):
            return lr
        return lr()

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = value
        elif isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as "
                            "its `learning_rate` constructor argument, hence its learning rate is "
                            "not settable. If you need the learning rate to be settable, you "
                            "should instantiate the optimizer with a float `learning_rate` argument.")
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(np.asarray(float(value), dtype=self._learning_rate.dtype))
        else:
            self._learning_rate = self._make_variable(float(value), "learning_rate", backend.floatx())

    def _current_learning_rate(self):
        return float(np.asarray(self.learning_rate))

    def _step_count(self):
        """``iterations`` as an int (the ``t - 1`` of bias corrections)."""
        it = int(self._iterations.numpy())
        return it // self.gradient_accumulation_steps if self.gradient_accumulation_steps else it

    # -- the step ----------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]``; returns ``iterations``."""
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Update ``trainable_variables`` (default: those the optimizer was built
        with) from ``grads``; builds the optimizer on first use."""
        grads = list(grads)
        if not grads:
            return
        with no_grad():
            if trainable_variables is None:
                if not self.built:
                    raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                     "already be built on a list of variables. Call "
                                     "`optimizer.build(trainable_variables)` first.")
                if len(grads) != len(self._trainable_variables):
                    raise ValueError(f"Received a list of {len(grads)} gradients, but the optimizer "
                                     f"is tracking {len(self._trainable_variables)} trainable "
                                     "variables.")
                variables = self._trainable_variables
            else:
                variables = list(trainable_variables)
                if not self.built:
                    self.build(variables)
                    self.built = True
                unknown = [v for v in variables if id(v) not in self._index]
                if unknown:
                    raise ValueError(f"Unknown variable: {getattr(unknown[0], 'path', unknown[0])}. "
                                     "This optimizer can only be called for the variables it was "
                                     "originally built with.")
            grads, variables = self._filter_empty_gradients(grads, variables)
            grads = [self._as_gradient(g, v) for g, v in zip(grads, variables)]
            if self.loss_scale_factor is not None:
                grads = [g / self.loss_scale_factor for g in grads]
            if self.gradient_accumulation_steps:
                self._accumulate_or_step(grads, variables)
            else:
                self._step(grads, variables)
            if self.use_ema:
                self._update_moving_averages()
            for v in variables:
                if getattr(v, "constraint", None) is not None:
                    v.assign(v.constraint(v))
            self._iterations.assign(np.asarray(int(self._iterations.numpy()) + 1, np.int64))

    def _as_gradient(self, g, variable):
        g = g if isinstance(g, Tensor) else Tensor(np.asarray(g))
        return g if g.dtype == variable.dtype else g.astype(variable.dtype)

    def _filter_empty_gradients(self, grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(grads):
            missing = [getattr(v, "path", v.name) for g, v in zip(grads, variables) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the "
                          "loss. If using `model.compile()`, did you forget to provide a `loss` "
                          "argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    def _step(self, grads, variables):
        grads = self._clip_gradients(grads)
        learning_rate = self._current_learning_rate()
        self._own_buffers(variables)
        self._apply_weight_decay(variables, learning_rate)
        self._backend_update_step(grads, variables, learning_rate)
        for v in (*variables, *self._slot_variables):  # buffers the composites just made are ours
            self._owned[id(v)] = v.data

    def _accumulate_or_step(self, grads, variables):
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)] for v in variables]
        if (int(self._iterations.numpy()) + 1) % steps == 0:
            self._step([(g + acc) / steps for g, acc in zip(grads, accumulators)], variables)
            for acc in accumulators:
                acc.assign(np.zeros(acc.shape, acc.dtype))
        else:
            for g, acc in zip(grads, accumulators):
                acc.assign(acc + g)

    def _own_buffers(self, variables):
        """Give each variable and slot a private, writable buffer before the
        in-place kernels touch it: ``assign()`` (and ``Variable(array)``) may
        share a buffer with the caller.  Copies only buffers it has not seen."""
        owned = self._owned
        for v in (*variables, *self._slot_variables):
            data = v.data
            if owned.get(id(v)) is not data:
                if isinstance(data, (np.ndarray, np.generic)):
                    data = np.array(data, order="C", copy=True)
                else:  # another backend's array: a fresh copy through an op
                    data = Tensor.__mul__(v.detach(), 1).data
                v.data = owned[id(v)] = data

    def _backend_update_step(self, grads, variables, learning_rate):
        self._prepare_step(learning_rate)
        for g, v in zip(grads, variables):
            self.update_step(g, v, learning_rate)

    def _prepare_step(self, learning_rate):
        """Hook: compute the step's scalars once (bias corrections, ...)."""

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement update_step()")

    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        variable.assign_sub(value)

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` when one is set."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- clipping and weight decay -----------------------------------------
    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            norm = ops.sqrt(sum(ops.sum(ops.square(g)) for g in grads))
            scale = ops.minimum(1.0 / norm, 1.0 / self.global_clipnorm) * self.global_clipnorm
            return [g * scale.astype(g.dtype) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, g):
        l2sum = ops.sum(ops.square(g), keepdims=True, axis=tuple(range(g.ndim)) or None)
        l2norm = ops.where(l2sum > 0, ops.sqrt(ops.where(l2sum > 0, l2sum, 1.0)), l2sum)
        return g * self.clipnorm / ops.maximum(l2norm, self.clipnorm)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables (objects, or any whose name contains one of
        ``var_names``) from weight decay; call before the optimizer is built."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the "
                             "optimizer is built.")
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = "|".join(set(var_names)) if var_names else None

    def _use_weight_decay(self, variable):
        import re
        if id(variable) in self._exclude_ids:
            return False
        return not (self._exclude_pattern and re.search(self._exclude_pattern, variable.name))

    def _apply_weight_decay(self, variables, learning_rate):
        if self.weight_decay is None:
            return
        from ..ops import optimizer_ops
        for v in variables:
            if self._use_weight_decay(v):
                optimizer_ops.decay_weights(v, rate=self.weight_decay * learning_rate)

    # -- exponential moving average of the weights -------------------------
    def _update_moving_averages(self):
        momentum = self.ema_momentum if int(self._iterations.numpy()) != 0 else 0.0
        for var, avg in zip(self._trainable_variables, self._model_variables_moving_average):
            avg.assign(avg * momentum + var * (1.0 - momentum))
        freq = self.ema_overwrite_frequency
        if freq and (self._step_count() + 1) % freq == 0:
            self._overwrite_model_variables_with_average_value(self._trainable_variables)

    def _overwrite_model_variables_with_average_value(self, variables):
        for var, avg in zip(variables, self._model_variables_moving_average):
            var.assign(avg.numpy().copy())

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, replace the weights by their moving averages (end of fit)."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # -- state and config --------------------------------------------------
    def set_weights(self, weights):
        """Assign a list of arrays to ``variables`` (same order and shapes)."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Call `optimizer.build(trainable_variables)` first.")
        for var, w in zip(self.variables, weights):
            if tuple(np.shape(w)) != var.shape:
                raise ValueError(f"Optimizer variable {var.path} has shape {var.shape} not "
                                 f"compatible with provided weight shape {np.shape(w)}.")
            var.assign(np.array(w, dtype=var.dtype))

    def save_own_variables(self, store):
        """Write ``variables`` into ``store`` under "0", "1", ... (the .keras layout)."""
        for i, var in enumerate(self.variables):
            store[str(i)] = np.array(var.numpy())

    def load_own_variables(self, store):
        """Read ``variables`` back from ``store`` (skipped with a warning on a count mismatch)."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it has "
                          f"{len(variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables.", stacklevel=2)
            return
        for i, var in enumerate(variables):
            var.assign(np.array(store[str(i)], dtype=var.dtype))

    def get_config(self):
        """Keras's keys: name, learning_rate (float or serialized schedule), the
        base arguments and the subclass's hyperparameters."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.numpy())
        elif callable(lr):
            lr = serialization.serialize(lr, "keras.optimizers")
        config = {"name": self.name, "learning_rate": lr}
        config.update({k: getattr(self, k) for k in _BASE_ARGS})
        config.update({k: getattr(self, k) for k in self._hyper_names})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
