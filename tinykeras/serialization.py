"""One place that turns identifiers into objects and objects into configs.

Every ``get()`` in tinykeras (initializers, activations, regularizers,
constraints, losses, metrics, optimizers) resolves its argument with
:func:`get_from_identifier`; every ``serialize()``/``deserialize()`` uses the
two functions below.  Configs have Keras 3's shape::

    {"module": "keras.initializers", "class_name": "GlorotUniform",
     "config": {"seed": None}, "registered_name": None}

and functions serialize as ``{"class_name": "function", "config": "relu", ...}``.

>>> class Zero:
...     def __call__(self, shape): return 0
...     def get_config(self): return {}
>>> table = build_table([Zero], {"nothing": Zero})
>>> type(get_from_identifier("nothing", table, "example")).__name__
'Zero'
>>> serialize(Zero(), "example")["class_name"]
'Zero'
"""
import inspect

from .global_state import auto_name, snake_case  # noqa: F401  (the one naming helper)


def build_table(objects, aliases=None):
    """Name -> object table: each class/function by its name and snake_case name.

    >>> sorted(build_table([snake_case]))
    ['snake_case']
    """
    table = {}
    for obj in objects:
        table[obj.__name__] = obj
        if inspect.isclass(obj):
            table.setdefault(snake_case(obj.__name__), obj)
    table.update(aliases or {})
    return table


def _registered(name, custom_objects):
    """Look ``name`` up in ``custom_objects`` and tinykeras's custom-object object_registration."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:  # the saving package (written separately) may not exist yet
        from .saving import object_registration  # here: saving builds on layers, which import this module
        return object_registration.get_registered_object(name, custom_objects=custom_objects)
    except (ImportError, AttributeError, KeyError, TypeError):
        return None


def lookup(name, table, kind, custom_objects=None, case_insensitive=False):
    """``table[name]`` (or a registered custom object); a ValueError listing names if unknown.

    >>> lookup("ADAM", {"adam": 1}, "optimizer", case_insensitive=True)
    1
    """
    obj = _registered(name, custom_objects)
    if obj is None:
        obj = table.get(name)
    if obj is None and case_insensitive:
        folded = {k.lower(): v for k, v in table.items()}
        obj = folded.get(name.lower())
    if obj is None:
        raise ValueError(f"Could not interpret {kind} identifier: {name!r}. "
                         f"Valid names: {', '.join(sorted(table))}")
    return obj


def serialize(obj, module=None):
    """Keras-style config of ``obj`` (None and strings pass through).

    ``module`` defaults to the Keras module matching where the object's
    class or function is defined (``tinykeras.initializers`` ->
    ``keras.initializers``).

    >>> serialize(snake_case, "keras.utils")["config"]
    'snake_case'
    """
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if module is None:
        where = (obj.__module__ if inspect.isfunction(obj) else type(obj).__module__).split(".")
        module = "keras." + where[1] if where[0] == "tinykeras" and len(where) > 1 else ".".join(where)
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {"module": module, "class_name": "function", "config": obj.__name__,
                "registered_name": obj.__name__}
    if not hasattr(obj, "get_config"):
        raise ValueError(f"cannot serialize {obj!r}: it has no get_config()")
    return {"module": module, "class_name": type(obj).__name__, "config": obj.get_config(),
            "registered_name": type(obj).__dict__.get("_registered_name")}  # not a parent's


def deserialize(config, table, kind, custom_objects=None, case_insensitive=False):
    """Rebuild an object from a string name or a Keras-style config dict.

    >>> deserialize({"class_name": "function", "config": "snake_case"},
    ...             {"snake_case": snake_case}, "util") is snake_case
    True
    """
    if config is None or callable(config):
        return config
    if isinstance(config, str):
        return lookup(config, table, kind, custom_objects, case_insensitive)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} config: {config!r} (expected a name or "
                         "a dict with 'class_name' and 'config')")
    class_name, inner = config["class_name"], config.get("config") or {}
    if class_name in ("function", "__function__"):
        name = inner if isinstance(inner, str) else config.get("registered_name")
        return lookup(name, table, kind, custom_objects)
    name = config.get("registered_name") or class_name
    obj = _registered(name, custom_objects) if name != class_name else None
    cls = obj or lookup(class_name, table, kind, custom_objects, case_insensitive)
    if hasattr(cls, "from_config"):
        return cls.from_config(dict(inner))
    return cls(**inner)


def get_from_identifier(identifier, table, kind, default=None, custom_objects=None,
                        case_insensitive=False, valid=callable):
    """Resolve a name, config dict, class, instance or callable into an object.

    Classes are instantiated with their defaults; instances and plain
    functions are returned unchanged; ``None`` gives ``default``.  The
    result must pass ``valid`` (default: be callable).

    >>> get_from_identifier(None, {}, "loss", default="fallback")
    'fallback'
    >>> get_from_identifier("nope", {"yes": 1}, "loss")
    Traceback (most recent call last):
    ...
    ValueError: Could not interpret loss identifier: 'nope'. Valid names: yes
    """
    if identifier is None:
        return default
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier, table, kind, custom_objects, case_insensitive)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if not valid(obj):
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")
    return obj


def wrapper_config(obj, config, fn, fn_kwargs, wrapper_cls, module):
    """``get_config`` of a class wrapping a function (LossFunctionWrapper,
    MeanMetricWrapper): the function is stored only for the wrapper class
    itself (subclasses fix their own), then the function's keyword arguments.

    >>> wrapper_config(1, {}, snake_case, {"k": 2}, int, "keras.utils")["k"]
    2
    """
    if type(obj) is wrapper_cls:
        config["fn"] = serialize(fn, module)
    config.update(fn_kwargs)
    return config


def wrapper_from_config(cls, config, deserialize_fn):
    """The inverse of :func:`wrapper_config`, with the module's own deserializer."""
    config = dict(config)
    if "fn" in config:
        config["fn"] = deserialize_fn(config["fn"])
    return cls(**config)
