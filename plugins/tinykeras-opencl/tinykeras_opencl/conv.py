"""Convolutions and pooling on the device: im2col + the tiled GEMM, col2im, direct pools.

These replace the core's composite ops of the same names
(``tinykeras/ops/conv_ops.py`` and ``pool_ops.py``), which would otherwise
run as dozens of small launches (a pad, one strided copy per kernel tap, a
concatenate, a matmul, one scatter per tap for the gradients):

* ``conv_general(x, w)``: **im2col** writes the patch matrix ``(R, K*C)``
  (R = batch x output positions, K = kernel taps, C = channels) in one
  launch, zeros standing in for the padding, then the register-blocked GEMM
  of :mod:`.matmul` multiplies it by the kernel ``(K*C, O)``;
* ``conv_kernel_grad(x, g)``: the same im2col, written *transposed*
  ``(K*C, R)``, times the output gradient ``(R, O)``;
* ``conv_input_grad(g, w)``: the GEMM ``g @ w^T`` gives one column block
  per tap, and **col2im** sums them back onto the input.  It is a gather,
  not a scatter: each work-item owns one input element and adds up the
  taps whose windows cover it, so there are no atomics and the sum order
  is NumPy's (tap by tap);
* grouped and depthwise convolutions write the patch matrix group-major
  ``(G, R, K*C/G)`` and use the GEMM's batch dimension;
* ``max_pool_general``, ``avg_pool_general``: one work-item per output,
  looping over its window; their gradients are gathers again, one
  work-item per input element looping over the windows that contain it
  (the max-pool gradient goes to each window's *first* maximum, as in
  TensorFlow, PyTorch and the NumPy backend).

Every kernel sees the spatial axes as three (1-D and 2-D problems get
leading axes of size one), so one program per dtype serves 1-D, 2-D and
3-D convolutions and pools: six kernels, one compilation.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> x = asarray(np.ones((1, 4, 4, 1), np.float32)); w = asarray(np.ones((3, 3, 1, 2), np.float32))
>>> to_numpy(conv_general(x, w, (1, 1), ((0, 0), (0, 0)), (1, 1), 1))[0, :, :, 0].tolist()
[[9.0, 9.0], [9.0, 9.0]]
>>> to_numpy(max_pool_general(asarray(np.arange(16.0, dtype=np.float32).reshape(1, 4, 4, 1)),
...                           (2, 2), (2, 2), ((0, 0), (0, 0))))[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
"""
import math

import numpy as np

from .array import empty, full
from .codegen import FLOATS, index_type
from .elementwise import widening
from .matmul import _matmul
from .movement import reshape, transpose
from .reduce import _LIMITS

# Spatial geometry, padded to three axes: input (N, D0, D1, D2, C), output
# (N, O0, O1, O2, .), taps (K0, K1, K2), strides S, padding before P, dilation L.
_GEOMETRY = ("const int D0, const int D1, const int D2, const int O0, const int O1, const int O2, "
             "const int K0, const int K1, const int K2, const int S0, const int S1, const int S2, "
             "const int P0, const int P1, const int P2, const int L0, const int L1, const int L2")
_N_GEOMETRY = 18

