"""Shapes and padding for convolutions and pools, computed as Keras 3 does:
argument normalization, Keras's (TensorFlow's) asymmetric "same" padding,
output lengths, and the padding that turns a transposed convolution into
the input gradient of a forward one.

>>> same_padding(6, 3, 2), conv_output_length(6, 3, 2, "same"), deconv_output_length(3, 3, 2, "same")
((0, 1), 3, 6)
"""
import numpy as np

from .. import backend as backend_config


def normalize_tuple(value, n, name, allow_zero=False):
    """``3`` -> ``(3, 3)`` for n=2; checks length and positivity.

    >>> normalize_tuple(2, 3, "strides")
    (2, 2, 2)
    """
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value!r}")
    if any(v < (0 if allow_zero else 1) for v in values):
        raise ValueError(f"The `{name}` argument must be {'non-negative' if allow_zero else 'positive'}. "
                         f"Received: {value!r}")
    return tuple(int(v) for v in values)


def normalize_padding(padding):
    """``"valid"``/``"same"`` (any case) -> lower case; anything else raises.

    >>> normalize_padding("SAME")
    'same'
    """
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: {padding!r}")
    return mode


def normalize_data_format(data_format):
    """None -> the global default (``tk.backend.image_data_format()``)."""
    data_format = data_format or backend_config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: {data_format!r}")
    return data_format


def same_padding(length, kernel, stride, dilation=1):
    """Keras's (TensorFlow's) "same" padding ``(lo, hi)`` along one axis;
    the odd pixel goes at the end.

    >>> same_padding(5, 3, 1), same_padding(6, 3, 2), same_padding(5, 2, 2)
    ((1, 1), (0, 1), (0, 1))
    """
    effective = (kernel - 1) * dilation + 1
    out = -(-length // stride)
    total = max(0, (out - 1) * stride + effective - length)
    return total // 2, total - total // 2


def explicit_padding(spatial, kernel, strides, padding, dilation=None):
    """Per-axis ``(lo, hi)`` pairs for ``padding`` "valid" or "same".

    >>> explicit_padding((5, 6), (3, 3), (1, 2), "same")
    ((1, 1), (0, 1))
    """
    dilation = dilation or (1,) * len(spatial)
    if normalize_padding(padding) == "valid":
        return ((0, 0),) * len(spatial)
    return tuple(same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation))


def conv_output_length(length, kernel, stride, padding, dilation=1):
    """Output length of a conv or pool along one axis (None stays None);
    may be <= 0 for a kernel larger than the input (callers check).

    >>> conv_output_length(28, 3, 1, "valid"), conv_output_length(28, 3, 2, "same")
    (26, 14)
    """
    if length is None:
        return None
    if normalize_padding(padding) == "same":
        return -(-length // stride)
    return (length - (kernel - 1) * dilation - 1) // stride + 1


def deconv_output_length(length, kernel, stride, padding, output_padding=None, dilation=1):
    """Output length of a transposed conv along one axis, as Keras computes it.

    >>> deconv_output_length(4, 3, 2, "valid"), deconv_output_length(4, 3, 2, "same")
    (9, 8)
    """
    if length is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if output_padding is None:
        if normalize_padding(padding) == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if normalize_padding(padding) == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


def transpose_padding(kernel, stride, padding, output_padding=None, dilation=1):
    """The ``(lo, hi)`` padding of the forward conv whose input gradient is
    Keras's transposed conv (``hi`` may be negative: trailing outputs that
    no input reaches).  Follows Keras's JAX/TensorFlow convention.

    >>> transpose_padding(3, 2, "same"), transpose_padding(3, 2, "valid", output_padding=1)
    ((0, 1), (0, -1))
    """
    k = (kernel - 1) * dilation + 1
    if normalize_padding(padding) == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        left, right = k - 1, k - 1 + extra
    else:
        total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        left = min(total // 2 + total % 2, k - 1)
        right = total - left
    return k - 1 - left, k - 1 - right


def output_spatial(spatial, ksize, strides, padding, dilation, op="conv"):
    """Output spatial shape for explicit ``(lo, hi)`` padding; a kernel
    larger than the padded input raises ValueError naming ``op`` and the shapes.

    >>> output_spatial((5, 6), (3, 3), (1, 2), ((1, 1), (0, 1)), (1, 1))
    (5, 3)
    """
    out = []
    for n, k, s, (lo, hi), d in zip(spatial, ksize, strides, padding, dilation):
        span, ek = n + lo + hi, (k - 1) * d + 1
        if span < ek:
            raise ValueError(f"{op}: the kernel (size {k}, dilated to {ek}) is larger than the "
                             f"padded input (size {span}) along a spatial axis; input spatial shape "
                             f"{tuple(spatial)}, kernel {tuple(ksize)}, padding {tuple(padding)}")
        out.append((span - ek) // s + 1)
    return tuple(out)
