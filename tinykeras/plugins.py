"""Finding plugins: the NumPy reference plugin, entry points, and what each
plugin gave (``python -m tinykeras plugins``).

``import tinykeras`` calls :func:`boot` once: it registers the NumPy
backend (``tinykeras/numpy_plugin/numpy_backend.py``, an ordinary plugin), loads
every plugin of the ``tinykeras`` entry-point group (unless
``TINYKERAS_DISABLE_PLUGIN_AUTOLOAD``; only those named by
``TINYKERAS_PLUGINS`` if set), builds the kernel tables
(``registry.rebuild``) and switches to ``TINYKERAS_BACKEND``.  The tables
themselves, and what happens when a plugin's hook fails, are
``tinykeras/core/registry.py``.

>>> import tinykeras as tk
>>> "numpy" in [info.name for info in tk.plugins.plugins()]
True
"""
import warnings
from dataclasses import dataclass, field
from importlib import metadata

from . import _config
from .numpy_plugin import numpy_backend
from .core import registry
from .core.registry import pm


def _register_serializable(cls, package):
    # imported here: saving builds on layers, which build on this package's ops
    from .saving.object_registration import register_serializable
    register_serializable(package=package)(cls)


def boot():
    """Register the NumPy plugin and the entry-point plugins, build the tables
    and pick the backend from ``TINYKERAS_BACKEND`` (called by ``tinykeras/__init__.py``)."""
    registry.HOOKS.register_serializable = _register_serializable
    registry.HOOKS.check_kernels = _config.check_kernels
    pm.register(numpy_backend, name="numpy")
    load_entry_points()
    registry.rebuild()
    wanted = _config.backend()
    if wanted != "numpy":
        try:
            registry.set_backend(wanted)
        except Exception as exc:  # keep the NumPy backend working
            warnings.warn(f"tinykeras: TINYKERAS_BACKEND={wanted!r} is unusable ({exc}); "
                          "using 'numpy'", RuntimeWarning)


def load_entry_points():
    """Load plugins from the ``tinykeras`` entry-point group, one at a time."""
    if _config.autoload_disabled():
        return
    allowed = _config.plugins_allowed()
    for ep in metadata.entry_points(group="tinykeras"):
        if (allowed is not None and ep.name not in allowed) or pm.has_plugin(ep.name):
            continue
        dist = f"{ep.dist.name} {ep.dist.version}" if ep.dist else "?"
        pm.dists[ep.name] = dist
        try:
            plugin = ep.load()
        except Exception as exc:
            registry.FAILED[ep.name] = f"import failed: {type(exc).__name__}: {exc}"
            warnings.warn(f"tinykeras: plugin {ep.name!r} ({dist}) skipped: {registry.FAILED[ep.name]}",
                          RuntimeWarning, stacklevel=2)
            continue
        try:
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            registry.drop_invalid(plugin, exc)
            registry.FAILED[ep.name] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"tinykeras: plugin {ep.name!r} ({dist}) skipped: {exc}",
                          RuntimeWarning, stacklevel=2)


@dataclass
class PluginInfo:
    """What one plugin gave: its distribution, backends, ops, kernels, serializables."""
    name: str
    dist: str
    backends: list = field(default_factory=list)
    ops: list = field(default_factory=list)
    kernels: list = field(default_factory=list)
    shadowed: list = field(default_factory=list)
    serializables: list = field(default_factory=list)


def plugins():
    """One PluginInfo per registered plugin (what ``tinykeras plugins`` prints)."""
    infos = {}
    for name, _plugin in pm.list_name_plugin():
        default = "tinykeras (built in)" if name == "numpy" else "registered at run time"
        infos[name] = PluginInfo(name, pm.dists.get(name, default))
    for backend, info in registry.BACKENDS.items():
        infos[info["plugin"]].backends.append(backend)
    for (backend, op), plugin in sorted(registry.PROVIDERS.items()):
        infos[plugin].kernels.append(f"{backend}:{op}")
    for backend, op, winner, loser in registry.SHADOWED:
        infos[winner].shadowed.append(f"{backend}:{op} (over {loser})")
    for plugin, names in registry.ADDED_OPS.items():
        infos[plugin].ops.extend(names)
    for plugin, names in registry.LAYERS.items():
        infos[plugin].serializables.extend(names)
    return list(infos.values())
