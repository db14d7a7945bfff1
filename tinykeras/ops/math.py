"""``keras.ops.math``: math ops (Keras's ``keras.src.ops.math``: FFT, segment reductions, top_k, ...), the same functions as in ``tk.ops``.

>>> from tinykeras.ops.math import *
>>> logsumexp([0.0, 0.0]).item() > 0.69
True
"""
import sys as _sys

from .namespaces import export as _export

NAMES = """
    cdist erf erfc erfinv extract_sequences fft fft2 ifft2 in_top_k irfft istft logdet logsumexp
    rfft rsqrt segment_max segment_min segment_prod segment_sum stft top_k view_as_complex
    view_as_real
"""
_export(__name__, NAMES, _sys.modules["tinykeras.ops"])
