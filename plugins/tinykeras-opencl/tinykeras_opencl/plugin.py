"""The tinykeras hook implementations: backend ``"opencl"`` and its kernels.

This is the module named by the ``tinykeras`` entry point, so tinykeras
imports it at start-up.  Importing it creates no OpenCL context: the
``describe`` callback and the kernels reach the device only when called.

>>> import tinykeras as tk                          # doctest: +SKIP
>>> tk.backend.set_backend("opencl")                # doctest: +SKIP
>>> (tk.ops.ones((2, 2)) @ tk.ops.ones((2, 2))).numpy().tolist()   # doctest: +SKIP
[[2.0, 2.0], [2.0, 2.0]]
"""
from tinykeras.core.hookspecs import hookimpl

from . import conv, device, kernels


@hookimpl
def tinykeras_register_backends(register):
    register("opencl", describe=device.describe)


def _core_composites():
    """``{name: (n_inputs, params)}`` of the composite ops this tinykeras declares
    (None: it cannot say)."""
    from tinykeras.core import registry
    core_ops = getattr(registry, "core_ops", None)
    if core_ops is None:
        return None
    return {name: (op.n_inputs, tuple(op.params)) for name, op in core_ops().items() if not op.primitive}


def _fits(op, declared):
    """Whether the fused kernel for ``op`` fits the op this tinykeras declares.

    A kernel for an undeclared op, or one whose signature does not bind, would
    get the whole plugin rejected; so would silently wrong parameters.
    """
    if declared is None:
        return True
    if op not in declared:
        return False
    expected = conv.SIGNATURES.get(op)
    return expected is None or declared[op] == expected


@hookimpl
def tinykeras_register_kernels(register):
    declared = _core_composites()
    for op, fn in kernels.all_kernels().items():
        if op in kernels.FUSED and not _fits(op, declared):
            continue  # the core declares no such op (or another version of it): keep its composite
        register("opencl", op, fn)
