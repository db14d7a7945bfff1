"""The Fourier transforms of Keras 3's math group: ``fft``, ``fft2``,
``ifft2``, ``rfft``, ``irfft``, ``stft`` and ``istft``.

tinykeras has no complex dtypes, so, as in Keras, a complex tensor is a
pair ``(real, imag)`` of float tensors.  Each transform is linear, so it is
written as products with the DFT's cosine and sine matrices (constants made
on the host, in float64 then cast): gathers, matmuls and sums, so every
transform is differentiable and runs on every backend.

>>> import tinykeras as tk
>>> [(t.numpy().round(6) + 0.0).tolist() for t in tk.ops.fft(([1.0, 0.0], [0.0, 0.0]))]
[[1.0, 1.0], [0.0, 0.0]]
"""
import numpy as np

from ..core.tensor import Tensor
from .common import record, symbolic
from .elementwise_ops import floating
from .shape_ops import concatenate, moveaxis, scatter_add, swapaxes
from .signal_ops import get_window

__all__ = ["fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft"]


def _const(a, dtype):
    return Tensor(np.ascontiguousarray(a).astype(dtype))


def _dft(n_in, n_out, n):
    """``cos`` and ``sin`` of ``2 pi j k / n`` for ``j < n_in``, ``k < n_out``."""
    angle = 2 * np.pi * np.outer(np.arange(n_in), np.arange(n_out)) / n
    return np.cos(angle), np.sin(angle)


def _pair(x, name):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name}: a complex tensor is a tuple (real, imag) of two float tensors, got "
                         f"{type(x).__name__}")
    real, imag = floating(x[0]), floating(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"{name}: real part {real.shape} and imaginary part {imag.shape} differ in shape")
    if real.ndim < 1:
        raise ValueError(f"{name}: expected at least one axis, got a scalar")
    return real, imag.astype(real.dtype)


def _complex_last(real, imag, inverse):
    """The (inverse) DFT of ``real + i imag`` along the last axis."""
    n = real.shape[-1]
    c, s = _dft(n, n, n)
    sign, scale = (1.0, 1.0 / n) if inverse else (-1.0, 1.0)
    dtype = real.data.dtype
    c, s = _const(c * scale, dtype), _const(s * scale * sign, dtype)
    return real @ c - imag @ s, imag @ c + real @ s


def fft(x):
    """The FFT along the last axis of ``x = (real, imag)``; returns ``(real, imag)``.

    >>> (fft(([1.0, 2.0], [0.0, 0.0]))[0].numpy().round(6) + 0.0).tolist()
    [3.0, -1.0]
    """
    if symbolic(locals()):
        return record("fft", locals())
    return _complex_last(*_pair(x, "fft"), inverse=False)


def _two_axes(x, name, inverse):
    real, imag = _pair(x, name)
    if real.ndim < 2:
        raise ValueError(f"{name}: expected at least two axes, got shape {real.shape}")
    real, imag = _complex_last(real, imag, inverse)
    real, imag = _complex_last(swapaxes(real, -1, -2), swapaxes(imag, -1, -2), inverse)
    return swapaxes(real, -1, -2), swapaxes(imag, -1, -2)


def fft2(x):
    """The 2-D FFT over the last two axes of ``(real, imag)``.

    >>> (fft2((np.ones((2, 2)), np.zeros((2, 2))))[0].numpy().round(6) + 0.0).tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    if symbolic(locals()):
        return record("fft2", locals())
    return _two_axes(x, "fft2", inverse=False)


def ifft2(x):
    """The inverse 2-D FFT over the last two axes of ``(real, imag)``.

    >>> (ifft2((np.array([[4.0, 0.0], [0.0, 0.0]]), np.zeros((2, 2))))[0].numpy().round(6) + 0.0).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    if symbolic(locals()):
        return record("ifft2", locals())
    return _two_axes(x, "ifft2", inverse=True)


