"""``STFTSpectrogram``: a spectrogram computed by two 1-D convolutions whose
kernels (trainable, as in Keras) start as the real and imaginary parts of
the windowed Fourier transform (``keras.initializers.STFT``).

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.STFTSpectrogram(mode="magnitude", frame_length=8, frame_step=4, window=None)
>>> x = np.cos(2 * np.pi * np.arange(32) / 4)[None, :, None].astype("float32")   # a quarter of the rate
>>> out = layer(x).numpy()
>>> out.shape, int(out[0, 0].argmax())   # frequency bin 2 of 5 (fft_length 8)
((1, 7, 5), 2)
"""
import math
import warnings

from .... import backend, initializers, ops
from ....ops import conv_shapes
from ...input_spec import InputSpec
from ...layer import Layer

MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """``STFTSpectrogram(mode="log", frame_length=256, frame_step=None,
    fft_length=None, window="hann", periodic=False, scaling="density",
    padding="valid", expand_dims=False, data_format=None)``, as Keras 3.

    Inputs ``(batch, time, channels)`` (``channels_last``) give
    ``(batch, frames, channels * freq)``, or ``(batch, frames, freq,
    channels)`` with ``expand_dims=True``; ``freq = fft_length // 2 + 1``
    (twice that for ``"stft"``: real then imaginary parts).  Modes: ``"real"``,
    ``"imag"``, ``"angle"``, ``"psd"`` (one-sided power), ``"magnitude"`` and
    ``"log"`` (its log).  Weights ``real_kernel`` / ``imag_kernel`` of shape
    ``(frame_length, 1, freq)``, trainable; differentiable end to end.
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann",
                 periodic=False, scaling="density", padding="valid", expand_dims=False, data_format=None,
                 **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError("`frame_step` should be a positive integer not greater than `frame_length`. "
                             f"Received frame_step={frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError("`fft_length` should be not less than `frame_length`. "
                             f"Received fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}")
        if mode not in MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(MODES)}. Received: mode={mode}")
        if padding not in ("valid", "same"):
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        initializers.STFT("real", window, scaling, periodic)  # checks window and scaling
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step, self.fft_length = mode, frame_length, frame_step, fft_length
        self._frame_step = frame_step or frame_length // 2
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window.tolist() if hasattr(window, "tolist") else window
        self.periodic, self.scaling, self.padding, self.expand_dims = periodic, scaling, padding, expand_dims
        self.data_format = conv_shapes.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != {"real": "imag", "imag": "real"}[side]:
                setattr(self, f"{side}_kernel", self.add_weight(
                    name=f"{side}_kernel", shape=shape,
                    initializer=initializers.STFT(side, self.window, self.scaling, self.periodic)))

    def _apply_conv(self, inputs, kernel):
        """``(batch, channels, freq, frames)``: every channel convolved alone."""
        last = self.data_format == "channels_last"
        if last:
            _, time, channels = inputs.shape
            inputs = ops.reshape(ops.transpose(inputs, [0, 2, 1]), [-1, time, 1])
        else:
            _, channels, time = inputs.shape
            inputs = ops.reshape(inputs, [-1, 1, time])
        outputs = ops.conv(inputs, ops.cast(kernel, inputs.dtype), padding=self.padding, strides=self._frame_step,
                           data_format=self.data_format)
        if last:
            outputs = ops.transpose(outputs, [0, 2, 1])
        return ops.reshape(outputs, [-1, channels] + list(outputs.shape[1:]))

    def _adjust_shapes(self, outputs):
        _, channels, freq, frames = outputs.shape
        if self.expand_dims:
            return ops.transpose(outputs, [0, 3, 2, 1] if self.data_format == "channels_last" else [0, 1, 3, 2])
        outputs = ops.reshape(outputs, [-1, channels * freq, frames])
        return ops.transpose(outputs, [0, 2, 1]) if self.data_format == "channels_last" else outputs

    def call(self, inputs):
        if inputs.dtype not in ("float16", "float32", "float64"):
            raise TypeError(f"STFTSpectrogram {self.name!r}: invalid input type. Expected `float16`, `float32` "
                            f"or `float64`. Received: input type={inputs.dtype}")
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode in ("real", "imag"):
            return self._adjust_shapes(real if self.mode == "real" else imag)
        if self.mode == "angle":
            return self._adjust_shapes(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(ops.concatenate([real, imag], axis=2))
        power = ops.square(real) + ops.square(imag)
        if self.mode == "psd":
            return self._adjust_shapes(power + ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]]))
        linear = self._adjust_shapes(ops.sqrt(ops.maximum(power, backend.epsilon())))
        return linear if self.mode == "magnitude" else ops.log(ops.maximum(linear, backend.epsilon()))

    def compute_output_shape(self, input_shape):
        last = self.data_format == "channels_last"
        batch, time, channels = (input_shape if last else
                                 (input_shape[0], input_shape[2], input_shape[1]))
        freq = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        frames = conv_shapes.conv_output_length(time, self.frame_length, self._frame_step, self.padding)
        if self.expand_dims:
            return (batch, frames, freq, channels) if last else (batch, channels, frames, freq)
        return (batch, frames, freq * channels) if last else (batch, freq * channels, frames)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "window": self.window,
                "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
                "data_format": self.data_format, "expand_dims": self.expand_dims}
