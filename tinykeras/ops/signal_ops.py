"""Keras 3's math group (``keras.src.ops.math``) beyond elementwise math:
segment reductions, ``extract_sequences`` and the Fourier transforms.

tinykeras has no complex dtypes, so, as in Keras, a complex tensor is a
pair ``(real, imag)`` of float tensors.  The transforms run NumPy's FFT on
the host (not differentiable); segment reductions and
``extract_sequences`` are written with ops (differentiable).

>>> import tinykeras as tk
>>> tk.ops.segment_sum([1.0, 2.0, 3.0], [0, 0, 1]).numpy().tolist()
[3.0, 3.0]
"""
import builtins

import numpy as np

from ..core.primitives import where
from ..core.tensor import Tensor
from .common import convert_to_tensor, record, symbolic
from .elementwise_ops import floating
from .math_ops import max, min, prod
from .shape_ops import scatter_add, stack

__all__ = ["segment_sum", "segment_max", "segment_min", "segment_prod", "extract_sequences", "fft", "fft2",
           "ifft2", "rfft", "irfft", "stft", "istft"]


def _segments(data, segment_ids, num_segments):
    data = convert_to_tensor(data)
    ids = np.asarray(convert_to_tensor(segment_ids).numpy()).astype(np.int64).reshape(-1)
    if ids.shape[0] != data.shape[0]:
        raise ValueError(f"segment ops: {ids.shape[0]} segment ids for data with {data.shape[0]} rows")
    n = int(num_segments) if num_segments is not None else (int(ids.max()) + 1 if ids.size else 0)
    return data, ids, n


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of ``data`` with the same segment id (ids out of range are dropped).

    >>> segment_sum([[1.0], [2.0]], [1, 1], 3).numpy().tolist()
    [[0.0], [3.0], [0.0]]
    """
    if symbolic(locals()):
        return record("segment_sum", locals())
    data, ids, n = _segments(data, segment_ids, num_segments)
    keep = (ids >= 0) & (ids < n)
    return scatter_add((n,) + data.shape[1:], ids[keep].reshape(-1, 1), data[np.nonzero(keep)[0]])


def _segment_reduce(name, reduce, empty):
    def op(data, segment_ids, num_segments=None, sorted=False):
        if symbolic(locals()):
            return record(name, locals())
        data, ids, n = _segments(data, segment_ids, num_segments)
        rows = []
        for s in range(n):
            mask = Tensor((ids == s).reshape((-1,) + (1,) * (data.ndim - 1)))
            rows.append(reduce(where(mask, data, empty(data)), 0))
        return stack(rows) if rows else Tensor(np.zeros((0,) + data.shape[1:], data.data.dtype))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {name.split('_')[1]} of the rows of ``data`` with the same segment id (empty "
                  f"segments give the reduction's identity).\n\n>>> {name}([1.0, 5.0, 3.0], [0, 0, 1])"
                  f".numpy().tolist()\n{[[5.0, 3.0], [1.0, 3.0], [5.0, 3.0]][['max', 'min', 'prod'].index(name[8:])]}\n")
    return op


def _lowest(t):
    return float(np.finfo(t.data.dtype).min) if t.data.dtype.kind == "f" else int(np.iinfo(t.data.dtype).min)


def _highest(t):
    return float(np.finfo(t.data.dtype).max) if t.data.dtype.kind == "f" else int(np.iinfo(t.data.dtype).max)


segment_max = _segment_reduce("segment_max", max, _lowest)
segment_min = _segment_reduce("segment_min", min, _highest)
segment_prod = _segment_reduce("segment_prod", prod, lambda t: 1)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` values every ``sequence_stride`` along the last axis.

    >>> extract_sequences([1, 2, 3, 4, 5], 2, 2).numpy().tolist()
    [[1, 2], [3, 4]]
    """
    if symbolic(locals()):
        return record("extract_sequences", locals())
    x = convert_to_tensor(x)
    n = (x.shape[-1] - sequence_length) // sequence_stride + 1
    idx = np.arange(builtins.max(n, 0))[:, None] * sequence_stride + np.arange(sequence_length)[None, :]
    return x[..., idx]


