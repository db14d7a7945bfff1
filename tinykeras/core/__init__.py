"""The core: Tensor, autograd, the op registry and the primitive ops.

Reading order: ``tensor.py`` (what a Tensor is and how an op runs),
``autograd.py`` (backward), ``primitives.py`` (the op table with its
gradient rules), ``registry.py`` (op declarations and plugins to kernel
table) and ``hookspecs.py`` (the plugin contract).

The core imports nothing from the rest of tinykeras (a test checks it):
what the packages above must plug in goes through ``registry.HOOKS`` and
``tensor.Symbolic``.
"""
from . import autograd, registry
from .autograd import grad, no_grad, is_grad_enabled
from .complex_parts import COMPLEX_OPS
from .primitives import PRIMITIVE_OPS
from .registry import OpDef, hookimpl
from .tensor import Tensor, apply

registry.declare(*PRIMITIVE_OPS, *COMPLEX_OPS)

__all__ = ["Tensor", "apply", "autograd", "registry", "grad", "no_grad", "is_grad_enabled",
           "OpDef", "hookimpl"]
