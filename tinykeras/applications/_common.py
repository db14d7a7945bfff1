"""What every application builder shares: argument checks, the input, the
classifier or pooling head, and the final model with its weights.

>>> import tinykeras as tk
>>> x = image_input(None, (32, 32, 3))
>>> y = head(x, include_top=False, pooling="avg", classes=0, classifier_activation=None, weights=None)
>>> finish(x, None, y, "tiny", None).output_shape
(None, 3)
"""
from .. import backend, layers
from ..layers.symbolic import KerasTensor
from . import weights as weights_lib


def check_arguments(weights, include_top, classes, pooling=None, classifier_activation=None):
    """Keras's checks (all done before any layer is built), plus:
    tinykeras's applications are channels_last."""
    from .imagenet_utils import validate_activation
    weights_lib.check_weights_argument(weights, include_top, classes)
    if include_top:
        validate_activation(classifier_activation, weights)
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"`pooling` should be None, 'avg' or 'max'. Received: pooling={pooling}")
    if backend.image_data_format() != "channels_last":
        raise ValueError("tinykeras applications are built for image_data_format='channels_last'")


def image_input(input_tensor, input_shape):
    """``input_tensor`` (a ``tk.Input`` tensor) if given, else a new Input."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError("`input_tensor` must be a symbolic tensor (from `keras.Input()` or a "
                         f"layer); Received: input_tensor={input_tensor!r}")
    return input_tensor


def start(weights, include_top, classes, pooling, classifier_activation, input_shape, input_tensor,
          default_size, min_size=32):
    """:func:`check_arguments`, Keras's ``obtain_input_shape`` and the
    :func:`image_input`: returns ``(input_shape, img_input)``."""
    from .imagenet_utils import obtain_input_shape
    check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                                     data_format="channels_last", require_flatten=include_top, weights=weights)
    return input_shape, image_input(input_tensor, input_shape)


def head(x, include_top, pooling, classes, classifier_activation, weights, top_pool_name=None,
         pool_names=(None, None)):
    """Global average pooling and a ``predictions`` Dense layer, or the
    optional pooling of a headless model (``pooling="avg"``/``"max"``)."""
    from .imagenet_utils import validate_activation
    if include_top:
        x = layers.GlobalAveragePooling2D(name=top_pool_name)(x)
        validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pool(x, pooling, pool_names)


def pool(x, pooling, names=(None, None)):
    """``pooling="avg"``/``"max"``/None for a model without its top."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=names[0])(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=names[1])(x)
    return x


def source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` depends on (Keras's
    ``get_source_inputs``), so a model can start before ``input_tensor``."""
    from ..layers.core.input_layer import InputLayer
    found, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        layer, node_index, _ = t._keras_history
        if isinstance(layer, InputLayer):
            if id(t) not in seen:
                seen.add(id(t))
                found.append(t)
            continue
        stack.extend(reversed(layer._inbound_nodes[node_index].input_tensors))
    return found[0] if len(found) == 1 else found


def variant(build, name, doc, *args, **fixed):
    """A builder with Keras's usual signature (``include_top, weights,
    input_tensor, input_shape, pooling, classes, classifier_activation,
    name``) that calls ``build(*args, ..., **fixed)``; named after the
    first word of ``doc``.

    >>> f = variant(lambda *a, **k: k["name"], "tiny", "Tiny with Keras's signature.")
    >>> f.__name__, f(), f(name="other")
    ('Tiny', 'tiny', 'other')
    """
    def builder(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name=name):
        return build(*args, include_top=include_top, weights=weights, input_tensor=input_tensor,
                     input_shape=input_shape, pooling=pooling, classes=classes,
                     classifier_activation=classifier_activation, name=name, **fixed)
    builder.__name__ = builder.__qualname__ = doc.split()[0]
    builder.__doc__ = doc
    builder.__module__ = getattr(build, "__module__", __name__)
    return builder


def finish(img_input, input_tensor, outputs, name, weights, spec=None):
    """The Functional model, with ``weights`` loaded (see :mod:`.weights`)."""
    from ..models import Functional
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    model = Functional(inputs, outputs, name=name)
    return weights_lib.load(model, weights, spec)
