"""Benchmark the tinykeras OpenCL backend: matmul, conv, bandwidth, reduction, launch latency.

Usage::

    python benchmarks/opencl_bench.py            # GPU sizes: 4096^3 matmul, 64M floats
    python benchmarks/opencl_bench.py --small    # PoCL / CPU sizes: 512^3, 4M floats
    python benchmarks/opencl_bench.py --device 0:1

Every figure is the median of ``--repeat`` timed runs after one warm-up run
(which compiles the kernels), timed on the host around ``queue.finish()``,
so it includes the Python cost of each launch.  NumPy on the host is shown
for scale.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np


def timed(fn, finish, repeat):
    """Median seconds of ``fn()`` (after one warm-up call)."""
    fn()
    finish()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        finish()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="CPU-sized problems (PoCL)")
    parser.add_argument("--device", default=None, help="P:D, 'gpu', 'cpu' or a name piece")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "plugins", "tinykeras-opencl"))
    import tinykeras_opencl as tko

    dev = tko.set_device(args.device) if args.device else tko.get_device()
    k, finish = tko.kernel, dev.queue.finish
    n_mm = 512 if args.small else 4096
    n_ew = (4 if args.small else 64) * 2**20
    rng = np.random.default_rng(0)
    rows = []

    a = rng.standard_normal((n_mm, n_mm), dtype=np.float32)
    b = rng.standard_normal((n_mm, n_mm), dtype=np.float32)
    da, db = tko.asarray(a), tko.asarray(b)
    flops = 2 * n_mm**3
    t_cl = timed(lambda: k("matmul")(da, db), finish, args.repeat)
    t_np = timed(lambda: a @ b, lambda: None, args.repeat)
    err = np.abs(tko.to_numpy(k("matmul")(da, db)) - a @ b).max()
    rows.append((f"matmul fp32 {n_mm}^3", f"{flops / t_cl / 1e12:.3f} TFLOP/s",
                 f"{flops / t_np / 1e12:.3f} TFLOP/s", f"max err {err:.1e}"))
    del da, db

    # A 3x3 "same" convolution, channels last: im2col on the device, then the tiled GEMM.
    n, hw, c = (8, 28, 32) if args.small else (32, 56, 64)
    xc = rng.standard_normal((n, hw, hw, c), dtype=np.float32)
    wc = rng.standard_normal((3, 3, c, c), dtype=np.float32)
    p = dict(strides=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1), groups=1)
    dxc, dwc = tko.asarray(xc), tko.asarray(wc)
    flops = 2 * n * hw * hw * 9 * c * c
    t_cl = timed(lambda: k("conv_general")(dxc, dwc, **p), finish, args.repeat)
    try:
        from tinykeras.numpy_plugin.numpy_conv import conv_general as np_conv
        t_np = timed(lambda: np_conv(xc, wc, **p), lambda: None, args.repeat)
        err = np.abs(tko.to_numpy(k("conv_general")(dxc, dwc, **p)) - np_conv(xc, wc, **p)).max()
        numpy_cell, note = f"{flops / t_np / 1e12:.3f} TFLOP/s", f"max err {err:.1e}"
    except ImportError:
        numpy_cell, note = "-", "tinykeras not importable"
    rows.append((f"conv 3x3 {n}x{hw}x{hw}x{c}->{c}", f"{flops / t_cl / 1e12:.3f} TFLOP/s",
                 numpy_cell, note))
    del dxc, dwc

    x = rng.standard_normal(n_ew, dtype=np.float32)
    dx, two = tko.asarray(x), tko.full((), 2.0, np.float32)
    moved = 2 * x.nbytes  # read x, write x * 2
    t_cl = timed(lambda: k("multiply")(dx, two), finish, args.repeat)
    t_np = timed(lambda: x * np.float32(2), lambda: None, args.repeat)
    rows.append((f"x * 2, {n_ew // 2**20}M fp32", f"{moved / t_cl / 1e9:.1f} GB/s",
                 f"{moved / t_np / 1e9:.1f} GB/s", "bytes read + written"))

    t_cl = timed(lambda: k("sum")(dx, axis=None, keepdims=False), finish, args.repeat)
    t_np = timed(lambda: x.sum(), lambda: None, args.repeat)
    got, exact = float(tko.to_numpy(k("sum")(dx, axis=None))), float(x.astype(np.float64).sum())
    rows.append((f"sum, {n_ew // 2**20}M fp32", f"{x.nbytes / t_cl / 1e9:.1f} GB/s",
                 f"{x.nbytes / t_np / 1e9:.1f} GB/s", f"abs err {abs(got - exact):.1e}"))
    del dx

    one = tko.asarray(np.ones(1, np.float32))
    calls = 200 if args.small else 2000
    t_cl = timed(lambda: [k("add")(one, one) for _ in range(calls)], finish, args.repeat) / calls
    h = np.ones(1, np.float32)
    t_np = timed(lambda: [h + h for _ in range(calls)], lambda: None, args.repeat) / calls
    rows.append(("tiny op (1-element add)", f"{t_cl * 1e6:.1f} us", f"{t_np * 1e6:.1f} us",
                 "launch + alloc, per op"))

    print(f"device: {tko.describe(args.device)}  (fp64: {dev.has_fp64}, "
          f"compute units: {dev.cl_device.max_compute_units})")
    widths = [max(len(r[i]) for r in rows + [("benchmark", "opencl", "numpy", "note")])
              for i in range(4)]
    for row in [("benchmark", "opencl", "numpy", "note")] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))


if __name__ == "__main__":
    main()
