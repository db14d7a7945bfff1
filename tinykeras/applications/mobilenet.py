"""MobileNet (Howard et al., 2017), as ``keras.applications.mobilenet``.

A 3x3 convolution then 13 depthwise-separable blocks (``conv_dw_{i}``,
``conv_pw_{i}``, each followed by BatchNormalization and ReLU6), with
Keras's names and weights (4,253,864 parameters for ``alpha=1.0``).
``alpha`` scales the widths; ImageNet weights exist for alpha in
{0.25, 0.5, 0.75, 1.0} and input sizes {128, 160, 192, 224}.  Inputs in
[0, 255] go through :func:`preprocess_input` (mode "tf": [-1, 1]).

>>> import tinykeras as tk
>>> tk.applications.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), include_top=False).name
'mobilenet_0.25_32'
"""
import warnings

from .. import layers
from . import _common, imagenet_utils
from .weights import imagenet_spec

# (pointwise filters, stride) of the 13 depthwise-separable blocks
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
          (512, 1), (512, 1), (1024, 2), (1024, 1))
ALPHA_TEXT = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}


def resolve_input_shape(input_shape, input_tensor, include_top, weights, sizes, alphas, alpha):
    """Keras's MobileNet rules: the default size follows a square
    ``input_shape`` (or ``input_tensor``) in ``sizes``; ImageNet weights
    need an ``alpha`` in ``alphas``; returns ``(input_shape, rows)`` where
    ``rows`` picks the weights file (224 if the size has none)."""
    shape = input_shape
    if shape is None and input_tensor is not None and hasattr(input_tensor, "shape"):
        shape = tuple(input_tensor.shape[1:])
    default_size = 224
    if shape is not None and shape[0] == shape[1] and shape[0] in sizes:
        default_size = shape[0]
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format="channels_last",
                                                    require_flatten=include_top, weights=weights)
    rows, cols = input_shape[0], input_shape[1]
    if weights == "imagenet":
        if alpha not in alphas:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             f"{', '.join(f'`{a}`' for a in alphas)} only.  Received alpha={alpha}")
        if rows != cols or rows not in sizes:
            rows = 224
            warnings.warn(f"`input_shape` is undefined or non-square, or `rows` is not in {list(sizes)}. "
                          "Weights for input shape (224, 224) will be loaded as the default.", stacklevel=3)
    return input_shape, rows


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    x = layers.Conv2D(int(filters * alpha), kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_filters, alpha, depth_multiplier=1, strides=(1, 1), block_id=1):
    x = inputs
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides, use_bias=False,
                               name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=-1, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    """MobileNet with Keras's signature; 4,253,864 parameters (alpha=1, with the top)."""
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    if weights == "imagenet" and depth_multiplier != 1:
        raise ValueError("If imagenet weights are being loaded, depth multiplier must be 1.  "
                         f"Received depth_multiplier={depth_multiplier}")
    input_shape, rows = resolve_input_shape(input_shape, input_tensor, include_top, weights,
                                            (128, 160, 192, 224), (0.25, 0.50, 0.75, 1.0), alpha)
    img_input = _common.image_input(input_tensor, input_shape)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier, strides=(stride, stride),
                                  block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    spec = None
    if alpha in ALPHA_TEXT and rows in (128, 160, 192, 224):
        spec = imagenet_spec("mobilenet", f"mobilenet_{ALPHA_TEXT[alpha]}_{rows}_tf"
                             f"{'' if include_top else '_no_top'}.h5")
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


preprocess_input = imagenet_utils.preprocess_for("tf")


decode_predictions = imagenet_utils.decode_predictions
