"""``run_layer_test``: the standard checks every layer should pass, in the
spirit of Keras's ``testing.TestCase.run_layer_test``.

>>> import tinykeras as tk
>>> layer = run_layer_test(tk.layers.Dense, {"units": 3}, input_shape=(2, 4),
...                        expected_output_shape=(2, 3), expected_num_trainable_weights=2,
...                        expected_num_non_trainable_weights=0, run_training_check=False)
>>> [w.shape for w in layer.weights]
[(4, 3), (3,)]

It checks, in order:

1. ``from_config(get_config())`` of the fresh layer gives the same config;
2. an eager call: output shape, dtype and values, weight counts, losses,
   ``supports_masking`` and the output mask's shape;
3. a symbolic call on ``tk.Input`` (with the full batch shape, then with an
   unknown batch size) gives the expected shape, and a functional model
   built from it, given the same weights, gives the eager output: called
   plainly, its node runs with the ``call_kwargs`` it recorded (unless they
   train: that output is random or moves state); called with
   ``training=False``, that overrides the recorded value, as in Keras 3;
4. after building: the config is JSON-ready and round-trips, and the
   rebuilt layer, given the same weights, gives the same outputs (at
   ``training=False`` when ``call_kwargs`` train);
5. gradients with respect to the float inputs and to every trainable
   weight match float64 finite differences (``check_gradients``) on a
   copy of the layer made with ``dtype="float64"``;
6. one ``fit`` step of a model around the layer runs (if it has weights).
"""
import contextlib
import json

import numpy as np

from ..layers.layer import _call_spec
from ..tree import flatten, map_structure
from .gradcheck import check_gradients as _check_gradients


def _is_shape(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)


def _make_inputs(input_shape, input_dtype, rng):
    """Random arrays for a shape or a list of shapes (ints in [0, 3))."""
    if _is_shape(tuple(input_shape)):
        shapes, single = [tuple(input_shape)], True
    else:
        shapes, single = [tuple(s) for s in input_shape], False
    dtypes = [input_dtype] * len(shapes) if isinstance(input_dtype, str) else list(input_dtype)
    arrays = []
    for shape, dtype in zip(shapes, dtypes):
        if np.dtype(dtype).kind == "f":
            arrays.append(rng.normal(size=shape).astype(dtype))
        elif np.dtype(dtype).kind == "b":
            arrays.append(rng.random(size=shape) > 0.5)
        else:
            arrays.append(rng.integers(0, 3, size=shape).astype(dtype))
    return arrays[0] if single else arrays


def _as_list(structure):
    return structure if isinstance(structure, list) else [structure]


def _check_shapes(what, got, expected):
    if expected is None:
        return
    got_shapes = [tuple(t.shape) for t in flatten(got)]
    expected = [tuple(expected)] if _is_shape(tuple(expected)) else [tuple(e) for e in expected]
    if got_shapes != expected:
        raise AssertionError(f"{what}: output shape {got_shapes if len(got_shapes) > 1 else got_shapes[0]}"
                             f", expected {expected if len(expected) > 1 else expected[0]}")


def _assert_close(what, got, expected, rtol, atol):
    for g, e in zip(flatten(got), flatten(expected)):
        g = g.numpy() if hasattr(g, "numpy") else np.asarray(g)
        e = e.numpy() if hasattr(e, "numpy") else np.asarray(e)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=what)


def _all_layers(layer):
    out = [layer]
    for sub in layer._layers:
        out.extend(_all_layers(sub))
    return out


@contextlib.contextmanager
def _substituted(layer, replacements):
    """Temporarily point every attribute that holds a replaced Variable (in the
    layer and its sub-layers) at the replacement Tensor."""
    changed = []
    try:
        for sub in _all_layers(layer):
            for name, value in list(vars(sub).items()):
                if id(value) in replacements:
                    object.__setattr__(sub, name, replacements[id(value)])
                    changed.append((sub, name, value))
        yield changed
    finally:
        for sub, name, value in changed:
            object.__setattr__(sub, name, value)