CONV_SOURCE = """
typedef {idx} IDX;
typedef {ct} T;
#define LOWEST {lowest}
#define ISNAN(v) {isnan}
#define GEOMETRY {geometry}
#define INSIDE(p0, p1, p2) \\
    ((p0) >= 0 && (p0) < D0 && (p1) >= 0 && (p1) < D1 && (p2) >= 0 && (p2) < D2)
#define X_AT(n, p0, p1, p2, c) (((((IDX)(n) * D0 + (p0)) * D1 + (p1)) * D2 + (p2)) * C + (c))
#define Y_AT(n, o0, o1, o2, c) (((((IDX)(n) * O0 + (o0)) * O1 + (o1)) * O2 + (o2)) * C + (c))

/* Along one axis: the output position whose window holds input cell p at tap k, or -1. */
int window_of(const int p, const int k, const int P, const int S, const int L, const int O)
{{
    const int q = p + P - k * L;
    return (q < 0 || q % S || q / S >= O) ? -1 : q / S;
}}

/* The statement after it runs once for every window o that covers input cell p, through
   its tap k (k0, k1, k2 and o0, o1, o2 are set): the loop of every gradient "gather". */
#define FOR_WINDOWS_COVERING(p0, p1, p2) \
    for (int k0 = 0; k0 < K0; k0++) \
        for (int k1 = 0; k1 < K1; k1++) \
            for (int k2 = 0; k2 < K2; k2++) \
                for (int o0 = window_of(p0, k0, P0, S0, L0, O0), \
                         o1 = window_of(p1, k1, P1, S1, L1, O1), \
                         o2 = window_of(p2, k2, P2, S2, L2, O2), once_ = 1; \
                     once_ && o0 >= 0 && o1 >= 0 && o2 >= 0; once_ = 0)

/* Element i of a (N, S0, S1, S2, C) array -> its coordinates. */
#define UNRAVEL(i, S0_, S1_, S2_, n, a0, a1, a2, c) \\
    IDX rem_ = (i); const int c = rem_ % C; rem_ /= C; \\
    const int a2 = rem_ % (S2_); rem_ /= (S2_); const int a1 = rem_ % (S1_); rem_ /= (S1_); \\
    const int a0 = rem_ % (S0_); const IDX n = rem_ / (S0_);

__kernel void im2col(__global T *cols, __global const T *x, const IDX total, const int C,
                     const int Cg, const IDX st_r, const IDX st_k, const IDX st_g, const IDX st_c,
                     GEOMETRY)
{{  /* cols[r, k, c] (through strides: plain, transposed or group-major) = the input under
       tap k of output position r, 0 in the padding; i runs over (r, k, c), c fastest */
    const IDX i = get_global_id(0);
    if (i >= total) return;
    const int K = K0 * K1 * K2;
    IDX rem = i;
    const int c = rem % C; rem /= C;
    const int k = rem % K;
    const IDX r = rem / K;
    const int k2 = k % K2, k1 = (k / K2) % K1, k0 = k / (K1 * K2);
    const int o2 = r % O2, o1 = (r / O2) % O1, o0 = (r / O2 / O1) % O0;
    const IDX n = r / O2 / O1 / O0;
    const int p0 = o0 * S0 - P0 + k0 * L0, p1 = o1 * S1 - P1 + k1 * L1, p2 = o2 * S2 - P2 + k2 * L2;
    const T v = INSIDE(p0, p1, p2) ? x[X_AT(n, p0, p1, p2, c)] : (T)0;
    cols[r * st_r + k * st_k + (c / Cg) * st_g + (c % Cg) * st_c] = v;
}}

__kernel void col2im(__global T *dx, __global const T *cols, const IDX total, const int C,
                     const int Cg, const IDX st_r, const IDX st_k, const IDX st_g, const IDX st_c,
                     GEOMETRY)
{{  /* dx[n, p, c] = sum over the taps k whose window covers p of cols[r(p, k), k, c] */
    const IDX i = get_global_id(0);
    if (i >= total) return;
    UNRAVEL(i, D0, D1, D2, n, p0, p1, p2, c)
    const IDX chan = (c / Cg) * st_g + (c % Cg) * st_c;
    T acc = 0;
    FOR_WINDOWS_COVERING(p0, p1, p2)
        acc += cols[(((n * O0 + o0) * O1 + o1) * O2 + o2) * st_r + ((k0 * K1 + k1) * K2 + k2) * st_k + chan];
    dx[i] = acc;
}}

/* The first maximum of window (n, o, c) (row-major tap order; the padding counts as LOWEST);
   returns the tap number. */
int first_max_tap(__global const T *x, const IDX n, const int o0, const int o1, const int o2,
                  const int c, const int C, GEOMETRY)
{{
    T best = LOWEST;
    int tap = 0;
    for (int k0 = 0, k = 0; k0 < K0; k0++)
        for (int k1 = 0; k1 < K1; k1++)
            for (int k2 = 0; k2 < K2; k2++, k++) {{
                const int p0 = o0 * S0 - P0 + k0, p1 = o1 * S1 - P1 + k1, p2 = o2 * S2 - P2 + k2;
                if (INSIDE(p0, p1, p2)) {{
                    const T v = x[X_AT(n, p0, p1, p2, c)];
                    if (v > best) {{ best = v; tap = k; }}
                }}
            }}
    return tap;
}}

__kernel void max_pool(__global T *y, __global const T *x, const IDX total, const int C, GEOMETRY)
{{  /* y[n, o, c] = max over the window (NaN wins, as np.maximum) */
    const IDX i = get_global_id(0);
    if (i >= total) return;
    UNRAVEL(i, O0, O1, O2, n, o0, o1, o2, c)
    T m = LOWEST;
    for (int k0 = 0; k0 < K0; k0++)
        for (int k1 = 0; k1 < K1; k1++)
            for (int k2 = 0; k2 < K2; k2++) {{
                const int p0 = o0 * S0 - P0 + k0, p1 = o1 * S1 - P1 + k1, p2 = o2 * S2 - P2 + k2;
                if (INSIDE(p0, p1, p2)) {{
                    const T v = x[X_AT(n, p0, p1, p2, c)];
                    if (v > m || ISNAN(v)) m = v;
                    if (ISNAN(m)) {{ y[i] = m; return; }}
                }}
            }}
    y[i] = m;
}}

__kernel void max_pool_grad(__global T *dx, __global const T *x, __global const T *g,
                            const IDX total, const int C, GEOMETRY)
{{  /* dx[n, p, c] = sum of g over the windows whose first maximum is at p */
    const IDX i = get_global_id(0);
    if (i >= total) return;
    UNRAVEL(i, D0, D1, D2, n, p0, p1, p2, c)
    T acc = 0;
    FOR_WINDOWS_COVERING(p0, p1, p2)
        if (first_max_tap(x, n, o0, o1, o2, c, C, D0, D1, D2, O0, O1, O2, K0, K1, K2,
                          S0, S1, S2, P0, P1, P2, L0, L1, L2) == (k0 * K1 + k1) * K2 + k2)
            acc += g[Y_AT(n, o0, o1, o2, c)];
    dx[i] = acc;
}}

/* How many cells of window o lie inside the input (the padding is not averaged). */
int window_count(const int o0, const int o1, const int o2, GEOMETRY)
{{
    const int a0 = max(o0 * S0 - P0, 0), b0 = min(o0 * S0 - P0 + K0, D0);
    const int a1 = max(o1 * S1 - P1, 0), b1 = min(o1 * S1 - P1 + K1, D1);
    const int a2 = max(o2 * S2 - P2, 0), b2 = min(o2 * S2 - P2 + K2, D2);
    return (b0 - a0) * (b1 - a1) * (b2 - a2);
}}

__kernel void avg_pool(__global T *y, __global const T *x, const IDX total, const int C, GEOMETRY)
{{
    const IDX i = get_global_id(0);
    if (i >= total) return;
    UNRAVEL(i, O0, O1, O2, n, o0, o1, o2, c)
    T acc = 0;
    for (int k0 = 0; k0 < K0; k0++)
        for (int k1 = 0; k1 < K1; k1++)
            for (int k2 = 0; k2 < K2; k2++) {{
                const int p0 = o0 * S0 - P0 + k0, p1 = o1 * S1 - P1 + k1, p2 = o2 * S2 - P2 + k2;
                if (INSIDE(p0, p1, p2)) acc += x[X_AT(n, p0, p1, p2, c)];
            }}
    const int count = window_count(o0, o1, o2, D0, D1, D2, O0, O1, O2, K0, K1, K2,
                                   S0, S1, S2, P0, P1, P2, L0, L1, L2);
    y[i] = acc * ((T)1 / (T)count);  /* times the reciprocal, as the NumPy kernel */
}}

__kernel void avg_pool_grad(__global T *dx, __global const T *g, const IDX total, const int C,
                            GEOMETRY)
{{  /* dx[n, p, c] = sum over the windows covering p of g / (window's cell count) */
    const IDX i = get_global_id(0);
    if (i >= total) return;
    UNRAVEL(i, D0, D1, D2, n, p0, p1, p2, c)
    T acc = 0;
    FOR_WINDOWS_COVERING(p0, p1, p2)
        acc += g[Y_AT(n, o0, o1, o2, c)] * ((T)1 / (T)window_count(o0, o1, o2, D0, D1, D2, O0, O1, O2,
                                                                  K0, K1, K2, S0, S1, S2, P0, P1, P2,
                                                                  L0, L1, L2));
    dx[i] = acc;
}}
"""

