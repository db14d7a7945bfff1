"""Plugin ``"example_relu"``: replaces the NumPy backend's ``relu`` kernel.

A second entry point of the same distribution, to show precedence: the
NumPy reference registers its kernels with ``trylast=True``, ordinary
plugins come before it, and this hook is marked ``tryfirst=True`` so it
wins over ordinary plugins too.  The kernel gives exactly the numbers of
the reference (the same ufunc, written into a fresh copy), so installing
it changes nothing but the provider that ``python -m tinykeras plugins``
shows::

    example_relu (tinykeras-example 0.1.0): ... 1 kernels ...
      overrides numpy:relu (over numpy)

``tk.registry.unregister(name="example_relu")`` puts the reference back.

>>> relu(np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""
import numpy as np

from tinykeras import hookimpl


def relu(x):
    """``max(x, 0)`` computed in place on a copy (kernels never write into their inputs)."""
    out = np.array(x, copy=True)
    np.maximum(out, 0, out=out)
    return out


@hookimpl(tryfirst=True)
def tinykeras_register_kernels(register):
    register("numpy", "relu", relu)
