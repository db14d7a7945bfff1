"""``audio_dataset_from_directory``: a folder of class folders of ``.wav``
files as a ``Dataset`` of ``(audio, labels)`` batches, read with Python's
``wave`` module (Keras needs TensorFlow for this).

Audio is float32 of shape ``(batch, samples, channels)`` with values in
[-1, 1) (a 16-bit sample ``s`` is ``s / 32768``, as ``tf.audio.decode_wav``
gives); files are listed, shuffled and split exactly as the image and
text builders do (``directory_datasets.index_directory``/``build_datasets``).

>>> import os, tempfile, wave
>>> import numpy as np
>>> root = tempfile.mkdtemp()
>>> for label, values in [("no", [0, 16384]), ("yes", [-32768, 0, 8192])]:
...     os.makedirs(os.path.join(root, label))
...     with wave.open(os.path.join(root, label, "a.wav"), "wb") as f:
...         f.setnchannels(1); f.setsampwidth(2); f.setframerate(8000)
...         f.writeframes(np.array(values, "<i2").tobytes())
>>> ds = audio_dataset_from_directory(root, shuffle=False, verbose=False)
>>> audio, labels = next(iter(ds))
>>> audio.shape, audio[:, :, 0].tolist(), labels.tolist()
((2, 3, 1), [[0.0, 0.5, 0.0], [-1.0, 0.0, 0.25]], [0, 1])
"""
import wave

import numpy as np

from .directory_datasets import build_datasets, index_directory

ALLOWED_FORMATS = (".wav",)


def read_wav(path, desired_samples=None):
    """``(audio, sampling_rate)``: the samples of the PCM WAV file ``path``
    as float32 ``(samples, channels)`` in [-1, 1), cut or zero-padded to
    ``desired_samples`` when given.  8-, 16-, 24- and 32-bit PCM are read;
    other encodings (float, compressed) raise ValueError."""
    try:
        with wave.open(path, "rb") as f:
            channels, width, rate = f.getnchannels(), f.getsampwidth(), f.getframerate()
            raw = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"audio_dataset_from_directory: {path} is not a PCM WAV file "
                         f"that Python's wave module reads ({exc})") from None
    if width == 1:  # 8-bit WAV is unsigned
        ints = np.frombuffer(raw, np.uint8).astype(np.int32) - 128
    elif width == 3:  # 24-bit: three little-endian bytes, sign-extended through the top byte
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = ((b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)) >> 8
    else:
        ints = np.frombuffer(raw, f"<i{width}")
    audio = (ints.astype(np.float64) / 2.0 ** (8 * width - 1)).astype(np.float32).reshape(-1, channels)
    if desired_samples is not None:
        audio = audio[:desired_samples]
        audio = np.pad(audio, ((0, desired_samples - len(audio)), (0, 0)))
    return audio, rate


def resample(audio, rate_in, rate_out):
    """``audio`` ``(samples, channels)`` at ``rate_out`` samples per second:
    band-limited (FFT) resampling, exact for signals periodic in the clip.

    >>> t = np.arange(8) / 8
    >>> (np.round(resample(np.sin(2 * np.pi * t)[:, None], 8, 4)[:, 0], 6) + 0.0).tolist()
    [0.0, 1.0, 0.0, -1.0]
    """
    if rate_in == rate_out or not len(audio):
        return audio
    n_in = len(audio)
    n_out = max(1, int(round(n_in * rate_out / rate_in)))
    spectrum = np.fft.rfft(audio.astype(np.float64), axis=0)
    kept = np.zeros((n_out // 2 + 1, audio.shape[1]), complex)
    bins = min(len(spectrum), len(kept))
    kept[:bins] = spectrum[:bins]
    if n_out < n_in and n_out % 2 == 0:  # the new Nyquist bin holds a real value
        kept[-1] = kept[-1].real
    return (np.fft.irfft(kept, n_out, axis=0) * (n_out / n_in)).astype(np.float32)


def _check_arguments(labels, label_mode, class_names, ragged, output_sequence_length, sampling_rate):
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError("The `labels` argument should be a list/tuple of integer labels, of the same "
                             "size as the number of audio files in the target directory. If you wish to "
                             'infer the labels from the subdirectory names, pass `labels="inferred"`. If '
                             "you wish to get a dataset that only contains audio samples (no labels), pass "
                             f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError('You can only pass `class_names` if `labels="inferred"`. Received: '
                             f"labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", or None. '
                         f"Received: label_mode={label_mode}")
    if ragged and output_sequence_length is not None:
        raise ValueError("Cannot set both `ragged` and `output_sequence_length`")
    if sampling_rate is not None:
        if not isinstance(sampling_rate, int) or isinstance(sampling_rate, bool):
            raise ValueError(f"`sampling_rate` should have an integer value. Received: sampling_rate={sampling_rate}")
        if sampling_rate <= 0:
            raise ValueError(f"`sampling_rate` should be higher than 0. Received: sampling_rate={sampling_rate}")


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 batch_size=32, sampling_rate=None, output_sequence_length=None, ragged=False,
                                 shuffle=True, seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """Batches ``(audio, labels)`` from a folder with one folder of ``.wav``
    files per class (arguments and label encodings as Keras's).

    ``audio`` is float32 ``(batch, samples, channels)``: every file cut or
    zero-padded to ``output_sequence_length`` samples, or (when it is None)
    padded with zeros to the longest file of its batch; with
    ``ragged=True`` a batch is a list of ``(samples_i, channels)`` arrays
    (tinykeras has no ragged tensors).  ``sampling_rate`` resamples every
    file to that rate (after the cut, as Keras).  ``labels``: "inferred"
    (from the folder names), None, or a list of ints, one per file in
    sorted path order; ``label_mode`` "int", "categorical", "binary" or None.
    ``validation_split``/``subset``/``seed`` split the shuffled files.  With
    ``batch_size=None`` the dataset yields single samples.  The dataset has
    ``class_names``."""
    _check_arguments(labels, label_mode, class_names, ragged, output_sequence_length, sampling_rate)
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    def read(path):
        audio, rate = read_wav(path, output_sequence_length)
        return audio if sampling_rate is None else resample(audio, rate, sampling_rate)

    def load(paths):
        clips = [read(p) for p in paths]
        if ragged:
            return clips
        longest = max(len(c) for c in clips)
        channels = {c.shape[1] for c in clips}
        if len(channels) > 1:
            raise ValueError(f"audio_dataset_from_directory: a batch mixes files with {sorted(channels)} "
                             f"channels ({', '.join(paths)})")
        return np.stack([np.pad(c, ((0, longest - len(c)), (0, 0))) for c in clips])

    paths, labels, class_names = index_directory(directory, labels, ALLOWED_FORMATS, class_names,
                                                 shuffle, seed, follow_links, verbose)
    found = f"audio files found in directory {directory}. Allowed format(s): {ALLOWED_FORMATS}"
    return build_datasets(paths, labels, class_names, load, label_mode, batch_size, shuffle, seed,
                          validation_split, subset, verbose, found)
