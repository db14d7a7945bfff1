"""Run the shared reference workloads (``../shared/bench/peers_cpu.py``) for
tinykeras and PyTorch eager CPU, alternately, and print medians and the ratio.

    python benchmarks/peers.py mlp            # one epoch of the MNIST-sized MLP
    python benchmarks/peers.py cnn --rounds 5 # the small convnet

Each run is a fresh process (``peers_cpu.py WHICH TASK``), so neither library
warms the other's caches; the machines are noisy, so the medians of
alternating runs are what to quote.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "..", "..", "shared", "bench", "peers_cpu.py")


def run_once(which, task, peers=PEERS):
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, peers, which, task], capture_output=True, text=True,
                         env=env, check=True).stdout
    return float(re.search(r"([0-9.]+) s/epoch", out).group(1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=["mlp", "cnn"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peers", default=PEERS, help="path to peers_cpu.py")
    args = parser.parse_args(argv)
    if not os.path.exists(args.peers):
        print(f"peers_cpu.py not found at {args.peers}")
        return 0
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: pip install torch==2.13.0 to compare")
        return 0
    times = {"tinykeras": [], "torch": []}
    for r in range(args.rounds):
        for which in ("tinykeras", "torch"):
            times[which].append(run_once(which, args.task, args.peers))
            print(f"round {r + 1}: {which:<9} {times[which][-1]:.2f} s/epoch", flush=True)
    tk, pt = statistics.median(times["tinykeras"]), statistics.median(times["torch"])
    print(f"{args.task}: tinykeras {tk:.2f} s, torch {pt:.2f} s (medians of {args.rounds}); "
          f"ratio {tk / pt:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
