"""Layers around other layers: ``Wrapper``, ``TimeDistributed`` and ``Bidirectional``.

>>> import numpy as np, tinykeras as tk
>>> x = np.ones((2, 5, 3), "float32")
>>> tk.layers.TimeDistributed(tk.layers.Dense(4))(x).shape
(2, 5, 4)
>>> tk.layers.Bidirectional(tk.layers.LSTM(4, return_sequences=True))(x).shape
(2, 5, 8)
"""
from ... import ops
from ..layer import Layer, _call_spec

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _serialize(layer):
    from ...saving.layer_config import serialize_layer  # here: saving imports layers
    return serialize_layer(layer)


def _deserialize(config, custom_objects=None):
    from ...saving.layer_config import deserialize_layer  # here: saving imports layers
    return deserialize_layer(config, custom_objects)


class Wrapper(Layer):
    """Base of the layers that wrap one ``layer`` (its config holds the layer's)."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__}: expects a keras Layer instance to wrap, got {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)

    def get_config(self):
        return {**super().get_config(), "layer": _serialize(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        return cls(_deserialize(config.pop("layer"), custom_objects), **config)


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every time step: inputs ``(batch, time, ...)``; the
    layer sees ``(batch * time, ...)`` (one call, so a ``Dropout`` inside
    draws one mask for all steps at once; Keras calls the layer per step)."""

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        if getattr(layer, "return_state", False):
            raise ValueError(f"TimeDistributed {self.name!r}: cannot wrap {type(layer).__name__} "
                             f"{layer.name!r} with return_state=True (one output per step only)")
        self.supports_masking = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name!r}: expects inputs of at least 3 dimensions "
                             f"(batch, time, ...), received input with shape {input_shape}")
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        super().build(self._child_shape(input_shape))

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(input_shape))
        return (child[0], input_shape[1]) + tuple(child[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        self._child_shape(shape)
        kwargs = {"training": training} if "training" in _call_spec(type(self.layer)) else {}
        if mask is not None:
            if tuple(mask.shape[:2]) != shape[:2] or mask.ndim < 2:
                raise ValueError(f"TimeDistributed {self.name!r}: the mask has shape {tuple(mask.shape)}, "
                                 f"which does not start with the (batch, time) {shape[:2]} of the input "
                                 f"of shape {shape}")
            if "mask" in _call_spec(type(self.layer)):
                kwargs["mask"] = ops.reshape(mask, (-1,) + tuple(mask.shape[2:]))
        y = self.layer(ops.reshape(inputs, (-1,) + shape[2:]), **kwargs)
        if isinstance(y, (list, tuple)):
            raise ValueError(f"TimeDistributed {self.name!r}: the wrapped layer {self.layer.name!r} "
                             f"returned {len(y)} outputs; it must return one tensor")
        return ops.reshape(y, shape[:2] + tuple(y.shape[1:]))


class Bidirectional(Layer):
    """``Bidirectional(layer, merge_mode="concat", backward_layer=None)``: run a
    recurrent layer forwards and a copy (``go_backwards=True``) backwards, and
    merge: ``"concat"``, ``"sum"``, ``"mul"``, ``"ave"`` or None (a list).
    Weights: the forward layer's, then the backward layer's."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        for what, obj in (("layer", layer), ("backward_layer", backward_layer)):
            if obj is not None and not (isinstance(obj, Layer) and hasattr(obj, "go_backwards")
                                        and hasattr(obj, "return_sequences")):
                raise ValueError(f"Bidirectional: `{what}` must be a recurrent layer (with go_backwards "
                                 f"and return_sequences, such as LSTM); got {obj!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        config = layer.get_config()
        if kwargs.get("dtype") is not None:  # an explicit dtype applies to the copies too
            config["dtype"] = kwargs["dtype"]
        self.forward_layer = type(layer).from_config(
            {**config, "name": "forward_" + layer.name.removeprefix("forward_")})
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                {**config, "go_backwards": not layer.go_backwards,
                 "name": "backward_" + layer.name.removeprefix("backward_")})
        self.backward_layer = backward_layer
        self._check_pair()
        for sub in (self.forward_layer, self.backward_layer):  # as Keras: masked steps output zeros
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful, self.return_sequences = layer.stateful, layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self._initial_weights = weights

    def _check_pair(self):
        fwd, bwd = self.forward_layer, self.backward_layer
        if fwd.go_backwards == bwd.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value. "
                             f"Received: forward_layer.go_backwards {fwd.go_backwards}, "
                             f"backward_layer.go_backwards={bwd.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(fwd, attr) != getattr(bwd, attr):
                raise ValueError(f'Forward layer and backward layer are expected to have the same value '
                                 f'for attribute "{attr}", got "{getattr(fwd, attr)}" for forward layer '
                                 f'and "{getattr(bwd, attr)}" for backward layer')

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub._maybe_build(tuple(sequences_shape))
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"mask": mask, "training": training}
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        else:
            fwd_state = bwd_state = None
        y = self.forward_layer(sequences, initial_state=fwd_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, **kwargs)
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        merged = {"concat": lambda: ops.concatenate([y, y_rev], axis=-1), "sum": lambda: y + y_rev,
                  "ave": lambda: (y + y_rev) / 2, "mul": lambda: y * y_rev,
                  None: lambda: [y, y_rev]}[self.merge_mode]()
        if not self.return_state:
            return merged
        return (*merged, *states) if self.merge_mode is None else (merged, *states)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (None if shape[-1] is None else 2 * shape[-1],)
        outputs = [shape, shape] if self.merge_mode is None else shape
        if not self.return_state:
            return outputs
        return (*outputs, *states, *states) if self.merge_mode is None else (outputs, *states, *states)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = ops.convert_to_tensor(mask) if self.return_sequences and mask is not None else None
        outputs = [out, out] if self.merge_mode is None else [out]
        n_states = 2 * len(self.forward_layer.state_size) if self.return_state else 0
        if self.merge_mode is None or n_states:
            return outputs + [None] * n_states
        return out

    def get_config(self):
        layers = {k: _serialize(v) for k, v in (("layer", self.forward_layer), ("backward_layer", self.backward_layer))}
        for config in layers.values():
            config.pop("build_config", None)  # the copies are built with the Bidirectional layer
        return {**super().get_config(), "merge_mode": self.merge_mode, **layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = _deserialize(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        backward = _deserialize(backward, custom_objects) if backward is not None else None
        return cls(layer, backward_layer=backward, **config)
