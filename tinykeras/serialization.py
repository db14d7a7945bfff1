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


# The keys of an object config, as Keras 3 writes it (``shared_object_id``
# marks objects Keras shares between layers).
OBJECT_KEYS = {"module", "class_name", "config", "registered_name", "shared_object_id"}
# Modules Keras 3 writes for its public objects (``module`` is checked, never imported).
KERAS_MODULES = {"keras", "keras.layers", "keras.initializers", "keras.regularizers", "keras.constraints",
                 "keras.activations", "keras.losses", "keras.metrics", "keras.optimizers",
                 "keras.optimizers.schedules", "keras.src.models.functional",
                 "keras.src.models.sequential", "keras.src.models.model", "keras.models"}


def keras_module(obj):
    """The ``module`` that :func:`serialize` writes for ``obj`` (a class or function).

    >>> keras_module(build_table)
    'keras.serialization'
    """
    where = obj.__module__.split(".")
    return "keras." + where[1] if where[0] == "tinykeras" and len(where) > 1 else ".".join(where)


def check_module(module, obj, what):
    """A built-in object's ``module`` must be the one Keras writes for it (or
    absent, or one of Keras's internal ``keras.src.*`` modules, which Keras
    writes for backend-specific classes): a mistyped module is an error.

    >>> check_module("keras.serializatiom", build_table, "util 'build_table'")
    Traceback (most recent call last):
    ...
    ValueError: util 'build_table': module 'keras.serializatiom' is not where Keras keeps it ('keras.serialization')
    """
    if module is None:
        return
    expected = keras_module(obj)
    if not isinstance(module, str) or not (module == expected or module.startswith(expected + ".")
                                           or module in KERAS_MODULES or module.startswith("keras.src.")):
        raise ValueError(f"{what}: module {module!r:.80} is not where Keras keeps it ({expected!r})")


def check_object_keys(config, what):
    """``config`` has only :data:`OBJECT_KEYS` and a ``config``: a misspelt key
    is an error, never a silent default."""
    extra = sorted(map(str, set(config) - OBJECT_KEYS))
    if extra or "config" not in config:
        problem = f"unexpected keys {extra}" if extra else "no 'config'"
        raise ValueError(f"{what}: {problem}; an object config has the keys 'class_name', 'config' "
                         "and optionally 'module', 'registered_name'")
    shared = config.get("shared_object_id")
    if shared is not None and (not isinstance(shared, int) or isinstance(shared, bool)):
        raise ValueError(f"{what}: shared_object_id must be an integer")


def deserialize(config, table, kind, custom_objects=None, case_insensitive=False):
    """Rebuild an object from a string name or a Keras-style config dict.

    Every key of the dict is used or refused: ``config`` is required, an
    unknown key, a ``registered_name`` that names nothing registered or
    disagrees with ``class_name``, or a wrong ``module`` is a ValueError.

    >>> deserialize({"class_name": "function", "config": "snake_case"},
    ...             {"snake_case": snake_case}, "util") is snake_case
    True
    """
    if config is None or callable(config):
        return config
    if isinstance(config, str):
        return lookup(config, table, kind, custom_objects, case_insensitive)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret {kind} config: {config!r:.200} (expected a name or "
                         "a dict with 'class_name' and 'config')")
    class_name, inner, registered = config["class_name"], config.get("config"), config.get("registered_name")
    what = f"{kind} {class_name!r:.80}"
    check_object_keys(config, what)
    if class_name in ("function", "__function__"):
        if not isinstance(inner, str) or registered not in (None, inner):
            raise ValueError(f"{what}: 'config' must be the function's name and 'registered_name' "
                             f"null or the same name, got {inner!r:.80} and {registered!r:.80}")
        fn = lookup(inner, table, kind, custom_objects)
        if _registered(inner, custom_objects) is None:
            check_module(config.get("module"), fn, what)
        return fn
    if inner is not None and not isinstance(inner, dict):
        raise ValueError(f"{what}: 'config' must be an object, got {type(inner).__name__}")
    if registered is not None and registered != class_name:
        cls = _registered(registered, custom_objects)
        if cls is None:
            raise ValueError(f"{what}: registered_name {registered!r:.80} is not registered (register "
                             "it with tk.saving.register_serializable, or pass custom_objects)")
        if getattr(cls, "__name__", None) != class_name:
            raise ValueError(f"{what}: registered_name {registered!r:.80} is a "
                             f"{getattr(cls, '__name__', type(cls).__name__)}, not a {class_name}")
    else:
        cls = lookup(class_name, table, kind, custom_objects, case_insensitive)
        if _registered(class_name, custom_objects) is None:
            check_module(config.get("module"), cls, what)
            if getattr(cls, "__name__", class_name) != class_name and not case_insensitive:
                # "glorot_uniform" names GlorotUniform as a string only (optimizers accept
                # any case, as Keras's optimizers.deserialize does)
                raise ValueError(f"{what}: the class is called {cls.__name__!r} (a config names "
                                 "its class exactly)")
    inner = inner or {}
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
