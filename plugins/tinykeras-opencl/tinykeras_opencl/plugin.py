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

from . import device, kernels


@hookimpl
def tinykeras_register_backends(register):
    register("opencl", describe=device.describe)


def _core_composites():
    """Names of the composite ops this tinykeras declares (None: it cannot say)."""
    try:
        from tinykeras.ops.dispatch import COMPOSITE_OPS
    except ImportError:
        return None
    return {op.name for op in COMPOSITE_OPS}


@hookimpl
def tinykeras_register_kernels(register):
    declared = _core_composites()
    for op, fn in kernels.all_kernels().items():
        if op in kernels.FUSED and declared is not None and op not in declared:
            continue  # a kernel for an undeclared op would get the whole plugin rejected
        register("opencl", op, fn)
