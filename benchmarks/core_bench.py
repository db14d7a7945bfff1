"""Per-op overhead of tinykeras against PyTorch eager on the CPU.

Two micro-benchmarks on 4x4 float32 tensors, where the arithmetic is
negligible and the framework's own Python overhead is what is measured:

* ``add``: ``a + b`` with ``a.requires_grad`` (the op is recorded for autograd);
* ``backward``: ``(a * a).sum().backward()`` (forward, graph walk, two rules).

Runs alternate (tinykeras, torch, tinykeras, torch, ...) so that both see
the same machine state; each run is a timeit loop, and the medians are
compared.  Targets: add <= 1.5x torch, backward <= 1.0x torch.

    python benchmarks/core_bench.py [--rounds 7] [--check]

``--check`` exits 1 when a target is missed.  Without PyTorch installed the
script says so and exits 0.
"""
import argparse
import statistics
import sys
import timeit

import numpy as np

TARGETS = {"add": 1.5, "backward": 1.0}


def cases():
    """{name: (tinykeras callable, torch callable)} on the same 4x4 data."""
    import torch
    import tinykeras as tk

    rng = np.random.default_rng(0)
    a_np, b_np = rng.random((4, 4), dtype=np.float32), rng.random((4, 4), dtype=np.float32)
    a, b = tk.Tensor(a_np, requires_grad=True), tk.Tensor(b_np)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np)

    def tk_backward():
        (a * a).sum().backward()

    def torch_backward():
        (ta * ta).sum().backward()

    return {"add": (lambda: a + b, lambda: ta + tb), "backward": (tk_backward, torch_backward)}


def measure(fn, number, rounds):
    """``rounds`` per-call times (seconds) of ``fn``, each a loop of ``number`` calls."""
    return [timeit.timeit(fn, number=number) / number for _ in range(rounds)]


def run(rounds=7):
    """Median seconds per call: {name: (tinykeras, torch)}."""
    results = {}
    for name, (tk_fn, torch_fn) in cases().items():
        tk_fn(), torch_fn()  # warm up
        number = max(timeit.Timer(tk_fn).autorange()[0], timeit.Timer(torch_fn).autorange()[0])
        tk_times, torch_times = [], []
        for _ in range(rounds):  # alternate, so drifts hit both sides alike
            tk_times += measure(tk_fn, number, 1)
            torch_times += measure(torch_fn, number, 1)
        results[name] = (statistics.median(tk_times), statistics.median(torch_times))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="alternating runs per side (default 7)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("core_bench: PyTorch is not installed, so there is nothing to compare with; "
              "install it (pip install torch) to run this benchmark.")
        return 0
    torch.set_grad_enabled(True)
    print(f"core_bench: 4x4 float32, {args.rounds} alternating rounds, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), numpy {np.__version__}, Python {sys.version.split()[0]}")
    print(f"{'case':<10}{'tinykeras':>14}{'torch':>14}{'ratio':>9}{'target':>9}")
    missed = []
    for name, (tk_s, torch_s) in run(args.rounds).items():
        ratio = tk_s / torch_s
        ok = ratio <= TARGETS[name]
        missed += [] if ok else [name]
        print(f"{name:<10}{tk_s * 1e6:>11.2f} us{torch_s * 1e6:>11.2f} us{ratio:>8.2f}x"
              f"{'<= %.1fx' % TARGETS[name]:>9} {'ok' if ok else 'MISSED'}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
