"""Fused optimizer updates: one launch per variable instead of a dozen.

``sgd_update`` and ``adam_update`` replace the core's composites of the same
names (``tinykeras/ops/optimizer_ops.py``).  Like the NumPy backend's fused
kernels they update the variable and its slot arrays **in place** and return
the variable's array; the arithmetic follows the composites step by step, in
the variable's dtype, so both give the same float32 numbers.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> w, g = asarray(np.ones(2, np.float32)), asarray(np.full(2, 0.5, np.float32))
>>> to_numpy(sgd_update(w, g, learning_rate=0.1)).tolist()
[0.949999988079071, 0.949999988079071]
"""
import numpy as np

OPTIMIZER_SOURCE = """
#pragma OPENCL FP_CONTRACT OFF  /* no fused multiply-adds: round like NumPy, step by step */
typedef {ct} T;
__kernel void sgd(__global T *w, __global const T *g, __global T *m, const int n,
                  const T lr, const T momentum, const int has_m, const int nesterov)
{{
    const int i = get_global_id(0);
    if (i >= n) return;
    const T step = g[i] * lr;
    if (!has_m) {{ w[i] -= step; return; }}
    const T mi = m[i] * momentum - step;
    m[i] = mi;
    w[i] += nesterov ? mi * momentum - step : mi;
}}
__kernel void adam(__global T *w, __global const T *g, __global T *m, __global T *v,
                   __global T *v_hat, const int n, const T alpha, const T one_minus_b1,
                   const T one_minus_b2, const T eps, const int amsgrad)
{{
    const int i = get_global_id(0);
    if (i >= n) return;
    const T gi = g[i];
    const T mi = m[i] + (gi - m[i]) * one_minus_b1;
    T vi = v[i] + (gi * gi - v[i]) * one_minus_b2;
    m[i] = mi;
    v[i] = vi;
    if (amsgrad) {{ vi = (v_hat[i] > vi || isnan(v_hat[i])) ? v_hat[i] : vi; v_hat[i] = vi; }}
    w[i] -= mi * alpha / (sqrt(vi) + eps);
}}
"""


def _launch(name, w, arrays, ints, floats):
    """Run kernel ``name`` over ``w``'s elements (all arrays have ``w``'s shape)."""
    if any(a.shape != w.shape or a.dtype != w.dtype for a in arrays):
        raise ValueError(f"{name}_update: every slot must have the variable's shape and dtype")
    if w.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}_update needs float32 or float64 variables, not {w.dtype}")
    if w.size == 0:
        return w
    dev = w.device
    ct, ft = dev.ctype(w.dtype), w.dtype.type
    n_buffers = len(arrays) + 1
    scalar_types = [np.int32] + [ft] * len(floats) + [np.int32] * len(ints)
    knl = dev.kernel(("optimizer", name, ct), lambda: OPTIMIZER_SOURCE.format(ct=ct), name,
                     [None] * n_buffers + scalar_types)
    local = dev.local_size
    dev.launch(knl, (-(-w.size // local) * local,), (local,), w.data,
               *[a.data for a in arrays], w.size, *map(float, floats), *ints)
    return w


def sgd_update(*arrays, learning_rate, momentum=0.0, nesterov=False):
    """``sgd_update(w, g, [m])``: ``w -= lr * g``; with a momentum slot
    ``m = momentum * m - lr * g``, ``w += m`` (``w += momentum * m - lr * g`` with
    ``nesterov``).  (Arrays come as ``*arrays``: the op takes any number of inputs.)"""
    w, g, *momentum_slot = arrays
    m = momentum_slot[0] if momentum_slot else w  # unused without a slot
    return _launch("sgd", w, [g, m], [int(bool(momentum_slot)), int(bool(nesterov))],
                   [learning_rate, momentum])


def adam_update(*arrays, alpha, beta_1, beta_2, epsilon):
    """``adam_update(w, g, m, v, [v_hat])``: Adam with the bias corrections folded
    into ``alpha`` (see the core's composite); ``v_hat`` is AMSGrad's."""
    w, g, m, v, *velocity_hat = arrays
    v_hat = velocity_hat[0] if velocity_hat else v
    return _launch("adam", w, [g, m, v, v_hat], [int(bool(velocity_hat))],
                   [alpha, 1 - beta_1, 1 - beta_2, epsilon])


def kernels():
    return {"sgd_update": sgd_update, "adam_update": adam_update}
