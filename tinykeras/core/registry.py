"""The op registry: op declarations and plugins in, one dict of kernels out.

Ops are declared by ``OpDef`` s (the core's in ``primitives.py`` and the
``tinykeras.ops`` modules, more from plugins).  Plugins (pluggy) run their
hooks at every :func:`rebuild`; the results fill
``KERNELS[backend][op] -> fn``.  The active backend's dict is ``ACTIVE`` (the
same dict object forever, refilled in place), so dispatching an op is one
dict lookup: ``ACTIVE["add"](x, y)``.  Finding plugins (entry points) is
``tinykeras/plugins.py``'s job, not this module's.

>>> from tinykeras.core import registry
>>> registry.ACTIVE["add"] is registry.KERNELS[registry.current_backend()]["add"]
True
"""
import inspect
import warnings
from dataclasses import dataclass
from typing import Callable, Optional

import pluggy

from . import hookspecs

hookimpl = hookspecs.hookimpl

OPS = {}        # op name -> OpDef (core ops and plugin ops)
KERNELS = {}    # backend -> {op name -> kernel}
ACTIVE = {}     # the active backend's kernels (refilled in place on rebuild)
PROVIDERS = {}  # (backend, op) -> plugin name that supplies the kernel
BUILTIN = {}    # op -> the NumPy kernel plugin "numpy" gives (TINYKERAS_CHECK_KERNELS checks overrides)
SHADOWED = []   # (backend, op, winner, loser) for overridden kernels
BACKENDS = {}   # backend name -> {"plugin":..., "describe": callable}
FAILED = {}     # plugin name -> reason it was skipped
ADDED_OPS = {}  # plugin name -> op names it declared
LAYERS = {}     # plugin name -> serializable names it registered
_on_rebuild = []  # callbacks run after each rebuild (e.g. constant caches)
_state = {"backend": "numpy", "core_ops": {}}


class Hooks:
    """What the packages above the core plug in (the core imports nothing
    from them):

    * ``register_serializable(cls, package)``: what a plugin's
      ``tinykeras_register_serializables`` hook registers into
      (``tinykeras.plugins`` sets it to the saving allow-list);
    * ``check_kernels()``: whether to check every kernel of a
      non-reference backend against NumPy (``TINYKERAS_CHECK_KERNELS``).
    """
    register_serializable = None

    @staticmethod
    def check_kernels():
        return False


HOOKS = Hooks()


def on_rebuild(callback):
    """Run ``callback()`` after every rebuild (e.g. to empty a cache of constants)."""
    _on_rebuild.append(callback)


@dataclass
class OpDef:
    """An op's declaration.

    ``n_inputs`` tensors (``-1``: any number, passed as ``*xs``), named
    ``params``, a backward ``rule(g, out, *inputs, **params)`` returning one
    gradient (or None) per input, an optional ``composite`` written with
    other ops, ``sample``: how the test-suite draws inputs (see
    ``tinykeras.testing``), and an optional ``spec(*inputs, **params)``
    giving the output's ``(shape, dtype)`` from the inputs' shapes and dtypes
    (None in a shape: unknown), which symbolic tensors use (else the
    composite is traced on them).  A rule is written as for real numbers:
    on complex outputs autograd applies it PyTorch's way (``holomorphic``;
    set it False for a rule that already gives ``dL/dRe + i dL/dIm``, as
    ``real``, ``imag`` and ``conj`` do).

    >>> OpDef("cube", 1, rule=lambda g, out, x: (g * 3 * x * x,)).name
    'cube'
    """
    name: str
    n_inputs: int
    params: tuple = ()
    rule: Optional[Callable] = None
    composite: Optional[Callable] = None
    sample: object = None
    differentiable: bool = True
    primitive: bool = False
    doc: str = ""
    plugin: str = "tinykeras"
    spec: Optional[Callable] = None
    holomorphic: bool = True


def primitives():
    """Names of the ops every backend must implement."""
    return sorted(n for n, op in OPS.items() if op.primitive)


def current_backend():
    """The active backend's name."""
    return _state["backend"]


def declare(*opdefs):
    """Declare tinykeras's own ops (``primitives.py`` and the ``tinykeras.ops``
    modules do, at import); they are in ``OPS`` from the next rebuild."""
    for op in opdefs:
        if op.name in _state["core_ops"]:
            raise ValueError(f"op {op.name!r} declared twice in tinykeras")
        _state["core_ops"][op.name] = op


