"""Train the shipped ``DigitsConvNet`` weights (the digits 0-4).

``python -m tinykeras.applications.train_digits_base [--epochs 30] [--out PATH]``
trains :func:`tinykeras.applications.DigitsConvNet` (``weights=None``) on
the images of the digits 0-4 in the training split of
``tk.datasets.digits.load_data()`` (seed 113: the same split everywhere),
with Adam (learning rate 3e-3, batch 32, seed 0) and random one-pixel
shifts, prints the test accuracy on the digits 0-4 of the test split, and
saves the model with ``model.save`` to
``tinykeras/applications/data/digits_convnet_0to4.safetensors`` (about
100 KB).  The digits 5-9 are never seen: they are what the transfer
learning tutorial adapts the model to.  It takes about a minute on 2 cores
and reaches about 99% test accuracy.

>>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
>>> shift(x, np.random.RandomState(0)).shape
(1, 2, 2, 1)
"""
import argparse
import os

import numpy as np

SEED = 0


def shift(x, rng):
    """Move each image by -1, 0 or +1 pixel along each axis (zero fill)."""
    out = np.zeros_like(x)
    h, w = x.shape[1:3]
    for i, (dy, dx) in enumerate(rng.randint(-1, 2, size=(len(x), 2))):
        ys, yd = slice(max(0, -dy), h - max(0, dy)), slice(max(0, dy), h - max(0, -dy))
        xs, xd = slice(max(0, -dx), w - max(0, dx)), slice(max(0, dx), w - max(0, -dx))
        out[i, yd, xd] = x[i, ys, xs]
    return out


def load_digits_0_to_4():
    """``(x_train, y_train), (x_test, y_test)``: the digits 0-4, ``(n, 8, 8, 1)`` float32, 0..16."""
    import tinykeras as tk
    (x_train, y_train), (x_test, y_test) = tk.datasets.digits.load_data()
    keep_train, keep_test = y_train < 5, y_test < 5
    return ((x_train[keep_train, :, :, None].astype("float32"), y_train[keep_train]),
            (x_test[keep_test, :, :, None].astype("float32"), y_test[keep_test]))


def train(epochs=30, out=None, verbose=1):
    """Train, evaluate and save; returns ``(model, test_accuracy)``."""
    import tinykeras as tk
    from tinykeras.applications.digits import WEIGHTS_PATH, DigitsConvNet
    tk.utils.set_random_seed(SEED)
    (x_train, y_train), (x_test, y_test) = load_digits_0_to_4()
    model = DigitsConvNet(weights=None)
    model.compile(optimizer=tk.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.RandomState(SEED)
    for epoch in range(epochs):
        model.fit(shift(x_train, rng), y_train, batch_size=32, epochs=epoch + 1, initial_epoch=epoch,
                  verbose=0)
        if verbose and (epoch + 1) % 5 == 0:
            loss, acc = model.evaluate(x_test, y_test, verbose=0)
            print(f"epoch {epoch + 1}: test loss {loss:.4f}, test accuracy {acc:.4f}")
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    path = out or WEIGHTS_PATH
    model.save(path, include_optimizer=False)
    if verbose:
        print(f"test accuracy on the digits 0-4: {accuracy:.4f}; saved {path} "
              f"({os.path.getsize(path)} bytes)")
    return model, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", help="where to save (default: the packaged file)")
    args = parser.parse_args(argv)
    train(args.epochs, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
