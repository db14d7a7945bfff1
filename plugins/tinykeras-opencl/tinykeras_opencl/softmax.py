"""Fused softmax, log-softmax and sparse softmax cross-entropy: one launch each.

One work-group handles one row (the elements along the softmax axis).  Its
work-items find the row's maximum together (a tree in local memory), then
the sum of ``exp(x - max)`` the same way, then write the results: three
passes over the row, all from one kernel, never overflowing ``exp``.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> to_numpy(softmax(asarray(np.array([[0.0, 0.0]], np.float32)))).tolist()
[[0.5, 0.5]]
>>> logits, labels = asarray(np.zeros((2, 4), np.float32)), asarray(np.array([0, 3]))
>>> [round(float(v), 4) for v in to_numpy(sparse_softmax_crossentropy(logits, labels))]
[1.3863, 1.3863]
"""
import functools
import math

import numpy as np

from .array import empty
from .codegen import index_type
from .elementwise import widening

SOFTMAX_KERNEL = """
__kernel void NAME(__global CT *out, __global const CT *x, const IDX R, const IDX post)
{  /* row `row` of an array viewed as (pre, R, post): elements `post` apart */
    __local CT s[LOCAL];
    const IDX row = get_group_id(0);
    const int t = get_local_id(0);
    const IDX base = (row / post) * R * post + row % post;
    CT m, z;
    row_max_and_sum(x, base, R, post, s, t, &m, &z);
    for (IDX j = t; j < R; j += LOCAL) {
        const CT v = x[base + j * post] - m;
        out[base + j * post] = RESULT;
    }
}
"""

ROW_SOURCE = """
typedef {idx} IDX;
typedef {ct} CT;
#define LOCAL {local}
CT group_combine(__local CT *s, CT v, const int t, const int take_max)
{{  /* every work-item gets the max (NaN wins, as in NumPy) or the sum of everyone's v */
    s[t] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = LOCAL / 2; k > 0; k >>= 1) {{
        if (t < k) {{ const CT w = s[t + k]; s[t] = take_max ? ((w > s[t] || isnan(w)) ? w : s[t]) : s[t] + w; }}
        barrier(CLK_LOCAL_MEM_FENCE);
    }}
    v = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return v;
}}
void row_max_and_sum(__global const CT *x, const IDX base, const IDX R, const IDX step,
                     __local CT *s, const int t, CT *max_out, CT *sum_out)
{{  /* the row is x[base], x[base + step], ..., R elements */
    CT m = -INFINITY, z = 0;
    for (IDX j = t; j < R; j += LOCAL) {{ const CT v = x[base + j * step]; if (v > m || isnan(v)) m = v; }}
    m = group_combine(s, m, t, 1);
    for (IDX j = t; j < R; j += LOCAL) z += exp(x[base + j * step] - m);
    *max_out = m;
    *sum_out = group_combine(s, z, t, 0);
}}
{softmax_kernels}__kernel void sparse_xent(__global CT *out, __global const CT *x, __global const {label_ct} *labels,
                          const IDX R)
{{  /* -log_softmax(x)[label] for each row of a (rows, R) array; a bad label gives NaN */
    __local CT s[LOCAL];
    const IDX row = get_group_id(0);
    const int t = get_local_id(0);
    CT m, z;
    row_max_and_sum(x, row * R, R, 1, s, t, &m, &z);
    if (t == 0) {{
        long k = labels[row];
        if (k < 0) k += R;  /* negative labels count from the end, as NumPy indices */
        out[row] = (k >= 0 && k < R) ? -((x[row * R + k] - m) - log(z)) : NAN;
    }}
}}
"""


def _row_source(idx, ct, local, label_ct):
    """Softmax, log-softmax and sparse cross-entropy: three kernels, one program."""
    kernels = "".join(SOFTMAX_KERNEL.replace("NAME", name).replace("RESULT", result)
                      for name, result in [("softmax", "exp(v) / z"), ("log_softmax", "v - log(z)")])
    return ROW_SOURCE.format(idx=idx, ct=ct, local=local, label_ct=label_ct,
                             softmax_kernels=kernels)


def _row_kernel(dev, name, dtype, size, R, label_dtype=None):
    """Kernel ``name`` for rows of ``R`` (built once per dtype), and its local size."""
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} needs a float array, not {dtype}")
    local = 32 if R <= 256 else dev.local_size  # short rows: one 32-wide group each
    idx, ct = index_type(size), dev.ctype(dtype)
    label_ct = dev.ctype(label_dtype) if label_dtype is not None else "int"
    key = ("rows", name, ct, idx, local, label_ct)
    i_type = np.int32 if idx == "int" else np.int64
    scalars = [i_type] if name == "sparse_xent" else [i_type, i_type]
    n_buffers = 3 if name == "sparse_xent" else 2
    return dev.kernel(key, lambda: _row_source(idx, ct, local, label_ct), name,
                      [None] * n_buffers + scalars,
                      program_key=("rows", ct, idx, local, label_ct)), local


def softmax(x, axis=-1, log=False):
    """Max-subtracted softmax (or log-softmax, ``log=True``) along one axis."""
    out = empty(x.shape, x.dtype, x.device)
    if x.size == 0:
        return out
    axis = axis % x.ndim
    R, post = x.shape[axis], math.prod(x.shape[axis + 1:])
    knl, local = _row_kernel(x.device, "log_softmax" if log else "softmax", x.dtype, x.size, R)
    x.device.launch(knl, (x.size // R * local,), (local,), out.data, x.data, R, post)
    return out


def sparse_softmax_crossentropy(logits, labels):
    """``-log_softmax(logits)[..., label]``: logits ``(..., C)``, integer labels ``(...)``."""
    if labels.dtype.kind not in "iu" or labels.shape != logits.shape[:-1]:
        raise ValueError(f"sparse_softmax_crossentropy: labels {labels.shape} {labels.dtype} "
                         f"do not fit logits {logits.shape}")
    out = empty(labels.shape, logits.dtype, logits.device)
    R = logits.shape[-1]
    if out.size == 0:
        return out
    knl, local = _row_kernel(logits.device, "sparse_xent", logits.dtype, logits.size, R,
                             label_dtype=labels.dtype)
    logits.device.launch(knl, (out.size * local,), (local,), out.data, logits.data,
                         labels.data, R)
    return out


def kernels():
    """``{op name: kernel}``; float16 runs in float32 (OpenCL cannot compute in half)."""
    return {"softmax": widening(softmax),
            "log_softmax": widening(functools.partial(softmax, log=True)),
            "sparse_softmax_crossentropy": widening(sparse_softmax_crossentropy)}
