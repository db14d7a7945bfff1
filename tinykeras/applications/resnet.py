"""ResNet50, ResNet101 and ResNet152 (He et al., 2015), as ``keras.applications.resnet``.

One builder, :func:`ResNet`, takes the number of bottleneck blocks per
stage: (3, 4, 6, 3), (3, 4, 23, 3) or (3, 8, 36, 3).  Layer names
(``conv1_conv``, ``conv2_block1_1_conv``, ``conv2_block1_0_bn``...),
weight order and ImageNet files are Keras's (ResNet50: 25,636,712
parameters).  Inputs: RGB in [0, 255] through :func:`preprocess_input`
(mode "caffe").

>>> import tinykeras as tk
>>> base = tk.applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
>>> base.output_shape, base.layers[-1].name
((None, 2048), 'avg_pool')
"""
from .. import layers
from . import _common, imagenet_utils
from .weights import imagenet_spec

STAGES = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3)}
HASHES = {"resnet50": ("2cb95161c43110f7111970584f804107", "4d473c1dd8becc155b73f8504c6f6626"),
          "resnet101": ("f1aeb4b969a6efcfb50fad2f0c20cfc5", "88cf7a10940856eca736dc7b7e228a21"),
          "resnet152": ("100835be76be38e30d865e96f2aaae62", "ee4c566cf9a93f14d82f913c2dc6dd0c")}
BN_EPSILON = 1.001e-5


def _conv_bn(x, filters, kernel_size, name, strides=1, padding="valid"):
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, name=f"{name}_conv")(x)
    return layers.BatchNormalization(axis=3, epsilon=BN_EPSILON, name=f"{name}_bn")(x)


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


def ResNet(stages, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
           pooling=None, classes=1000, classifier_activation="softmax", name="resnet",
           weights_name=None):
    """The ResNet (v1) family: ``stages`` gives the blocks of conv2..conv5."""
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format="channels_last",
                                                    require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = _conv_bn(x, 64, 7, "conv1", strides=2)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for i, (filters, blocks) in enumerate(zip((64, 128, 256, 512), stages)):
        x = stack(x, filters, blocks, stride1=1 if i == 0 else 2, name=f"conv{i + 2}")
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights,
                     top_pool_name="avg_pool", pool_names=("avg_pool", "max_pool"))
    spec = None
    if weights_name in HASHES:
        suffix = "" if include_top else "_notop"
        spec = imagenet_spec("resnet", f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                             HASHES[weights_name][0 if include_top else 1])
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _variant(key, doc):
    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name=key):
        return ResNet(STAGES[key], include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, name, weights_name=key)
    builder.__name__ = builder.__qualname__ = doc.split()[0]
    builder.__doc__ = doc
    return builder


ResNet50 = _variant("resnet50", "ResNet50 with Keras's signature; 25,636,712 parameters with the top.")
ResNet101 = _variant("resnet101", "ResNet101 with Keras's signature; 44,707,176 parameters with the top.")
ResNet152 = _variant("resnet152", "ResNet152 with Keras's signature; 60,419,944 parameters with the top.")


def preprocess_input(x, data_format=None):
    """RGB -> BGR, minus the ImageNet mean, no scaling (mode "caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions
