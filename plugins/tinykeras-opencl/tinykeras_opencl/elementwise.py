"""Elementwise kernels: unary, binary, ``where``, ``cast``, ``relu``, ``sigmoid``.

They are all :func:`elementwise` with a different op name; the expression
comes from :data:`codegen.CODE_FOR_OP`.  Output dtypes follow NumPy exactly,
because we ask NumPy: ``np.divide(int32, int32)`` on empty arrays says
``float64``, so that is what the kernel writes.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> x = asarray(np.array([[1.0], [2.0]], np.float32))           # doctest: +SKIP
>>> y = asarray(np.array([10.0, 20.0, 30.0], np.float32))        # doctest: +SKIP
>>> to_numpy(elementwise("add", x, y))                           # doctest: +SKIP
array([[11., 21., 31.],
       [12., 22., 32.]], dtype=float32)
"""
import functools
import math

import numpy as np

from .array import View, empty, view
from .codegen import collapse, index_type, map_scalar_dtypes, map_source

UNARY_OPS = ("negative", "exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "sin",
             "cos", "tanh", "erf", "floor", "ceil", "round", "logical_not")
BINARY_OPS = ("add", "subtract", "multiply", "divide", "power", "maximum", "minimum",
              "floor_divide", "mod", "equal", "not_equal", "less", "less_equal", "greater",
              "greater_equal", "logical_and", "logical_or")
FUSED_OPS = ("relu", "sigmoid")

# Ops NumPy has no ufunc for, with a NumPy function that has the same dtype rule.
_DTYPE_RULE = {"erf": np.exp, "sigmoid": np.exp, "relu": np.positive}


@functools.lru_cache(maxsize=None)
def result_dtype(op, dtypes):
    """NumPy's output dtype for ``op`` on inputs of ``dtypes`` (raises as NumPy does)."""
    if op == "where":
        return np.dtype(dtypes[1])
    fn = _DTYPE_RULE.get(op) or getattr(np, op)
    with np.errstate(all="ignore"):
        return fn(*(np.zeros(1, d) for d in dtypes)).dtype


def broadcast_view(x, shape):
    """View ``x`` as ``shape`` with stride 0 along broadcast dimensions."""
    v = view(x)
    lead = len(shape) - x.ndim
    strides = [0] * lead + [0 if n == 1 and m != 1 else s
                            for n, m, s in zip(x.shape, shape[lead:], v.strides)]
    return View(x, 0, tuple(shape), tuple(strides))


def run_map(op, out, ins, compute_ctype=None):
    """Launch the ``map`` kernel: ``out[...] = op(*ins)`` where all are :class:`View` s.

    ``out`` and every input must already have the same (broadcast) shape.  This
    one function also performs every copy with strides: transpose, slices,
    padding, concatenation.
    """
    n = math.prod(out.shape)
    if n == 0:
        return
    dev = out.array.device
    shape, strides = collapse(out.shape, out.strides, *(v.strides for v in ins))
    ndim = len(shape)
    idx = index_type(n, out.array.size, *(v.array.size for v in ins))
    out_ct = dev.ctype(out.array.dtype)
    in_cts = tuple(dev.ctype(v.array.dtype) for v in ins)
    compute_ct = compute_ctype or out_ct
    names = "cab" if op == "where" else "abc"
    key = ("map", op, out_ct, in_cts, compute_ct, ndim, idx)
    knl = dev.kernel(key, lambda: map_source(op, out_ct, in_cts, compute_ct, ndim, idx, names),
                     "map", map_scalar_dtypes(len(ins), ndim, idx))
    args = [out.array.data, out.offset, *strides[0]]
    for v, st in zip(ins, strides[1:]):
        args += [v.array.data, v.offset, *st]
    args += [n, *shape[1:]]
    local = dev.local_size
    dev.launch(knl, (-(-n // local) * local,), (local,), *args)


def elementwise(op, *xs):
    """Apply ``op`` to device arrays with NumPy broadcasting and dtype rules."""
    shape = np.broadcast_shapes(*(x.shape for x in xs))
    out_dtype = result_dtype(op, tuple(x.dtype for x in xs))
    out = empty(shape, out_dtype, xs[0].device)
    # Comparisons and logical ops compute in the input type, the rest in the output type.
    compute = xs[-1].dtype if out_dtype == np.bool_ else out_dtype
    run_map(op, view(out), [broadcast_view(x, shape) for x in xs], out.device.ctype(compute))
    return out


def where(cond, x, y):
    """``x`` where ``cond`` is true, else ``y`` (all three broadcast)."""
    return elementwise("where", cond, x, y)


def cast(x, dtype):
    """Convert to ``dtype`` with C conversion rules (float to int truncates, as NumPy does)."""
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x  # arrays are immutable, so sharing is safe
    out = empty(x.shape, dtype, x.device)
    compute = x.dtype if dtype == np.bool_ else dtype
    run_map("cast", view(out), [view(x)], out.device.ctype(compute))
    return out


def copy_into(dst, src):
    """Copy View ``src`` into View ``dst`` (same shape, same dtype), strides and all."""
    run_map("copy", dst, [src])


def kernels():
    """``{op name: kernel}`` for every op this module implements."""
    table = {op: functools.partial(elementwise, op) for op in UNARY_OPS + BINARY_OPS + FUSED_OPS}
    table.update(where=where, cast=cast)
    return table