def core_ops():
    """``{name: OpDef}`` of the ops tinykeras itself declares (not plugins')."""
    return dict(_state["core_ops"])


class _Manager(pluggy.PluginManager):
    def __init__(self):
        super().__init__("tinykeras")
        self.add_hookspecs(hookspecs)
        self.dists = {}  # plugin name -> "dist version"


pm = _Manager()


class PluginError(Exception):
    """Raised inside a rebuild to reject one plugin."""


def _call_order(hookname):
    """(plugin name, impl) in the order pluggy would call them."""
    caller = getattr(pm.hook, hookname)
    impls = list(reversed(caller.get_hookimpls()))
    return [(impl.plugin_name, impl) for impl in impls]


def _priority(impl):
    return 0 if impl.tryfirst else (2 if impl.trylast else 1)


def _arrival_order(hookname):
    """(plugin name, impl) in the order the plugins were registered: for op
    declarations the first comes first served, so a newcomer cannot evict an op."""
    arrived = {name: i for i, (name, _) in enumerate(pm.list_name_plugin())}
    return sorted(_call_order(hookname), key=lambda item: arrived.get(item[0], len(arrived)))


def _collect():
    """Run every hook once; return the new tables or raise PluginError."""
    ops = dict(_state["core_ops"])
    added = {}
    for name, impl in _arrival_order("tinykeras_register_ops"):
        def reg(opdef, _plugin=name):
            if not isinstance(opdef, OpDef):
                raise PluginError(f"{_plugin}: register() takes an OpDef, got {type(opdef).__name__}")
            if opdef.name in ops:
                raise PluginError(f"{_plugin}: op {opdef.name!r} is already declared by {ops[opdef.name].plugin}")
            opdef.plugin = _plugin
            ops[opdef.name] = opdef
            added.setdefault(_plugin, []).append(opdef.name)
        _run(name, impl, reg)

    backends = {}
    for name, impl in _call_order("tinykeras_register_backends"):
        def reg(backend, describe=None, _plugin=name):
            backends.setdefault(backend, {"plugin": _plugin, "describe": describe})
        _run(name, impl, reg)

    kernels, providers, prio, shadowed, builtin = {}, {}, {}, [], {}
    for name, impl in _call_order("tinykeras_register_kernels"):
        def reg(backend, op, fn, _plugin=name, _p=_priority(impl)):
            if op not in ops:
                raise PluginError(f"{_plugin}: kernel for unknown op {op!r} on backend {backend!r}")
            if not callable(fn):
                raise PluginError(f"{_plugin}: kernel {op!r} is not callable")
            _check_signature(_plugin, ops[op], fn)
            if (backend, _plugin) == ("numpy", "numpy"):
                builtin[op] = fn
            table = kernels.setdefault(backend, {})
            if op in table:
                winner = providers[(backend, op)]
                if winner != _plugin:
                    shadowed.append((backend, op, winner, _plugin))
                    if prio[(backend, op)] == _p:
                        warnings.warn(f"tinykeras: plugins {winner!r} and {_plugin!r} both give kernel "
                                      f"{op!r} for backend {backend!r} at the same priority; "
                                      f"{winner!r} wins", RuntimeWarning, stacklevel=2)
                return
            table[op], providers[(backend, op)], prio[(backend, op)] = fn, _plugin, _p
        _run(name, impl, reg)

    layers = {}
    for name, impl in _call_order("tinykeras_register_serializables"):
        def reg(cls, package=None, _plugin=name):
            if HOOKS.register_serializable is None:
                raise PluginError(f"{_plugin}: registers serializables, but nothing takes them")
            HOOKS.register_serializable(cls, package or _plugin)
            layers.setdefault(_plugin, []).append(f"{package or _plugin}>{cls.__name__}")
        _run(name, impl, reg)
    return ops, added, backends, kernels, providers, shadowed, layers, builtin


def _run(plugin, impl, register):
    try:
        impl.function(register=register)
    except PluginError:
        raise
    except Exception as exc:  # a broken plugin must not break the core
        raise PluginError(f"{plugin}: {impl.function.__name__} raised {type(exc).__name__}: {exc}") from exc


