"""Reductions: ``sum max min prod argmax argmin`` over any axes.

A reduction of ``x`` over some axes sees ``x`` as ``M`` outputs times ``R``
reduced elements.  Each output's ``R`` elements are cut into ``G`` chunks of
at most ``C``; one launch turns ``(M, R)`` into ``(M, G)`` partial results,
and the next launch reduces those partials the same way, until ``G == 1``.
Two kernel shapes share one source:

* **tree**: a work-group of 256 per (output, chunk); each work-item combines
  a strided slice (reads are coalesced), then a log2(256)-step tree in local
  memory combines the work-items;
* **seq**: one work-item per (output, chunk) looping over 256 elements;
  used for short rows and for column-style reductions whose neighbouring
  outputs are neighbours in memory.

So no float is ever added to a running sum longer than a few hundred terms:
the float32 error stays near NumPy's pairwise sum.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> x = asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
>>> to_numpy(reduce("sum", x, axis=(1,), keepdims=True))
array([[ 3.],
       [12.]], dtype=float32)
"""
import functools
import math

import numpy as np

from .array import DeviceArray, contiguous_strides, empty
from .codegen import FLOATS, collapse, index_type, shape_params, unravel
from .elementwise import widening

# UPDATE(av, ai, v, i) folds candidate value v (with index i) into accumulator (av, ai).
_BETTER = {"argmax": ">", "argmin": "<", "max": ">", "min": "<"}
_FLOAT_UPDATE = {
    "sum": "av = av + v;", "prod": "av = av * v;",
    "max": "if (v > av || isnan(v)) av = v;", "min": "if (v < av || isnan(v)) av = v;",
    # first NaN wins; among equal values the smallest index wins
    "arg": "if (v {op} av || (isnan(v) && !isnan(av)) || "
           "((v == av || (isnan(v) && isnan(av))) && i < ai)) {{ av = v; ai = i; }}",
}
_INT_UPDATE = {
    "sum": "av = av + v;", "prod": "av = av * v;",
    "max": "if (v > av) av = v;", "min": "if (v < av) av = v;",
    "arg": "if (v {op} av || (v == av && i < ai)) {{ av = v; ai = i; }}",
}
# The starting value of the accumulator, by op and C type.
_LIMITS = {"float": ("-INFINITY", "INFINITY"), "double": ("-INFINITY", "INFINITY"),
           "char": ("SCHAR_MIN", "SCHAR_MAX"), "short": ("SHRT_MIN", "SHRT_MAX"),
           "int": ("INT_MIN", "INT_MAX"), "long": ("LONG_MIN", "LONG_MAX"),
           "uchar": ("0", "UCHAR_MAX"), "ushort": ("0", "USHRT_MAX"), "uint": ("0", "UINT_MAX"),
           "ulong": ("0", "ULONG_MAX"), "tk_bool": ("0", "1")}


def _neutral(op, ct):
    if op in ("sum", "prod"):
        return "0" if op == "sum" else "1"
    return _LIMITS[ct][0 if _BETTER[op] == ">" else 1]


def _update(op, ct):
    table = _FLOAT_UPDATE if ct in FLOATS else _INT_UPDATE
    return table["arg"].format(op=_BETTER[op]) if op.startswith("arg") else table[op]