# kernel name -> (number of buffers, types of the scalars before the geometry)
_LAUNCH_ARGS = {"im2col": (2, ("IDX", "int", "int", "IDX", "IDX", "IDX", "IDX")),
               "col2im": (2, ("IDX", "int", "int", "IDX", "IDX", "IDX", "IDX")),
               "max_pool": (2, ("IDX", "int")), "avg_pool": (2, ("IDX", "int")),
               "max_pool_grad": (3, ("IDX", "int")), "avg_pool_grad": (2, ("IDX", "int"))}


def _kernel(dev, name, dtype, idx):
    """Kernel ``name`` of the conv program for ``dtype`` (one build per dtype and index width)."""
    ct = dev.ctype(dtype)
    if ct == "tk_bool" or ct == "half":
        raise TypeError(f"OpenCL {name} does not support {dtype}")
    lowest = "-INFINITY" if ct in FLOATS else _LIMITS[ct][0]
    itype = np.int32 if idx == "int" else np.int64
    n_buffers, scalars = _LAUNCH_ARGS[name]
    types = [None] * n_buffers + [itype if s == "IDX" else np.int32 for s in scalars] + \
        [np.int32] * _N_GEOMETRY
    return dev.kernel(("conv", name, ct, idx), lambda: CONV_SOURCE.format(
        idx=idx, ct=ct, lowest=lowest, geometry=_GEOMETRY,
        isnan="isnan(v)" if ct in FLOATS else "0"), name, types,
        program_key=("conv", ct, idx))


