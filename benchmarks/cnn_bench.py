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
    start = time.perf_counter()
    epoch()
    return time.perf_counter() - start


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
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    if profiler:
        print(f"tinykeras epoch under cProfile: {elapsed:.2f} s ({n} samples)\n")
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
    return elapsed


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
    return _timed(step, steps)


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
    return _timed(step, steps)


def _timed(step, steps):
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


WORKERS = {"torch": torch_epoch, "tinykeras": tinykeras_epoch,
           "torch-ops": torch_ops, "tinykeras-ops": tinykeras_ops}


def _measure(which, size):
    out = subprocess.run([sys.executable, __file__, "--worker", which, "--samples", str(size)],
                         capture_output=True, text=True, check=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", action="store_true", help="time the conv/pool ops only (20 steps)")
    parser.add_argument("--profile", action="store_true", help="cProfile one tinykeras epoch")
    parser.add_argument("--samples", type=int, default=12800, help="samples per epoch (or steps with --ops)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps({"seconds": WORKERS[args.worker](args.samples)}))
        return
    if args.profile:
        tinykeras_epoch(args.samples, profile=True)
        return
    names = ("torch-ops", "tinykeras-ops") if args.ops else ("torch", "tinykeras")
    size = 20 if args.ops and args.samples == 12800 else args.samples
    times = {name: [] for name in names}
    for _ in range(args.repeats):
        for name in names:  # alternate, so background load hits both alike
            times[name].append(_measure(name, size))
    t_torch, t_tk = (statistics.median(times[n]) for n in names)
    what = f"{size} steps of conv/pool forward+backward" if args.ops else f"one epoch, {size} samples"
    print(f"{what}; median of {args.repeats} alternating runs")
    print(f"  torch      {t_torch:7.2f} s   runs: {', '.join(f'{t:.2f}' for t in times[names[0]])}")
    print(f"  tinykeras  {t_tk:7.2f} s   runs: {', '.join(f'{t:.2f}' for t in times[names[1]])}")
    print(f"  ratio      {t_tk / t_torch:7.2f}x  (tinykeras / torch)")


if __name__ == "__main__":
    main()
