"""The allow-list of classes a model file may name.

A file names classes by string; loading looks them up here and nowhere
else (never by importing a module path).  Two tables:

* built-ins, by kind (``"layers"``, ``"losses"``, ``"metrics"``,
  ``"optimizers"``, ``"initializers"``, ``"regularizers"``,
  ``"constraints"``), under their plain Keras class names (``"Dense"``);
  the kinds are separate because names repeat (a ``MeanSquaredError``
  loss and a ``MeanSquaredError`` metric);
* custom objects, registered explicitly as ``"package>ClassName"`` by
  :func:`register_serializable` (plugins do it through the
  ``tinykeras_register_serializables`` hook).

``custom_objects`` given to a loader (or to :func:`custom_object_scope`)
are consulted first, by full or plain name, as in Keras.

>>> import tinykeras as tk
>>> @register_serializable(package="Docs")
... class Twice(tk.layers.Layer):
...     def call(self, x):
...         return x * 2
>>> get_registered_name(Twice), get_registered_object("Docs>Twice") is Twice
('Docs>Twice', True)
>>> resolve("Dense", "layers") is tk.layers.Dense
True
"""
import contextlib
import contextvars
import importlib
import inspect
import re

from .errors import UnknownObjectError, UnsafeContentError, excerpt

KINDS = ("layers", "losses", "metrics", "optimizers", "initializers", "regularizers", "constraints")
_PACKAGE = re.compile(r"[A-Za-z0-9_\-]{1,100}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")

_CUSTOM = {}      # "package>Name" -> object
_NAMES = {}       # object -> "package>Name"
_BUILTINS = {}    # kind -> {class name -> class}, filled on first use
_SCOPE = contextvars.ContextVar("tinykeras_custom_objects", default=())


def register_serializable(package="Custom", name=None):
    """Class decorator: make ``cls`` loadable from files as ``"package>name"``.

    ``name`` defaults to the class name.  Registering a name again replaces
    the previous object (as Keras does).  Package names are letters, digits,
    ``_`` and ``-``; names are Python identifiers: no dots, so a registered
    name can never look like a module path.
    """
    if not isinstance(package, str) or not _PACKAGE.fullmatch(package):
        raise ValueError(f"register_serializable: package {package!r} must be 1-100 letters, "
                         "digits, '_' or '-'")

    def decorator(obj):
        key_name = name or getattr(obj, "__name__", None)
        if not isinstance(key_name, str) or not _NAME.fullmatch(key_name):
            raise ValueError(f"register_serializable: name {key_name!r} must be a Python identifier")
        if inspect.isclass(obj) and not callable(getattr(obj, "get_config", None)):
            raise ValueError(f"register_serializable: {obj.__name__} needs a get_config() method")
        key = f"{package}>{key_name}"
        _CUSTOM[key] = obj
        _NAMES[obj] = key
        if inspect.isclass(obj):
            obj._registered_name = key  # read by tinykeras.serialization.serialize
        return obj
    return decorator


register_keras_serializable = register_serializable  # Keras's name for it


def get_registered_name(obj):
    """``"package>Name"`` for a registered object, else its plain name."""
    return _NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_custom_objects():
    """A copy of the custom registry (``"package>Name"`` -> object)."""
    return dict(_CUSTOM)


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Make ``custom_objects`` visible to every lookup inside the block
    (loaders open one, so nested configs see the objects the caller gave).

    >>> with custom_object_scope({"Half": float}):
    ...     get_registered_object("Half") is float
    True
    """
    token = _SCOPE.set(_SCOPE.get() + (dict(custom_objects or {}),))
    try:
        yield
    finally:
        _SCOPE.reset(token)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object called ``name`` in ``custom_objects``, the open scopes,
    the custom registry or ``module_objects``; None if it is nowhere."""
    if not isinstance(name, str):
        return None
    for table in (custom_objects or {},) + _SCOPE.get()[::-1]:
        obj = table.get(name)
        if obj is None and ">" in name:
            obj = table.get(name.split(">", 1)[1])
        if obj is not None:
            return obj
    if name in _CUSTOM:
        return _CUSTOM[name]
    return (module_objects or {}).get(name)


