"""VGG16 and VGG19 (Simonyan & Zisserman, 2015), as ``keras.applications.vgg16/vgg19``.

Both come from one builder, :func:`VGG`: five blocks of 3x3 convolutions
(``block{b}_conv{i}``) and 2x2 max pooling (``block{b}_pool``), then
``flatten``, ``fc1``, ``fc2`` and ``predictions``.  The layer names, the
weight order and the ImageNet files are Keras's (VGG16: 138,357,544
parameters; VGG19: 143,667,240).  Inputs: RGB in [0, 255], through
:func:`preprocess_input` (mode "caffe").

>>> import tinykeras as tk
>>> base = tk.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
>>> base.output_shape, base.count_params()
((None, 1, 1, 512), 14714688)
"""
from .. import layers
from . import _common, imagenet_utils
from .weights import imagenet_spec

# conv layers per block; every block doubles the filters up to 512
DEPTHS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
HASHES = {"vgg16": ("64373286793e3c8b2b4e3219cbf3544b", "6d6bbae143d832006294945121d1f1fc"),
          "vgg19": ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")}


def VGG(depths, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
        pooling=None, classes=1000, classifier_activation="softmax", name="vgg16", weights_name=None):
    """The VGG family: ``depths`` gives the number of conv layers per block."""
    _common.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format="channels_last",
                                                    require_flatten=include_top, weights=weights)
    img_input = _common.image_input(input_tensor, input_shape)
    x = img_input
    for block, depth in enumerate(depths, start=1):
        filters = min(64 * 2 ** (block - 1), 512)
        for i in range(1, depth + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = _common.pool(x, pooling)
    spec = None
    if weights_name in HASHES:
        suffix = "" if include_top else "_notop"
        fname = f"{weights_name}_weights_tf_dim_ordering_tf_kernels{suffix}.h5"
        spec = imagenet_spec(weights_name, fname, HASHES[weights_name][0 if include_top else 1])
    return _common.finish(img_input, input_tensor, x, name, weights, spec)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """VGG16 with Keras's signature; 138,357,544 parameters with the top."""
    return VGG(DEPTHS["vgg16"], include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name, weights_name="vgg16")


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    """VGG19 with Keras's signature; 143,667,240 parameters with the top."""
    return VGG(DEPTHS["vgg19"], include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name, weights_name="vgg19")


preprocess_input = imagenet_utils.preprocess_for("caffe")


decode_predictions = imagenet_utils.decode_predictions
