"""One training epoch of an LSTM text classifier: tinykeras (NumPy backend)
against PyTorch eager on the CPU.

The model, written once per framework with the same layers and sizes::

    Embedding(10000, 64) -> LSTM(128) -> Dense(1, sigmoid)

trained with Adam (learning rate 1e-3) on binary cross-entropy, batch 64,
on ``--samples`` random sequences of length 80 (default 2,560 samples: 40
batches) with random 0/1 labels: only the time matters.  tinykeras runs
``model.fit(..., epochs=1)``; PyTorch runs the same epoch as a plain loop
(shuffle, forward, loss, backward, step) with ``nn.Embedding``, ``nn.LSTM``
and ``nn.Linear``.  Each side is warmed up once; then the runs alternate
(tinykeras, torch, tinykeras, ...) so that both see the same machine
state, and the medians are compared.

    python benchmarks/lstm_bench.py [--samples 2560] [--rounds 3] [--threads N]

``--threads N`` gives both sides N threads (PyTorch's intra-op pool and
NumPy's BLAS, through ``OPENBLAS_NUM_THREADS`` and friends, set before
either library loads).  On a busy machine, BLAS threads that spin-wait for
each other can make small matmuls a hundred times slower; ``--threads 1``
measures the frameworks rather than the contention.  Without PyTorch
installed the script says so and exits 0.
"""
import argparse
import os
import statistics
import sys
import time

if __name__ == "__main__" and "--threads" in sys.argv:  # before NumPy and PyTorch start their pools
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np  # noqa: E402

VOCAB, EMBED, UNITS, LENGTH, BATCH = 10000, 64, 128, 80, 64


def data(samples, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(samples, LENGTH)).astype("int32")
    y = rng.integers(0, 2, size=(samples, 1)).astype("float32")
    return x, y


def tinykeras_epoch(x, y):
    """A compiled tinykeras model and a function that trains it for one epoch."""
    import tinykeras as keras
    from tinykeras import layers
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((LENGTH,), dtype="int32"), layers.Embedding(VOCAB, EMBED),
                              layers.LSTM(UNITS), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return lambda: model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)


def torch_epoch(x, y):
    """The same model and epoch in PyTorch eager."""
    import torch
    from torch import nn
    torch.manual_seed(0)

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, 1)

        def forward(self, ids):
            _, (h, _) = self.lstm(self.embedding(ids))
            return torch.sigmoid(self.dense(h[-1]))

    model, loss_fn = Classifier(), nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x.astype("int64")), torch.from_numpy(y)

    def epoch():
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), BATCH):
            idx = order[start:start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            optimizer.step()
    return epoch


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(samples=2560, rounds=3):
    """Median seconds per epoch: (tinykeras, torch)."""
    x, y = data(samples)
    tk_fn, torch_fn = tinykeras_epoch(x, y), torch_epoch(x, y)
    warm_x, warm_y = x[:BATCH], y[:BATCH]
    tinykeras_epoch(warm_x, warm_y)(), torch_epoch(warm_x, warm_y)()  # warm up caches and allocators
    tk_times, torch_times = [], []
    for i in range(rounds):
        tk_times.append(timed(tk_fn))
        torch_times.append(timed(torch_fn))
        print(f"  round {i + 1}: tinykeras {tk_times[-1]:.2f} s, torch {torch_times[-1]:.2f} s", flush=True)
    return statistics.median(tk_times), statistics.median(torch_times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2560, help="training samples (default 2560)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating epochs per side (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for both sides (PyTorch and NumPy's BLAS); default: each library's own")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("lstm_bench: PyTorch is not installed, so there is nothing to compare with; "
              "install it (pip install torch) to run this benchmark.")
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"lstm_bench: Embedding({VOCAB}, {EMBED}) -> LSTM({UNITS}) -> Dense(1, sigmoid), "
          f"{args.samples} samples of length {LENGTH}, batch {BATCH}, Adam; {args.rounds} alternating "
          f"epochs per side; torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"numpy {np.__version__} (BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS', 'default')}), "
          f"Python {sys.version.split()[0]}")
    tk_s, torch_s = run(args.samples, args.rounds)
    print(f"median epoch: tinykeras {tk_s:.2f} s, torch {torch_s:.2f} s, ratio {tk_s / torch_s:.2f}x "
          f"(tinykeras / torch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
