"""``BaseConv``: the one convolution layer class that every convolution
layer extends (``Conv1D/2D/3D``, the transposed, depthwise and separable
variants in ``variants.py``).

A variant says which kernels it owns (``_kernel_shapes``), how many
channels come out (``_out_channels``), how long each spatial axis gets
(``_out_length``) and which op it runs (``_convolve``); the base does
argument checking, weights, bias, activation, shapes and config.

>>> import tinykeras as tk
>>> layer = tk.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")
>>> layer(tk.ops.ones((2, 9, 9, 3))).shape
(2, 5, 5, 4)
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 4), (4,)]
"""
from ... import activations, constraints, initializers, ops, regularizers
from ...ops import conv_shapes
from ...serialization import serialize
from ..input_spec import InputSpec
from ..layer import Layer


def _positive_int(layer, name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{type(layer).__name__} {layer.name!r}: invalid value for argument `{name}`. "
                         f"Expected a strictly positive integer. Received {name}={value!r}")
    return value


class BaseConv(Layer):
    """N-D convolution layer (Keras 3's ``Conv`` base); subclasses set ``rank``.

    Weights: ``kernel (*kernel_size, in // groups, filters)``, then
    ``bias (filters,)``.  ``padding`` is "valid" or "same" (and "causal"
    for ``Conv1D``); ``data_format`` defaults to
    ``tk.backend.image_data_format()`` ("channels_last").
    """

    rank = None
    _prefixes = ("kernel",)               # weight-argument prefixes, in weight order
    _allow_causal = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: lora_rank is not supported by tinykeras")
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                    kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
                    bias=(bias_initializer, bias_regularizer, bias_constraint))
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{type(self).__name__} {self.name!r}: `strides > 1` not supported in conjunction "
                             f"with `dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.filters = _positive_int(self, "filters", filters)
        self.groups = _positive_int(self, "groups", groups)
        if filters % groups:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the number of filters must be evenly "
                             f"divisible by the number of groups. Received: groups={groups}, "
                             f"filters={filters}")
        self._config_keys = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                             "groups")

    # -- shared setup ----------------------------------------------------
    def _setup(self, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
               **weight_args):
        name = f"{type(self).__name__} {self.name!r}"
        try:
            self.kernel_size = conv_shapes.normalize_tuple(kernel_size, self.rank, "kernel_size")
            self.strides = conv_shapes.normalize_tuple(strides, self.rank, "strides")
            self.dilation_rate = conv_shapes.normalize_tuple(dilation_rate, self.rank, "dilation_rate")
            mode = str(padding).lower()
            self.padding = "causal" if self._allow_causal and mode == "causal" else \
                conv_shapes.normalize_padding(padding)
            self.data_format = conv_shapes.normalize_data_format(data_format)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        for prefix, (init, reg, cons) in weight_args.items():
            setattr(self, f"{prefix}_initializer", initializers.get(init))
            setattr(self, f"{prefix}_regularizer", regularizers.get(reg))
            setattr(self, f"{prefix}_constraint", constraints.get(cons))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    # -- what a variant overrides ------------------------------------------
    def _kernel_shapes(self, in_channels):
        """(weight name, shape, argument prefix) for each kernel, in order."""
        return [("kernel", self.kernel_size + (in_channels // self.groups, self.filters), "kernel")]

    def _out_channels(self, in_channels):
        return self.filters

    def _check_channels(self, in_channels, input_shape):
        if in_channels % self.groups:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the number of input channels must be "
                             f"evenly divisible by the number of groups. Received groups={self.groups}, "
                             f"but the input has {in_channels} channels (full input shape is "
                             f"{tuple(input_shape)})")

    def _out_length(self, axis, length):
        padding = "same" if self.padding == "causal" else self.padding
        return conv_shapes.conv_output_length(length, self.kernel_size[axis], self.strides[axis], padding,
                                           self.dilation_rate[axis])

    def _convolve(self, inputs):
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            pad = [[0, 0], [left, 0], [0, 0]] if self.data_format == "channels_last" else [[0, 0], [0, 0], [left, 0]]
            inputs, padding = ops.pad(inputs, pad), "valid"
        return ops.conv(inputs, self.kernel, self.strides, padding, self.data_format, self.dilation_rate)

    # -- the Layer API -----------------------------------------------------
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected inputs of rank {self.rank + 2} "
                             f"(batch, {self.rank} spatial axes, channels), got shape {input_shape}")
        in_channels = input_shape[self._channel_axis()]
        if in_channels is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: the channel dimension of the inputs "
                             f"must be known, got shape {input_shape}")
        self._check_channels(in_channels, input_shape)
        self.compute_output_shape(input_shape)  # raises for an empty output
        for name, shape, prefix in self._kernel_shapes(in_channels):
            setattr(self, name, self.add_weight(
                name=name, shape=shape, initializer=getattr(self, f"{prefix}_initializer"),
                regularizer=getattr(self, f"{prefix}_regularizer"),
                constraint=getattr(self, f"{prefix}_constraint")))
        self.bias = self.add_weight(
            name="bias", shape=(self._out_channels(in_channels),), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): in_channels})

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a too-small input: an error naming the layer
        outputs = self._convolve(inputs)
        if self.bias is not None:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (bias.shape[0],) + (1,) * self.rank)
            outputs = outputs + bias
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = tuple(self._out_length(i, n) for i, n in enumerate(spatial))
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(f"{type(self).__name__} {self.name!r}: computed output size would be zero or "
                             f"negative ({out}): the kernel is larger than the (padded) input. Received "
                             f"inputs shape={input_shape}, kernel_size={self.kernel_size}, "
                             f"strides={self.strides}, padding={self.padding!r}, "
                             f"dilation_rate={self.dilation_rate}")
        channels = input_shape[-1 if last else 1]
        channels = None if channels is None else self._out_channels(channels)
        return (input_shape[0],) + out + (channels,) if last else (input_shape[0], channels) + out

    def get_config(self):
        config = {"activity_regularizer": None, **super().get_config()}
        config.update({key: getattr(self, key) for key in self._config_keys})
        config["activation"] = activations.serialize(self.activation)
        config["use_bias"] = self.use_bias
        for prefix in self._prefixes + ("bias",):
            for kind in ("initializer", "regularizer", "constraint"):
                config[f"{prefix}_{kind}"] = serialize(getattr(self, f"{prefix}_{kind}"))
        return config
