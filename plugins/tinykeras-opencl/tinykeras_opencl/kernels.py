"""The kernel table: every op this backend implements, by op name.

>>> from tinykeras_opencl.kernels import all_kernels
>>> table = all_kernels()
>>> sorted(op for op in table if op.startswith("log"))
['log', 'log1p', 'log_softmax', 'logical_and', 'logical_not', 'logical_or']
"""
import functools

from . import array, conv, elementwise, matmul, movement, optimizers, reduce, softmax

# Fused kernels for the core's composite ops (they replace the composite).
FUSED = ("relu", "sigmoid", "softmax", "log_softmax", "sparse_softmax_crossentropy",
         "sgd_update", "adam_update") + conv.OPS


@functools.lru_cache(maxsize=None)
def all_kernels():
    """``{op: kernel}``: the primitives of ``tinykeras.core.primitives`` plus :data:`FUSED`.

    Built once; treat the returned dict as read-only.
    """
    table = {"asarray": array.asarray, "to_numpy": array.to_numpy, "full": array.full}
    for module in (elementwise, reduce, softmax, movement, matmul, optimizers, conv):
        table.update(module.kernels())
    return table
