"""tinykeras against PyTorch eager on the CPU, quiet and on a busy machine.

Runs the shared reference workloads (``../shared/bench/peers_cpu.py``: one
training epoch of ``mlp``, ``cnn``, ``lstm``, ``transformer``) and small-batch
inference (``predict1``, ``predict32``: ``predict_peer.py``), each run a fresh
process, tinykeras and PyTorch alternating, and prints the median ratio
tinykeras / PyTorch per workload (and Keras 3 / PyTorch where Keras is
installed).

    python benchmarks/peers.py --all             # the whole table, quiet and loaded
    python benchmarks/peers.py mlp lstm --rounds 5 --load quiet

*Loaded* means one CPU-bound busy process per core (a bounded busy loop this
script starts before each pair of runs and stops after it), so both
libraries see the same competition.  The machines are noisy: quote the
medians of alternating pairs, with the load average the script prints.
tinykeras runs with its built-in NumPy backend only
(``TINYKERAS_DISABLE_PLUGIN_AUTOLOAD=1`` unless set: the example plugin,
if installed, would replace the NumPy ``relu``).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = next((p for p in (os.path.join(HERE, *[".."] * up, "shared", "bench", "peers_cpu.py") for up in (2, 3))
              if os.path.exists(p)), os.path.join(HERE, "..", "..", "shared", "bench", "peers_cpu.py"))
TRAINING = ("mlp", "cnn", "lstm", "transformer")
WORKLOADS = TRAINING + ("predict1", "predict32")
BUSY = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


def command(which, task, peers):
    """The command line that runs one measurement of ``task`` for ``which``."""
    if task.startswith("predict"):
        return [sys.executable, os.path.join(HERE, "predict_peer.py"), which, task[len("predict"):]]
    return [sys.executable, peers, which, task]


def run_once(which, task, peers=PEERS):
    """Seconds per epoch (training) or milliseconds per call (predict) of one fresh run."""
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if which == "keras":
        env["KERAS_BACKEND"] = "torch"
    env.setdefault("TINYKERAS_DISABLE_PLUGIN_AUTOLOAD", "1")   # tinykeras itself, not the example plugins
    out = subprocess.run(command(which, task, peers), capture_output=True, text=True, env=env, check=True).stdout
    return float(re.search(r"([0-9.]+) (?:s/epoch|ms/call)", out).group(1))


class Load:
    """One bounded CPU-bound busy process per core while the block runs (none if ``count`` is 0)."""

    def __init__(self, count, seconds=900):
        self.count, self.seconds, self.procs = count, seconds, []

    def __enter__(self):
        code = BUSY.format(seconds=self.seconds)
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(self.count)]
        time.sleep(0.5 if self.count else 0)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.kill()
            proc.wait()
        self.procs = []


def have(module):
    """Whether ``module`` can be imported (checked in a child process: Keras needs its backend set)."""
    env = dict(os.environ, KERAS_BACKEND="torch")
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, env=env).returncode == 0


def measure(task, sides, rounds, busy, peers, log):
    """{side: median} over ``rounds`` alternating rounds, each under its own fresh load."""
    times = {side: [] for side in sides}
    for r in range(rounds):
        with Load(busy):
            for side in sides:
                times[side].append(run_once(side, task, peers))
        log(f"  {task:<12} {'loaded' if busy else 'quiet':<7} round {r + 1}: " +
            ", ".join(f"{s} {times[s][-1]:.4g}" for s in sides) + f"  (load avg {os.getloadavg()[0]:.1f})")
    return {side: statistics.median(values) for side, values in times.items()}


def table(results, keras):
    """The issue's table: ratios to PyTorch, quiet and loaded."""
    head = "| workload | tinykeras / torch, quiet | loaded | loaded / quiet |" + (" Keras 3 / torch, quiet |" if keras else "")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for task, by_load in results.items():
        ratio = {load: r["tinykeras"] / r["torch"] for load, r in by_load.items()}
        quiet, loaded = ratio.get("quiet"), ratio.get("loaded")
        cells = [f"{quiet:.2f}x" if quiet else "-", f"{loaded:.2f}x" if loaded else "-",
                 f"{loaded / quiet:.2f}" if quiet and loaded else "-"]
        if keras:
            r = by_load.get("quiet", {})
            cells.append(f"{r['keras'] / r['torch']:.2f}x" if "keras" in r else "-")
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # no choices= here: argparse rejects an empty list against choices (``--all`` alone)
    parser.add_argument("tasks", nargs="*", metavar="TASK", help=f"workloads ({', '.join(WORKLOADS)})")
    parser.add_argument("--all", action="store_true", help="every workload")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per measurement (default 3)")
    parser.add_argument("--load", choices=["quiet", "loaded", "both"], default="both")
    parser.add_argument("--no-keras", action="store_true", help="leave Keras 3 out even where installed")
    parser.add_argument("--peers", default=PEERS, help="path to peers_cpu.py")
    args = parser.parse_args(argv)
    unknown = [t for t in args.tasks if t not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload {unknown[0]!r}: choose from {', '.join(WORKLOADS)}")
    tasks = list(WORKLOADS) if args.all or not args.tasks else list(dict.fromkeys(args.tasks))
    if not os.path.exists(args.peers) and any(t in TRAINING for t in tasks):
        print(f"peers_cpu.py not found at {args.peers}")
        return 0
    if not have("torch"):
        print("PyTorch is not installed: pip install torch to compare")
        return 0
    keras = not args.no_keras and have("keras")
    loads = ["quiet", "loaded"] if args.load == "both" else [args.load]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"peers: {', '.join(tasks)}; {args.rounds} alternating rounds; {cores} cores; loaded = {cores} "
          f"busy processes; Keras 3 {'quiet only' if keras else 'not run'}; load avg at start "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    results = {}
    for task in tasks:
        results[task] = {}
        for load in loads:
            sides = ["tinykeras", "torch"] + (["keras"] if keras and load == "quiet" else [])
            results[task][load] = measure(task, sides, args.rounds, cores if load == "loaded" else 0,
                                          args.peers, lambda line: print(line, flush=True))
    print(table(results, keras))
    return 0


if __name__ == "__main__":
    sys.exit(main())