def reduce_source(op, in_ct, acc_ct, nk, nr, idx, mode, local, has_idx_in, family=()):
    """Source of kernel ``reduce_<op>`` for ``nk`` kept and ``nr`` reduced (collapsed) dims.

    ``family``: more ops (with the same argument list) whose kernels go into the same
    source, compiled once: ``sum prod max min`` share one, ``argmax argmin`` another.
    """
    arg = op.startswith("arg")
    params = [f"__global {acc_ct} *out_p", "__global int *outi_p" if arg else None,
              f"__global const {in_ct} *x_p", "__global const int *xi_p" if has_idx_in else None,
              "const IDX M", "const IDX R", "const IDX C", "const IDX G", "const IDX x_off"]
    params = [p for p in params if p] + shape_params("k", nk) + [
        f"const IDX x_st{d}" for d in range(nk)] + shape_params("r", nr) + [
        f"const IDX y_st{d}" for d in range(nr)]
    candidate = "xi_p[y_at]" if has_idx_in else "(int)r"
    seq = mode == "seq"
    # seq: work-item gid -> (o, g) with o fastest (neighbouring outputs read neighbouring
    # memory in column reductions); tree: work-group -> (o, g), work-items stride by LOCAL.
    head = ("const IDX gid = (IDX)get_global_id(0);\n    if (gid >= M * G) return;\n"
            "    const IDX o = gid % M, g = gid / M;" if seq else
            "const IDX o = (IDX)get_group_id(0) / G, g = (IDX)get_group_id(0) % G;\n"
            "    const int t = get_local_id(0);")
    start, step = ("g * C", "1") if seq else ("g * C + t", "LOCAL")
    tree = "" if seq else """
    __local ACC sv[LOCAL];
    __local int si[LOCAL];
    sv[t] = av; si[t] = ai;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LOCAL / 2; s > 0; s >>= 1) {
        if (t < s) { const ACC v = sv[t + s]; const int i = si[t + s]; UPDATE; sv[t] = av; si[t] = ai; }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t != 0) return;"""
    body = f"""
__kernel void reduce_OP({", ".join(params)})
{{
    {head}
    IDX x_at = x_off;
    {unravel("o", "k", nk, ["x"])}
    ACC av = NEUTRAL;
    int ai = INT_MAX;
    const IDX end = min(R, (g + 1) * C);
    for (IDX r = {start}; r < end; r += {step}) {{
        IDX y_at = x_at;
        {unravel("r", "r", nr, ["y"])}
        const ACC v = (ACC)x_p[y_at];
        const int i = {candidate};
        UPDATE;
    }}{tree}
    out_p[o * G + g] = av;{" outi_p[o * G + g] = ai;" if arg else ""}
}}
"""
    kernels = "".join(body.replace("reduce_OP", f"reduce_{name}").replace(
        "UPDATE", _update(name, acc_ct)).replace("NEUTRAL", _neutral(name, acc_ct))
        for name in dict.fromkeys([op, *family]))
    return f"""typedef {idx} IDX;
typedef {acc_ct} ACC;
#define LOCAL {local}
{kernels}"""


def result_dtype(op, dtype):
    """The reference backend's result dtype.

    ``sum`` and ``prod`` keep the input dtype (bool becomes int32), as in Keras;
    ``argmax``/``argmin`` give int32; ``max``/``min`` keep the dtype.
    """
    if op.startswith("arg") or (op in ("sum", "prod") and dtype == np.bool_):
        return np.dtype(np.int32)
    return np.dtype(dtype)


@functools.lru_cache(maxsize=None)
def family(op, in_dtype, acc_dtype, has_idx):
    """The reductions compiled in one program with ``op``: same input and accumulator
    dtypes, same arguments (``sum prod max min`` on float32, or ``argmax argmin``).

    >>> family("max", np.dtype("float32"), np.dtype("float32"), False)
    ('max', 'min', 'prod', 'sum')
    >>> family("max", np.dtype("bool"), np.dtype("bool"), False)    # bools sum to int32
    ('max', 'min')
    """
    if op.startswith("arg"):
        return ("argmax", "argmin")
    if has_idx:  # never happens: only arg reductions carry indices
        return (op,)
    return tuple(sorted(other for other in ("sum", "prod", "max", "min")
                        if result_dtype(other, in_dtype) == acc_dtype))


