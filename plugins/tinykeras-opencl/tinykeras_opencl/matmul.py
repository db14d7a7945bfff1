"""Matrix multiplication: a register-blocked, local-memory tiled GEMM.

Each work-group computes a ``TSM x TSN`` tile of ``C = A @ B``.  It walks
``K`` in steps of ``TSK``: all work-items copy a ``TSM x TSK`` slab of ``A``
and a ``TSK x TSN`` slab of ``B`` into local memory, then each work-item
multiplies them into its own ``WPTM x WPTN`` block of accumulators held in
registers.  Per step a work-item loads ``WPTM + WPTN`` numbers from local
memory and does ``WPTM * WPTN`` multiply-adds, which is what keeps a GPU's
arithmetic units busy (an 8x8 block: 64 FMAs per 16 loads).  The
accumulators of one work-item are ``RTSM`` rows and ``RTSN`` columns apart,
so neighbouring work-items write neighbouring columns (coalesced stores).

Sizes that are not multiples of the tile take the *odd* path: the same
source compiled with ``EVEN 0``, which zero-fills tile loads that fall
outside ``A`` or ``B`` and skips stores outside ``C``.  Sizes that are
multiples compile with ``EVEN 1`` and have no bounds checks at all.

Batch dimensions broadcast as in NumPy: an operand without batch
dimensions (or with a batch of one) has batch stride 0.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> a = asarray(np.ones((2, 17, 33), np.float32))
>>> b = asarray(np.ones((33, 5), np.float32))
>>> to_numpy(matmul(a, b))[1, 16]
array([33., 33., 33., 33., 33.], dtype=float32)
"""
import math

import numpy as np

from .array import DeviceArray, empty, full
from .device import cl
from .codegen import index_type
from .elementwise import widening
from .movement import broadcast_to

# Tile configurations, largest first.  (TSM, TSN, TSK, WPTM, WPTN): a
# work-group has (TSM/WPTM) * (TSN/WPTN) work-items.
CONFIGS = {
    "large": (128, 128, 16, 8, 8),   # 256 work-items, 8x8 each: big GPU matrices
    "medium": (64, 64, 16, 4, 4),    # 256 work-items, 4x4 each
    "small": (32, 32, 16, 2, 2),     # 256 work-items, 2x2 each: many small tiles
    "tiny": (16, 16, 8, 2, 2),       # 64 work-items: devices with small work-groups
}

MATMUL_SOURCE = """
typedef {idx} IDX;
typedef {ct} T;
#define TSM {tsm}
#define TSN {tsn}
#define TSK {tsk}
#define WPTM {wptm}
#define WPTN {wptn}
#define RTSM (TSM / WPTM)
#define RTSN (TSN / WPTN)
#define EVEN {even}
__kernel __attribute__((reqd_work_group_size(RTSN, RTSM, 1)))
void matmul(__global T *C, __global const T *A, __global const T *B,
            const IDX M, const IDX N, const IDX K, const IDX a_batch, const IDX b_batch)
{{
    const int tx = get_local_id(0), ty = get_local_id(1), tid = ty * RTSN + tx;
    const IDX row0 = (IDX)get_group_id(1) * TSM, col0 = (IDX)get_group_id(0) * TSN;
    const IDX batch = get_group_id(2);
    A += batch * a_batch;
    B += batch * b_batch;
    C += batch * M * N;
    __local T As[TSK][TSM + 1];  /* +1: a column of As is written without bank conflicts */
    __local T Bs[TSK][TSN];
    T acc[WPTM][WPTN];
    for (int i = 0; i < WPTM; i++)
        for (int j = 0; j < WPTN; j++) acc[i][j] = 0;

    for (IDX k0 = 0; k0 < K; k0 += TSK) {{
        for (int e = tid; e < TSM * TSK; e += RTSM * RTSN) {{  /* stage A's slab */
            const int r = e / TSK, kk = e % TSK;
            const IDX gr = row0 + r, gk = k0 + kk;
            As[kk][r] = (EVEN || (gr < M && gk < K)) ? A[gr * K + gk] : (T)0;
        }}
        for (int e = tid; e < TSK * TSN; e += RTSM * RTSN) {{  /* stage B's slab */
            const int kk = e / TSN, c = e % TSN;
            const IDX gk = k0 + kk, gc = col0 + c;
            Bs[kk][c] = (EVEN || (gk < K && gc < N)) ? B[gk * N + gc] : (T)0;
        }}
        barrier(CLK_LOCAL_MEM_FENCE);
        #pragma unroll
        for (int kk = 0; kk < TSK; kk++) {{
            T a[WPTM], b[WPTN];
            #pragma unroll
            for (int i = 0; i < WPTM; i++) a[i] = As[kk][ty + i * RTSM];
            #pragma unroll
            for (int j = 0; j < WPTN; j++) b[j] = Bs[kk][tx + j * RTSN];
            #pragma unroll
            for (int i = 0; i < WPTM; i++)
                #pragma unroll
                for (int j = 0; j < WPTN; j++) acc[i][j] += a[i] * b[j];
        }}
        barrier(CLK_LOCAL_MEM_FENCE);
    }}
    for (int i = 0; i < WPTM; i++)
        for (int j = 0; j < WPTN; j++) {{
            const IDX r = row0 + ty + i * RTSM, c = col0 + tx + j * RTSN;
            if (EVEN || (r < M && c < N)) C[r * N + c] = acc[i][j];
        }}
}}
"""


