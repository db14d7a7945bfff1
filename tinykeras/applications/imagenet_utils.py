"""ImageNet helpers shared by the applications, as ``keras.applications.imagenet_utils``.

* :func:`preprocess_input` with the three modes of Keras: ``"caffe"``
  (RGB->BGR, minus the ImageNet mean, no scaling: VGG, ResNet),
  ``"tf"`` (scale to [-1, 1]: Inception, MobileNet) and ``"torch"``
  ([0, 1], then the ImageNet mean and std).
* :func:`decode_predictions`: the top classes ``(wnid, name, score)``;
  the class index ships with tinykeras (``data/imagenet_class_index.json``,
  byte-identical to the file Keras downloads: md5
  ``c2c37ea517e94d9795004a39431a14cb``), so it works offline.

>>> import numpy as np
>>> preprocess_input(np.array([[[255.0, 0.0, 127.5]]]), mode="tf").tolist()
[[[1.0, -1.0, 0.0]]]
>>> preds = np.zeros((1, 1000)); preds[0, 1] = 0.9
>>> decode_predictions(preds, top=1)
[[('n01443537', 'goldfish', 0.9)]]
"""
import json
import os

import numpy as np

from .. import activations, backend
from ..layers.symbolic import KerasTensor

CLASS_INDEX_PATH = os.path.join(os.path.dirname(__file__), "data", "imagenet_class_index.json")
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # the same file as keras's
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN, TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
_CLASS_INDEX = None


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of RGB images with values in [0, 255].

    ``x``: a NumPy array (a float array is modified in place, as in Keras)
    or a tinykeras Tensor, 3-D or 4-D; ``mode``: ``"caffe"``, ``"tf"`` or
    ``"torch"``.  Returns float32 data of the same shape.

    >>> import numpy as np
    >>> preprocess_input(np.full((1, 1, 1, 3), 255.0), mode="caffe").round(3).tolist()
    [[[[151.061, 138.221, 131.32]]]]
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"Expected mode to be one of `caffe`, `tf` or `torch`. Received: mode={mode}")
    data_format = _data_format(data_format)
    if isinstance(x, KerasTensor):
        raise ValueError("preprocess_input works on data (arrays or Tensors), not on a symbolic "
                         "keras.Input; apply it to the data, or use a Rescaling layer in the model")
    if not isinstance(x, np.ndarray) and hasattr(x, "numpy"):
        return _preprocess_tensor(x, data_format, mode)
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(backend.floatx())
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    channel_axis = _channel_axis(x.ndim, data_format)
    if mode == "caffe":
        x = np.flip(x, axis=channel_axis)  # RGB -> BGR (a view, as in Keras)
        mean, std = CAFFE_MEAN_BGR, None
    else:
        x /= 255.0
        mean, std = TORCH_MEAN, TORCH_STD
    shape = [1] * x.ndim
    shape[channel_axis] = 3
    x = x - np.reshape(np.asarray(mean, x.dtype), shape)
    if std is not None:
        x /= np.reshape(np.asarray(std, x.dtype), shape)
    return x


_MODES = {"caffe": "RGB -> BGR, minus the ImageNet mean, no scaling (mode \"caffe\").",
          "tf": "Scale [0, 255] to [-1, 1] (mode \"tf\").",
          "torch": "Scale [0, 255] to [0, 1], then normalize by the ImageNet mean and std (mode \"torch\").",
          None: "Returns ``x`` unchanged: the model preprocesses its input itself (as in Keras)."}


def preprocess_for(mode):
    """An application module's ``preprocess_input(x, data_format=None)``:
    ``preprocess_input`` with ``mode`` (None: the model normalizes, so the
    input is returned unchanged).

    >>> import numpy as np
    >>> preprocess_for("tf")(np.full((1, 1, 1, 3), 255.0)).tolist()
    [[[[1.0, 1.0, 1.0]]]]
    """
    def preprocess(x, data_format=None):
        return x if mode is None else preprocess_input(x, data_format=data_format, mode=mode)
    preprocess.__name__ = preprocess.__qualname__ = "preprocess_input"
    preprocess.__doc__ = _MODES[mode]
    return preprocess


