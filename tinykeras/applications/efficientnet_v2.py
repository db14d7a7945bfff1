"""EfficientNetV2 B0-B3, S, M and L (Tan and Le, 2021), as ``keras.applications.efficientnet_v2``.

Preprocessing is in the model (``include_preprocessing=True``): the B
variants rescale to [0, 1] and normalize with ImageNet's mean and variance
(a ``Normalization`` without weights), S/M/L rescale to [-1, 1].  Then
``stem_conv`` and stages of fused blocks (``FusedMBConvBlock``: one full
convolution instead of expand + depthwise) followed by mobile inverted
bottlenecks (``MBConvBlock``, with squeeze-excite), ``top_conv`` and the
head, with Keras's names (``block1a_project_conv``, ``block4a_dwconv2``...)
and weight order (B0: 7,200,312 parameters ... L: 119,027,848).
:func:`preprocess_input` passes its input through.

>>> import tinykeras as tk
>>> model = tk.applications.EfficientNetV2B0(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape, model.get_layer("block6h_dwconv2").kernel_size
((None, 1, 1, 1280), (3, 3))
"""
import math

from .. import initializers, layers
from . import _common, imagenet_utils
from .efficientnet import CONV_KERNEL_INITIALIZER, conv_bn_act, residual, squeeze_excite, top
from .weights import imagenet_spec

HASHES = {"b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
          "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
          "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
          "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
          "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
          "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
          "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615")}
# (kernel_size, num_repeat, input_filters, output_filters, expand_ratio, se_ratio, strides, conv_type)
# of each stage; conv_type 1 is a FusedMBConvBlock, 0 an MBConvBlock
_B = ((3, 1, 32, 16, 1, 0, 1, 1), (3, 2, 16, 32, 4, 0, 2, 1), (3, 2, 32, 48, 4, 0, 2, 1),
      (3, 3, 48, 96, 4, 0.25, 2, 0), (3, 5, 96, 112, 6, 0.25, 1, 0), (3, 8, 112, 192, 6, 0.25, 2, 0))
BLOCKS = {"b0": _B, "b1": _B, "b2": _B, "b3": _B,
          "-s": ((3, 2, 24, 24, 1, 0, 1, 1), (3, 4, 24, 48, 4, 0, 2, 1), (3, 4, 48, 64, 4, 0, 2, 1),
                 (3, 6, 64, 128, 4, 0.25, 2, 0), (3, 9, 128, 160, 6, 0.25, 1, 0),
                 (3, 15, 160, 256, 6, 0.25, 2, 0)),
          "-m": ((3, 3, 24, 24, 1, 0, 1, 1), (3, 5, 24, 48, 4, 0, 2, 1), (3, 5, 48, 80, 4, 0, 2, 1),
                 (3, 7, 80, 160, 4, 0.25, 2, 0), (3, 14, 160, 176, 6, 0.25, 1, 0),
                 (3, 18, 176, 304, 6, 0.25, 2, 0), (3, 5, 304, 512, 6, 0.25, 1, 0)),
          "-l": ((3, 4, 32, 32, 1, 0, 1, 1), (3, 7, 32, 64, 4, 0, 2, 1), (3, 7, 64, 96, 4, 0, 2, 1),
                 (3, 10, 96, 192, 4, 0.25, 2, 0), (3, 19, 192, 224, 6, 0.25, 1, 0),
                 (3, 25, 224, 384, 6, 0.25, 2, 0), (3, 7, 384, 640, 6, 0.25, 1, 0))}
# (width, depth, default size) of each variant
VARIANTS = {"b0": (1.0, 1.0, 224), "b1": (1.0, 1.1, 240), "b2": (1.1, 1.2, 260), "b3": (1.2, 1.4, 300),
            "-s": (1.0, 1.0, 384), "-m": (1.0, 1.0, 480), "-l": (1.0, 1.0, 480)}
IMAGENET_MEAN, IMAGENET_VARIANCE = (0.485, 0.456, 0.406), (0.229 ** 2, 0.224 ** 2, 0.225 ** 2)


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """``filters * width`` to the nearest multiple of ``depth_divisor`` (at least ``min_depth``)."""
    filters *= width_coefficient
    return int(max(min_depth or depth_divisor, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor))


