"""Elementwise kernels: unary, binary, ``where``, ``cast``, ``relu``, ``sigmoid``.

They are all :func:`elementwise` with a different op name; the expression
comes from :data:`codegen.CODE_FOR_OP`.  Output dtypes follow NumPy exactly,
because we ask NumPy: ``np.divide(int32, int32)`` on empty arrays says
``float64``, so that is what the kernel writes.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> x = asarray(np.array([[1.0], [2.0]], np.float32))
>>> y = asarray(np.array([10.0, 20.0, 30.0], np.float32))
>>> to_numpy(elementwise("add", x, y))
array([[11., 21., 31.],
       [12., 22., 32.]], dtype=float32)
"""
import functools
import math

import numpy as np

from .array import View, contiguous_strides, empty, view
from .codegen import collapse, index_type, map_scalar_dtypes, map_source
from .device import KernelBuildError

UNARY_OPS = ("negative", "exp", "log", "log1p", "expm1", "sqrt", "abs", "sign", "sin",
             "cos", "tanh", "erf", "floor", "ceil", "round", "logical_not")
BINARY_OPS = ("add", "subtract", "multiply", "divide", "power", "maximum", "minimum",
              "floor_divide", "mod", "equal", "not_equal", "less", "less_equal", "greater",
              "greater_equal", "logical_and", "logical_or")
FUSED_OPS = ("relu", "sigmoid")
_FAMILY_OPS = frozenset(UNARY_OPS + BINARY_OPS + FUSED_OPS)

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


def op_dtypes(op, dtypes):
    """``(output dtype, compute dtype)`` of ``op`` on inputs of ``dtypes``.

    Comparisons and logical ops compute in the input type, the rest in the output type.
    """
    out = result_dtype(op, dtypes)
    return out, (np.dtype(dtypes[-1]) if out == np.bool_ else out)


@functools.lru_cache(maxsize=None)
def family(op, dtypes):
    """The ops whose kernels are compiled together with ``op``'s, in one program.

    They are the ops of the same arity that, on inputs of ``dtypes``, have the
    same output and compute dtypes as ``op``: their kernels differ only in the
    expression.  A compiler pays mostly per program, not per kernel (PoCL:
    about 0.3 s for a program of one kernel, 0.35 s for eight), so the first
    ``multiply`` after an ``add`` of the same types is nearly free.

    >>> family("add", (np.dtype("float32"), np.dtype("float32")))[:4]
    ('add', 'divide', 'floor_divide', 'maximum')
    """
    group = next((g for g in (UNARY_OPS + FUSED_OPS, BINARY_OPS) if op in g), (op,))
    want, members = op_dtypes(op, dtypes), []
    for other in group:
        try:
            if other == op or op_dtypes(other, dtypes) == want:
                members.append(other)
        except TypeError:  # NumPy has no such loop (e.g. logical ops on some types)
            continue
    return tuple(sorted(members))


def broadcast_strides(shape, target):
    """Element strides that read a C-contiguous ``shape`` as ``target`` (0 where broadcast).

    >>> broadcast_strides((3, 1), (2, 3, 4))
    (0, 1, 0)
    """
    lead = len(target) - len(shape)
    return (0,) * lead + tuple(0 if n == 1 and m != 1 else s for n, m, s in
                               zip(shape, target[lead:], contiguous_strides(shape)))


def broadcast_view(x, shape):
    """View ``x`` as ``shape`` with stride 0 along broadcast dimensions."""
    return View(x, 0, tuple(shape), broadcast_strides(x.shape, tuple(shape)))


