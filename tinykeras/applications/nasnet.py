"""NASNetMobile and NASNetLarge (Zoph et al., 2018), as ``keras.applications.nasnet``.

NASNet-A: a stem convolution, two reduction cells (``stem_1``,
``stem_2``), then three stacks of ``num_blocks`` normal cells separated by
reduction cells (``reduce_4``/``reduce_8`` for Mobile).  Each cell takes
the outputs of the two previous cells (``ip`` and ``p``), adjusts ``p``
to ``ip``'s size (:func:`_adjust_block`) and combines separable
convolutions (:func:`_separable_conv_block`) and poolings of both.  Names,
weight order and ImageNet files are Keras's (NASNetMobile: 5,326,716
parameters, NASNetLarge: 88,949,818).  Inputs in [0, 255] go through
:func:`preprocess_input` (mode "tf": [-1, 1]).

Keras refuses to build NASNetMobile on its torch backend (an open bug of
that backend); tinykeras builds it, and it matches Keras's
``nasnet.NASNet`` with the same arguments.

>>> import tinykeras as tk
>>> base = tk.applications.NASNetMobile(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> base.output_shape, base.get_layer("normal_concat_12").output.shape
((None, 1, 1, 1056), (None, 1, 1, 1056))
"""
from .. import layers
from . import _common, imagenet_utils
from . import weights as weights_lib

# default_size -> (file with the top, its md5, without, md5, the published names)
FILES = {224: ("nasnet_mobile.h5", "020fb642bf7360b370c678b08e0adf61", "nasnet_mobile_no_top.h5",
               "1ed92395b5b598bdda52abe5c0dbfd63", "NASNet-mobile.h5", "NASNet-mobile-no-top.h5"),
         331: ("nasnet_large.h5", "11577c9a518f0070763c2b964a382f17", "nasnet_large_no_top.h5",
               "d81d89dc07e6e56530c4e77faddd61b5", "NASNet-large.h5", "NASNet-large-no-top.h5")}


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)(x)


def _conv(x, filters, name, strides=(1, 1)):
    return layers.Conv2D(filters, (1, 1), strides=strides, padding="same", use_bias=False, name=name,
                         kernel_initializer="he_normal")(x)


def _separable_conv_block(ip, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """ReLU, SeparableConv2D (``strides``; zero padding first if strided), BN, ReLU, SeparableConv2D, BN."""
    x = layers.Activation("relu")(ip)
    conv_pad = "same"
    if strides == (2, 2):
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        conv_pad = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, name=f"separable_conv_1_{block_id}",
                               padding=conv_pad, use_bias=False)(x)
    x = layers.Activation("relu")(_bn(x, f"separable_conv_1_bn_{block_id}"))
    x = layers.SeparableConv2D(filters, kernel_size, name=f"separable_conv_2_{block_id}", padding="same",
                               use_bias=False)(x)
    return _bn(x, f"separable_conv_2_bn_{block_id}")


