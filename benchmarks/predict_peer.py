"""Small-batch inference on the MLP of ``peers_cpu.py`` (784-512-512-10):
``model.predict(x)`` in tinykeras (or Keras 3), a no-grad forward in PyTorch.

    python benchmarks/predict_peer.py {tinykeras,keras,torch} BATCH

prints ``<which> predict<BATCH>: <ms> ms/call``: the median of 7 timing loops
after a warm-up.  ``peers.py`` runs it in a fresh process per measurement.
"""
import os
import statistics
import sys
import timeit

import numpy as np


def make_call(which, batch):
    """A zero-argument function doing one inference of ``batch`` samples."""
    x = np.random.default_rng(0).random((batch, 784), dtype=np.float32)
    if which == "torch":
        import torch
        from torch import nn
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        model.eval()
        xt = torch.from_numpy(x)

        def call():
            with torch.no_grad():
                return model(xt).numpy()
        return call
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import importlib
    keras = importlib.import_module(which)
    layers = keras.layers
    model = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                              layers.Dense(512, activation="relu"), layers.Dense(10)])
    return lambda: model.predict(x, verbose=0)


def main(argv=None):
    which, batch = (argv or sys.argv[1:])[:2]
    call = make_call(which, int(batch))
    call()
    number = max(10, timeit.Timer(call).autorange()[0])
    times = [timeit.timeit(call, number=number) / number for _ in range(7)]
    print(f"{which} predict{batch}: {statistics.median(times) * 1e3:.4f} ms/call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
