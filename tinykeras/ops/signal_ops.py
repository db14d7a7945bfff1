"""Keras 3's math group (``keras.src.ops.math``) beyond elementwise math:
segment reductions and ``extract_sequences``, written with ops
(differentiable), and ``get_window`` (the windows of ``stft`` and the STFT
initializer).  The Fourier transforms are in ``fourier.py``.

>>> import tinykeras as tk
>>> tk.ops.segment_sum([1.0, 2.0, 3.0], [0, 0, 1]).numpy().tolist()
[3.0, 3.0]
"""
import builtins

import numpy as np

from ..core.primitives import where
from ..core.tensor import Tensor
from .common import convert_to_tensor, record, symbolic
from .math_ops import max, min, prod
from .shape_ops import scatter_add, stack

__all__ = ["segment_sum", "segment_max", "segment_min", "segment_prod", "extract_sequences"]


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