def choose_config(dev, M, N, batch, dtype):
    """The biggest tile that fits the device and still gives every compute unit work."""
    fitting = [name for name, (tsm, tsn, tsk, wm, wn) in CONFIGS.items()
               if (tsm // wm) * (tsn // wn) <= dev.cl_device.max_work_group_size
               and tsk * (tsm + 1 + tsn) * dtype.itemsize <= dev.cl_device.local_mem_size]
    if dev.is_cpu:  # CPUs gain nothing from big tiles (PoCL serialises work-items)
        return "medium" if "medium" in fitting else fitting[-1]
    for name in fitting:
        tsm, tsn = CONFIGS[name][:2]
        if math.ceil(M / tsm) * math.ceil(N / tsn) * batch >= dev.cl_device.max_compute_units:
            return name
    return fitting[-1]


def _batch_stride(x, batch_shape):
    """0 for an operand without batch (broadcast), one matrix for a full batch, else None."""
    own = x.shape[:-2]
    if math.prod(own) == 1:
        return 0
    if (1,) * (len(batch_shape) - len(own)) + own == batch_shape:
        return x.shape[-2] * x.shape[-1]
    return None


def _matmul(x, y, config=None):
    """NumPy's ``x @ y``: 1-d operands are promoted, batch dimensions broadcast.

    ``config`` forces a tile configuration from :data:`CONFIGS` (tests use it).
    float16 is multiplied in float32, and bool (``any(x and y)``) in int32.
    """
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError("matmul: input operand does not have enough dimensions")
    a = x if x.ndim > 1 else DeviceArray((1,) + x.shape, x.dtype, x.data, x.device)
    b = y if y.ndim > 1 else DeviceArray(y.shape + (1,), y.dtype, y.data, y.device)
    (M, K), (K2, N) = a.shape[-2:], b.shape[-2:]
    if K != K2:
        raise ValueError(f"matmul: mismatch in core dimension ({x.shape} @ {y.shape})")
    batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    out_shape = batch_shape + ((M,) if x.ndim > 1 else ()) + ((N,) if y.ndim > 1 else ())
    batch = math.prod(batch_shape)
    if batch * M * N == 0 or K == 0:
        return full(out_shape, 0, x.dtype)
    strides = []
    for i, operand in enumerate((a, b)):
        stride = _batch_stride(operand, batch_shape)
        if stride is None:  # e.g. (2, 1, M, K) @ (1, 3, K, N): materialise the broadcast
            operand = broadcast_to(operand, batch_shape + operand.shape[-2:])
            stride = operand.shape[-2] * operand.shape[-1]
            a, b = (operand, b) if i == 0 else (a, operand)
        strides.append(stride)
    dev = x.device
    out = empty(batch_shape + (M, N), x.dtype, dev)
    names = list(CONFIGS)
    name = config or choose_config(dev, M, N, batch, x.dtype)
    idx, ct = index_type(a.size, b.size, out.size), dev.ctype(x.dtype)
    itype = np.int32 if idx == "int" else np.int64
    while True:
        tsm, tsn, tsk, wptm, wptn = CONFIGS[name]
        even = int(M % tsm == 0 and N % tsn == 0 and K % tsk == 0)
        knl = dev.kernel(("matmul", ct, name, even, idx), lambda: MATMUL_SOURCE.format(
            idx=idx, ct=ct, tsm=tsm, tsn=tsn, tsk=tsk, wptm=wptm, wptn=wptn, even=even),
            "matmul", [None] * 3 + [itype] * 5)
        local = (tsn // wptn, tsm // wptm, 1)
        # A kernel using many registers may not launch with as many work-items as the
        # device's maximum: then take the next smaller tile.
        fits = knl.get_work_group_info(cl.kernel_work_group_info.WORK_GROUP_SIZE,
                                       dev.cl_device) >= local[0] * local[1]
        if fits or name == names[-1]:
            break
        name = names[names.index(name) + 1]
    glob = (math.ceil(N / tsn) * local[0], math.ceil(M / tsm) * local[1], batch)
    dev.launch(knl, glob, local, out.data, a.data, b.data, M, N, K, *strides)
    return DeviceArray(out_shape, out.dtype, out.data, dev)


matmul = widening(_matmul, {np.dtype(np.float16): np.dtype(np.float32),
                            np.dtype(np.bool_): np.dtype(np.int32)})


def kernels():
    return {"matmul": matmul}
