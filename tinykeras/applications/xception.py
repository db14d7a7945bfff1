"""Xception (Chollet, 2017), as ``keras.applications.xception``.

Depthwise separable convolutions throughout: the entry flow
(``block1_conv1``/``conv2``, then blocks 2-4 of two ``SeparableConv2D``
and a strided max pooling, each added to a strided 1x1 convolution of its
input), the middle flow (blocks 5-12: three ReLU-SeparableConv2D-BN with
an identity shortcut) and the exit flow (block 13 like the entry blocks,
block 14's two separable convolutions).  Names, weight order and ImageNet
files are Keras's (22,910,480 parameters).  Default input 299x299, at
least 71x71; inputs in [0, 255] go through :func:`preprocess_input`
(mode "tf": [-1, 1]).

>>> import tinykeras as tk
>>> base = tk.applications.Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
>>> base.output_shape, base.get_layer("block5_sepconv1").depthwise_kernel.shape
((None, 3, 3, 2048), (3, 3, 728, 1))
"""
from .. import layers
from . import _common, imagenet_utils
from .weights import tf_kernels_spec

HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def _bn(x, name=None):
    return layers.BatchNormalization(axis=-1, name=name)(x)


def _sepconv_bn(x, filters, name):
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return _bn(x, f"{name}_bn")


def _relu(x, name):
    return layers.Activation("relu", name=name)(x)


def _strided_block(x, filters1, filters2, prefix, relu_first=True):
    """Entry-flow block: [ReLU] sepconv-BN, ReLU sepconv-BN, 3x3/2 max pooling, + a 1x1/2 conv of the input."""
    residual = _bn(layers.Conv2D(filters2, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x))
    if relu_first:
        x = _relu(x, f"{prefix}_sepconv1_act")
    x = _sepconv_bn(x, filters1, f"{prefix}_sepconv1")
    x = _sepconv_bn(_relu(x, f"{prefix}_sepconv2_act"), filters2, f"{prefix}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"{prefix}_pool")(x)
    return layers.add([x, residual])


def _middle_block(x, prefix):
    """Three ReLU-sepconv-BN (728 filters) plus the identity."""
    residual = x
    for j in (1, 2, 3):
        x = _sepconv_bn(_relu(x, f"{prefix}_sepconv{j}_act"), 728, f"{prefix}_sepconv{j}")
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    """Xception with Keras's signature; 22,910,480 parameters with the top."""
    _, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation, input_shape,
                                 input_tensor, default_size=299, min_size=71)
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = _relu(_bn(x, "block1_conv1_bn"), "block1_conv1_act")
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = _relu(_bn(x, "block1_conv2_bn"), "block1_conv2_act")
    x = _strided_block(x, 128, 128, "block2", relu_first=False)
    x = _strided_block(x, 256, 256, "block3")
    x = _strided_block(x, 728, 728, "block4")
    for i in range(8):
        x = _middle_block(x, f"block{i + 5}")
    x = _strided_block(x, 728, 1024, "block13")
    for j, filters in ((1, 1536), (2, 2048)):
        x = _relu(_sepconv_bn(x, filters, f"block14_sepconv{j}"), f"block14_sepconv{j}_act")
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights,
                     top_pool_name="avg_pool")
    spec = tf_kernels_spec("xception", "xception", HASHES, include_top)
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


preprocess_input = imagenet_utils.preprocess_for("tf")


decode_predictions = imagenet_utils.decode_predictions