def _preprocess_tensor(x, data_format, mode):
    from .. import ops
    x = ops.convert_to_tensor(x)
    if not str(x.dtype).startswith("float"):
        x = ops.cast(x, backend.floatx())
    if mode == "tf":
        return x / 127.5 - 1.0
    channel_axis = _channel_axis(len(x.shape), data_format)
    shape = [1] * len(x.shape)
    shape[channel_axis] = 3
    if mode == "caffe":
        x = ops.flip(x, axis=channel_axis)
        return x - np.reshape(np.asarray(CAFFE_MEAN_BGR, "float32"), shape)
    x = x / 255.0 - np.reshape(np.asarray(TORCH_MEAN, "float32"), shape)
    return x / np.reshape(np.asarray(TORCH_STD, "float32"), shape)


def _data_format(data_format):
    data_format = data_format or backend.image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError("Expected data_format to be one of `channels_first` or `channels_last`. "
                         f"Received: data_format={data_format}")
    return data_format


def _channel_axis(ndim, data_format):
    if ndim not in (3, 4):
        raise ValueError(f"preprocess_input expects 3-D or 4-D images, got {ndim} dimensions")
    return -1 if data_format == "channels_last" else ndim - 3


def class_index():
    """``{"0": ["n01440764", "tench"], ...}``: the ImageNet class index.

    >>> class_index()["999"]
    ['n15075141', 'toilet_tissue']
    """
    global _CLASS_INDEX
    if _CLASS_INDEX is None:
        with open(CLASS_INDEX_PATH, encoding="utf-8") as f:
            _CLASS_INDEX = json.load(f)
    return _CLASS_INDEX


def decode_predictions(preds, top=5):
    """The ``top`` classes of each prediction, as lists of
    ``(class_name, class_description, score)`` tuples, best first.

    ``preds`` has shape ``(samples, 1000)`` (a ValueError otherwise).
    """
    preds = preds.numpy() if hasattr(preds, "numpy") and not isinstance(preds, np.ndarray) else np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of "
                         f"shape (samples, 1000)). Received array with shape: {preds.shape}")
    index = class_index()
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        result = [tuple(index[str(i)]) + (pred[i].item(),) for i in best]
        result.sort(key=lambda r: r[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """Check ``input_shape`` against a model's needs and fill in the default
    (Keras's rules): with ``include_top`` (``require_flatten``) and ImageNet
    weights it must be the default shape; otherwise 3 dimensions, each
    spatial one at least ``min_size`` (or None).

    >>> obtain_input_shape(None, 224, 32, "channels_last", require_flatten=False)
    (None, None, 3)
    >>> obtain_input_shape((16, 16, 3), 224, 32, "channels_last", False)
    Traceback (most recent call last):
    ...
    ValueError: Input size must be at least 32x32; Received: input_shape=(16, 16, 3)
    """
    if input_shape is not None:
        input_shape = tuple(input_shape)
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading `imagenet` weights, "
                             f"`input_shape` should be {default_shape}.  Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(f"`input_shape` must be a tuple of three integers. Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels; Received `input_shape={input_shape}`")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: "
                             f"input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape`. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """Zero-padding ``((top, bottom), (left, right))`` before a strided
    ``kernel_size`` convolution, so that it matches TensorFlow's "same".

    >>> import tinykeras as tk
    >>> correct_pad(tk.Input((96, 96, 3)), 3)
    ((0, 1), (0, 1))
    """
    size = inputs.shape[1:3] if backend.image_data_format() == "channels_last" else inputs.shape[2:4]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """With pretrained weights, the top's activation must be None or softmax."""
    if weights is None:
        return
    fn = activations.get(classifier_activation)
    if fn not in (activations.get("softmax"), activations.get(None)):
        raise ValueError("Only `None` and `softmax` activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights, with "
                         f"`include_top=True`; Received: classifier_activation={classifier_activation}")