def _block(fused, input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1, se_ratio=0.0,
           bn_momentum=0.9, activation="swish", survival_probability=0.8, name=None):
    """Both blocks: expansion (1x1, or the full convolution when ``fused``),
    the depthwise ``dwconv2`` (not fused), squeeze-excite, the projection
    (the full convolution, with an activation, when fused without
    expansion), stochastic depth and the residual ``add``."""
    def apply(inputs):
        filters = input_filters * expand_ratio
        x = inputs
        if expand_ratio != 1:
            x = conv_bn_act(x, filters, kernel_size if fused else 1, f"{name}expand_conv", activation,
                            f"{name}expand_bn", f"{name}expand_activation", momentum=bn_momentum,
                            strides=strides if fused else 1)
        if not fused:
            x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding="same", use_bias=False,
                                       depthwise_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}dwconv2")(x)
            x = layers.BatchNormalization(axis=3, momentum=bn_momentum, name=f"{name}bn")(x)
            x = layers.Activation(activation, name=f"{name}activation")(x)
        if 0 < se_ratio <= 1:
            x = squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        whole = fused and expand_ratio == 1  # the projection does the convolution itself
        x = conv_bn_act(x, output_filters, kernel_size if whole else 1, f"{name}project_conv", activation,
                        f"{name}project_bn", f"{name}project_activation" if whole else None,
                        momentum=bn_momentum, strides=strides if whole else 1)
        if strides == 1 and input_filters == output_filters:
            x = residual(x, inputs, survival_probability or 0, name)
        return x
    return apply


def MBConvBlock(input_filters, output_filters, *args, **kwargs):
    """Expand 1x1, depthwise ``dwconv2``, squeeze-excite, project 1x1 (Keras's
    arguments); returns ``apply(inputs)``."""
    return _block(False, input_filters, output_filters, *args, **kwargs)


def FusedMBConvBlock(input_filters, output_filters, *args, **kwargs):
    """A full ``expand_conv`` (kernel, stride), squeeze-excite, project (Keras's
    arguments); returns ``apply(inputs)``."""
    return _block(True, input_filters, output_filters, *args, **kwargs)


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                   depth_divisor=8, min_depth=8, bn_momentum=0.9, activation="swish", blocks_args="default",
                   name="efficientnetv2", include_top=True, weights="imagenet", input_tensor=None,
                   input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                   include_preprocessing=True, weights_name=None):
    """The EfficientNetV2 family; ``blocks_args`` defaults to ``BLOCKS[weights_name]``."""
    if blocks_args == "default":
        blocks_args = BLOCKS[weights_name]
    input_shape, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation,
                                           input_shape, input_tensor, default_size)
    x = img_input
    if include_preprocessing:
        if name.split("-")[-1].startswith("b") and input_shape[2] == 3:  # V1's preprocessing for Bx
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=list(IMAGENET_MEAN), variance=list(IMAGENET_VARIANCE), axis=3)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)
    def filters(n):
        return round_filters(n, width_coefficient, min_depth, depth_divisor)
    x = conv_bn_act(x, filters(blocks_args[0][2]), 3, "stem_conv", activation, "stem_bn", "stem_activation",
                    momentum=bn_momentum, strides=2)
    b, total = 0, float(sum(args[1] for args in blocks_args))
    for i, (kernel_size, num_repeat, filters_in, filters_out, expand_ratio, se_ratio, strides,
            conv_type) in enumerate(blocks_args):
        if num_repeat <= 0:
            raise ValueError(f"The number of repeats in `EfficientNetV2` must be > 0. Received: "
                             f"num_repeat={num_repeat}")
        block = MBConvBlock if conv_type == 0 else FusedMBConvBlock
        filters_in, filters_out = filters(filters_in), filters(filters_out)
        for j in range(int(math.ceil(depth_coefficient * num_repeat))):
            x = block(filters_in if j == 0 else filters_out, filters_out, expand_ratio, kernel_size,
                      strides if j == 0 else 1, se_ratio, bn_momentum, activation,
                      drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_")(x)
            b += 1
    x = conv_bn_act(x, filters(1280), 1, "top_conv", activation, "top_bn", "top_activation",
                    momentum=bn_momentum)
    x = top(x, include_top, pooling, classes, classifier_activation, dropout_rate, initializers.Constant(0.0))
    spec = None
    if weights_name in HASHES:
        spec = imagenet_spec("efficientnet_v2", f"{name}{'.h5' if include_top else '_notop.h5'}",
                             HASHES[weights_name][0 if include_top else 1])
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _variant(key, builder_name):
    width, depth, size = VARIANTS[key]

    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", include_preprocessing=True,
                name=f"efficientnetv2{'-' if key[0] == 'b' else ''}{key}"):
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top, weights=weights,
                              input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                              classes=classes, classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing, weights_name=key)
    builder.__name__ = builder.__qualname__ = builder_name
    builder.__doc__ = f"{builder_name} with Keras's signature (width {width}, depth {depth}, {size}x{size})."
    return builder


EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3, EfficientNetV2S, EfficientNetV2M, \
    EfficientNetV2L = (_variant(key, f"EfficientNetV2{key.strip('-').upper()}") for key in VARIANTS)


preprocess_input = imagenet_utils.preprocess_for(None)


decode_predictions = imagenet_utils.decode_predictions
