"""Pooling ops with Keras 3's names and signatures: ``max_pool`` and
``average_pool`` (1D, 2D, 3D; "valid" or Keras's "same" padding).

Four composite ops on channels-last arrays with explicit padding, written
with primitives (pad + getitem windows, as the convolutions in
``conv_ops.py``) and replaced on NumPy by fused kernels:

* ``max_pool_general(x)`` and its gradient ``max_pool_grad(x, g)``, which
  sends each window's gradient to the window's *first* maximum (as
  TensorFlow and PyTorch do);
* ``avg_pool_general(x)`` and its adjoint ``avg_pool_grad(g)``; with "same"
  padding the padded cells are left out of each average (as Keras).

>>> import tinykeras as tk
>>> x = tk.ops.reshape(tk.ops.arange(16.0), (1, 4, 4, 1))
>>> tk.ops.max_pool(x, 2).numpy()[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
>>> tk.ops.average_pool(x, 3, strides=2, padding="same").numpy()[0, :, :, 0].tolist()
[[5.0, 6.5], [11.0, 12.5]]
"""
import numpy as np

from .. import backend
from ..core.primitives import where
from ..core.tensor import Tensor, apply
from .conv_ops import _crop, _padded_shape, from_channels_last, scatter_windows, to_channels_last, windows
from .conv_shapes import explicit_padding, normalize_data_format, normalize_tuple, output_spatial
from .common import convert_to_tensor, declare_composite, record, symbolic

__all__ = ["max_pool", "average_pool"]

_PARAMS = ("pool_size", "strides", "padding")


def _windows(x, pool_size, strides, padding, fill):
    """(N, *out, K, C) windows of ``x`` padded with ``fill``, and ``out``."""
    ones = (1,) * len(pool_size)
    out = output_spatial(x.shape[1:-1], pool_size, strides, padding, ones, "pool")
    pads = ((0, 0),) + tuple(padding) + ((0, 0),)
    xp = x if all(p == (0, 0) for p in pads) else apply("pad", (x,), {"pad_width": pads, "value": fill})
    return windows(xp, pool_size, out, strides, ones), out


def _first_max_mask(x, pool_size, strides, padding):
    """Windows of ``x`` and a float mask marking each window's first maximum."""
    from .math_ops import arange
    win, out = _windows(x, pool_size, strides, padding, -np.inf)
    axis = len(out) + 1
    first = apply("argmax", (win,), {"axis": axis, "keepdims": True})
    taps = arange(win.shape[axis], dtype="int32").reshape((win.shape[axis], 1))
    return win, (first == taps).astype(x.dtype), out


def _gather_first_max(x, gg, pool_size, strides, padding):
    """Adjoint of ``max_pool_grad`` in its second argument: each window's
    first-maximum entry of ``gg``."""
    _, mask, out = _first_max_mask(x, pool_size, strides, padding)
    pads = ((0, 0),) + tuple(padding) + ((0, 0),)
    gp = apply("pad", (gg,), {"pad_width": pads, "value": 0.0})
    ones = (1,) * len(pool_size)
    return (windows(gp, pool_size, out, strides, ones) * mask).sum(axis=len(out) + 1)


def _counts(shape, pool_size, strides, padding, dtype):
    """How many real (unpadded) cells each window of an avg pool covers."""
    total = np.ones((), dtype=np.float64)
    for n, k, s, (lo, hi) in zip(shape[1:-1], pool_size, strides, padding):
        real = np.pad(np.ones(n), (lo, hi))
        o = (n + lo + hi - k) // s + 1
        per_axis = np.array([real[i * s:i * s + k].sum() for i in range(o)])
        total = np.multiply.outer(total, per_axis)
    return Tensor(total[..., None].astype(dtype))


def _pool_samples(which):
    def sample(rng):
        from ..testing.samples import values  # here: testing builds on layers, which build on ops
        cases = []
        for shape, k, s, pad in [((2, 4, 4, 3), (2, 2), (2, 2), ((0, 0), (0, 0))),
                                 ((1, 5, 3), (2,), (1,), ((0, 1),)),
                                 ((1, 5, 6, 2), (3, 2), (2, 3), ((1, 1), (0, 1))),
                                 ((1, 3, 4, 3, 1), (2, 2, 2), (1, 2, 1), ((0, 0), (0, 0), (0, 1)))]:
            p = {"pool_size": k, "strides": s, "padding": pad}
            out = output_spatial(shape[1:-1], k, s, pad, (1,) * len(k))
            gshape = (shape[0],) + out + (shape[-1],)
            if which == "max":
                cases.append(([values(rng, shape, "distinct")], p))
            elif which == "max_grad":
                cases.append(([values(rng, shape, "distinct"), values(rng, gshape)], p))
            elif which == "avg":
                cases.append(([values(rng, shape)], p))
            else:
                cases.append(([values(rng, gshape)], dict(p, input_shape=shape)))
        return cases
    return sample


def _max_rule(g, o, x, pool_size, strides, padding):
    return (max_pool_grad(x, g, pool_size=pool_size, strides=strides, padding=padding),)


