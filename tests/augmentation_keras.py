"""The Keras comparison the augmentation tests share: draw a transformation
with tinykeras's layer, feed the same one to Keras's ``transform_images``
(and ``transform_labels``), compare."""
import numpy as np

import tinykeras as tk
from keras_zoo import keras_or_skip


def to_keras(keras, t):
    """A tinykeras transformation (dicts of NumPy arrays) as Keras tensors."""
    if isinstance(t, dict):
        return {k: to_keras(keras, v) for k, v in t.items()}
    if isinstance(t, list):
        return [to_keras(keras, v) for v in t]
    return keras.ops.convert_to_tensor(t) if isinstance(t, (np.ndarray, np.generic)) else t


def check_same_transformation(name, kwargs, images, labels=None, trials=2, atol=2e-6, flips=0.0):
    """Both layers built from ``kwargs`` (its ``data_format`` decides the
    layout of the channels-last ``images``) give the same images (relative to
    their value spread, within ``atol``), labels and config keys.  ``flips``:
    the share of values allowed to differ by up to 1/32 of the spread (chains
    of quantizing operations, posterization or equalization after a rotation,
    round a float-rounding tie either way)."""
    keras = keras_or_skip()
    x = images if kwargs.get("data_format", "channels_last") == "channels_last" else images.transpose(0, 3, 1, 2)
    x = np.ascontiguousarray(x)
    ours, theirs = getattr(tk.layers, name)(**kwargs), getattr(keras.layers, name)(**kwargs)
    scale = float(np.ptp(x)) or 1.0
    for _ in range(trials):
        t = ours.get_random_transformation(x)
        kt = to_keras(keras, t)
        expected = keras.ops.convert_to_numpy(theirs.transform_images(keras.ops.convert_to_tensor(x), kt))
        diff = np.abs(ours.transform_images(x, t).numpy() - expected) / scale
        assert (diff > atol).mean() <= flips and diff.max() <= (1 / 32 if flips else atol), \
            f"{name}: {(diff > atol).sum()} values differ, by up to {diff.max():.3g} of the spread"
        if labels is not None:
            expected = keras.ops.convert_to_numpy(theirs.transform_labels(keras.ops.convert_to_tensor(labels), kt))
            np.testing.assert_allclose(ours.transform_labels(labels, t).numpy(), expected, atol=1e-6)
    assert set(theirs.get_config()) - set(ours.get_config()) <= {"dtype"}
