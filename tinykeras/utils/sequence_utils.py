"""``pad_sequences``: make lists of different lengths into one array (``keras.utils.pad_sequences``).

>>> pad_sequences([[1, 2, 3], [4, 5], [6]]).tolist()
[[1, 2, 3], [0, 4, 5], [0, 0, 6]]
>>> pad_sequences([[1, 2, 3], [4, 5]], maxlen=2, padding="post", truncating="post").tolist()
[[1, 2], [4, 5]]
"""
import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or truncate) each sequence to ``maxlen`` (default: the longest).

    ``padding``/``truncating``: ``"pre"`` (at the start, the default) or
    ``"post"``.  Each sequence may be a list of numbers or of equally
    shaped arrays (``(len, *sample_shape)``).  Returns a NumPy array of shape
    ``(len(sequences), maxlen, *sample_shape)`` and dtype ``dtype``, filled
    with ``value`` where padded.

    >>> pad_sequences([[1], [2, 3]], value=-1).tolist()
    [[-1, 1], [2, 3]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    for name, mode in (("Padding", padding), ("Truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(f'{name} type "{mode}" not understood')
    lengths, sample_shape = [], None
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {x!r}") from None
        if sample_shape is None and len(x):
            sample_shape = np.asarray(x).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_)
    if isinstance(value, str) and dtype is not object and not is_text:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")
    out = np.full((len(sequences), int(maxlen)) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} is different "
                             f"from expected shape {tuple(sample_shape)}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