def _swappable(layer, variables):
    """The variables that some layer attribute holds (those we can substitute)."""
    held = {id(v) for sub in _all_layers(layer) for v in vars(sub).values()}
    return [v for v in variables if id(v) in held]


def _gradient_check(layer_cls, init_kwargs, inputs, weights, call_kwargs, rtol, atol):
    """Autograd vs finite differences, in float64, for inputs and trainable weights."""
    from ..core.tensor import Tensor
    from .. import ops
    layer = layer_cls(**{**init_kwargs, "dtype": "float64"})
    arrays = [a.astype("float64") if a.dtype.kind == "f" else a for a in _as_list(inputs)]
    multi = isinstance(inputs, list)
    layer(arrays if multi else arrays[0], **call_kwargs)
    layer.set_weights(weights)
    variables = _swappable(layer, layer.trainable_weights)
    missing = [v.path for v in layer.trainable_weights if all(v is not w for w in variables)]
    if missing:
        raise AssertionError(f"{layer_cls.__name__}: cannot check the gradients of {missing}: no "
                             "layer attribute holds them")
    n = len(arrays)

    def fn(*tensors):
        replacements = {id(v): t for v, t in zip(variables, tensors[n:])}
        with _substituted(layer, replacements):
            out = layer(list(tensors[:n]) if multi else tensors[0], **call_kwargs)
        parts = [ops.reshape(o, (-1,)) for o in flatten(out)]
        return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=0)

    fn.__name__ = layer_cls.__name__
    values = arrays + [v.numpy() for v in variables]
    if any(np.asarray(a).dtype.kind == "f" for a in values):
        _check_gradients(fn, values, rtol=rtol, atol=atol)


