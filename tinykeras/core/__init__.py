"""The core: Tensor, autograd, the op registry and the primitive ops.

Reading order: ``tensor.py`` (what a Tensor is and how an op runs),
``autograd.py`` (backward), ``primitives.py`` (the op table with its
gradient rules), ``registry.py`` (plugins to kernel table) and
``hookspecs.py`` (the plugin contract).
"""
from . import autograd, registry
from .autograd import grad, no_grad, is_grad_enabled
from .primitives import PRIMITIVE_OPS
from .registry import OpDef, hookimpl
from .tensor import Tensor, apply

registry.declare_core_ops(PRIMITIVE_OPS)


def _sync_rules():
    autograd.RULES.clear()
    autograd.RULES.update({name: op.rule for name, op in registry.OPS.items() if op.rule})


registry._on_rebuild.append(_sync_rules)


def boot(extra_ops):
    """Declare the ops package's composites, register the NumPy reference
    plugin and the entry-point plugins, and pick the backend from
    ``TINYKERAS_BACKEND``.  Called once by ``tinykeras/__init__.py``."""
    import warnings
    from .. import _config
    from ..backends import numpy_backend
    registry.declare_core_ops(extra_ops)
    registry.pm.register(numpy_backend, name="numpy")
    registry.load_entry_points()
    registry.rebuild()
    wanted = _config.backend()
    if wanted != "numpy":
        try:
            registry.set_backend(wanted)
        except Exception as exc:  # keep the NumPy backend working
            warnings.warn(f"tinykeras: TINYKERAS_BACKEND={wanted!r} is unusable ({exc}); "
                          "using 'numpy'", RuntimeWarning)


__all__ = ["Tensor", "apply", "autograd", "registry", "grad", "no_grad", "is_grad_enabled",
           "OpDef", "hookimpl", "boot"]