def _check_signature(plugin, op, fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins such as np.add: trust them
    args = [None] * (1 if op.n_inputs < 0 else op.n_inputs)
    try:
        sig.bind(*args, **{p: None for p in op.params})
    except TypeError as exc:
        raise PluginError(f"{plugin}: kernel {op.name!r} has the wrong signature {sig} "
                          f"(expects {op.n_inputs} inputs and params {op.params}): {exc}") from None


def rebuild():
    """Rebuild every table from the registered plugins.

    A plugin whose hooks fail is unregistered, reported in ``FAILED`` and
    with a ``RuntimeWarning``; the rebuild then starts again without it.
    """
    while True:
        try:
            tables = _collect()
            break
        except PluginError as exc:
            plugin = str(exc).split(":", 1)[0]
            _reject(plugin, str(exc))
    ops, added, backends, kernels, providers, shadowed, layers, builtin = tables
    for table in (OPS, ADDED_OPS, BACKENDS, KERNELS, PROVIDERS, LAYERS, BUILTIN):
        table.clear()
    OPS.update(ops); ADDED_OPS.update(added); BACKENDS.update(backends)
    KERNELS.update(kernels); PROVIDERS.update(providers); LAYERS.update(layers)
    BUILTIN.update(builtin)
    SHADOWED[:] = shadowed
    name = _state["backend"]
    if name not in KERNELS:
        if name != "numpy":
            warnings.warn(f"tinykeras: backend {name!r} is gone; back to 'numpy'", RuntimeWarning)
        name = "numpy"
    _activate(name)


def _reject(plugin, reason):
    FAILED[plugin] = reason
    warnings.warn(f"tinykeras: plugin {plugin!r} skipped: {reason}", RuntimeWarning, stacklevel=3)
    obj = pm.get_plugin(plugin)
    if obj is not None:
        pm.unregister(obj)
    else:  # pragma: no cover - plugin names always resolve
        raise RuntimeError(reason)


def _activate(name):
    _state["backend"] = name
    ACTIVE.clear()
    table = KERNELS.get(name, {})
    if HOOKS.check_kernels():  # debug mode: see kernel_check.py
        from .kernel_check import checked_backend
        table = checked_backend(name, table, KERNELS.get("numpy", {}), BUILTIN, PROVIDERS,
                                {o: d.n_inputs for o, d in OPS.items()})
    ACTIVE.update(table)
    for callback in _on_rebuild:
        callback()


def set_backend(name):
    """Make ``name`` the active backend (see ``tk.backend.set_backend``)."""
    if name not in KERNELS:
        known = ", ".join(sorted(KERNELS)) or "none"
        why = f" ({FAILED[name]})" if name in FAILED else ""
        raise ValueError(f"unknown backend {name!r}{why}; available backends: {known}")
    missing = [p for p in primitives() if p not in KERNELS[name]]
    if missing:
        hint = "" if name in BACKENDS else (f" (no loaded plugin provides backend {name!r}: is its "
                                            "plugin installed, and allowed by TINYKERAS_PLUGINS?)")
        raise ValueError(f"backend {name!r} lacks kernels for primitive ops: {', '.join(missing)}{hint}")
    describe = BACKENDS.get(name, {}).get("describe")
    if describe is not None:
        describe()  # let a device backend fail now, with its own clear error
    _activate(name)


def register(plugin, name=None):
    """Register a plugin object or module at run time and rebuild the tables.

    Returns the plugin's name, or None when it was rejected (see ``FAILED``).
    """
    try:
        name = pm.register(plugin, name=name)
    except Exception as exc:  # pluggy.PluginValidationError, ValueError for duplicates
        drop_invalid(plugin, exc)
        name = name or getattr(plugin, "__name__", repr(plugin))
        FAILED[name] = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"tinykeras: plugin {name!r} skipped: {exc}", RuntimeWarning, stacklevel=2)
        return None
    FAILED.pop(name, None)
    rebuild()
    return name if pm.get_plugin(name) is not None else None


def drop_invalid(plugin, exc):
    """After a failed ``pm.register``: pluggy keeps a plugin whose hookimpls
    failed validation registered (with some of its hooks); drop it, so that
    the name can be reused."""
    if isinstance(exc, pluggy.PluginValidationError) and pm.is_registered(plugin):
        pm.unregister(plugin)


def unregister(plugin=None, name=None):
    """Remove a plugin (by object or name) and rebuild the tables."""
    pm.unregister(plugin, name=name)
    rebuild()


def kernel(op, backend=None):
    """The kernel that runs ``op`` on ``backend`` (default: the active one)."""
    table = KERNELS.get(backend or current_backend(), {})
    if op not in table:
        raise KeyError(f"no kernel for op {op!r} on backend {backend or current_backend()!r}")
    return table[op]
