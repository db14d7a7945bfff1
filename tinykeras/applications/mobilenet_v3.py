"""MobileNetV3Small and MobileNetV3Large (Howard et al., 2019), as ``keras.applications.mobilenet_v3``.

``Rescaling`` ([0, 255] -> [-1, 1], unless ``include_preprocessing=False``),
a 3x3 ``conv``, inverted residual blocks (``expanded_conv_{i}_expand`` 1x1
-> ``..._depthwise`` -> optional squeeze-excite -> ``..._project`` 1x1),
``conv_1`` and, with the top, ``conv_2`` and ``logits`` (1x1 convolutions
on the pooled features).  Activations are ReLU and hard swish (ReLU and 3x3
kernels without squeeze-excite when ``minimalistic=True``).  Keras's names
and weight order: 2,554,968 (Small) and 5,507,432 (Large) parameters.
ImageNet weights: alpha 0.75 or 1.0 (1.0 if minimalistic), 224x224.
:func:`preprocess_input` passes its input through: the model rescales.

>>> import tinykeras as tk
>>> model = tk.applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), include_top=False)
>>> model.name, model.output_shape
('MobileNetV3Small', (None, 1, 1, 576))
"""
import warnings

from .. import layers
from . import _common, imagenet_utils
from .mobilenet_v2 import _make_divisible
from .weights import imagenet_spec

HASHES = {"large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
          "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
          "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c",
                                               "ec5221f64a2f6d1ef965a614bdae7973"),
          "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
          "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
          "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37",
                                               "cde8136e733e811080d9fcd8a252f7e4")}
# (expansion, filters, kernel ("k": 5, or 3 if minimalistic), stride, squeeze-excite, activation ("hs":
# hard swish, or ReLU if minimalistic)) of each inverted residual block
SMALL = ((1, 16, 3, 2, True, "relu"), (72 / 16, 24, 3, 2, False, "relu"), (88 / 24, 24, 3, 1, False, "relu"),
         (4, 40, "k", 2, True, "hs"), (6, 40, "k", 1, True, "hs"), (6, 40, "k", 1, True, "hs"),
         (3, 48, "k", 1, True, "hs"), (3, 48, "k", 1, True, "hs"), (6, 96, "k", 2, True, "hs"),
         (6, 96, "k", 1, True, "hs"), (6, 96, "k", 1, True, "hs"))
LARGE = ((1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
         (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
         (6, 80, 3, 2, False, "hs"), (2.5, 80, 3, 1, False, "hs"), (2.3, 80, 3, 1, False, "hs"),
         (2.3, 80, 3, 1, False, "hs"), (6, 112, 3, 1, True, "hs"), (6, 112, 3, 1, True, "hs"),
         (6, 160, "k", 2, True, "hs"), (6, 160, "k", 1, True, "hs"), (6, 160, "k", 1, True, "hs"))


def _depth(v, divisor=8):
    return _make_divisible(v, divisor)


def relu(x):
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """Keras's ``ReLU(6)(x + 3) / 6`` (the ``+`` and ``*`` are graph ops, not layers)."""
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)


def hard_swish(x):
    return layers.Activation("hard_swish")(x)


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same",
                      name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, hard_sigmoid(x)])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    shortcut, infilters = x, x.shape[-1]
    prefix = f"expanded_conv_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(_depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False,
                          name=f"{prefix}expand")(x)
        x = activation(_bn(x, f"{prefix}expand_bn"))
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid",
                               use_bias=False, name=f"{prefix}depthwise")(x)
    x = activation(_bn(x, f"{prefix}depthwise_bn"))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(x, f"{prefix}project_bn")
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def _input_shape(input_shape, input_tensor, alpha, minimalistic, weights):
    """Keras's MobileNetV3 rules: any size from 32x32 (None by default),
    ``input_shape`` agreeing with ``input_tensor``; ImageNet alphas."""
    if input_shape is not None and input_tensor is not None and input_tensor.shape[2] != input_shape[1]:
        raise ValueError(f"input_shape[1] must equal input_tensor.shape[2].  Received input_shape="
                         f"{input_shape}, input_tensor.shape={input_tensor.shape}")
    if input_shape is None and input_tensor is not None:
        input_shape = (input_tensor.shape[2], input_tensor.shape[1], 3)  # sic: Keras swaps them
    if input_shape is None:
        input_shape = (None, None, 3)
    rows, cols = input_shape[0], input_shape[1]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in (0.75, 1.0)) or (minimalistic and alpha != 1.0):
            raise ValueError("If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` "
                             "for non minimalistic or `1.0` for minimalistic only.")
        if rows != cols or rows != 224:
            warnings.warn("`input_shape` is undefined or non-square, or `rows` is not 224. Weights for "
                          "input shape (224, 224) will be loaded as the default.", stacklevel=4)
    return tuple(input_shape)


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0, model_type="large", minimalistic=False,
                include_top=True, weights="imagenet", input_tensor=None, classes=1000, pooling=None,
                dropout_rate=0.2, classifier_activation="softmax", include_preprocessing=True, name=None):
    """The MobileNetV3 family: ``blocks`` is :data:`SMALL` or :data:`LARGE`."""
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = _input_shape(input_shape, input_tensor, alpha, minimalistic, weights)
    img_input = _common.image_input(input_tensor, input_shape)
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = activation(_bn(x, "conv_bn"))
    for block_id, (expansion, filters, size, stride, se, act) in enumerate(blocks):
        x = _inverted_res_block(x, expansion, _depth(filters * alpha), kernel if size == "k" else size,
                                stride, se_ratio if se else None, activation if act == "hs" else relu,
                                block_id)
    last_conv_ch = _depth(x.shape[-1] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = activation(_bn(x, "conv_1_bn"))
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling, ("avg_pool", "max_pool"))
    key = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
    spec = None
    if key in HASHES:
        fname = f"weights_mobilenet_v3_{key}{'' if include_top else '_no_top_v2'}.h5"
        spec = imagenet_spec("mobilenet_v3", fname, HASHES[key][0 if include_top else 1])
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _variant(blocks, last_point_ch, model_type, doc):
    def builder(input_shape=None, alpha=1.0, minimalistic=False, include_top=True, weights="imagenet",
                input_tensor=None, classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation="softmax", include_preprocessing=True, name=doc.split()[0]):
        return MobileNetV3(blocks, last_point_ch, input_shape, alpha, model_type, minimalistic, include_top,
                           weights, input_tensor, classes, pooling, dropout_rate, classifier_activation,
                           include_preprocessing, name)
    builder.__name__ = builder.__qualname__ = doc.split()[0]
    builder.__doc__ = doc
    return builder


MobileNetV3Small = _variant(SMALL, 1024, "small",
                            "MobileNetV3Small with Keras's signature; 2,554,968 parameters with the top.")
MobileNetV3Large = _variant(LARGE, 1280, "large",
                            "MobileNetV3Large with Keras's signature; 5,507,432 parameters with the top.")


preprocess_input = imagenet_utils.preprocess_for(None)


decode_predictions = imagenet_utils.decode_predictions
