"""``DigitsConvNet``: a small convnet that ships pretrained with tinykeras.

It was trained (by :mod:`.train_digits_base`) on the digits 0-4 of the
bundled 8x8 ``tk.datasets.digits`` data, and its weights ship in
``data/digits_convnet_0to4.safetensors`` (a tinykeras model file, about
100 KB, loadable with ``tk.models.load_model`` too).  It plays the role of
an ImageNet model in tutorials that must run offline: take its base
(``include_top=False``), freeze it, and put a new head on it for the
digits 5-9 (``tutorials/11_transfer_learning.py``).

Layers: ``rescaling`` (pixels 0..16 -> 0..1), three ``conv{i}`` /
``conv{i}_bn`` / ``conv{i}_relu`` stages (16, 32, 64 filters, 3x3, with
``pool1`` 2x2 max pooling after the second), then ``avg_pool`` and
``predictions`` (5 classes).

>>> import numpy as np, tinykeras as tk
>>> model = tk.applications.DigitsConvNet()
>>> (x, y), _ = tk.datasets.digits.load_data()
>>> x04 = x[y < 5][:200, :, :, None].astype("float32")
>>> float((model.predict(x04, verbose=0).argmax(-1) == y[y < 5][:200]).mean()) > 0.95
True
"""
import os

from .. import layers
from . import _common, imagenet_utils

WEIGHTS_PATH = os.path.join(os.path.dirname(__file__), "data", "digits_convnet_0to4.safetensors")
CLASSES = 5
FILTERS = (16, 32, 64)


def DigitsConvNet(include_top=True, weights="digits", input_tensor=None, input_shape=None, pooling=None,
                  classes=CLASSES, classifier_activation="softmax", name="digits_convnet"):
    """The digits convnet, with the arguments of a Keras application.

    ``weights``: ``"digits"`` (the shipped weights, pretrained on the
    digits 0-4), None, or the path of a weights file.  Inputs: ``(8, 8, 1)``
    images with pixel values 0..16, as ``tk.datasets.digits`` gives them.
    """
    if weights == "digits":
        if include_top and classes != CLASSES:
            raise ValueError("If using `weights='digits'` with `include_top=True`, `classes` should "
                             f"be {CLASSES}.  Received classes={classes}")
        pretrained, weights = True, None
    else:
        pretrained = False
        _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    if input_shape is None:
        input_shape = (8, 8, 1) if input_tensor is None else tuple(input_tensor.shape[1:])
    if len(input_shape) != 3 or (pretrained and input_shape[-1] != 1):
        raise ValueError(f"DigitsConvNet expects (height, width, 1) images; Received input_shape={input_shape}")
    if any(d is not None and d < 2 for d in input_shape[:2]):
        raise ValueError(f"Input size must be at least 2x2; Received input_shape={input_shape}")
    img_input = _common.image_input(input_tensor, input_shape)
    x = layers.Rescaling(1.0 / 16, name="rescaling")(img_input)
    for i, filters in enumerate(FILTERS, start=1):
        x = layers.Conv2D(filters, 3, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.Activation("relu", name=f"conv{i}_relu")(x)
        if i == 2:
            x = layers.MaxPooling2D(2, name="pool1")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        imagenet_utils.validate_activation(classifier_activation, "digits" if pretrained else None)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, ("avg_pool", "max_pool"))
    model = _common.finish(img_input, input_tensor, x, name, weights)
    if pretrained:
        load_digits_weights(model)
    return model


def load_digits_weights(model, path=WEIGHTS_PATH):
    """Load the shipped weights into ``model`` (all of it, or its base without the top)."""
    from ..saving import safetensors_io
    from ..saving.weights_file import weight_paths
    header = safetensors_io.read_header(path)
    expected = weight_paths(model)
    problems = [f"{p}: expected shape {tuple(v.shape)}, the file has "
                f"{header.tensors[p].shape if p in header.tensors else 'nothing'}"
                for p, v in expected if p not in header.tensors or header.tensors[p].shape != tuple(v.shape)]
    if problems:
        raise ValueError(f"{path} does not fit model {model.name!r}: " + "; ".join(problems[:10]))
    arrays = safetensors_io.read_tensors(path, header, [p for p, _ in expected])
    for p, v in expected:
        v.assign(arrays[p].astype(v.dtype, copy=False))
