"""The lean inference path: ``predict`` and ``model(x)`` on small batches
without the per-call work that does not depend on the data.

A layer's ``__call__`` does a dozen things around ``call`` (converting the
input, checking it against the input spec, passing masks on, tracking the
training flag and the losses).  When a ``Sequential`` model runs for
inference (autograd off, ``training`` false) and none of its layers needs
those things (no masks, no activity regularizer, no ``__call__`` of its
own, inputs whose shape the model's ``Input`` fixes), :func:`run_layers`
calls each layer's ``call`` directly.  ``Trainer.predict`` goes further for
one small array (at most ``batch_size`` samples, no callbacks, ``verbose=0``):
no data adapter, no callback list, no concatenation, and (``Sequential._predict_small_batch``)
no ``__call__`` of the model itself.  The results are the
plain path's, to the bit (``tests/test_lean_inference.py``).

>>> import numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
>>> from tinykeras.core.autograd import no_grad
>>> with no_grad():
...     lean_layers(model) is not None
True
>>> model.predict(np.ones((1, 3)), verbose=0).shape
(1, 2)
"""
import numpy as np

from ..core.autograd import is_grad_enabled
from ..layers import layer as layer_module
from ..layers.layer import Layer


def _leanable(layer):
    return (layer.built and type(layer).__call__ is Layer.__call__ and layer.activity_regularizer is None
            and type(layer).compute_mask is Layer.compute_mask)


def lean_layers(model, inputs=None, training=None):
    """The layers ``run_layers`` may run for this call of the ``Sequential``
    ``model``, or None when the plain path must run."""
    if training or is_grad_enabled() or getattr(inputs, "_keras_mask", None) is not None:
        return None
    first, *rest = model._layers
    if None in tuple(first.batch_shape)[1:] or not all(_leanable(layer) for layer in rest):
        return None
    return rest


def run_layers(layers, x):
    """``x`` through ``layers``' ``call`` methods, for inference."""
    context = layer_module._CALL_CONTEXT
    saved = context["training"]
    context["training"] = False
    context["depth"] += 1
    try:
        for layer in layers:
            x = layer._convert_input(x)
            x = layer.call(x, training=False) if "training" in layer_module._call_spec(type(layer)) \
                else layer.call(x)
    finally:
        context["depth"] -= 1
        context["training"] = saved
    return x


def small_batch(model, x, batch_size, steps, callbacks, verbose, default_step):
    """Whether ``predict`` may take the lean path for these arguments
    (``default_step``: the ``predict_step`` that a model must not override)."""
    return (callbacks is None and verbose == 0 and steps is None and isinstance(x, np.ndarray)
            and x.ndim >= 1 and 0 < x.shape[0] <= (batch_size or 32) and model.built
            and type(model).predict_step is default_step)
