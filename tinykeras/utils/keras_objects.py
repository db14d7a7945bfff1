"""``keras.utils``'s object helpers: (de)serializing objects to Keras-style
configs, the custom-object registry (from ``tinykeras.saving``),
``Config`` and ``get_source_inputs``.

>>> import tinykeras as tk
>>> config = serialize_keras_object(tk.layers.Dense(2))
>>> config["class_name"], deserialize_keras_object(config).units
('Dense', 2)
"""
from ..layers.symbolic import KerasTensor


def serialize_keras_object(obj):
    """The Keras-style config dict of ``obj`` (``module``, ``class_name``,
    ``config``, ``registered_name``); plain values pass through.

    >>> serialize_keras_object(3)
    3
    """
    from ..serialization import serialize  # a function-level import: serialization sits above utils
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict) and "class_name" not in obj:
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    return serialize(obj)


def _kinds(module):
    from ..saving.object_registration import KINDS  # breaks the cycle utils -> saving -> models -> utils
    named = [k for k in KINDS if f".{k}" in (module or "")]
    return named + [k for k in KINDS if k not in named] + ["activations"]


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild an object from its Keras-style config (classes are looked up
    by name among tinykeras's own and the registered ones; nothing is
    imported from a module path).

    >>> deserialize_keras_object({"class_name": "ReLU", "config": {}}).__class__.__name__
    'ReLU'
    """
    from .. import activations  # breaks the cycle utils -> activations -> ops -> ... -> utils
    from ..saving import object_registration as reg  # breaks the cycle utils -> saving -> models -> utils
    if config is None or isinstance(config, (int, float, bool)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects) for c in config]
    if isinstance(config, str):
        obj = reg.get_registered_object(config, custom_objects)
        return obj if obj is not None else activations.get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize_keras_object: expected a config dict with 'class_name', got {config!r}")
    class_name, inner = config["class_name"], config.get("config") or {}
    if class_name in ("function", "__function__"):
        name = config.get("registered_name") or inner
        obj = reg.get_registered_object(name, custom_objects)
        return obj if obj is not None else activations.get(inner)
    errors = []
    for kind in _kinds(config.get("module")):
        if kind == "activations":
            break
        try:
            cls = reg.resolve(class_name, kind, config.get("registered_name"), custom_objects)
        except ValueError as exc:
            errors.append(exc)
            continue
        return cls.from_config(dict(inner)) if hasattr(cls, "from_config") else cls(**inner)
    raise errors[0]


def _registry():
    from ..saving import object_registration  # breaks the cycle utils -> saving -> models -> utils
    return object_registration


def register_keras_serializable(package="Custom", name=None):
    """Class decorator: make a class loadable from files as ``"package>name"``
    (``tk.saving.register_serializable``).

    >>> @register_keras_serializable("demo")
    ... class Half:
    ...     def get_config(self): return {}
    >>> get_registered_name(Half)
    'demo>Half'
    """
    return _registry().register_serializable(package, name)


def get_registered_name(obj):
    """``"package>Name"`` of a registered object, else its plain name.

    >>> get_registered_name(Config)
    'Config'
    """
    return _registry().get_registered_name(obj)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or given in ``custom_objects``) as ``name``, or None.

    >>> get_registered_object("Nope") is None
    True
    """
    return _registry().get_registered_object(name, custom_objects, module_objects)


def get_custom_objects():
    """A copy of the registry of custom objects (``"package>Name"`` -> object).

    >>> isinstance(get_custom_objects(), dict)
    True
    """
    return _registry().get_custom_objects()


def custom_object_scope(custom_objects):
    """A context in which ``custom_objects`` are visible to every lookup
    (also as ``CustomObjectScope``).

    >>> with custom_object_scope({"Half": float}):
    ...     get_registered_object("Half") is float
    True
    """
    return _registry().custom_object_scope(custom_objects)


CustomObjectScope = custom_object_scope


class Config:
    """A dict with attribute access that can be frozen (Keras's ``keras.utils.Config``).

    >>> c = Config(lr=0.1); c.epochs = 3; c.freeze()
    >>> c.lr, c["epochs"], c.frozen
    (0.1, 3, True)
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        return self._frozen

    def freeze(self):
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        object.__setattr__(self, "_frozen", False)

    def _check(self):
        if self._frozen:
            raise AttributeError("Cannot set attributes of a frozen Config; call unfreeze() first")

    def __setattr__(self, name, value):
        self._check()
        self._config[name] = value

    def __getattr__(self, name):
        try:
            return self.__dict__["_config"][name]
        except KeyError:
            raise AttributeError(f"Config has no attribute {name!r}") from None

    def __setitem__(self, key, value):
        self._check()
        self._config[key] = value

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._check()
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __len__(self):
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def update(self, *args, **kwargs):
        self._check()
        self._config.update(*args, **kwargs)

    def pop(self, *args):
        self._check()
        return self._config.pop(*args)

    def get(self, key, default=None):
        return self._config.get(key, default)

    def as_dict(self):
        return dict(self._config)

    def to_json(self):
        import json
        return json.dumps(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"


def get_source_inputs(tensor):
    """The input tensors (from ``keras.Input``) that ``tensor`` was computed from.

    >>> import tinykeras as tk
    >>> x = tk.Input((2,)); y = tk.layers.Dense(1)(x)
    >>> get_source_inputs(y)[0] is x
    True
    """
    if not isinstance(tensor, KerasTensor):
        raise ValueError(f"get_source_inputs: expected a symbolic tensor (from keras.Input), got {tensor!r}")
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        history = t._keras_history
        node = None if history is None else history[0]._inbound_nodes[history[1]]
        parents = [] if node is None else [p for p in node.input_tensors if isinstance(p, KerasTensor)]
        if not parents:
            found.append(t)
        stack.extend(reversed(parents))
    return found
