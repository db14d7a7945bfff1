"""tinykeras against PyTorch (eager, CPU) on the reference convnet.

The workload is ``/work/shared/bench/peers_cpu.py cnn``: Conv2D(32, 3) ->
MaxPooling2D -> Conv2D(64, 3) -> MaxPooling2D -> Flatten -> Dense(10),
Adam(1e-3), batch 128, 12,800 random 28x28x1 images, one warm-up epoch
then one timed epoch.  Each measurement runs in a fresh subprocess; the
two frameworks alternate and the median of ``--repeats`` runs is kept.

    python benchmarks/cnn_bench.py                 # fit: both times and the ratio
    python benchmarks/cnn_bench.py --ops           # conv/pool ops only, forward + backward
    python benchmarks/cnn_bench.py --profile       # where tinykeras's time goes (cProfile)
    python benchmarks/cnn_bench.py --samples 2560  # a shorter epoch
    python benchmarks/cnn_bench.py --threads 1     # both frameworks on one thread

Besides the median wall time, the summary gives each framework's median CPU
time (``time.process_time``, all threads) and its best (least disturbed)
run, which are steadier than the median wall time on a busy machine; with
``--threads 1`` the CPU times compare the work each framework does.
"""
import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH = 128


def _data(n):
    rng = np.random.default_rng(0)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)


def torch_epoch(n):
    import torch
    import torch.nn as nn
    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    torch.manual_seed(0)
    x, y = _data(n)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))
    xs, ys = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(y)
    opt, lossf = torch.optim.Adam(model.parameters(), 1e-3), nn.CrossEntropyLoss()

    def epoch():
        perm = torch.randperm(n)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            lossf(model(xs[idx]), ys[idx]).backward()
            opt.step()
    epoch()
    return _timed(epoch, 1)


def tinykeras_model():
    import tinykeras as keras
    layers = keras.layers
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Conv2D(64, 3, activation="relu"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def tinykeras_epoch(n, profile=False):
    x, y = _data(n)
    model = tinykeras_model()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    if not profile:
        return _timed(lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0), 1)
    profiler = cProfile.Profile()
    start, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    profiler.disable()
    print(f"tinykeras epoch under cProfile: {time.perf_counter() - start:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s CPU ({n} samples)\n")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(15)
    return None


def torch_ops(steps):
    """Forward + backward of the two conv/relu/pool blocks only."""
    import torch
    import torch.nn.functional as F
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((BATCH, 1, 28, 28), dtype=np.float32))
    w1 = torch.randn(32, 1, 3, 3, requires_grad=True)
    w2 = torch.randn(64, 32, 3, 3, requires_grad=True)

    def step():
        h = F.max_pool2d(F.relu(F.conv2d(x, w1)), 2)
        F.max_pool2d(F.relu(F.conv2d(h, w2)), 2).sum().backward()
    return _timed(step, steps, warm_up=True)


def tinykeras_ops(steps):
    import tinykeras as tk
    rng = np.random.default_rng(0)
    x = tk.Tensor(rng.random((BATCH, 28, 28, 1), dtype=np.float32))
    w1 = tk.Tensor(rng.standard_normal((3, 3, 1, 32), dtype=np.float32), requires_grad=True)
    w2 = tk.Tensor(rng.standard_normal((3, 3, 32, 64), dtype=np.float32), requires_grad=True)

    def step():
        h = tk.ops.max_pool(tk.ops.relu(tk.ops.conv(x, w1)), 2)
        tk.ops.max_pool(tk.ops.relu(tk.ops.conv(h, w2)), 2).sum().backward()
        w1.grad = w2.grad = None
    return _timed(step, steps, warm_up=True)


def _timed(step, steps, warm_up=False):
    """(wall seconds, CPU seconds) of ``steps`` calls of ``step``."""
    if warm_up:
        step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return time.perf_counter() - start, time.process_time() - cpu


WORKERS = {"torch": torch_epoch, "tinykeras": tinykeras_epoch,
           "torch-ops": torch_ops, "tinykeras-ops": tinykeras_ops}


def _measure(which, size, threads):
    env = os.environ.copy()
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TINYKERAS_NUM_THREADS"):
            env[var] = str(threads)
    out = subprocess.run([sys.executable, __file__, "--worker", which, "--samples", str(size)],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", action="store_true", help="time the conv/pool ops only (20 steps)")
    parser.add_argument("--profile", action="store_true", help="cProfile one tinykeras epoch")
    parser.add_argument("--samples", type=int, default=12800, help="samples per epoch (or steps with --ops)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="threads for both frameworks (default: all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        wall, cpu = WORKERS[args.worker](args.samples)
        print(json.dumps({"seconds": wall, "cpu": cpu}))
        return
    if args.profile:
        tinykeras_epoch(args.samples, profile=True)
        return
    names = ("torch-ops", "tinykeras-ops") if args.ops else ("torch", "tinykeras")
    size = 20 if args.ops and args.samples == 12800 else args.samples
    runs = {name: [] for name in names}
    for _ in range(args.repeats):
        for name in names:  # alternate, so background load hits both alike
            runs[name].append(_measure(name, size, args.threads))
    what = f"{size} steps of conv/pool forward+backward" if args.ops else f"one epoch, {size} samples"
    print(f"{what}; median of {args.repeats} alternating runs; threads: {args.threads or 'all'}")
    medians, bests = {}, {}
    for label, name in zip(("torch", "tinykeras"), names):
        walls = [r["seconds"] for r in runs[name]]
        medians[label] = (statistics.median(walls), statistics.median(r["cpu"] for r in runs[name]))
        bests[label] = min(walls)
        print(f"  {label:10s} {medians[label][0]:7.2f} s wall  {medians[label][1]:7.2f} s CPU   "
              f"best {bests[label]:.2f} s   runs: {', '.join(f'{t:.2f}' for t in walls)}")
    print(f"  ratio      {medians['tinykeras'][0] / medians['torch'][0]:7.2f}x wall "
          f"{medians['tinykeras'][1] / medians['torch'][1]:7.2f}x CPU  "
          f"{bests['tinykeras'] / bests['torch']:.2f}x best  (tinykeras / torch)")


if __name__ == "__main__":
    main()