def _stage(dev, op, in_dtype, acc_dtype, has_idx, size, kept, red, M, R, mode):
    """Plan one launch that reduces ``(M, R)`` to ``(M, G)`` partial results.

    ``kept`` and ``red`` are (shape, strides) of the kept and reduced dims of
    an input of ``size`` elements.  Returns ``(kernel, global size, local
    size, scalar arguments, G)``.
    """
    seq = mode == "seq" if mode else (R <= 32 or (red[1][-1] != 1 and M >= 1024))
    local = dev.local_size
    chunk = 256 if seq else local * 16
    G = max(1, -(-R // chunk))
    C = -(-R // G) if R else 0
    nk, nr = len(kept[0]), len(red[0])
    idx = index_type(size, M * G, R)
    in_ct, acc_ct = dev.ctype(in_dtype), dev.ctype(acc_dtype)
    mode = "seq" if seq else "tree"
    key = ("reduce", op, in_ct, acc_ct, nk, nr, idx, mode, local, has_idx)
    n_buffers = 2 + op.startswith("arg") + has_idx
    ops = family(op, np.dtype(in_dtype), np.dtype(acc_dtype), has_idx)
    knl = dev.kernel(key, lambda: reduce_source(op, in_ct, acc_ct, nk, nr, idx, mode, local,
                                                has_idx, ops),
                     f"reduce_{op}", [None] * n_buffers + [np.int32 if idx == "int" else np.int64] *
                     (3 + 2 * nk + 2 * nr),
                     program_key=("reduce", ops, in_ct, acc_ct, nk, nr, idx, mode, local, has_idx))
    scalars = (M, R, C, G, 0, *kept[0][1:], *kept[1], *red[0][1:], *red[1])
    groups = -(-M * G // local) if seq else M * G
    return knl, (groups * local,), (local,), scalars, G


@functools.lru_cache(maxsize=4096)
def _plan(dev, op, shape, dtype, axes, keepdims, mode):
    """Output shape and dtype, and the launches (see :func:`_stage`) of one reduction."""
    out_dtype = result_dtype(op, dtype)
    kept_dims = [d for d in range(len(shape)) if d not in axes]
    out_shape = tuple(1 if d in axes else n for d, n in enumerate(shape)) if keepdims else \
        tuple(shape[d] for d in kept_dims)
    M, R = math.prod(shape[d] for d in kept_dims), math.prod(shape[d] for d in axes)
    if R == 0 and op not in ("sum", "prod"):
        raise ValueError(f"zero-size array to reduction operation {op} which has no identity")
    acc_dtype = dtype if op.startswith("arg") else out_dtype
    stages = []
    if M:
        strides = contiguous_strides(shape)
        kept = collapse([shape[d] for d in kept_dims], [strides[d] for d in kept_dims])
        red = collapse([shape[d] for d in axes], [strides[d] for d in axes])
        stage = _stage(dev, op, dtype, acc_dtype, False, math.prod(shape),
                       (kept[0], kept[1][0]), (red[0], red[1][0]), M, R, mode)
        stages.append(stage)
        while stage[-1] > 1:  # reduce the (M, G) partials over their last axis
            G = stage[-1]
            stage = _stage(dev, op, acc_dtype, acc_dtype, op.startswith("arg"), M * G,
                           ((M,), (G,)), ((G,), (1,)), M, G, mode)
            stages.append(stage)
    return out_shape, out_dtype, acc_dtype, M, tuple(stages)


def reduce(op, x, axis=None, keepdims=False, mode=None):
    """Reduce ``x`` over ``axis`` (None, an int or a tuple) with NumPy's result shape and dtype.

    ``mode`` (``"seq"`` or ``"tree"``) forces a kernel shape; tests use it.
    """
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, (int, np.integer)) \
        else axis
    axes = tuple(sorted(int(a) % x.ndim for a in axes)) if x.ndim else ()
    dev, arg = x.device, op.startswith("arg")
    out_shape, out_dtype, acc_dtype, M, stages = _plan(dev, op, x.shape, x.dtype, axes,
                                                       bool(keepdims), mode)
    vals, idx = x, None
    for knl, global_size, local_size, scalars, G in stages:
        out = empty((M, G), acc_dtype, dev)
        outi = empty((M, G), np.int32, dev) if arg else None
        buffers = [out.data] + ([outi.data] if arg else []) + [vals.data] + \
            ([idx.data] if idx is not None else [])
        dev.launch(knl, global_size, local_size, *buffers, *scalars)
        vals, idx = out, outi
    if not stages:
        return empty(out_shape, out_dtype, dev)
    return DeviceArray(out_shape, out_dtype, (idx if arg else vals).data, dev)  # a free reshape


def kernels():
    """``{op name: kernel}`` for every op this module implements."""
    # float16 is reduced in float32: OpenCL can load half, not compute in it
    table = {op: widening(functools.partial(reduce, op))
             for op in ("sum", "max", "min", "prod", "argmax", "argmin")}
    return table
