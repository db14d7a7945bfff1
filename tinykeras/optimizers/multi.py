"""``MultiOptimizer`` and ``OptimizerMap``: a different optimizer per variable.

>>> import tinykeras as tk
>>> model = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1, name="head")])
>>> sgd, adam = tk.optimizers.SGD(0.1), tk.optimizers.Adam(0.1)
>>> opt = tk.optimizers.MultiOptimizer(tk.optimizers.OptimizerMap(sgd, {".*bias": adam}))
>>> opt.build(model.trainable_weights)
>>> [len(o.variables) for o in opt.optimizers]   # Adam: its 2 + 2 slots; SGD: its 2
[4, 2]
"""
import re
from collections.abc import MutableMapping

import numpy as np

from .. import serialization
from ..core.autograd import no_grad
from .base import Optimizer
from .loss_scale import LossScaleOptimizer


def _check_inner(optimizer, what):
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"{what} must be a Keras Optimizer instance. Received: {optimizer!r:.100}")
    if isinstance(optimizer, LossScaleOptimizer):
        raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
    if isinstance(optimizer, MultiOptimizer):
        raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")


class OptimizerMap(MutableMapping):
    """``OptimizerMap(default_optimizer, optimizer_map=None)``, as Keras 3: a
    mapping from variable paths (or regular expressions that ``re.fullmatch``
    them) to optimizers; ``map(variable)`` is the optimizer for
    ``variable.path``, ``default_optimizer`` when no key matches.

    >>> import tinykeras as tk
    >>> m = OptimizerMap(tk.optimizers.SGD(name="sgd"), {"encoder/.*": tk.optimizers.Adam(name="adam")})
    >>> m["encoder/dense/kernel"].name, m["decoder/dense/kernel"].name
    ('adam', 'sgd')
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. Received: "
                            f"{default_optimizer!r:.100}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map!r:.100}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        """The optimizer of the variables no key matches."""
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        return self._optimizer_map[matching[0]] if matching else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key!r:.100}")
        _check_inner(optimizer, "optimizer")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[getattr(variable, "path", None) or str(variable.name)]

    def get_config(self):
        from . import serialize
        return {"default_optimizer": serialize(self._default_optimizer),
                "optimizer_map": {k: serialize(v) for k, v in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize
        table = config.get("optimizer_map") or {}
        if not isinstance(table, dict):
            raise ValueError(f"OptimizerMap: optimizer_map must be an object, got {type(table).__name__}")
        return cls(deserialize(config["default_optimizer"], custom_objects),
                   {k: deserialize(v, custom_objects) for k, v in table.items()})


class MultiOptimizer(Optimizer):
    """``MultiOptimizer(optimizer_map, loss_scale_factor=None, name=None)``, as
    Keras 3: ``optimizer_map`` (an :class:`OptimizerMap`, or a function of the
    variable returning an optimizer) picks each variable's optimizer; a step
    hands each optimizer its own variables' gradients.

    ``optimizers`` lists them (the map's values, then its default, then those
    a function returned, in order of first use); ``variables`` are its own
    ``[iteration, learning_rate]`` followed by each optimizer's.  It has no
    ``learning_rate`` (an AttributeError): set the inner optimizers' own.
    ``loss_scale_factor`` is passed on to every inner optimizer.

    >>> from tinykeras.optimizers import SGD
    >>> MultiOptimizer(OptimizerMap(SGD())).get_config()["loss_scale_factor"] is None
    True
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        values = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in values + ([default] if default is not None else []):
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)

    def build(self, var_list):
        if self.built:
            return
        self._var_to_optimizer = {}
        groups = {id(opt): [] for opt in self._inner_optimizers}
        for var in var_list:
            opt = self._optimizer_map(var)
            _check_inner(opt, f"Optimizer for variable {getattr(var, 'path', var)}")
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
                groups[id(opt)] = []
            self._var_to_optimizer[id(var)] = opt
            groups[id(opt)].append(var)
        for opt in self._inner_optimizers:
            if groups[id(opt)]:
                opt.build(groups[id(opt)])
        super().build(var_list)

    @property
    def optimizers(self):
        """The inner optimizers."""
        return self._inner_optimizers

    @property
    def variables(self):
        return self._variables + [v for opt in self._inner_optimizers for v in opt.variables]

    def _saved_children(self):
        return [("optimizers", list(self._inner_optimizers))]

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in getattr(self, "_inner_optimizers", ()):
            opt.loss_scale_factor = value

    def apply(self, grads, trainable_variables=None):
        """Hand each inner optimizer the gradients of its variables; count the step."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        self.build(trainable_variables)
        if len(grads) != len(self._trainable_variables):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(self._trainable_variables)} variables.")
        with no_grad():
            for opt, pairs in self._dispatch(zip(grads, trainable_variables)):
                opt.apply([g for g, _ in pairs], [v for _, v in pairs])
            self._iterations.assign(np.asarray(int(self._iterations.numpy()) + 1, np.int64))

    def _dispatch(self, items, key=lambda item: item[1]):
        """``[(optimizer, its items), ...]`` for the optimizers that get any."""
        by_opt = {id(opt): (opt, []) for opt in self._inner_optimizers}
        for item in items:
            var = key(item)
            if id(var) not in self._var_to_optimizer:
                raise ValueError(f"Unknown variable: {getattr(var, 'path', var)}. This optimizer can "
                                 "only be called for the variables it was originally built with.")
            by_opt[id(self._var_to_optimizer[id(var)])][1].append(item)
        return [pair for pair in by_opt.values() if pair[1]]

    def finalize_variable_values(self, var_list):
        for opt, variables in self._dispatch(var_list, key=lambda v: v):
            opt.finalize_variable_values(variables)

    def get_config(self):
        return {"optimizer_map": serialization.serialize(self._optimizer_map, "keras.optimizers"),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import ALL_OBJECTS_DICT
        config = dict(config)
        config["optimizer_map"] = serialization.deserialize(config["optimizer_map"], ALL_OBJECTS_DICT,
                                                            "optimizer map", custom_objects)
        return cls(**config)