def builtins(kind):
    """``{class name: class}`` of the built-in ``kind`` (see :data:`KINDS`).

    >>> "Dense" in builtins("layers") and "Adam" in builtins("optimizers")
    True
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}")
    if kind not in _BUILTINS:
        _BUILTINS[kind] = _collect(kind)
    return _BUILTINS[kind]


def _collect(kind):
    module = importlib.import_module(f"tinykeras.{kind}")  # a fixed list of our own modules
    table = {}
    for attr, obj in vars(module).items():
        if inspect.isclass(obj) and not attr.startswith("_") and obj.__module__.startswith("tinykeras."):
            table.setdefault(obj.__name__, obj)
            table.setdefault(obj.__dict__.get("_export_name", obj.__name__), obj)   # Keras's exported name
    if kind == "layers":
        from .. import models, utils
        from ..utils.feature_space import specs as feature_space
        from ..applications import convnext_layers  # up to applications (imports models): not at module level
        table.update({"Model": models.Model, "Functional": models.Functional,
                      "Sequential": models.Sequential, "LayerScale": convnext_layers.LayerScale,
                      "StochasticDepth": convnext_layers.StochasticDepth, "FeatureSpace": utils.FeatureSpace,
                      "TFDIdentity": feature_space.TFDIdentity})
    return table


def builtin_layers():
    """The built-in layer classes that a model file can contain (excludes
    the ``Layer`` base, models, and ``Lambda``, which cannot be saved)."""
    from ..layers.layer import Layer
    return {name: cls for name, cls in builtins("layers").items()
            if issubclass(cls, Layer) and name not in ("Layer", "Model", "Functional",
                                                       "Sequential", "Lambda")}


# Names whose mere presence means "run code" or "import something": refused
# with an explanation instead of a plain "unknown class".
REFUSED = {
    "Lambda": "a Lambda layer stores a Python function, which a file cannot carry safely",
    "__lambda__": "marshalled Python bytecode is never loaded",
    "TorchModuleWrapper": "pickled torch modules are never loaded",
    "TFSMLayer": "external SavedModels are never loaded",
}
HOW_TO_REGISTER = ("write the computation as a Layer subclass with get_config(), decorate it with "
           "@tk.saving.register_serializable(package='my_package'), and import it before loading "
           "(or pass custom_objects={'MyLayer': MyLayer})")


def check_name(name, what="class_name"):
    """Refuse names that look like module paths, code or file paths."""
    if not isinstance(name, str) or not name:
        raise UnknownObjectError(f"{what} must be a non-empty string, got {excerpt(name)}")
    base = name.split(">", 1)[1] if ">" in name else name
    if base in REFUSED:
        raise UnsafeContentError(f"{what} {excerpt(name)} is refused: {REFUSED[base]}; {HOW_TO_REGISTER}")
    package = name.split(">", 1)[0] if ">" in name else None
    if not _NAME.fullmatch(base) or (package is not None and not _PACKAGE.fullmatch(package)) \
            or base.startswith("__"):
        raise UnsafeContentError(f"{what} {excerpt(name)} is not a plain class name: tinykeras "
                                 "never imports module paths or evaluates code from a file; "
                                 "classes are looked up by name in tk.saving's registry")


def resolve(class_name, kind, registered_name=None, custom_objects=None, base=None):
    """The class a config names, for an object of ``kind``; raises
    :class:`UnknownObjectError` or :class:`UnsafeContentError`.

    ``registered_name`` (``"package>Name"``) wins over ``class_name``, as in
    Keras; ``base``, if given, is a class the result must subclass.
    """
    check_name(class_name)
    custom = isinstance(registered_name, str) and ">" in registered_name
    if registered_name is not None:
        check_name(registered_name, "registered_name")
    obj = get_registered_object(registered_name if custom else class_name, custom_objects)
    if obj is None and not custom:  # a "package>Name" never falls back to a built-in
        obj = builtins(kind).get(class_name)
    if obj is None:
        wanted = registered_name if custom else class_name
        hint = (f"; it comes from package {wanted.split('>')[0]!r}: import the module or plugin that "
                "registers it" if custom else "")
        raise UnknownObjectError(f"unknown {kind[:-1]} class {excerpt(wanted)}{hint}; pass "
                                 f"custom_objects={{{class_name!r}: {class_name}}} or register it with "
                                 "@tk.saving.register_serializable(package=...)")
    if base is not None and not (inspect.isclass(obj) and issubclass(obj, base)):
        raise UnknownObjectError(f"{excerpt(registered_name or class_name)} is not a {kind[:-1]} "
                                 f"class (it is {excerpt(obj)})")
    aliased = bool(custom_objects) and class_name in custom_objects
    if registered_name is not None and not custom and registered_name != class_name:
        raise UnknownObjectError(f"registered_name {excerpt(registered_name)} disagrees with class_name "
                                 f"{excerpt(class_name)} (a built-in has registered_name null)")
    if inspect.isclass(obj) and class_name not in (obj.__name__, obj.__dict__.get("_export_name")) \
            and not aliased:
        raise UnknownObjectError(f"class_name {excerpt(class_name)} names the class {obj.__name__!r}; "
                                 "a config names its class exactly")
    return obj
