"""DenseNet121, DenseNet169 and DenseNet201 (Huang et al., 2017), as
``keras.applications.densenet``.

A 7x7 stem, then four dense blocks of (6, 12, 24, 16), (6, 12, 32, 32) or
(6, 12, 48, 32) conv blocks (``conv2_block1_0_bn`` -> ``_1_conv`` 1x1,
128 -> ``_2_conv`` 3x3, 32 -> ``_concat``) joined by transition blocks
(``pool2_bn``, ``pool2_conv`` halving the channels, ``pool2_pool``), then
``bn``/``relu``.  Names, weight order and ImageNet files are Keras's
(DenseNet121: 8,062,504 parameters).  Inputs in [0, 255] go through
:func:`preprocess_input` (mode "torch": [0, 1], then the ImageNet mean
and std).

>>> import tinykeras as tk
>>> base = tk.applications.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> base.output_shape, base.get_layer("pool2_conv").filters
((None, 1, 1, 1024), 128)
"""
from .. import layers
from . import _common, imagenet_utils
from .weights import tf_kernels_spec

BLOCKS = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32), "densenet201": (6, 12, 48, 32)}
HASHES = {"densenet121": ("9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
          "densenet169": ("d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
          "densenet201": ("1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1")}
BN_EPSILON = 1.001e-5


def _bn_relu(x, name):
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def dense_block(x, blocks, name):
    """``blocks`` conv blocks, each adding 32 channels."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 conv to ``reduction`` times the channels, 2x2 average pooling."""
    x = _bn_relu(x, name)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4 * growth_rate), BN-ReLU-3x3 conv (growth_rate), concatenated to ``x``."""
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(_bn_relu(x, f"{name}_0"))
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False,
                       name=f"{name}_2_conv")(_bn_relu(x1, f"{name}_1"))
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, x1])


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="densenet"):
    """The DenseNet family: ``blocks`` gives the conv blocks of the four dense blocks."""
    _, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation, input_shape,
                                 input_tensor, default_size=224, min_size=32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn_relu(x, "conv1")
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for i, count in enumerate(blocks):
        x = dense_block(x, count, name=f"conv{i + 2}")
        if i < 3:
            x = transition_block(x, 0.5, name=f"pool{i + 2}")
    x = layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights,
                     top_pool_name="avg_pool", pool_names=("avg_pool", "max_pool"))
    key = next((k for k, v in BLOCKS.items() if tuple(blocks) == v), None)
    spec = tf_kernels_spec("densenet", key, HASHES[key], include_top) if key else None
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _variant(key, doc):
    return _common.variant(DenseNet, key, doc, BLOCKS[key])


DenseNet121 = _variant("densenet121", "DenseNet121 with Keras's signature; 8,062,504 parameters with the top.")
DenseNet169 = _variant("densenet169", "DenseNet169 with Keras's signature; 14,307,880 parameters with the top.")
DenseNet201 = _variant("densenet201", "DenseNet201 with Keras's signature; 20,242,984 parameters with the top.")


preprocess_input = imagenet_utils.preprocess_for("torch")


decode_predictions = imagenet_utils.decode_predictions
