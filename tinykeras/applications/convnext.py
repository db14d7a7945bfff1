"""ConvNeXt Tiny, Small, Base, Large and XLarge (Liu et al., 2022), as ``keras.applications.convnext``.

A ``Normalization`` with ImageNet's mean and variance (in [0, 255] units;
``include_preprocessing=True``), a 4x4 stride-4 stem and three 2x2
downsampling blocks (nested ``Sequential`` models, as in Keras), and
ConvNeXt blocks: a 7x7 depthwise convolution (``Conv2D`` with
``groups=channels``), ``LayerNormalization``, two ``Dense`` layers with GELU,
:class:`~.convnext_layers.LayerScale`, then the residual ``+``.  Names and
weights are Keras's (``convnext_tiny_stage_0_block_0_depthwise_conv``...;
Tiny: 28,589,128 parameters ... XLarge: 350,196,968).
:func:`preprocess_input` passes its input through.

>>> import tinykeras as tk
>>> model = tk.applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> model.output_shape, model.layers[2].name
((None, 1, 1, 768), 'convnext_tiny_stem')
"""
import numpy as np

from .. import layers
from ..models import Sequential
from . import _common, imagenet_utils
from .convnext_layers import LayerScale, StochasticDepth
from .weights import imagenet_spec

HASHES = {"convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                            "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
          "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                             "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
          "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                            "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
          "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                             "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
          "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                              "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05")}
MODEL_CONFIGS = {"tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
                 "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768], "default_size": 224},
                 "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024], "default_size": 224},
                 "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536],
                           "default_size": 224},
                 "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048],
                            "default_size": 224}}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """One ConvNeXt block named ``{name}_...``; returns ``apply(inputs)``."""
    def apply(inputs):
        x = layers.Conv2D(filters=projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim, name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            layer = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            layer = layers.Activation("linear", name=f"{name}_identity")
        return inputs + layer(x)
    return apply


def PreStem(name):
    """ImageNet's normalization of [0, 255] pixels (a ``Normalization`` without weights)."""
    def apply(x):
        return layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                    variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
                                    name=f"{name}_prestem_normalization")(x)
    return apply


def Head(num_classes=1000, classifier_activation=None, name=None):
    """Global average pooling, LayerNormalization, the ``head_dense`` classifier."""
    def apply(x):
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        return layers.Dense(num_classes, activation=classifier_activation, name=f"{name}_head_dense")(x)
    return apply


def _downsampling(name, i, filters):
    return Sequential([layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
                       layers.Conv2D(filters, kernel_size=2, strides=2, name=f"{name}_downsampling_conv_{i}")],
                      name=f"{name}_downsampling_block_{i}")


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6, default_size=224,
             name="convnext", include_preprocessing=True, include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
             weights_name=None):
    """The ConvNeXt family: ``depths`` blocks of ``projection_dims`` channels per stage."""
    input_shape, img_input = _common.start(weights, include_top, classes, pooling, classifier_activation,
                                           input_shape, input_tensor, default_size)
    x = img_input
    if include_preprocessing and input_shape[2] == 3:
        x = PreStem(name=name)(x)
    stem = Sequential([layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
                       layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm")],
                      name=f"{name}_stem")
    downsample_layers = [stem] + [_downsampling(name, i, projection_dims[i + 1]) for i in range(3)]
    depth_drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsample_layers[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], depth_drop_rates[cur + j], layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]
    if include_top:
        x = Head(classes, classifier_activation, name=name)(x)
    else:
        x = layers.LayerNormalization(epsilon=1e-6)(_common.pool(x, pooling))
    spec = None
    if weights == "imagenet":
        _check_imagenet_variant(weights_name, depths, projection_dims, name)
        spec = imagenet_spec("convnext", f"{name}{'.h5' if include_top else '_notop.h5'}",
                             HASHES[weights_name][0 if include_top else 1])
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def _check_imagenet_variant(weights_name, depths, projection_dims, name):
    """Keras's checks: ImageNet weights need the variant's exact architecture and a name containing it."""
    if weights_name not in HASHES:
        raise ValueError(f"No ImageNet weights are published for ConvNeXt variant {weights_name!r}")
    expected = MODEL_CONFIGS[weights_name.split("convnext_")[-1]]
    if list(depths) != expected["depths"] or list(projection_dims) != expected["projection_dims"]:
        raise ValueError(f"Architecture configuration does not match {weights_name} variant. When using "
                         "pre-trained weights, the model architecture must match the pre-trained "
                         f"configuration exactly. Expected depths: {expected['depths']}, got: {depths}. "
                         f"Expected projection_dims: {expected['projection_dims']}, got: {projection_dims}.")
    if weights_name not in name:
        raise ValueError(f'Model name "{name}" does not match weights variant "{weights_name}". When using '
                         "imagenet weights, model name must contain the weights variant (e.g., "
                         f'"{weights_name}").')


def _variant(size):
    config = MODEL_CONFIGS[size]

    def builder(include_top=True, include_preprocessing=True, weights="imagenet", input_tensor=None,
                input_shape=None, pooling=None, classes=1000, classifier_activation="softmax",
                name=f"convnext_{size}"):
        return ConvNeXt(config["depths"], config["projection_dims"], 0.0, 1e-6, config["default_size"],
                        name=name, include_preprocessing=include_preprocessing, include_top=include_top,
                        weights=weights, input_tensor=input_tensor, input_shape=input_shape, pooling=pooling,
                        classes=classes, classifier_activation=classifier_activation,
                        weights_name=f"convnext_{size}")
    builder.__name__ = builder.__qualname__ = "ConvNeXt" + ("XLarge" if size == "xlarge" else size.title())
    builder.__doc__ = (f"{builder.__name__} with Keras's signature: depths {config['depths']}, "
                       f"widths {config['projection_dims']}.")
    return builder


ConvNeXtTiny, ConvNeXtSmall, ConvNeXtBase, ConvNeXtLarge, ConvNeXtXLarge = (_variant(s) for s in MODEL_CONFIGS)


preprocess_input = imagenet_utils.preprocess_for(None)


decode_predictions = imagenet_utils.decode_predictions
