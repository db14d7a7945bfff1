"""Plugin ``"example"``: the hooks that add the snake op, its kernels and layer.

This is the module the ``tinykeras`` entry point ``example`` names, so
tinykeras imports it when tinykeras itself is imported; each hook runs
whenever the registry rebuilds its tables.

Which backends does it support?  Those it gives kernels for: ``numpy``
always, ``opencl`` when tinykeras-opencl is installed.  On any other
backend the op still runs, through its composite.

>>> import tinykeras as tk
>>> from tinykeras.core import registry
>>> registry.PROVIDERS[("numpy", "snake")]          # doctest: +SKIP
'example'
"""
from tinykeras import hookimpl

from . import ops

try:  # an optional backend: give its kernel only when its package is there
    from . import opencl
except ImportError:
    opencl = None


@hookimpl
def tinykeras_register_ops(register):
    register(ops.SNAKE)


@hookimpl
def tinykeras_register_kernels(register):
    register("numpy", "snake", ops.snake_numpy)
    if opencl is not None:
        register("opencl", "snake", opencl.snake)


@hookimpl
def tinykeras_register_serializables(register):
    from .layers import Snake  # imported here: the layers load only when the tables are built
    register(Snake, package="tinykeras_example")
