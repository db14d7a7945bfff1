"""ResNet50V2, ResNet101V2 and ResNet152V2 (He et al., 2016: identity
mappings), as ``keras.applications.resnet_v2``.

Pre-activation blocks (``conv2_block1_preact_bn`` -> ``_1_conv`` ->
``_2_pad``/``_2_conv`` -> ``_3_conv`` + the shortcut: ``_out``), the stride
on each stage's *last* block, no batch norm after ``conv1_conv`` but
``post_bn``/``post_relu`` after the stages.  Built by
:func:`.resnet.ResNet` with ``preact=True``; names, weight order and
ImageNet files are Keras's (ResNet50V2: 25,613,800 parameters).  Inputs in
[0, 255] go through :func:`preprocess_input` (mode "tf": [-1, 1]).

>>> import tinykeras as tk
>>> base = tk.applications.ResNet50V2(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> base.output_shape, base.layers[-1].name
((None, 1, 1, 2048), 'post_relu')
"""
from .. import layers
from . import _common, imagenet_utils, resnet


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    """Pre-activation bottleneck: BN-ReLU, 1x1, 3x3 (stride), 1x1 (4x filters), plus the shortcut
    (a 1x1 conv of the pre-activation, or the input, max-pooled 1x1 if strided)."""
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(resnet.bn(x, f"{name}_preact_bn"))
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(resnet.bn(x, f"{name}_1_bn"))
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(resnet.bn(x, f"{name}_2_bn"))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def stack_residual_blocks_v2(x, filters, blocks, stride1=2, name=None):
    """``blocks`` blocks: the first with the conv shortcut, the last with the stride."""
    x = residual_block_v2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=f"{name}_block{i}")
    return residual_block_v2(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def _variant(key, doc):
    stack_fn = resnet.stages_fn(resnet.STAGES[key], stack_residual_blocks_v2, strides=(2, 2, 2, 1))
    return _common.variant(resnet.ResNet, key, doc, stack_fn, True, True, weights_name=key)


ResNet50V2 = _variant("resnet50v2", "ResNet50V2 with Keras's signature; 25,613,800 parameters with the top.")
ResNet101V2 = _variant("resnet101v2", "ResNet101V2 with Keras's signature; 44,675,560 parameters with the top.")
ResNet152V2 = _variant("resnet152v2", "ResNet152V2 with Keras's signature; 60,380,648 parameters with the top.")


preprocess_input = imagenet_utils.preprocess_for("tf")


decode_predictions = imagenet_utils.decode_predictions
