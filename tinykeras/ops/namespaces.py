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
    ``source`` (a module) has into module ``module_name`` (and its
    ``__all__``); return the names put there.

    >>> import types
    >>> export(__name__, "export sys nope", sys.modules[__name__])
    ['export', 'sys']
    """
    target = sys.modules[module_name]
    found = [n for n in names.split() if hasattr(source, n)]
    for name in found:
        setattr(target, name, getattr(source, name))
    target.__all__ = getattr(target, "__all__", []) + [n for n in found if n not in getattr(target, "__all__", [])]
    return found


def op_function(name):
    """The public function of the op called ``name`` in graph nodes and
    :data:`~tinykeras.ops.specs.SPECS`: ``tk.ops.<name>``, or
    ``tk.ops.image.<name>`` for an image op (those live only there).

    >>> op_function("resize").__module__, op_function("sum").__name__
    ('tinykeras.ops.image_ops', 'sum')
    """
    from .. import ops
    fn = getattr(ops, name, None)
    fn = fn if callable(fn) else getattr(ops.image, name, None)
    if not callable(fn):
        raise ValueError(f"no op {name!r} in tk.ops or tk.ops.image")
    return fn
