"""MobileNetV2 (Sandler et al., 2018), as ``keras.applications.mobilenet_v2``.

``Conv1``, 17 inverted residual blocks (``block_{i}_expand`` 1x1 ->
``block_{i}_depthwise`` 3x3 -> ``block_{i}_project`` 1x1, with ReLU6 and
a residual ``Add`` when the shapes allow; block 0 is ``expanded_conv_``),
then ``Conv_1`` (1280 filters): Keras's names and weight order
(3,538,984 parameters for ``alpha=1.0``).  ImageNet weights exist for
alpha in {0.35, 0.5, 0.75, 1.0, 1.3, 1.4} and sizes {96, 128, 160, 192,
224}.  Inputs in [0, 255] go through :func:`preprocess_input` ([-1, 1]).

>>> import tinykeras as tk
>>> model = tk.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), include_top=False)
>>> model.name, model.output_shape
('mobilenetv2_0.35_32', (None, 1, 1, 1280))
"""
from .. import layers
from . import _common, imagenet_utils
from .mobilenet import resolve_input_shape
from .weights import imagenet_spec

# (filters, stride, expansion) of the 17 inverted residual blocks
BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
          (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6),
          (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _make_divisible(v, divisor, min_value=None):
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[-1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x, prefix = inputs, f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False,
                          activation=None, name=f"{prefix}expand")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(_bn(x, f"{prefix}expand_BN"))
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=f"{prefix}depthwise")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(_bn(x, f"{prefix}depthwise_BN"))
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
                      name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """MobileNetV2 with Keras's signature; 3,538,984 parameters (alpha=1, with the top)."""
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape, rows = resolve_input_shape(input_shape, input_tensor, include_top, weights,
                                            (96, 128, 160, 192, 224), (0.35, 0.50, 0.75, 1.0, 1.3, 1.4),
                                            alpha)
    img_input = _common.image_input(input_tensor, input_shape)
    x = layers.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = layers.ReLU(6.0, name="Conv1_relu")(_bn(x, "bn_Conv1"))
    for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.ReLU(6.0, name="out_relu")(_bn(x, "Conv_1_bn"))
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    spec = None
    if rows in (96, 128, 160, 192, 224):
        spec = imagenet_spec("mobilenet_v2", f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_"
                             f"{float(alpha)}_{rows}{'' if include_top else '_no_top'}.h5")
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


preprocess_input = imagenet_utils.preprocess_for("tf")


decode_predictions = imagenet_utils.decode_predictions