def _rdft(x, n):
    """``rfft`` of the last axis of ``x`` (cut or zero-padded to ``n``)."""
    c, s = _dft(min(x.shape[-1], n), n // 2 + 1, n)
    x = x[..., :n]
    dtype = x.data.dtype
    return x @ _const(c, dtype), x @ _const(-s, dtype)


def rfft(x, fft_length=None):
    """The FFT of real ``x`` along its last axis: ``(real, imag)`` of the
    ``fft_length // 2 + 1`` non-negative frequencies.

    >>> (rfft([1.0, 1.0, 1.0, 1.0])[0].numpy().round(6) + 0.0).tolist()
    [4.0, 0.0, 0.0]
    """
    if symbolic(locals()):
        return record("rfft", locals())
    x = floating(x)
    return _rdft(x, x.shape[-1] if fft_length is None else int(fft_length))


def _irdft(real, imag, n):
    """Real signals of length ``n`` from their first ``n // 2 + 1`` frequencies
    (NumPy's ``irfft``: missing ones are zero, the imaginary parts of the
    zero and Nyquist frequencies are ignored)."""
    k = min(real.shape[-1], n // 2 + 1)
    weight = np.full(k, 2.0)
    weight[0] = 1.0
    if n % 2 == 0 and k == n // 2 + 1:
        weight[-1] = 1.0
    c, s = _dft(k, n, n)
    dtype = real.data.dtype
    return real[..., :k] @ _const(c * weight[:, None] / n, dtype) - imag[..., :k] @ _const(s * weight[:, None] / n, dtype)


def irfft(x, fft_length=None):
    """The inverse of ``rfft``: real values from ``(real, imag)``.

    >>> (irfft(([4.0, 0.0, 0.0], [0.0, 0.0, 0.0])).numpy().round(6) + 0.0).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    if symbolic(locals()):
        return record("irfft", locals())
    real, imag = _pair(x, "irfft")
    return _irdft(real, imag, 2 * (real.shape[-1] - 1) if fft_length is None else int(fft_length))


def _window(window, length):
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError(f"stft: window must be 'hann', 'hamming', a tensor or None, got {window!r}")
    return get_window(window, length)  # periodic, as Keras


def _padded_window(window, sequence_length, fft_length):
    if fft_length < sequence_length:
        raise ValueError(f"stft: fft_length ({fft_length}) must be at least sequence_length ({sequence_length})")
    w = _window(window, sequence_length)
    lo = (fft_length - sequence_length) // 2
    return np.pad(w, (lo, fft_length - sequence_length - lo))


def _reflect(i, n):
    """Indices ``i`` (of a reflect-padded axis) into an axis of ``n``."""
    period = max(2 * n - 2, 1)
    j = np.mod(i, period)
    return np.where(j >= n, period - j, j)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform along the last axis: ``(real, imag)``
    of shape ``(..., frames, fft_length // 2 + 1)``.

    >>> [t.shape for t in stft(np.zeros(16), 8, 4, 8)]
    [(5, 5), (5, 5)]
    """
    if symbolic(locals()):
        return record("stft", locals())
    x = floating(x)
    w = _padded_window(window, sequence_length, fft_length)
    n = x.shape[-1]
    total = n + (2 * (fft_length // 2) if center else 0)
    frames = (total - fft_length) // sequence_stride + 1
    if frames <= 0:
        raise ValueError(f"stft: a signal of {n} samples is shorter than fft_length={fft_length}")
    idx = np.arange(frames)[:, None] * sequence_stride + np.arange(fft_length)[None, :]
    if center:
        idx = _reflect(idx - fft_length // 2, n)
    return _rdft(x[..., idx] * _const(w, x.data.dtype), fft_length)


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """The inverse of ``stft`` (overlap-add with window normalization).

    >>> sig = np.sin(np.arange(32.0))
    >>> bool(np.allclose(istft(stft(sig, 8, 2, 8), 8, 2, 8, length=32).numpy(), sig, atol=1e-5))
    True
    """
    if symbolic(locals()):
        return record("istft", locals())
    real, imag = _pair(x, "istft")
    if real.ndim < 2:
        raise ValueError(f"istft: expected (..., frames, bins), got shape {real.shape}")
    w = _padded_window(window, sequence_length, fft_length)
    frames = _irdft(real, imag, fft_length) * _const(w, real.data.dtype)  # (..., n, fft_length)
    n = frames.shape[-2]
    total = fft_length + sequence_stride * (n - 1)
    pos = (np.arange(n)[:, None] * sequence_stride + np.arange(fft_length)[None, :]).reshape(-1)
    norm = np.bincount(pos, np.tile(w * w, n), minlength=total)
    flat = moveaxis(frames.reshape(frames.shape[:-2] + (n * fft_length,)), -1, 0)
    out = moveaxis(scatter_add((total,) + flat.shape[1:], pos[:, None], flat), 0, -1)
    out = out * _const(1.0 / np.where(norm > 1e-10, norm, 1.0), real.data.dtype)
    if center:
        out = out[..., fft_length // 2:total - fft_length // 2]
    if length is not None:
        if out.shape[-1] >= length:
            out = out[..., :length]
        else:
            out = concatenate([out, Tensor(np.zeros(out.shape[:-1] + (length - out.shape[-1],), out.data.dtype))], -1)
    return out
