"""ResNet50, ResNet101 and ResNet152 (He et al., 2015), as ``keras.applications.resnet``.

One builder, :func:`ResNet`, takes the stacked blocks as a function (as
Keras's): here, bottleneck blocks per stage (3, 4, 6, 3), (3, 4, 23, 3)
or (3, 8, 36, 3); :mod:`.resnet_v2` builds the pre-activation models with
it.  Layer names (``conv1_conv``, ``conv2_block1_1_conv``,
``conv2_block1_0_bn``...), weight order and ImageNet files are Keras's
(ResNet50: 25,636,712 parameters).  Inputs: RGB in [0, 255] through
:func:`preprocess_input` (mode "caffe").

>>> import tinykeras as tk
>>> base = tk.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
>>> base.output_shape, base.layers[-1].name
((None, 2048), 'avg_pool')
"""
from .. import layers
from . import _common, imagenet_utils
from .weights import tf_kernels_spec

STAGES = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3),
          "resnet50v2": (3, 4, 6, 3), "resnet101v2": (3, 4, 23, 3), "resnet152v2": (3, 8, 36, 3)}
HASHES = {"resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
          "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
          "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c"),
          "resnet50v2": ("3ef43a0b657b3be2300d5770ece849e0", "fac2f116257151a9d068a22e544a4917"),
          "resnet101v2": ("6343647c601c52e1368623803854d971", "c0ed64b8031c3730f411d2eb4eea35b5"),
          "resnet152v2": ("a49b44d1979771252814e80f8ec446f9", "ed17cf2e0169df9d443503ef94b23b33")}
BN_EPSILON = 1.001e-5


def bn(x, name):
    """BatchNormalization with ResNet's epsilon (1.001e-5)."""
    return layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=name)(x)


def _conv_bn(x, filters, kernel_size, name, strides=1, padding="valid"):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, name=f"{name}_conv")(x)
    return bn(x, f"{name}_bn")


def residual_block(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    """A bottleneck block: 1x1 (stride), 3x3, 1x1 (4x filters), plus the shortcut."""
    shortcut = _conv_bn(x, 4 * filters, 1, f"{name}_0", strides=stride) if conv_shortcut else x
    x = _conv_bn(x, filters, 1, f"{name}_1", strides=stride)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = _conv_bn(x, filters, kernel_size, f"{name}_2", padding="same")
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = _conv_bn(x, 4 * filters, 1, f"{name}_3")
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def stack(x, filters, blocks, stride1=2, name=None):
    """``blocks`` residual blocks; the first has the conv shortcut and the stride."""
    x = residual_block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def stages_fn(stages, stack_blocks=stack, strides=(1, 2, 2, 2)):
    """Keras's ``stack_fn``: stages conv2..conv5 (64..512 filters) of
    ``stages`` blocks each, built by ``stack_blocks`` with ``strides``."""
    def stack_fn(x):
        for i, (filters, blocks, stride) in enumerate(zip((64, 128, 256, 512), stages, strides)):
            x = stack_blocks(x, filters, blocks, stride1=stride, name=f"conv{i + 2}")
        return x
    return stack_fn


def ResNet(stack_fn, preact, use_bias, include_top=True, weights="imagenet", input_tensor=None,
           input_shape=None, pooling=None, classes=1000, classifier_activation="softmax", name="resnet",
           weights_name=None):
    """The ResNet family, as Keras's ``resnet.ResNet``: ``stack_fn(x)``
    builds the stages; ``preact`` (ResNetV2) moves conv1's batch norm and
    ReLU to ``post_bn``/``post_relu`` after the stages."""
    _, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation, input_shape,
                                 input_tensor, default_size=224, min_size=32)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = layers.Activation("relu", name="conv1_relu")(bn(x, "conv1_bn"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = layers.Activation("relu", name="post_relu")(bn(x, "post_bn"))
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights,
                     top_pool_name="avg_pool", pool_names=("avg_pool", "max_pool"))
    spec = tf_kernels_spec("resnet", weights_name, HASHES[weights_name], include_top) \
        if weights_name in HASHES else None
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _variant(key, doc):
    return _common.variant(ResNet, key, doc, stages_fn(STAGES[key]), False, True, weights_name=key)


ResNet50 = _variant("resnet50", "ResNet50 with Keras's signature; 25,636,712 parameters with the top.")
ResNet101 = _variant("resnet101", "ResNet101 with Keras's signature; 44,707,176 parameters with the top.")
ResNet152 = _variant("resnet152", "ResNet152 with Keras's signature; 60,419,944 parameters with the top.")


preprocess_input = imagenet_utils.preprocess_for("caffe")


decode_predictions = imagenet_utils.decode_predictions