def run_layer_test(layer_cls, init_kwargs, input_shape=None, input_dtype="float32", input_data=None,
                   call_kwargs=None, expected_output_shape=None, expected_output_dtype=None,
                   expected_output=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, expected_num_losses=None,
                   supports_masking=None, expected_mask_shape=None, check_gradients=True,
                   check_json_config=True, run_training_check=True, rtol=1e-5, atol=1e-6,
                   grad_rtol=1e-4, grad_atol=1e-5, seed=0):
    """Run the checks listed in the module docstring; raise AssertionError on
    the first failure, return the (built) layer otherwise.

    ``input_shape`` is a shape with the batch size, or a list of them for a
    layer that takes a list; ``input_data`` gives the inputs directly.
    ``call_kwargs`` are passed to every call (e.g. ``{"training": True}``).
    """
    from .. import Input, Model
    call_kwargs = dict(call_kwargs or {})
    if input_data is None:
        if input_shape is None:
            raise ValueError("run_layer_test: give input_shape or input_data")
        input_data = _make_inputs(input_shape, input_dtype, np.random.default_rng(seed))
    inputs = [np.asarray(a) for a in input_data] if isinstance(input_data, list) else \
        np.asarray(input_data)
    name = layer_cls.__name__

    # 1. config of the fresh layer
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    if layer_cls.from_config(config).get_config() != config:
        raise AssertionError(f"{name}: from_config(get_config()) changes the config of a new layer")
    if supports_masking is not None and layer.supports_masking != supports_masking:
        raise AssertionError(f"{name}: supports_masking is {layer.supports_masking}, "
                             f"expected {supports_masking}")

    # 2. eager call
    output = layer(inputs, **call_kwargs)
    if not layer.built:
        raise AssertionError(f"{name}: the layer is not built after its first call")
    _check_shapes(f"{name} (eager)", output, expected_output_shape)
    if expected_output_dtype is not None:
        dtypes = [t.dtype for t in flatten(output)]
        if any(d != expected_output_dtype for d in dtypes):
            raise AssertionError(f"{name}: output dtype {dtypes}, expected {expected_output_dtype}")
    if expected_output is not None:
        _assert_close(f"{name}: output values", output, expected_output, rtol, atol)
    for what, expected, got in (("trainable", expected_num_trainable_weights, layer.trainable_weights),
                                ("non-trainable", expected_num_non_trainable_weights,
                                 layer.non_trainable_weights),
                                ("losses", expected_num_losses, layer.losses)):
        if expected is not None and len(got) != expected:
            raise AssertionError(f"{name}: {len(got)} {what} {'entries' if what == 'losses' else 'weights'}"
                                 f", expected {expected}")
    if expected_mask_shape is not None:
        mask = getattr(flatten(output)[0], "_keras_mask", None)
        if mask is None or tuple(mask.shape) != tuple(expected_mask_shape):
            raise AssertionError(f"{name}: output mask {None if mask is None else mask.shape}, "
                                 f"expected a mask of shape {tuple(expected_mask_shape)}")

    # 3. symbolic calls, and a functional model with the same weights
    arrays = _as_list(inputs)
    dtypes = [a.dtype.name for a in arrays]
    full = [Input(batch_shape=a.shape, dtype=d) for a, d in zip(arrays, dtypes)]
    sym = layer_cls(**init_kwargs)(full if isinstance(inputs, list) else full[0], **call_kwargs)
    _check_shapes(f"{name} (symbolic)", sym, expected_output_shape)
    open_batch = [Input(shape=a.shape[1:], dtype=d) for a, d in zip(arrays, dtypes)]
    model_inputs = open_batch if isinstance(inputs, list) else open_batch[0]
    twin = layer_cls(**init_kwargs)
    sym = twin(model_inputs, **call_kwargs)
    eager = [tuple(t.shape) for t in flatten(output)]
    for t, shape in zip(flatten(sym), eager):
        if t.shape[0] is not None or tuple(t.shape[1:]) != shape[1:]:
            raise AssertionError(f"{name} (symbolic, unknown batch size): output shape {t.shape}, "
                                 f"expected {(None,) + shape[1:]}")
    model = Model(model_inputs, sym)
    twin.set_weights(layer.get_weights())
    # the comparisons run with call_kwargs, or at training=False if they train (random output, moved state);
    # a training=False in them is kept, so a layer that augments by default (Keras's image layers) is
    # compared at inference, where the model's node runs with the training=False it recorded
    inference = dict(call_kwargs, training=False) if call_kwargs.get("training") else call_kwargs
    if not call_kwargs.get("training"):
        _assert_close(f"{name}: functional model (its node's call_kwargs) vs eager layer", model(inputs),
                      layer(inputs, **inference), rtol, atol)
    if "training" in _call_spec(layer_cls):
        _assert_close(f"{name}: functional model called with training=False vs eager layer",
                      model(inputs, training=False), layer(inputs, **dict(call_kwargs, training=False)),
                      rtol, atol)

    # 4. config round trip of the built layer, same weights -> same outputs
    config = layer.get_config()
    if check_json_config:
        try:
            json.dumps(config)
        except TypeError as exc:
            raise AssertionError(f"{name}: get_config() is not JSON-serializable ({exc})") from None
    clone = layer_cls.from_config(config)
    if clone.get_config() != config:
        raise AssertionError(f"{name}: from_config(get_config()) changes the config:\n"
                             f"{config}\n{clone.get_config()}")
    clone(inputs, **inference)
    clone.set_weights(layer.get_weights())
    _assert_close(f"{name}: layer rebuilt from its config", clone(inputs, **inference),
                  layer(inputs, **inference), rtol, atol)

    # 5. gradients, in float64
    if check_gradients:
        _gradient_check(layer_cls, init_kwargs, inputs, layer.get_weights(), call_kwargs,
                        grad_rtol, grad_atol)

    # 6. one training step
    if run_training_check and layer.trainable_weights:
        targets = map_structure(lambda t: np.zeros((len(arrays[0]),) + tuple(t.shape[1:]),
                                                   dtype="float32"), model.predict(inputs, verbose=0))
        model.compile(optimizer="sgd", loss="mse")
        history = model.fit(inputs, targets, epochs=1, batch_size=len(arrays[0]), verbose=0)
        loss = history.history["loss"][-1]
        if not np.isfinite(loss):
            raise AssertionError(f"{name}: one fit step gave a non-finite loss {loss}")
    return layer