def _adjust_block(p, ip, filters, block_id=None):
    """``p`` brought to ``ip``'s spatial size (two offset strided 1x1 paths) or to ``filters`` channels."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = _conv(p1, filters // 2, f"adjust_conv_1_{block_id}")
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = _conv(p2, filters // 2, f"adjust_conv_2_{block_id}")
        return _bn(layers.concatenate([p1, p2], axis=-1), f"adjust_bn_{block_id}")
    if p.shape[-1] != filters:
        p = _conv(layers.Activation("relu")(p), filters, f"adjust_conv_projection_{block_id}")
        return _bn(p, f"adjust_bn_{block_id}")
    return p


def _cell_input(ip, p, filters, kind, block_id):
    p = _adjust_block(p, ip, filters, block_id)
    h = _conv(layers.Activation("relu")(ip), filters, f"{kind}_conv_1_{block_id}")
    return p, _bn(h, f"{kind}_bn_1_{block_id}")


def _avg_pool(x, name, strides=(1, 1)):
    padding = "same" if strides == (1, 1) else "valid"
    return layers.AveragePooling2D((3, 3), strides=strides, padding=padding, name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    """A normal cell: five combinations of ``h`` (from ``ip``) and ``p``, concatenated with ``p``."""
    p, h = _cell_input(ip, p, filters, "normal", block_id)
    x1_1 = _separable_conv_block(h, filters, kernel_size=(5, 5), block_id=f"normal_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, block_id=f"normal_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"normal_add_1_{block_id}")
    x2_1 = _separable_conv_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}")
    x2_2 = _separable_conv_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"normal_add_2_{block_id}")
    x3 = layers.add([_avg_pool(h, f"normal_left3_{block_id}"), p], name=f"normal_add_3_{block_id}")
    x4 = layers.add([_avg_pool(p, f"normal_left4_{block_id}"), _avg_pool(p, f"normal_right4_{block_id}")],
                    name=f"normal_add_4_{block_id}")
    x5 = _separable_conv_block(h, filters, block_id=f"normal_left5_{block_id}")
    x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A reduction cell: halves the spatial size."""
    p, h = _cell_input(ip, p, filters, "reduction", block_id)
    h3 = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(h, 3), name=f"reduction_pad_1_{block_id}")(h)
    x1_1 = _separable_conv_block(h, filters, (5, 5), strides=(2, 2), block_id=f"reduction_left1_{block_id}")
    x1_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right1_{block_id}")
    x1 = layers.add([x1_1, x1_2], name=f"reduction_add_1_{block_id}")
    x2_1 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_left2_{block_id}")(h3)
    x2_2 = _separable_conv_block(p, filters, (7, 7), strides=(2, 2), block_id=f"reduction_right2_{block_id}")
    x2 = layers.add([x2_1, x2_2], name=f"reduction_add_2_{block_id}")
    x3_1 = _avg_pool(h3, f"reduction_left3_{block_id}", strides=(2, 2))
    x3_2 = _separable_conv_block(p, filters, (5, 5), strides=(2, 2), block_id=f"reduction_right3_{block_id}")
    x3 = layers.add([x3_1, x3_2], name=f"reduction_add3_{block_id}")
    x4 = layers.add([x2, _avg_pool(x1, f"reduction_left4_{block_id}")])
    x5_1 = _separable_conv_block(x1, filters, (3, 3), block_id=f"reduction_left4_{block_id}")
    x5_2 = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="valid", name=f"reduction_right5_{block_id}")(h3)
    x5 = layers.add([x5_1, x5_2], name=f"reduction_add4_{block_id}")
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights="imagenet", input_tensor=None,
           pooling=None, classes=1000, default_size=None, classifier_activation="softmax", name="NASNet"):
    """NASNet-A with Keras's signature (``keras.applications.nasnet.NASNet``)."""
    if isinstance(input_shape, tuple) and None in input_shape and weights == "imagenet":
        raise ValueError("When specifying the input shape of a NASNet and loading `ImageNet` weights, the "
                         f"input_shape argument must be static (no None entries). Got: `input_shape={input_shape}`.")
    default_size = 331 if default_size is None else default_size
    if weights == "imagenet" and default_size not in FILES:
        raise ValueError("ImageNet weights can only be loaded with NASNetLarge or NASNetMobile")
    _, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation, input_shape,
                                 input_tensor, default_size=default_size, min_size=32)
    if penultimate_filters % (24 * (filter_multiplier ** 2)) != 0:
        raise ValueError("For NASNet-A models, the `penultimate_filters` must be a multiple of 24 * "
                         f"(`filter_multiplier` ** 2). Current value: {penultimate_filters}")
    filters = penultimate_filters // 24
    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid", use_bias=False,
                      name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = _bn(x, "stem_bn1")
    x, p = _reduction_a_cell(x, None, filters // (filter_multiplier ** 2), block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stack in range(3):
        if stack:
            x, p0 = _reduction_a_cell(x, p, filters, block_id=f"reduce_{stack * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, filters, block_id=f"{stack * num_blocks + i + (stack > 0)}")
        filters *= filter_multiplier
    x = layers.Activation("relu")(x)
    x = _common.head(x, include_top, pooling, classes, classifier_activation, weights)
    spec = None
    if default_size in FILES:
        top, top_md5, no_top, no_top_md5, url_top, url_no_top = FILES[default_size]
        spec = weights_lib.WeightsSpec(top if include_top else no_top, "nasnet",
                                       top_md5 if include_top else no_top_md5,
                                       f"{weights_lib.BASE_URL}nasnet/{url_top if include_top else url_no_top}")
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _nasnet_variant(doc, default_name, default_size, **fixed):
    def builder(input_shape=None, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax", name=default_name):
        if default_size == 224 and not include_top and input_shape is None:
            input_shape = (224, 224, 3)
        return NASNet(input_shape, include_top=include_top, weights=weights, input_tensor=input_tensor,
                      pooling=pooling, classes=classes, default_size=default_size,
                      classifier_activation=classifier_activation, name=name, **fixed)
    builder.__name__ = builder.__qualname__ = doc.split()[0]
    builder.__doc__ = doc
    return builder


NASNetMobile = _nasnet_variant("NASNetMobile with Keras's signature; 5,326,716 parameters with the top.",
                               "nasnet_mobile", 224, penultimate_filters=1056, num_blocks=4,
                               stem_block_filters=32, skip_reduction=False, filter_multiplier=2)
NASNetLarge = _nasnet_variant("NASNetLarge with Keras's signature; 88,949,818 parameters with the top.",
                              "nasnet_large", 331, penultimate_filters=4032, num_blocks=6,
                              stem_block_filters=96, skip_reduction=True, filter_multiplier=2)


preprocess_input = imagenet_utils.preprocess_for("tf")


decode_predictions = imagenet_utils.decode_predictions
