"""InceptionResNetV2 (Szegedy et al., 2016), as ``keras.applications.inception_resnet_v2``.

The Inception stem and ``mixed_5b``, then residual Inception blocks:
10 x ``block35`` (scale 0.17), ``mixed_6a``, 20 x ``block17`` (0.1),
``mixed_7a``, 10 x ``block8`` (0.2; the last one 1.0 and no ReLU), and
``conv_7b``.  Each block concatenates its branches (``block35_1_mixed``),
projects them back with a 1x1 convolution with bias (``block35_1_conv``)
and adds ``scale`` times that to its input (:class:`CustomScaleLayer`, as
in Keras).  Every other convolution is :func:`conv2d_bn`.  Names, weight
order and ImageNet files are Keras's (55,873,736 parameters).  Default
input 299x299, at least 75x75; inputs in [0, 255] go through
:func:`preprocess_input` (mode "tf": [-1, 1]).

>>> import tinykeras as tk
>>> base = tk.applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3))
>>> base.output_shape, base.get_layer("block8_10_conv").kernel.shape
((None, 1, 1, 1536), (1, 1, 448, 2080))
"""
from .. import layers, ops
from ..layers.layer import Layer
from ..saving.object_registration import register_serializable
from . import _common, imagenet_utils
from .weights import tf_kernels_spec

HASHES = ("e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu", use_bias=False,
              name=None):
    """Conv2D; without bias, then BatchNormalization(scale=False); then ``activation``.
    Named ``name``, ``name_bn``, ``name_ac`` (automatic names if ``name`` is None)."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=3, scale=False, name=None if name is None else f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else f"{name}_ac")(x)
    return x


@register_serializable(package="applications")
class CustomScaleLayer(Layer):
    """``inputs[0] + inputs[1] * scale``: the residual sum of InceptionResNetV2.

    >>> import numpy as np
    >>> CustomScaleLayer(0.5)([np.ones((1, 2)), np.full((1, 2), 4.0)]).numpy().tolist()
    [[3.0, 3.0]]
    """

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"CustomScaleLayer {self.name!r} expects a list of 2 tensors [x, residual]; "
                             f"received {type(inputs).__name__}")
        return ops.add(inputs[0], ops.multiply(inputs[1], self.scale))

    def compute_output_shape(self, input_shape):
        return input_shape[0]


# the branches of each residual block: (filters, kernel size) of the convolutions in a row
BRANCHES = {"block35": (((32, 1),), ((32, 1), (32, 3)), ((32, 1), (48, 3), (64, 3))),
            "block17": (((192, 1),), ((128, 1), (160, (1, 7)), (192, (7, 1)))),
            "block8": (((192, 1),), ((192, 1), (224, (1, 3)), (256, (3, 1))))}


def _branch(x, convs):
    for filters, kernel_size in convs:
        x = conv2d_bn(x, filters, kernel_size)
    return x


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """A residual Inception block: ``x + scale * conv1x1(concat(branches))``, then ``activation``."""
    if block_type not in BRANCHES:
        raise ValueError('Unknown Inception-ResNet block type. Expects "block35", "block17" or "block8", '
                         f"but got: {block_type}")
    branches = [_branch(x, convs) for convs in BRANCHES[block_type]]
    block_name = f"{block_type}_{block_idx}"
    mixed = layers.Concatenate(axis=3, name=f"{block_name}_mixed")(branches)
    up = conv2d_bn(mixed, x.shape[3], 1, activation=None, use_bias=True, name=f"{block_name}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{block_name}_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                      pooling=None, classes=1000, classifier_activation="softmax", name="inception_resnet_v2"):
    """InceptionResNetV2 with Keras's signature; 55,873,736 parameters with the top."""
    _, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation, input_shape,
                                 input_tensor, default_size=299, min_size=75)
    x = conv2d_bn(img_input, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    # mixed_5b (Inception-A)
    branches = [_branch(x, convs) for convs in (((96, 1),), ((48, 1), (64, 5)), ((64, 1), (96, 3), (96, 3)))]
    branch_pool = conv2d_bn(layers.AveragePooling2D(3, strides=1, padding="same")(x), 64, 1)
    x = layers.Concatenate(axis=3, name="mixed_5b")(branches + [branch_pool])
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=block_idx)
    # mixed_6a (Reduction-A)
    branch_0 = conv2d_bn(x, 384, 3, strides=2, padding="valid")
    branch_1 = conv2d_bn(_branch(x, ((256, 1), (256, 3))), 384, 3, strides=2, padding="valid")
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=3, name="mixed_6a")([branch_0, branch_1, branch_pool])
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, scale=0.1, block_type="block17", block_idx=block_idx)
    # mixed_7a (Reduction-B)
    ends = [conv2d_bn(_branch(x, convs), filters, 3, strides=2, padding="valid")
            for convs, filters in ((((256, 1),), 384), (((256, 1),), 288), (((256, 1), (288, 3)), 320))]
    branch_pool = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    x = layers.Concatenate(axis=3, name="mixed_7a")(ends + [branch_pool])
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, scale=0.2, block_type="block8", block_idx=block_idx)
    x = inception_resnet_block(x, scale=1.0, activation=None, block_type="block8", block_idx=10)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights,
                     top_pool_name="avg_pool")
    spec = tf_kernels_spec("inception_resnet_v2", "inception_resnet_v2", HASHES, include_top)
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


preprocess_input = imagenet_utils.preprocess_for("tf")


decode_predictions = imagenet_utils.decode_predictions
