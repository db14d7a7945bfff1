"""``Layer``: the base of every layer and model, with Keras 3's API.

A layer is built on its first call from the input's shape (``build``),
then runs ``call``.  It owns Variables made with ``add_weight`` and tracks
the layers assigned to its attributes, so ``weights`` lists, in Keras's
order, its own trainable variables, its own non-trainable ones, then each
sub-layer's weights.

>>> import tinykeras as tk
>>> class Scale(tk.layers.Layer):
...     def build(self, input_shape):
...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
...     def call(self, x):
...         return x * self.w
>>> Scale()(tk.ops.ones((2, 3))).shape
(2, 3)
"""
import functools
import inspect

import numpy as np

from .. import backend as backend_config
from ..global_state import current_path, name_scope
from ..core.tensor import Tensor
from ..variables import Variable
from .input_spec import check_input_spec
from .operation import Operation, _TRACING, tracing  # noqa: F401
from ..global_state import auto_name
from .symbolic import KerasTensor, Node, any_symbolic
from ..tree import flatten, map_shape_structure, map_structure

_CALL_CONTEXT = {"training": None, "depth": 0}


class Layer(Operation):
    """Base class: subclass it and write ``build(input_shape)`` and ``call(inputs)``."""

    _ALLOWED_KWARGS = {"input_shape", "input_dim", "batch_size", "batch_input_shape"}

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        unknown = set(kwargs) - self._ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                            f"{sorted(unknown)}")
        shape = kwargs.get("batch_input_shape") or kwargs.get("input_shape")
        if kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        if shape is not None and "batch_input_shape" not in kwargs:
            shape = (kwargs.get("batch_size"),) + tuple(shape)
        object.__setattr__(self, "_layers", [])
        self._trainable_variables, self._non_trainable_variables = [], []
        self._losses, self._inbound_nodes = [], []
        self._batch_input_shape = tuple(shape) if shape is not None else None
        self.name = name or auto_name(type(self).__name__)
        self._trainable = bool(trainable)
        self.dtype = dtype or backend_config.floatx()
        self.autocast = autocast
        self.built = False
        self.input_spec = None
        self.supports_masking = False
        self.activity_regularizer = _regularizer(activity_regularizer)
        self._build_input_shape = None
        self._parent_path = self._path = None  # fixed when the layer first opens its name scope

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _build_in_scope(cls.__dict__["build"])

    def _open_name_scope(self):
        """This layer's ``name_scope``, as Keras's: the first one opened fixes
        the path of the scopes around it (``_parent_path``), so the layer's
        variables keep one path however it is later called."""
        if getattr(self, "_parent_path", None) is None:
            self._parent_path = current_path()
        return name_scope(self.name, caller=self)

    @property
    def path(self):
        """Where the layer was built (``"sequential/dense"``), the prefix of
        its variables' paths; ``None`` before it is built (Keras's ``path``).

        >>> import tinykeras as tk
        >>> model = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1, name="head")], name="net")
        >>> model.layers[0].path, model.weights[0].path
        ('net/head', 'net/head/kernel')
        """
        return getattr(self, "_path", None)

    # -- attribute tracking -----------------------------------------------
    def __setattr__(self, name, value):
        if isinstance(value, Layer) and value is not self:
            self._track(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            for v in value:
                self._track(v)
        elif isinstance(value, Variable) and not name.startswith("_"):
            if all(value is not v for v in self._trainable_variables + self._non_trainable_variables):
                (self._trainable_variables if value.trainable else self._non_trainable_variables).append(value)
        object.__setattr__(self, name, value)

    def _track(self, layer):
        if all(layer is not l for l in self._layers):
            self._layers.append(layer)

    # -- weights ----------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, name=None, **kwargs):
        """Create, track and return a Variable (Keras 3's signature).

        >>> Layer().add_weight(shape=(2,), initializer="zeros").numpy().tolist()
        [0.0, 0.0]
        """
        from .. import constraints, initializers
        dtype = np.dtype(dtype or self.dtype).name
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        shape = () if shape is None else tuple(int(s) for s in shape)
        if any(s < 0 for s in shape) or int(np.prod(shape, dtype=np.float64)) > 2 ** 33:
            raise ValueError(f"Layer {self.name!r}: cannot create weight {name!r} of shape {shape}")
        name = name or f"variable_{len(self._trainable_variables) + len(self._non_trainable_variables)}"
        with self._open_name_scope():  # its path: "<the scopes around the layer>/<layer>/<name>"
            var = Variable(initializers.get(initializer), shape=shape, dtype=dtype, trainable=trainable,
                           name=name, constraint=constraints.get(constraint), regularizer=_regularizer(regularizer))
        if not self.trainable:
            var.trainable = False
        (self._trainable_variables if trainable else self._non_trainable_variables).append(var)
        return var

    add_variable = add_weight

    @property
    def weights(self):
        """Own trainable, own non-trainable, then each sub-layer's weights."""
        out, seen = [], set()
        for v in self._trainable_variables + self._non_trainable_variables + [
                w for layer in self._layers for w in layer.weights]:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        return [v for v in self.weights if v.trainable] if self.trainable else []

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        return [v for v in self.weights if not v.trainable] if self.trainable else self.weights

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Freezing a layer freezes its variables and every sub-layer (as Keras 3)."""
        self._trainable = bool(value)
        for v in self._trainable_variables:
            v.trainable = self._trainable
        for layer in self._layers:
            layer.trainable = self._trainable

    def get_weights(self):
        """The weights as NumPy arrays, in ``weights`` order."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Set every weight from a list of arrays (same order and shapes)."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(f"Layer {self.name!r}: set_weights() expects a list of {len(params)} "
                             f"arrays, got {len(weights)}")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != v.shape:
                raise ValueError(f"Layer {self.name!r}: weight {v.path!r} has shape {v.shape}, "
                                 f"the array given has shape {tuple(w.shape)}")
            v.assign(w)

    def count_params(self):
        """Number of values in all weights."""
        if not self.built:
            raise ValueError(f"You tried to call count_params on layer '{self.name}', but the layer "
                             "isn't built. You can build it manually via: layer.build(input_shape).")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    @property
    def losses(self):
        """Activity-regularization losses of the last call, plus weight regularization."""
        out = list(self._losses)
        for layer in self._layers:
            out.extend(layer.losses)
        out.extend(v.regularizer(v) for v in self._trainable_variables
                   if v.regularizer is not None and v.trainable)
        return out

    def add_loss(self, loss):
        """Add a scalar loss Tensor (cleared at the start of each outer call)."""
        self._losses.append(loss)

    def _clear_losses(self):
        self._losses.clear()
        for layer in self._layers:
            layer._clear_losses()

    # -- building and calling ----------------------------------------------
    def build(self, input_shape):
        """Create weights for inputs of ``input_shape`` (override this)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The forward computation (override this)."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; by default found by tracing ``call``
        on symbolic tensors (no data)."""
        return _traced_shapes(self, input_shape)

    def compute_mask(self, inputs, mask=None):
        """The mask to pass on: the input mask if the layer supports masking."""
        return mask if self.supports_masking else None

    def _maybe_build(self, shapes):
        if self.built:
            return
        self._build_input_shape = shapes
        build = type(self).build
        names = list(inspect.signature(build).parameters)[1:]
        if isinstance(shapes, dict) and names and names[0] != "input_shape":
            build(self, **{n: shapes.get(n[:-6]) for n in names if n[:-6] in shapes})
        else:
            build(self, shapes)
        self.built = True

    def __call__(self, *args, **kwargs):
        with self._open_name_scope():  # the layers it builds or calls nest their paths in its own
            if any_symbolic((args, kwargs)):
                return self._symbolic_call(*args, **kwargs)
            inputs = args[0] if args else kwargs.pop("inputs")
            args = args[1:]
            inputs = map_structure(self._convert_input, inputs)
            if not self.built:
                self._maybe_build(self._build_shapes(inputs, args, kwargs))
            if self.input_spec is not None:
                check_input_spec(self, inputs)
            spec = _call_spec(type(self))
            if "training" in spec and kwargs.get("training") is None:
                kwargs["training"] = _CALL_CONTEXT["training"]
            if "mask" in spec and kwargs.get("mask") is None:
                masks = [getattr(t, "_keras_mask", None) for t in flatten(inputs)]
                if any(m is not None for m in masks):
                    kwargs["mask"] = masks[0] if len(masks) == 1 else masks
            outer = _CALL_CONTEXT["depth"] == 0
            if outer:
                self._clear_losses()
            saved = _CALL_CONTEXT["training"]
            if kwargs.get("training") is not None:
                _CALL_CONTEXT["training"] = kwargs["training"]
            _CALL_CONTEXT["depth"] += 1
            try:
                outputs = self.call(inputs, *args,
                                    **{k: v for k, v in kwargs.items() if k in spec or spec["**"]})
            finally:
                _CALL_CONTEXT["depth"] -= 1
                _CALL_CONTEXT["training"] = saved
            if self.activity_regularizer is not None:
                for out in flatten(outputs):
                    self.add_loss(self.activity_regularizer(out) / max(out.shape[0], 1))
            self._set_mask(inputs, outputs, kwargs.get("mask"))
            return outputs

    def _set_mask(self, inputs, outputs, mask):
        if not (self.supports_masking or type(self).compute_mask is not Layer.compute_mask):
            return
        if mask is None:
            masks = [getattr(t, "_keras_mask", None) for t in flatten(inputs)]
            mask = masks[0] if len(masks) == 1 else (masks if any(m is not None for m in masks) else None)
        out_mask = self.compute_mask(inputs, mask)
        outs = flatten(outputs)
        if isinstance(out_mask, (list, tuple)) and isinstance(outputs, (list, tuple)) \
                and len(out_mask) == len(outs):  # one mask per output (e.g. RNN with return_state)
            for out, m in zip(outs, out_mask):
                if m is not None:
                    out._keras_mask = m
        elif out_mask is not None:
            for out in outs:
                out._keras_mask = out_mask

    def _convert_input(self, x):
        if isinstance(x, KerasTensor):  # traced for a shape (see _traced_shapes)
            return x
        if isinstance(x, Tensor):
            if self.autocast and x.data.dtype.kind == "f" and x.dtype != self.dtype and \
                    np.dtype(self.dtype).kind == "f":
                return x.astype(self.dtype)
            return x
        if x is None or isinstance(x, (str, bytes)):
            return x
        arr = np.asarray(x)
        if arr.dtype.kind == "f" and self.autocast and np.dtype(self.dtype).kind == "f":
            arr = arr.astype(self.dtype, copy=False)
        elif arr.dtype.kind not in "biufc":  # complex inputs keep their dtype, as in Keras
            return x
        return Tensor(arr)

    def _build_shapes(self, inputs, args, kwargs):
        shapes = map_structure(lambda t: t.shape if hasattr(t, "shape") else None, inputs)
        names = list(inspect.signature(type(self).build).parameters)[1:]
        if names and names[0] != "input_shape" and names[0].endswith("_shape"):
            call_names = list(_call_spec(type(self)))
            values = dict(zip(call_names, (inputs,) + tuple(args)))
            values.update(kwargs)
            return {k: v.shape for k, v in values.items() if hasattr(v, "shape")}
        return shapes

    def _symbolic_call(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.pop("inputs")
        args = args[1:]
        if not self.built:
            self._maybe_build(self._build_shapes(inputs, args, kwargs))
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        out_shapes = self._output_shapes_for(inputs, args, kwargs)
        outputs = map_shape_structure(lambda s: KerasTensor(s, dtype=self._output_dtype()), out_shapes)
        if not _TRACING[0]:
            Node(self, (inputs,) + tuple(args), kwargs, outputs)
        return outputs

    def _output_dtype(self):
        return self.dtype if np.dtype(self.dtype).kind == "f" else "float32"

    def _output_shapes_for(self, inputs, args, kwargs):
        """From ``compute_output_shape`` when it takes every symbolic argument
        (``initial_state`` as ``initial_state_shape``, as in Keras), else by
        tracing ``call``."""
        cos = type(self).compute_output_shape
        if cos is not Layer.compute_output_shape:
            names = list(_call_spec(type(self)))[1:len(args) + 1]
            extra = {**dict(zip(names, args)), **kwargs}
            symbolic = {k: v for k, v in extra.items() if any_symbolic(v)}
            accepted = inspect.signature(cos).parameters
            if (not args and not symbolic) or (len(symbolic) == len(extra) == len(names) + len(kwargs)
                                               and all(f"{k}_shape" in accepted for k in symbolic)):
                shapes = {f"{k}_shape": map_structure(lambda t: t.shape, v) for k, v in symbolic.items()}
                plain = {k: v for k, v in kwargs.items() if k not in symbolic and k in accepted}  # reverse=True
                return self.compute_output_shape(map_structure(lambda t: t.shape, inputs), **shapes, **plain)
        return _traced_shapes(self, inputs, args, kwargs)

    # -- config -----------------------------------------------------------
    def get_config(self):
        """The constructor arguments, as JSON-ready values (Keras's base keys)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            from ..serialization import serialize
            config["activity_regularizer"] = serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """Create a layer from ``get_config()``'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _build_in_scope(build):
    """``build`` run inside the layer's name scope, as Keras wraps every
    ``build``: the layer is ``built`` after it and its ``path`` is known.
    Only the outermost ``build`` of a layer (not its ``super().build()``)
    does this."""
    @functools.wraps(build)
    def scoped_build(self, *args, **kwargs):
        if self.__dict__.get("_in_build"):
            return build(self, *args, **kwargs)
        self._in_build = True
        try:
            with self._open_name_scope():
                self._path = current_path()
                out = build(self, *args, **kwargs)
        finally:
            self._in_build = False
        if getattr(self, "_build_input_shape", None) is None and len(args) == 1 and not kwargs:
            self._build_input_shape = args[0]
        self.built = True
        return out
    return scoped_build


Layer.build = _build_in_scope(Layer.build)  # subclasses get theirs from __init_subclass__


def _regularizer(identifier):
    if identifier is None:
        return None
    from .. import regularizers
    return regularizers.get(identifier)


def _is_shape(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, (int, np.integer)) for d in x)


_SPECS = {}


def _call_spec(cls):
    """Parameter names of ``cls.call`` (plus "**" if it takes **kwargs)."""
    spec = _SPECS.get(cls)
    if spec is None:
        params = list(inspect.signature(cls.call).parameters.values())[1:]
        spec = {p.name: p for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        spec["**"] = any(p.kind == p.VAR_KEYWORD for p in params)
        _SPECS[cls] = spec
    return spec


def _traced_shapes(layer, inputs, args=(), kwargs=None):
    """Output shapes of ``layer.call`` traced on symbolic tensors: every op
    inside gives its output shape from its spec, nothing runs on data (so a
    file cannot choose how much a loader allocates)."""
    def symbolic(t):
        if isinstance(t, KerasTensor) or not _is_shape(tuple(getattr(t, "shape", t))):
            return t
        return KerasTensor(getattr(t, "shape", t), getattr(t, "dtype", layer._output_dtype()))
    a = map_shape_structure(symbolic, inputs)
    kw = dict(kwargs or {})
    if "training" in _call_spec(type(layer)):
        kw.setdefault("training", False)
    depth = _CALL_CONTEXT["depth"]
    _CALL_CONTEXT["depth"] += 1
    try:
        with tracing():
            outputs = layer.call(a, *args, **kw)
    finally:
        _CALL_CONTEXT["depth"] = depth
    return map_structure(lambda t: tuple(t.shape), outputs)