@functools.lru_cache(maxsize=4096)
def _map_plan(dev, op, shape, geometry, compute_dtype):
    """Everything about a launch that depends only on shapes, strides and dtypes.

    Cached, so that a training loop, which repeats the same shapes, pays for
    collapsing dims, choosing the kernel and building the argument list once.
    ``geometry`` has ``(offset, strides, buffer size, dtype)`` for the output,
    then for each input.  Returns ``(kernel, global size, local size, argument
    list with None for the buffers, the positions of the buffers)``.
    """
    n = math.prod(shape)
    shape, strides = collapse(shape, *(g[1] for g in geometry))
    ndim = len(shape)
    idx = index_type(n, *(g[2] for g in geometry))
    out_ct, *in_cts = (dev.ctype(g[3]) for g in geometry)
    compute_ct = dev.ctype(compute_dtype or geometry[0][3])
    names = "cab" if op == "where" else "abc"
    key = ("map", op, out_ct, tuple(in_cts), compute_ct, ndim, idx)
    scalar_dtypes = map_scalar_dtypes(len(in_cts), ndim, idx)
    ops = (op,)
    if compute_dtype is not None and _plain_op(op, geometry, compute_dtype):
        ops = family(op, tuple(g[3] for g in geometry[1:]))
    program_key = ("map", ops, out_ct, tuple(in_cts), compute_ct, ndim, idx)
    if program_key in _UNBUILDABLE:
        ops, program_key = (op,), key
    try:
        knl = dev.kernel(key, lambda: map_source(op, out_ct, in_cts, compute_ct, ndim, idx, names,
                                                 ops), f"map_{op}", scalar_dtypes, program_key)
    except KernelBuildError:
        if len(ops) == 1:
            raise
        _UNBUILDABLE.add(program_key)  # a sibling did not compile for these types: op alone
        return _map_plan(dev, op, shape, geometry, compute_dtype)
    args, slots = [], []
    for (offset, *_), st in zip(geometry, strides):
        slots.append(len(args))
        args += [None, offset, *st]
    args += [n, *shape[1:]]
    local = dev.local_size
    return knl, (-(-n // local) * local,), (local,), tuple(args), tuple(slots)


def run_map(op, out, ins, compute_dtype=None):
    """Launch the ``map`` kernel: ``out[...] = op(*ins)`` where all are :class:`View` s.

    ``out`` and every input must already have the same (broadcast) shape.  This
    one function also performs every copy with strides: transpose, slices,
    padding, concatenation.  The kernel computes in ``compute_dtype`` (default:
    the output's dtype).
    """
    if 0 in out.shape:
        return
    views = (out, *ins)
    geometry = tuple((v.offset, v.strides, v.array.size, v.array.dtype) for v in views)
    dev = out.array.device
    knl, global_size, local_size, args, slots = _map_plan(dev, op, out.shape, geometry,
                                                          compute_dtype)
    args = list(args)
    for slot, v in zip(slots, views):
        args[slot] = v.array.data
    dev.launch(knl, global_size, local_size, *args)


_UNBUILDABLE = set()  # family programs that failed to compile (never seen, but be safe)


def _plain_op(op, geometry, compute_dtype):
    """Whether a launch is ``op`` with its usual dtypes (not a copy, cast or special use)."""
    if op not in _FAMILY_OPS:
        return False
    try:
        return op_dtypes(op, tuple(g[3] for g in geometry[1:])) == (geometry[0][3], compute_dtype)
    except TypeError:
        return False


@functools.lru_cache(maxsize=4096)
def _broadcast_plan(op, shapes, dtypes):
    """Output shape, output dtype, compute dtype and input strides (cached)."""
    shape = np.broadcast_shapes(*shapes)
    out_dtype, compute = op_dtypes(op, dtypes)
    return shape, out_dtype, compute, tuple(broadcast_strides(s, shape) for s in shapes)


def elementwise(op, *xs):
    """Apply ``op`` to device arrays with NumPy broadcasting and dtype rules."""
    shape, out_dtype, compute, strides = _broadcast_plan(
        op, tuple(x.shape for x in xs), tuple(x.dtype for x in xs))
    out = empty(shape, out_dtype, xs[0].device)
    run_map(op, view(out), [View(x, 0, shape, st) for x, st in zip(xs, strides)], compute)
    return out


def where(cond, x, y):
    """``x`` where ``cond`` is true, else ``y`` (all three broadcast)."""
    return elementwise("where", cond, x, y)


def cast(x, dtype):
    """Convert to ``dtype`` with C conversion rules (float to int truncates, as NumPy does)."""
    dtype = np.dtype(dtype)
    # Always a new array, even for the same dtype, as NumPy's astype: fused
    # optimizer kernels update arrays in place, so a cast must not alias.
    out = empty(x.shape, dtype, x.device)
    run_map("cast", view(out), [view(x)], x.dtype if dtype == np.bool_ else dtype)
    return out


FLOAT16_AS_FLOAT32 = {np.dtype(np.float16): np.dtype(np.float32)}


def widening(kernel, widen=FLOAT16_AS_FLOAT32):
    """Wrap ``kernel`` to run on wider dtypes and cast its result back.

    OpenCL can load and store ``half`` but computes in it only with an
    extension, so kernels with their own arithmetic (reductions, matmul)
    see float16 arrays as float32::

        sum16 = widening(functools.partial(reduce, "sum"))
    """
    @functools.wraps(kernel)
    def run(*xs, **params):
        narrow = next((x.dtype for x in xs if getattr(x, "dtype", None) in widen), None)
        if narrow is None:
            return kernel(*xs, **params)
        out = kernel(*[cast(x, widen[x.dtype]) if getattr(x, "dtype", None) in widen else x for x in xs],
                     **params)
        return cast(out, narrow) if out.dtype == widen[narrow] else out
    return run


def copy_into(dst, src):
    """Copy View ``src`` into View ``dst`` (same shape, same dtype), strides and all."""
    run_map("copy", dst, [src])


def kernels():
    """``{op name: kernel}`` for every op this module implements."""
    table = {op: functools.partial(elementwise, op) for op in UNARY_OPS + BINARY_OPS + FUSED_OPS}
    table.update(where=where, cast=cast)
    return table
