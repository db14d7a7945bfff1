"""EfficientNetB0 ... B7 (Tan and Le, 2019), as ``keras.applications.efficientnet``.

The model preprocesses: ``Rescaling(1/255)`` then ``Normalization`` (its
mean and variance are weights, loaded with ImageNet's; identity when
random), plus Keras's extra ``Rescaling(1/sqrt(std))`` with
``weights="imagenet"``.  Then ``stem_conv``, the mobile inverted
bottlenecks ``block{1..7}{a,b,...}_`` (expand 1x1, depthwise, squeeze-excite
``se_*``, project 1x1, a stochastic-depth ``Dropout`` with
``noise_shape=(None, 1, 1, 1)`` and the residual ``add``) and ``top_conv``;
width and depth scale per variant (B0: 5,330,571 parameters, ... B7:
66,658,687).  :func:`preprocess_input` passes its input through.

>>> import tinykeras as tk
>>> model = tk.applications.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape, type(model.layers[2]).__name__
((None, 1, 1, 1280), 'Normalization')
"""
import math

from .. import layers
from . import _common, imagenet_utils
from .weights import WeightsSpec

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
HASHES = {"b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
          "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
          "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
          "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
          "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
          "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
          "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
          "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a")}
# (kernel_size, repeats, filters_in, filters_out, expand_ratio, strides) of the 7 stages;
# every block has id_skip=True and se_ratio=0.25
BLOCKS = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
          (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))
# (width, depth, default size, dropout) of B0 ... B7
VARIANTS = {"b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
            "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
            "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                           "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling",
                            "config": {"scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)


def conv(filters, kernel_size, name, **kwargs):
    """A Conv2D with EfficientNet's initializer and ``padding="same"`` (unless given)."""
    kwargs.setdefault("padding", "same")
    kwargs.setdefault("use_bias", False)
    return layers.Conv2D(filters, kernel_size, kernel_initializer=CONV_KERNEL_INITIALIZER, name=name,
                         **kwargs)


def conv_bn_act(x, filters, kernel_size, name, activation, bn_name, act_name, momentum=0.99, **kwargs):
    """Conv2D (no bias) -> BatchNormalization -> Activation, each named."""
    x = conv(filters, kernel_size, name, **kwargs)(x)
    x = layers.BatchNormalization(axis=3, momentum=momentum, name=bn_name)(x)
    return layers.Activation(activation, name=act_name)(x) if act_name else x


def squeeze_excite(x, filters_in, filters, se_ratio, activation, name):
    """``se_squeeze`` (pool), ``se_reshape``, ``se_reduce``, ``se_expand`` (sigmoid), ``se_excite``."""
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = conv(max(1, int(filters_in * se_ratio)), 1, f"{name}se_reduce", activation=activation,
              use_bias=True)(se)
    se = conv(filters, 1, f"{name}se_expand", activation="sigmoid", use_bias=True)(se)
    return layers.multiply([x, se], name=f"{name}se_excite")


def residual(x, inputs, drop_rate, name):
    """Stochastic depth (a per-sample ``Dropout``) and the residual ``add``."""
    if drop_rate > 0:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.add([x, inputs], name=f"{name}add")


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16,
          kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True):
    """One mobile inverted bottleneck, with Keras's names (``block1a_``...)."""
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = conv_bn_act(x, filters, 1, f"{name}expand_conv", activation, f"{name}expand_bn",
                        f"{name}expand_activation")
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="valid" if strides == 2 else "same",
                               use_bias=False, depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}bn")(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        x = squeeze_excite(x, filters_in, filters, se_ratio, activation, name)
    x = conv_bn_act(x, filters_out, 1, f"{name}project_conv", activation, f"{name}project_bn", None)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = residual(x, inputs, drop_rate, name)
    return x


def top(x, include_top, pooling, classes, classifier_activation, dropout_rate, bias_initializer="zeros"):
    """Pooling (``avg_pool``/``max_pool``) or the classifier: ``avg_pool``,
    ``top_dropout`` and the ``predictions`` Dense layer."""
    if not include_top:
        return _common.pool(x, pooling, ("avg_pool", "max_pool"))
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation, kernel_initializer=DENSE_KERNEL_INITIALIZER,
                        bias_initializer=bias_initializer, name="predictions")(x)


def round_filters(filters, width_coefficient, divisor=8):
    """``filters * width``, to a multiple of ``divisor`` (at most 10% down)."""
    filters *= width_coefficient
    new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    return int(new_filters + divisor if new_filters < 0.9 * filters else new_filters)


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish", blocks_args="default", name="efficientnet",
                 include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """The EfficientNet family; ``blocks_args`` is :data:`BLOCKS` by default."""
    blocks_args = BLOCKS if blocks_args == "default" else blocks_args
    input_shape, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation,
                                           input_shape, input_tensor, default_size)
    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=3)(x)
    if weights == "imagenet":  # Keras's fix of the published weights' normalization
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = conv_bn_act(x, round_filters(32, width_coefficient, depth_divisor), 3, "stem_conv", activation,
                    "stem_bn", "stem_activation", strides=2, padding="valid")
    repeats = [int(math.ceil(depth_coefficient * args[1])) for args in blocks_args]
    b, total = 0, float(sum(repeats))
    for i, ((kernel_size, _, filters_in, filters_out, expand_ratio, strides), n) in enumerate(
            zip(blocks_args, repeats)):
        if n <= 0:
            raise ValueError(f"The number of repeats in `EfficientNet` must be > 0. Received: repeats={n}")
        filters_in = round_filters(filters_in, width_coefficient, depth_divisor)
        filters_out = round_filters(filters_out, width_coefficient, depth_divisor)
        for j in range(n):
            x = block(x, activation, drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_",
                      filters_in=filters_in if j == 0 else filters_out, filters_out=filters_out,
                      kernel_size=kernel_size, strides=strides if j == 0 else 1, expand_ratio=expand_ratio,
                      se_ratio=0.25)
            b += 1
    x = conv_bn_act(x, round_filters(1280, width_coefficient, depth_divisor), 1, "top_conv", activation,
                    "top_bn", "top_activation")
    x = top(x, include_top, pooling, classes, classifier_activation, dropout_rate)
    spec = None
    if weights_name in HASHES:
        fname = f"{name}{'.h5' if include_top else '_notop.h5'}"
        spec = WeightsSpec(fname, url=BASE_WEIGHTS_PATH + fname,
                           file_hash=HASHES[weights_name][0 if include_top else 1])
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _variant(key):
    width, depth, size, dropout = VARIANTS[key]

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name=f"efficientnet{key}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                            classes=classes, classifier_activation=classifier_activation, weights_name=key)
    builder.__name__ = builder.__qualname__ = f"EfficientNet{key.upper()}"
    builder.__doc__ = (f"EfficientNet{key.upper()} with Keras's signature (width {width}, depth {depth}, "
                       f"{size}x{size} by default).")
    return builder


EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4, EfficientNetB5, \
    EfficientNetB6, EfficientNetB7 = (_variant(key) for key in VARIANTS)


preprocess_input = imagenet_utils.preprocess_for(None)


decode_predictions = imagenet_utils.decode_predictions
