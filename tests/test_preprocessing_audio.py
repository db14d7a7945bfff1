"""STFTSpectrogram, MelSpectrogram and the STFT initializer: values against
NumPy's FFT and against Keras (torch backend) on the same inputs and, for
STFTSpectrogram, the same weights; run_layer_test (with gradients of the
trainable STFT kernels); saving."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.layers.preprocessing.audio.mel_spectrogram import linear_to_mel_weight_matrix
from tinykeras.ops.signal_ops import get_window
from tinykeras.testing import run_layer_test

RNG = np.random.default_rng(7)
AUDIO = RNG.normal(size=(2, 40, 2)).astype("float32")
WAVE = RNG.normal(size=(2, 300)).astype("float32")


def test_windows_and_initializer():
    n = np.arange(6)
    np.testing.assert_allclose(get_window("hann", 6, periodic=False), 0.5 - 0.5 * np.cos(2 * np.pi * n / 5))
    np.testing.assert_allclose(get_window("hamming", 6), 0.54 - 0.46 * np.cos(2 * np.pi * n / 6))
    np.testing.assert_allclose(get_window("blackman", 5, periodic=False), np.blackman(5))
    with pytest.raises(ValueError, match="kaiser"):
        tk.initializers.STFT(window="kaiser")
    with pytest.raises(ValueError, match=r"must be equal to \[8\]"):
        tk.initializers.STFT(window=np.ones(3))((8, 1, 5))
    kernel = tk.initializers.STFTInitializer("imag", "hann", "spectrum")((8, 1, 5))
    win = np.hanning(8)
    t, f = np.arange(8)[:, None], np.arange(5)[None, :]
    np.testing.assert_allclose(kernel[:, 0], np.sin(-2 * np.pi * t * f / 8) * win[:, None] / win.sum(), atol=1e-6)
    assert tk.initializers.get("stft").side == "real" and tk.initializers.stft is tk.initializers.STFT


def test_stft_matches_numpy_fft():
    layer = tk.layers.STFTSpectrogram(mode="stft", frame_length=8, frame_step=4, window=None, scaling=None)
    out = layer(AUDIO).numpy()                                        # (batch, frames, channels * 2 * freq)
    frames = np.stack([AUDIO[:, i:i + 8] for i in range(0, 33, 4)], axis=1)   # (batch, frames, 8, channels)
    spectrum = np.fft.rfft(frames, axis=2)                            # (batch, frames, 5, channels)
    expected = np.concatenate([spectrum.real, spectrum.imag], axis=2).transpose(0, 1, 3, 2).reshape(2, 9, -1)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    psd = tk.layers.STFTSpectrogram(mode="psd", frame_length=8, frame_step=4, window=None, scaling=None,
                                    expand_dims=True)(AUDIO).numpy()
    power = np.abs(spectrum) ** 2
    power[:, :, 1:-1] *= 2
    np.testing.assert_allclose(psd, power, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs", [{"mode": "log", "frame_length": 8, "frame_step": 4},
                                    {"mode": "psd", "frame_length": 6, "fft_length": 8, "padding": "same",
                                     "data_format": "channels_first", "expand_dims": True}])
def test_stft_layer_test(kwargs):
    shape = (2, 2, 24) if kwargs.get("data_format") == "channels_first" else (2, 24, 2)
    run_layer_test(tk.layers.STFTSpectrogram, kwargs, input_shape=shape, expected_num_trainable_weights=2,
                   grad_rtol=1e-3, grad_atol=1e-4)


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["log", "magnitude", "psd", "real", "imag", "angle", "stft"])
def test_stft_spectrogram_matches_keras(mode):
    keras = real_keras()
    window = np.hamming(8).astype("float32")                # an array: Keras needs SciPy for names
    kwargs = dict(mode=mode, frame_length=8, frame_step=3, fft_length=16, window=window, padding="same")
    ours, theirs = tk.layers.STFTSpectrogram(**kwargs), keras.layers.STFTSpectrogram(**kwargs)
    got, expected = ours(AUDIO), theirs(AUDIO)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-6)        # the initializers agree
    new = [w + RNG.normal(scale=0.01, size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(new)
    ours.set_weights(new)
    np.testing.assert_allclose(ours(AUDIO).numpy(), np.asarray(theirs(AUDIO).detach()), rtol=1e-4, atol=1e-4)
    assert got.shape == tuple(expected.shape) and [w.name for w in ours.weights] == [w.name for w in theirs.weights]


def test_mel_matrix_and_values():
    matrix = linear_to_mel_weight_matrix(4, 9, 1000, 20.0, 500.0)
    assert matrix.shape == (9, 4) and (matrix[0] == 0).all() and matrix.max() <= 1
    layer = tk.layers.MelSpectrogram(fft_length=32, sequence_stride=8, num_mel_bins=6, sampling_rate=1000,
                                     power_to_db=False, mag_exp=1.0)
    real, imag = tk.ops.stft(WAVE, 32, 8, 32, window="hann")
    expected = np.sqrt(real.numpy() ** 2 + imag.numpy() ** 2) @ linear_to_mel_weight_matrix(6, 17, 1000, 20.0, 500.0)
    np.testing.assert_allclose(layer(WAVE).numpy(), expected.swapaxes(1, 2), rtol=1e-5, atol=1e-6)
    db = tk.layers.MelSpectrogram(fft_length=32, sequence_stride=8, num_mel_bins=6, sampling_rate=1000, top_db=5.0,
                                  ref_power=2.0)
    out = db(WAVE).numpy()
    power = (real.numpy() ** 2 + imag.numpy() ** 2) @ linear_to_mel_weight_matrix(6, 17, 1000, 20.0, 500.0)
    expected = (10 * np.log10(np.maximum(power, 1e-10)) - 10 * np.log10(2.0)).swapaxes(1, 2)
    expected = np.maximum(expected, expected.max() - 5.0)   # top_db below the largest value of the batch
    assert out.shape == (2, 6, 1 + 300 // 8)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    run_layer_test(tk.layers.MelSpectrogram, {"fft_length": 16, "sequence_stride": 4, "num_mel_bins": 5,
                                              "sampling_rate": 400}, input_shape=(2, 30),
                   expected_output_shape=(2, 5, 8), check_gradients=False)


@pytest.mark.keras
def test_mel_spectrogram_matches_keras():
    keras = real_keras()
    kwargs = dict(fft_length=64, sequence_stride=16, sequence_length=48, num_mel_bins=10, sampling_rate=2000,
                  min_freq=30.0, top_db=60.0, mag_exp=2.0, ref_power=2.0)
    for window in ("hann", "hamming"):
        ours = tk.layers.MelSpectrogram(window=window, **kwargs)(WAVE).numpy()
        theirs = np.asarray(keras.layers.MelSpectrogram(window=window, **kwargs)(WAVE).detach())
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=2e-3)


def test_saving(tmp_path):
    inputs = tk.Input((40, 2))
    x = tk.layers.STFTSpectrogram(mode="magnitude", frame_length=8, window="hamming", periodic=True)(inputs)
    model = tk.Model(inputs, tk.layers.Dense(2)(x))
    model.save(tmp_path / "m.keras")
    again = tk.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(AUDIO, verbose=0), model.predict(AUDIO, verbose=0))