def _geometry(in_spatial, out_spatial, ksize, strides, padding, dilation):
    """The 18 geometry scalars, with 1-D and 2-D problems padded to 3-D."""
    lead = 3 - len(in_spatial)
    pad3 = lambda values, fill: (fill,) * lead + tuple(int(v) for v in values)  # noqa: E731
    return (pad3(in_spatial, 1) + pad3(out_spatial, 1) + pad3(ksize, 1) + pad3(strides, 1)
            + pad3((lo for lo, _ in padding), 0) + pad3(dilation, 1))


def _out_spatial(spatial, ksize, strides, padding, dilation):
    return tuple((n + lo + hi - (k - 1) * d - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(spatial, ksize, strides, padding, dilation))


def _run(dev, name, out, inputs, total, scalars, geometry, dtype):
    if total == 0:
        return out
    idx = index_type(total, *(a.size for a in inputs), out.size)
    knl = _kernel(dev, name, dtype, idx)
    local = dev.local_size
    dev.launch(knl, (-(-total // local) * local,), (local,), out.data,
               *[a.data for a in inputs], total, *scalars, *geometry)
    return out


def _im2col(x, ksize, strides, padding, dilation, groups, transposed):
    """The patch matrix: ``(G, R, K*Cg)``, or ``(G, K*Cg, R)`` when ``transposed``."""
    spatial, C = x.shape[1:-1], x.shape[-1]
    out = _out_spatial(spatial, ksize, strides, padding, dilation)
    R, K, Cg = x.shape[0] * math.prod(out), math.prod(ksize), C // groups
    if transposed:   # (G, K, Cg, R)
        strides_ = dict(st_r=1, st_k=Cg * R, st_g=K * Cg * R, st_c=R)
        shape = (groups, K * Cg, R)
    else:            # (G, R, K, Cg)
        strides_ = dict(st_r=K * Cg, st_k=Cg, st_g=R * K * Cg, st_c=1)
        shape = (groups, R, K * Cg)
    cols = empty(shape, x.dtype, x.device)
    geometry = _geometry(spatial, out, ksize, strides, padding, dilation)
    _run(x.device, "im2col", cols, [x], R * K * C,
         (C, Cg, strides_["st_r"], strides_["st_k"], strides_["st_g"], strides_["st_c"]),
         geometry, x.dtype)
    return cols, out


def _grouped_kernel(kernel, groups):
    """(*k, Cg, O) -> (G, K*Cg, O/G) (a reshape when G == 1)."""
    kk, cg, o = math.prod(kernel.shape[:-2]), kernel.shape[-2], kernel.shape[-1]
    if groups == 1:
        return reshape(kernel, (1, kk * cg, o))
    w = transpose(reshape(kernel, (kk, cg, groups, o // groups)), (2, 0, 1, 3))
    return reshape(w, (groups, kk * cg, o // groups))


def _check(name, *xs):
    if len({x.dtype for x in xs}) != 1:
        raise TypeError(f"{name}: operands must have the same dtype, got "
                        f"{', '.join(str(x.dtype) for x in xs)}")


def _conv_general(x, kernel, strides, padding, dilation, groups=1):
    _check("conv_general", x, kernel)
    ksize, o = tuple(kernel.shape[:-2]), kernel.shape[-1]
    cols, out = _im2col(x, ksize, strides, padding, dilation, groups, transposed=False)
    y = _matmul(cols, _grouped_kernel(kernel, groups))              # (G, R, O/G)
    if groups > 1:
        y = transpose(y, (1, 0, 2))                                  # (R, G, O/G)
    return reshape(y, (x.shape[0],) + out + (o,))


def _conv_kernel_grad(x, g, kernel_shape, strides, padding, dilation, groups=1):
    _check("conv_kernel_grad", x, g)
    kernel_shape = tuple(int(n) for n in kernel_shape)
    ksize, cg, o = kernel_shape[:-2], kernel_shape[-2], kernel_shape[-1]
    if g.size == 0 or x.size == 0:
        return full(kernel_shape, 0, x.dtype)
    cols_t, _ = _im2col(x, ksize, strides, padding, dilation, groups, transposed=True)
    R = cols_t.shape[-1]
    gg = reshape(g, (R, groups, o // groups))
    if groups > 1:
        gg = transpose(gg, (1, 0, 2))                               # (G, R, O/G)
    gw = _matmul(cols_t, reshape(gg, (groups, R, o // groups)))     # (G, K*Cg, O/G)
    if groups == 1:
        return reshape(gw, kernel_shape)
    kk = math.prod(ksize)
    gw = transpose(reshape(gw, (groups, kk, cg, o // groups)), (1, 2, 0, 3))
    return reshape(gw, kernel_shape)


def _conv_input_grad(g, kernel, input_shape, strides, padding, dilation, groups=1):
    _check("conv_input_grad", g, kernel)
    input_shape = tuple(int(n) for n in input_shape)
    ksize, cg, o = tuple(kernel.shape[:-2]), kernel.shape[-2], kernel.shape[-1]
    out, kk, C = tuple(g.shape[1:-1]), math.prod(ksize), cg * groups
    R = g.shape[0] * math.prod(out)
    dx = empty(input_shape, g.dtype, g.device)
    if R == 0 or dx.size == 0:
        return full(input_shape, 0, g.dtype)
    gg = reshape(g, (R, groups, o // groups))
    if groups > 1:
        gg = transpose(gg, (1, 0, 2))
    w_t = transpose(_grouped_kernel(kernel, groups), (0, 2, 1))     # (G, O/G, K*Cg)
    cols = _matmul(reshape(gg, (groups, R, o // groups)), w_t)       # (G, R, K*Cg)
    geometry = _geometry(input_shape[1:-1], out, ksize, strides, padding, dilation)
    return _run(g.device, "col2im", dx, [cols], dx.size,
                (C, cg, kk * cg, cg, R * kk * cg, 1), geometry, g.dtype)


def _pool_geometry(shape, out, pool_size, strides, padding):
    return _geometry(shape[1:-1], out, pool_size, strides, padding, (1,) * len(pool_size))


def _pool_out(x_shape, pool_size, strides, padding):
    out = _out_spatial(x_shape[1:-1], pool_size, strides, padding, (1,) * len(pool_size))
    return (x_shape[0],) + out + (x_shape[-1],)


def _max_pool_general(x, pool_size, strides, padding):
    y = empty(_pool_out(x.shape, pool_size, strides, padding), x.dtype, x.device)
    return _run(x.device, "max_pool", y, [x], y.size, (x.shape[-1],),
                _pool_geometry(x.shape, y.shape[1:-1], pool_size, strides, padding), x.dtype)


def _max_pool_grad(x, g, pool_size, strides, padding):
    _check("max_pool_grad", x, g)
    dx = empty(x.shape, g.dtype, x.device)
    return _run(x.device, "max_pool_grad", dx, [x, g], dx.size, (x.shape[-1],),
                _pool_geometry(x.shape, g.shape[1:-1], pool_size, strides, padding), g.dtype)


def _float_only(name, x):
    if x.dtype.kind != "f":
        raise TypeError(f"{name} needs a float array, not {x.dtype}")


def _avg_pool_general(x, pool_size, strides, padding):
    _float_only("avg_pool_general", x)
    y = empty(_pool_out(x.shape, pool_size, strides, padding), x.dtype, x.device)
    return _run(x.device, "avg_pool", y, [x], y.size, (x.shape[-1],),
                _pool_geometry(x.shape, y.shape[1:-1], pool_size, strides, padding), x.dtype)


def _avg_pool_grad(g, input_shape, pool_size, strides, padding):
    _float_only("avg_pool_grad", g)
    input_shape = tuple(int(n) for n in input_shape)
    dx = empty(input_shape, g.dtype, g.device)
    return _run(g.device, "avg_pool_grad", dx, [g], dx.size, (input_shape[-1],),
                _pool_geometry(input_shape, g.shape[1:-1], pool_size, strides, padding), g.dtype)


# float16 runs in float32: OpenCL has no half arithmetic without an extension.  Each kernel
# keeps its function's signature (the plugin checks it against the core's OpDef).
_WIDEN = {np.dtype(np.float16): np.dtype(np.float32)}
conv_general = widening(_conv_general, _WIDEN)
conv_input_grad = widening(_conv_input_grad, _WIDEN)
conv_kernel_grad = widening(_conv_kernel_grad, _WIDEN)
max_pool_general = widening(_max_pool_general, _WIDEN)
max_pool_grad = widening(_max_pool_grad, _WIDEN)
avg_pool_general = widening(_avg_pool_general, _WIDEN)
avg_pool_grad = widening(_avg_pool_grad, _WIDEN)
OPS = ("conv_general", "conv_input_grad", "conv_kernel_grad", "max_pool_general", "max_pool_grad",
       "avg_pool_general", "avg_pool_grad")


def kernels():
    return {op: globals()[op] for op in OPS}
