"""``MelSpectrogram``: audio to a (decibel) mel-scaled spectrogram, as
Keras 3's layer: ``ops.stft`` (centered, windowed), magnitudes to the power
``mag_exp``, a triangular mel filter bank (HTK's mel scale), then decibels.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8, sampling_rate=800)
>>> layer(np.sin(np.arange(128) / 3.0)[None].astype("float32")).shape
(1, 8, 9)
"""
import numpy as np

from .... import ops
from ...layer import Layer

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies_hertz):
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + frequencies_hertz / np.float32(_MEL_BREAK_FREQUENCY_HERTZ))


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype="float32"):
    """The ``(num_spectrogram_bins, num_mel_bins)`` matrix that maps a linear
    spectrum (bins from 0 to ``sampling_rate / 2``) to mel bands between the
    two edges: triangles peaking at 1, the DC bin excluded (as TensorFlow's
    and Keras's function).

    >>> linear_to_mel_weight_matrix(2, 5, 8000, 0.0, 4000.0).astype(float).round(3).tolist()
    [[0.0, 0.0], [0.602, 0.398], [0.0, 0.873], [0.0, 0.377], [0.0, 0.0]]
    """
    f = np.dtype(dtype).type
    linear = np.linspace(f(0.0), f(sampling_rate) / f(2.0), num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None].astype(dtype)
    edges = np.linspace(_hertz_to_mel(f(lower_edge_hertz)), _hertz_to_mel(f(upper_edge_hertz)), num_mel_bins + 2,
                        dtype=dtype)
    lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(f(0.0), np.minimum(lower_slopes, upper_slopes))
    return np.pad(weights, [[1, 0], [0, 0]]).astype(dtype)


class MelSpectrogram(Layer):
    """``MelSpectrogram(fft_length=2048, sequence_stride=512, sequence_length=None,
    window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
    max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0,
    min_power=1e-10, ref_power=1.0)``, as Keras 3.

    Inputs ``(batch, samples)`` (or ``(samples,)``) give ``(batch,
    num_mel_bins, 1 + samples // sequence_stride)``.  With ``power_to_db``,
    ``10 log10(max(power, min_power) / ref_power)``, floored at the largest
    value of the whole batch minus ``top_db`` (as Keras).  Preprocessing:
    no weights, not differentiable (``ops.stft`` runs on the host).
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True,
                 top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError("`fft_length` must be greater than or equal to `sequence_length`. Received: "
                             f"`sequence_length`={self.sequence_length}, `fft_length`={self.fft_length}.")
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq, self.max_freq = min_freq, max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)
        self.built = True

    def call(self, inputs):
        dtype = self.dtype if self.dtype in ("float32", "float64") else "float32"
        inputs = ops.convert_to_tensor(inputs, dtype=dtype)
        real, imag = ops.stft(inputs, sequence_length=self.sequence_length, sequence_stride=self.sequence_stride,
                              fft_length=self.fft_length, window=self.window, center=True)
        spec = ops.power(ops.sqrt(ops.square(real) + ops.square(imag)), self.mag_exp)
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, spec.shape[-1], self.sampling_rate,
                                             self.min_freq, self.max_freq, dtype)
        outputs = ops.tensordot(spec, ops.convert_to_tensor(matrix), axes=1)
        if self.power_to_db:
            log_spec = 10.0 * ops.log10(ops.maximum(outputs, self.min_power))
            log_spec = log_spec - 10.0 * np.log10(np.maximum(np.abs(np.asarray(self.ref_power, dtype)),
                                                             np.asarray(self.min_power, dtype)))
            outputs = ops.maximum(log_spec, ops.max(log_spec) - self.top_db)
        return ops.cast(ops.swapaxes(outputs, -1, -2), self.dtype)

    def compute_output_shape(self, input_shape):
        frames = None if input_shape[-1] is None else 1 + input_shape[-1] // self.sequence_stride
        return tuple(input_shape[:-1]) + (self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