def _pair(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("FFT ops take a complex tensor as a tuple (real, imag) of two float tensors")
    real, imag = floating(x[0]), floating(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"FFT ops: real part {real.shape} and imaginary part {imag.shape} differ in shape")
    return real.numpy() + 1j * imag.numpy(), real.data.dtype


def _out(z, dtype):
    return Tensor(np.real(z).astype(dtype)), Tensor(np.imag(z).astype(dtype))


def fft(x):
    """The FFT along the last axis of ``x = (real, imag)``; returns ``(real, imag)``.

    >>> [t.numpy().tolist() for t in fft(([1.0, 0.0], [0.0, 0.0]))]
    [[1.0, 1.0], [0.0, 0.0]]
    """
    if symbolic(locals()):
        return record("fft", locals())
    z, dtype = _pair(x)
    return _out(np.fft.fft(z), dtype)


def fft2(x):
    """The 2-D FFT over the last two axes of ``(real, imag)``.

    >>> fft2((np.ones((2, 2)), np.zeros((2, 2))))[0].numpy().tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    if symbolic(locals()):
        return record("fft2", locals())
    z, dtype = _pair(x)
    return _out(np.fft.fft2(z), dtype)


def ifft2(x):
    """The inverse 2-D FFT over the last two axes of ``(real, imag)``.

    >>> ifft2((np.array([[4.0, 0.0], [0.0, 0.0]]), np.zeros((2, 2))))[0].numpy().tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    if symbolic(locals()):
        return record("ifft2", locals())
    z, dtype = _pair(x)
    return _out(np.fft.ifft2(z), dtype)


def rfft(x, fft_length=None):
    """The FFT of real ``x`` along its last axis: ``(real, imag)`` of the
    ``fft_length // 2 + 1`` non-negative frequencies.

    >>> rfft([1.0, 1.0, 1.0, 1.0])[0].numpy().tolist()
    [4.0, 0.0, 0.0]
    """
    if symbolic(locals()):
        return record("rfft", locals())
    x = floating(x)
    return _out(np.fft.rfft(x.numpy(), n=fft_length), x.data.dtype)


def irfft(x, fft_length=None):
    """The inverse of ``rfft``: real values from ``(real, imag)``.

    >>> irfft(([4.0, 0.0, 0.0], [0.0, 0.0, 0.0])).numpy().tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    if symbolic(locals()):
        return record("irfft", locals())
    z, dtype = _pair(x)
    return Tensor(np.fft.irfft(z, n=fft_length).astype(dtype))


_WINDOWS = {"hann": np.hanning, "hanning": np.hanning, "hamming": np.hamming, "blackman": np.blackman,
            "bartlett": np.bartlett, "boxcar": np.ones, "box": np.ones, "ones": np.ones, "rect": np.ones,
            "rectangular": np.ones}


def get_window(window, length, periodic=True):
    """``length`` values of the window named ``window`` (as
    ``scipy.signal.get_window(window, length, fftbins=periodic)``: "hann",
    "hamming", "blackman", "bartlett", "boxcar"), periodic (for spectral
    analysis) or symmetric; ``None`` gives ones; an array is checked and used.

    >>> get_window("hann", 4).tolist(), get_window("hann", 3, periodic=False).tolist()
    ([0.0, 0.5, 1.0, 0.5], [0.0, 1.0, 0.0])
    """
    if window is None:
        return np.ones(length)
    if isinstance(window, str):
        make = _WINDOWS.get(window.lower())
        if make is None:
            raise ValueError(f"window {window!r} is not one of {sorted(_WINDOWS)} (scipy.signal's names); "
                             "pass the window values as an array instead")
        return make(length + 1)[:-1] if periodic else make(length)
    values = np.asarray(convert_to_tensor(window).numpy(), dtype=np.float64)
    if values.shape != (length,):
        raise ValueError(f"The shape of `window` must be equal to [{length}]. Received: window shape="
                         f"{values.shape}")
    return values


def _window(window, length):
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError(f"stft: window must be 'hann', 'hamming', a tensor or None, got {window!r}")
    return get_window(window, length)  # periodic, as Keras


def _padded_window(window, sequence_length, fft_length):
    w = _window(window, sequence_length)
    lo = (fft_length - sequence_length) // 2
    return np.pad(w, (lo, fft_length - sequence_length - lo))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform along the last axis: ``(real, imag)``
    of shape ``(..., frames, fft_length // 2 + 1)``.

    >>> [t.shape for t in stft(np.zeros(16), 8, 4, 8)]
    [(5, 5), (5, 5)]
    """
    if symbolic(locals()):
        return record("stft", locals())
    x = floating(x)
    a = x.numpy().astype(np.float64)
    if center:
        a = np.pad(a, [(0, 0)] * (a.ndim - 1) + [(fft_length // 2, fft_length // 2)], mode="reflect")
    w = _padded_window(window, sequence_length, fft_length)
    n = (a.shape[-1] - fft_length) // sequence_stride + 1
    idx = np.arange(n)[:, None] * sequence_stride + np.arange(fft_length)[None, :]
    return _out(np.fft.rfft(a[..., idx] * w, n=fft_length), x.data.dtype)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """The inverse of ``stft`` (overlap-add with window normalization).

    >>> sig = np.sin(np.arange(32.0))
    >>> bool(np.allclose(istft(stft(sig, 8, 2, 8), 8, 2, 8, length=32).numpy(), sig, atol=1e-5))
    True
    """
    if symbolic(locals()):
        return record("istft", locals())
    z, dtype = _pair(x)
    frames = np.fft.irfft(z, n=fft_length)
    w = _padded_window(window, sequence_length, fft_length)
    n = frames.shape[-2]
    total = fft_length + sequence_stride * (n - 1)
    out = np.zeros(frames.shape[:-2] + (total,))
    norm = np.zeros(total)
    for i in range(n):
        s = i * sequence_stride
        out[..., s:s + fft_length] += frames[..., i, :] * w
        norm[s:s + fft_length] += w * w
    out = out / np.where(norm > 1e-10, norm, 1.0)
    if center:
        out = out[..., fft_length // 2:total - fft_length // 2]
    if length is not None:
        out = out[..., :length] if out.shape[-1] >= length else np.pad(
            out, [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])])
    return Tensor(out.astype(dtype))
