"""The tinykeras hook implementations: backend ``"opencl"`` and its kernels.

This is the module named by the ``tinykeras`` entry point, so tinykeras
imports it at start-up.  Importing it creates no OpenCL context: the
``describe`` callback and the kernels reach the device only when called.

>>> import tinykeras as tk                          # doctest: +SKIP
>>> tk.backend.set_backend("opencl")                # doctest: +SKIP
>>> (tk.ops.ones((2, 2)) @ tk.ops.ones((2, 2))).numpy().tolist()   # doctest: +SKIP
[[2.0, 2.0], [2.0, 2.0]]
"""
import inspect

from tinykeras.core import registry
from tinykeras.core.hookspecs import hookimpl

from . import device, host, kernels


@hookimpl
def tinykeras_register_backends(register):
    register("opencl", describe=device.describe)


def _fits(op, fn, declared):
    """Whether the fused kernel ``fn`` fits op ``op`` as this tinykeras declares it
    (``declared``: the core's ``{name: OpDef}``; None: it cannot say).

    A kernel for an undeclared op, or one whose signature does not take the
    op's inputs and parameters, would get the whole plugin rejected; so would
    silently wrong parameters.
    """
    if declared is None:
        return True
    opdef = declared.get(op)
    if opdef is None:
        return False
    try:
        inspect.signature(fn).bind(*[None] * max(opdef.n_inputs, 1), **{p: None for p in opdef.params})
    except TypeError:
        return False
    return True


@hookimpl
def tinykeras_register_kernels(register):
    """Every kernel of :func:`kernels.all_kernels`, with complex tensors kept
    on the host (:mod:`.host`)."""
    declared = getattr(registry, "core_ops", lambda: None)()  # the core's OpDefs
    creation = {"asarray": host.asarray, "to_numpy": host.to_numpy, "full": host.full}
    for op, fn in kernels.all_kernels().items():
        if op in kernels.FUSED and not _fits(op, fn, declared):
            continue  # the core declares no such op (or another version of it): keep its composite
        register("opencl", op, creation.get(op) or host.with_host_fallback(op, fn))
    for op in host.HOST_ONLY:
        if declared is None or op in declared:
            register("opencl", op, host.host_kernel(op))