def _max_grad_rule(gg, o, x, g, pool_size, strides, padding):
    return None, _gather_first_max(x, gg, pool_size, strides, padding)


@declare_composite("max_pool_general", params=_PARAMS, rule=_max_rule,
                   sample=_pool_samples("max"))
def _max_pool_general_composite(x, pool_size, strides, padding):
    """Channels-last max pooling with explicit padding (padded cells are -inf)."""
    win, mask, out = _first_max_mask(x, pool_size, strides, padding)
    return where(mask > 0, win, 0.0).sum(axis=len(out) + 1)


def max_pool_general(*inputs, **params):
    """Op ``max_pool_general``: a backend's kernel, or :func:`_max_pool_general_composite`."""
    return apply("max_pool_general", inputs, params)


@declare_composite("max_pool_grad", n_inputs=2, params=_PARAMS, rule=_max_grad_rule,
                   sample=_pool_samples("max_grad"))
def _max_pool_grad_composite(x, g, pool_size, strides, padding):
    """Gradient of ``max_pool_general``: ``g`` routed to each window's first maximum."""
    _, mask, out = _first_max_mask(x, pool_size, strides, padding)
    cols = g.reshape(g.shape[:-1] + (1, g.shape[-1])) * mask
    padded = scatter_windows(cols, _padded_shape(x.shape, padding), pool_size, out, strides,
                             (1,) * len(pool_size))
    return _crop(padded, x.shape, padding)


def max_pool_grad(*inputs, **params):
    """Op ``max_pool_grad``: a backend's kernel, or :func:`_max_pool_grad_composite`."""
    return apply("max_pool_grad", inputs, params)


@declare_composite("avg_pool_general", params=_PARAMS, sample=_pool_samples("avg"),
                   rule=lambda g, o, x, **p: (avg_pool_grad(g, input_shape=x.shape, **p),))
def _avg_pool_general_composite(x, pool_size, strides, padding):
    """Channels-last average pooling; padded cells are not counted."""
    win, out = _windows(x, pool_size, strides, padding, 0.0)
    return win.sum(axis=len(out) + 1) / _counts(x.shape, pool_size, strides, padding, x.dtype)


def avg_pool_general(*inputs, **params):
    """Op ``avg_pool_general``: a backend's kernel, or :func:`_avg_pool_general_composite`."""
    return apply("avg_pool_general", inputs, params)


@declare_composite("avg_pool_grad", params=("input_shape",) + _PARAMS,
                   sample=_pool_samples("avg_grad"),
                   rule=lambda gg, o, g, input_shape, **p: (avg_pool_general(gg, **p),))
def _avg_pool_grad_composite(g, input_shape, pool_size, strides, padding):
    """Adjoint of ``avg_pool_general``: spread each output's gradient evenly
    over the real cells of its window."""
    share = g / _counts(input_shape, pool_size, strides, padding, g.dtype)
    k = int(np.prod(pool_size))
    cols = share.reshape(g.shape[:-1] + (1, g.shape[-1])).broadcast_to(g.shape[:-1] + (k, g.shape[-1]))
    padded = scatter_windows(cols, _padded_shape(input_shape, padding), pool_size, g.shape[1:-1], strides,
                             (1,) * len(pool_size))
    return _crop(padded, input_shape, padding)


def avg_pool_grad(*inputs, **params):
    """Op ``avg_pool_grad``: a backend's kernel, or :func:`_avg_pool_grad_composite`."""
    return apply("avg_pool_grad", inputs, params)


def _pool(op, fn, inputs, pool_size, strides, padding, data_format):
    x = convert_to_tensor(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: expected inputs of rank 3, 4 or 5 (batch, *spatial, channels), "
                         f"got shape {x.shape}")
    if x.data.dtype.kind != "f":  # integer images: pool in floatx, as Keras does
        x = x.astype(backend.floatx())
    fmt = normalize_data_format(data_format)
    x = to_channels_last(x, fmt)
    nd = x.ndim - 2
    pool_size = normalize_tuple(pool_size, nd, "pool_size")
    strides = pool_size if strides is None else normalize_tuple(strides, nd, "strides")
    pads = explicit_padding(x.shape[1:-1], pool_size, strides, padding)
    output_spatial(x.shape[1:-1], pool_size, strides, pads, (1,) * nd, op)
    return from_channels_last(fn(x, pool_size=pool_size, strides=strides, padding=pads), fmt)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling (``strides`` default to ``pool_size``).

    >>> import tinykeras as tk
    >>> max_pool(tk.ops.ones((2, 5, 5, 3)), 2, padding="same").shape
    (2, 3, 3, 3)
    """
    if symbolic(locals()):
        return record("max_pool", locals())
    return _pool("max_pool", max_pool_general, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling (``strides`` default to ``pool_size``).

    >>> import tinykeras as tk
    >>> average_pool(tk.ops.ones((1, 4, 2)), 2).numpy().tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    """
    if symbolic(locals()):
        return record("average_pool", locals())
    return _pool("average_pool", avg_pool_general, inputs, pool_size, strides, padding, data_format)
