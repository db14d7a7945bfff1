"""Keras's ``keras.ops`` submodules (``keras.ops.numpy``, ``.nn``,
``.linalg``, ``.image``, and Keras's source groups ``core`` and ``math``):
which of the ops each one holds.

Each submodule (``tinykeras/ops/numpy.py``, ...) is one call of
:func:`export`, with the names Keras 3 puts in it; the functions are the
very objects of ``tk.ops`` (or of ``tk.ops.image``'s module), so
``tk.ops.numpy.sum is tk.ops.sum``.

>>> import tinykeras as tk
>>> tk.ops.numpy.sum is tk.ops.sum and tk.ops.nn.relu is tk.ops.relu
True
"""
import sys


def export(module_name, names, source):
    """Put each of ``names`` (a whitespace-separated string) that
    ``source`` (a module) has into module ``module_name``; return the names
    put there.

    >>> import types
    >>> export(__name__, "export sys nope", sys.modules[__name__])
    ['export', 'sys']
    """
    target = sys.modules[module_name]
    found = [n for n in names.split() if hasattr(source, n)]
    for name in found:
        setattr(target, name, getattr(source, name))
    if not hasattr(target, "__all__"):
        target.__all__ = found
    return found
