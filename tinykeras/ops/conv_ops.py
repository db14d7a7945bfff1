"""Convolution ops with Keras 3's names and signatures: ``conv``,
``depthwise_conv``, ``separable_conv`` and ``conv_transpose``.

Everything reduces to three composite ops on channels-last arrays with
explicit ``(lo, hi)`` padding, each the adjoint of the others, so their
backward rules are closed among them:

* ``conv_general(x, kernel)``: ``y = conv(x, w)``;
* ``conv_input_grad(g, kernel)``: ``dL/dx`` (this is also the transposed conv);
* ``conv_kernel_grad(x, g)``: ``dL/dw``.

Their composites use only primitives (pad, getitem-based patch extraction,
reshape, matmul, index_add), so every backend gets convolutions with
gradients; the NumPy backend replaces them with fused kernels
(``numpy_plugin/numpy_conv.py``).  Pooling lives in ``pool_ops.py``.

>>> import tinykeras as tk
>>> x = tk.ops.ones((1, 5, 5, 2)); w = tk.ops.ones((3, 3, 2, 4))
>>> tk.ops.conv(x, w).shape, tk.ops.conv(x, w, padding="same").shape
((1, 3, 3, 4), (1, 5, 5, 4))
>>> tk.ops.conv(x, w, padding="same").numpy()[0, :, :, 0].tolist()[0]
[8.0, 12.0, 12.0, 12.0, 8.0]
"""
import numpy as np

from ..core.tensor import apply, result_dtype
from .conv_shapes import (deconv_output_length, explicit_padding, normalize_data_format, normalize_tuple,
                          output_spatial, transpose_padding)
from .common import convert_to_tensor, declare_composite, record, symbolic

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose"]


# -- the primitive-only building blocks --------------------------------------

def _pad(x, padding, value=0.0):
    """Pad the spatial axes of a channels-last tensor (negative ``hi`` ignored)."""
    pads = ((0, 0),) + tuple((lo, max(hi, 0)) for lo, hi in padding) + ((0, 0),)
    if all(p == (0, 0) for p in pads):
        return x
    return apply("pad", (x,), {"pad_width": pads, "value": value})


def window_keys(ksize, out, strides, dilation):
    """One getitem key per kernel offset: the strided slice of the padded
    input that meets kernel tap ``k`` for every output position."""
    keys = []
    for offsets in np.ndindex(*ksize):
        key = [slice(None)]
        for i, o, s, d in zip(offsets, out, strides, dilation):
            key.append(slice(i * d, i * d + (o - 1) * s + 1, s))
        keys.append(tuple(key) + (slice(None),))
    return keys


def windows(xp, ksize, out, strides, dilation):
    """(N, *out, K, C): every kernel tap's view of padded input ``xp``."""
    n, c = xp.shape[0], xp.shape[-1]
    from .shape_ops import concatenate
    parts = [xp[key].reshape((n,) + out + (1, c)) for key in window_keys(ksize, out, strides, dilation)]
    return parts[0] if len(parts) == 1 else concatenate(parts, axis=len(out) + 1)


def scatter_windows(cols, padded_shape, ksize, out, strides, dilation):
    """Adjoint of :func:`windows`: sum (N, *out, K, C) back onto ``padded_shape``."""
    from ..core.primitives import _index_add
    total = None
    for k, key in enumerate(window_keys(ksize, out, strides, dilation)):
        part = _index_add(cols[(slice(None),) * (len(out) + 1) + (k,)], key, padded_shape)
        total = part if total is None else total + part
    return total


def _padded_shape(shape, padding):
    return (shape[0],) + tuple(n + lo + max(hi, 0) for n, (lo, hi) in zip(shape[1:-1], padding)) + (shape[-1],)


def _crop(xp, shape, padding):
    return xp[(slice(None),) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape[1:-1], padding))]


def _grouped(cols, groups):
    """(R, K, C) -> (G, R, K * C/G)."""
    r, k, c = cols.shape
    return cols.reshape(r, k, groups, c // groups).transpose(2, 0, 1, 3).reshape(groups, r, k * (c // groups))


def _grouped_kernel(kernel, groups):
    """(*k, C/G, O) -> (G, K * C/G, O/G)."""
    kk, cg, o = int(np.prod(kernel.shape[:-2])), kernel.shape[-2], kernel.shape[-1]
    return kernel.reshape(kk, cg, groups, o // groups).transpose(2, 0, 1, 3).reshape(groups, kk * cg, o // groups)


def _cols(x, ksize, strides, padding, dilation):
    """Patch matrix (R, K, C) of ``x`` and the output spatial shape."""
    out = output_spatial(x.shape[1:-1], ksize, strides, padding, dilation)
    w = windows(_pad(x, padding), ksize, out, strides, dilation)
    r = x.shape[0] * int(np.prod(out))
    return w.reshape(r, int(np.prod(ksize)), x.shape[-1]), out


# -- the three composite ops --------------------------------------------------

def _conv_rule(g, o, x, kernel, strides, padding, dilation, groups):
    p = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    return (conv_input_grad(g, kernel, input_shape=x.shape, **p) if x.requires_grad else None,
            conv_kernel_grad(x, g, kernel_shape=kernel.shape, **p) if kernel.requires_grad else None)


def _input_grad_rule(gg, o, g, kernel, input_shape, strides, padding, dilation, groups):
    p = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    return (conv_general(gg, kernel, **p) if g.requires_grad else None,
            conv_kernel_grad(gg, g, kernel_shape=kernel.shape, **p) if kernel.requires_grad else None)


def _kernel_grad_rule(gg, o, x, g, kernel_shape, strides, padding, dilation, groups):
    p = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    return (conv_input_grad(g, gg, input_shape=x.shape, **p) if x.requires_grad else None,
            conv_general(x, gg, **p) if g.requires_grad else None)


def _samples(which):
    def sample(rng):
        from ..testing.samples import values  # here: testing builds on layers, which build on ops
        cases = []
        for xs, ks, cout, s, pad, d, g in [
                ((2, 5, 4, 2), (3, 2), 3, (1, 1), ((1, 1), (0, 1)), (1, 1), 1),
                ((1, 7, 3), (3,), 4, (2,), ((0, 0),), (1,), 1),
                ((1, 6, 5, 4), (2, 2), 4, (2, 1), ((0, 1), (1, 0)), (1, 2), 2),
                ((1, 4, 4, 3), (2, 2), 6, (1, 1), ((0, 0), (0, 0)), (1, 1), 3),
                ((1, 3, 3, 3, 1), (2, 1, 2), 2, (1, 2, 1), ((0, 0), (0, 0), (1, 0)), (1, 1, 1), 1),
                ((1, 6, 2), (2,), 2, (2,), ((0, -1),), (1,), 1)]:
            kshape = ks + (xs[-1] // g, cout)
            p = dict(strides=s, padding=pad, dilation=d, groups=g)
            out = output_spatial(xs[1:-1], ks, s, pad, d)
            gshape = (xs[0],) + out + (cout,)
            if which == "conv":
                cases.append(([values(rng, xs), values(rng, kshape)], p))
            elif which == "input":
                cases.append(([values(rng, gshape), values(rng, kshape)], dict(p, input_shape=xs)))
            else:
                cases.append(([values(rng, xs), values(rng, gshape)], dict(p, kernel_shape=kshape)))
        return cases
    return sample


_PARAMS = ("strides", "padding", "dilation", "groups")


@declare_composite("conv_general", n_inputs=2, params=_PARAMS, rule=_conv_rule,
                   sample=_samples("conv"))
def _conv_general_composite(x, kernel, strides, padding, dilation, groups=1):
    """Channels-last convolution with explicit padding: (N, *S, C) with
    kernel (*k, C/groups, O) -> (N, *out, O)."""
    ksize, o = kernel.shape[:-2], kernel.shape[-1]
    cols, out = _cols(x, ksize, strides, padding, dilation)
    r = cols.shape[0]
    if groups == 1:
        y = cols.reshape(r, -1) @ kernel.reshape(-1, o)
    else:
        y = (_grouped(cols, groups) @ _grouped_kernel(kernel, groups)).transpose(1, 0, 2)
    return y.reshape((x.shape[0],) + out + (o,))


def conv_general(*inputs, **params):
    """Op ``conv_general``: a backend's kernel, or :func:`_conv_general_composite`."""
    return apply("conv_general", inputs, params)


@declare_composite("conv_input_grad", n_inputs=2, params=("input_shape",) + _PARAMS,
                   rule=_input_grad_rule, sample=_samples("input"))
def _conv_input_grad_composite(g, kernel, input_shape, strides, padding, dilation, groups=1):
    """Gradient of ``conv_general`` with respect to its input (of shape
    ``input_shape``), given the output gradient ``g``: the transposed conv."""
    ksize, cg, o = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    out, kk = g.shape[1:-1], int(np.prod(ksize))
    r = g.shape[0] * int(np.prod(out))
    if groups == 1:
        cols = g.reshape(r, o) @ kernel.reshape(kk * cg, o).T
    else:
        gg = g.reshape(r, groups, o // groups).transpose(1, 0, 2)
        kern = _grouped_kernel(kernel, groups).transpose(0, 2, 1)
        cols = (gg @ kern).reshape(groups, r, kk, cg).transpose(1, 2, 0, 3)
    cols = cols.reshape((g.shape[0],) + out + (kk, cg * groups))
    padded = scatter_windows(cols, _padded_shape(input_shape, padding), ksize, out, strides, dilation)
    return _crop(padded, input_shape, padding)


def conv_input_grad(*inputs, **params):
    """Op ``conv_input_grad``: a backend's kernel, or :func:`_conv_input_grad_composite`."""
    return apply("conv_input_grad", inputs, params)


@declare_composite("conv_kernel_grad", n_inputs=2, params=("kernel_shape",) + _PARAMS,
                   rule=_kernel_grad_rule, sample=_samples("kernel"))
def _conv_kernel_grad_composite(x, g, kernel_shape, strides, padding, dilation, groups=1):
    """Gradient of ``conv_general`` with respect to its kernel (of shape
    ``kernel_shape``), given the input ``x`` and output gradient ``g``."""
    cols, _ = _cols(x, kernel_shape[:-2], strides, padding, dilation)
    r, o = cols.shape[0], g.shape[-1]
    if groups == 1:
        return (cols.reshape(r, -1).T @ g.reshape(r, o)).reshape(kernel_shape)
    gg = g.reshape(r, groups, o // groups).transpose(1, 0, 2)
    gw = _grouped(cols, groups).transpose(0, 2, 1) @ gg          # (G, K*Cg, Og)
    kk, cg = int(np.prod(kernel_shape[:-2])), kernel_shape[-2]
    return gw.reshape(groups, kk, cg, o // groups).transpose(1, 2, 0, 3).reshape(kernel_shape)


def conv_kernel_grad(*inputs, **params):
    """Op ``conv_kernel_grad``: a backend's kernel, or :func:`_conv_kernel_grad_composite`."""
    return apply("conv_kernel_grad", inputs, params)


# -- the public ops (Keras 3 signatures) ---------------------------------------

def to_channels_last(x, data_format):
    """(N, C, *S) -> (N, *S, C) when ``data_format`` is channels_first."""
    if data_format == "channels_last":
        return x
    return x.transpose((0,) + tuple(range(2, x.ndim)) + (1,))


def from_channels_last(x, data_format):
    """Undo :func:`to_channels_last`."""
    if data_format == "channels_last":
        return x
    return x.transpose((0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))


def _prepare(op, inputs, kernel, strides, data_format, dilation_rate, ranks=(3, 4, 5)):
    x, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    if x.ndim not in ranks or kernel.ndim != x.ndim:
        raise ValueError(f"{op}: expected inputs of rank {' or '.join(map(str, ranks))} "
                         f"(batch, *spatial, channels) and a kernel of the same rank; got inputs "
                         f"of shape {x.shape} and kernel of shape {kernel.shape}")
    if kernel.dtype != x.dtype:  # e.g. uint8 images with a float32 kernel: compute in float32
        dtype = result_dtype(x.data.dtype, kernel.data.dtype).name
        x, kernel = x.astype(dtype), kernel.astype(dtype)
    data_format = normalize_data_format(data_format)
    nd = x.ndim - 2
    return (to_channels_last(x, data_format), kernel, data_format, normalize_tuple(strides, nd, "strides"),
            normalize_tuple(dilation_rate, nd, "dilation_rate"))


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1D, 2D or 3D); kernel ``(*kernel_size, in/groups, out)``.

    ``groups`` is implied, as in Keras: ``in_channels // kernel.shape[-2]``.

    >>> import tinykeras as tk
    >>> conv(tk.ops.ones((1, 4, 2)), tk.ops.ones((3, 2, 1)), padding="same").numpy()[0, :, 0].tolist()
    [4.0, 6.0, 6.0, 4.0]
    """
    if symbolic(locals()):
        return record("conv", locals())
    x, kernel, fmt, strides, dilation = _prepare("conv", inputs, kernel, strides, data_format, dilation_rate)
    cin, cg, cout = x.shape[-1], kernel.shape[-2], kernel.shape[-1]
    if cg <= 0 or cin % cg or cout % (cin // cg):
        raise ValueError(f"conv: the input channels ({cin}) must be a multiple of the kernel's "
                         f"input channels ({cg}), and the output channels ({cout}) of the number of "
                         f"groups; inputs shape {tuple(inputs.shape)}, kernel shape {kernel.shape}")
    pads = explicit_padding(x.shape[1:-1], kernel.shape[:-2], strides, padding, dilation)
    output_spatial(x.shape[1:-1], kernel.shape[:-2], strides, pads, dilation, "conv")
    y = conv_general(x, kernel, strides=strides, padding=pads, dilation=dilation, groups=cin // cg)
    return from_channels_last(y, fmt)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution; kernel ``(*kernel_size, in, multiplier)``, output
    channel ``c * multiplier + m``.

    >>> import tinykeras as tk
    >>> depthwise_conv(tk.ops.ones((1, 5, 5, 3)), tk.ops.ones((3, 3, 3, 2))).shape
    (1, 3, 3, 6)
    """
    if symbolic(locals()):
        return record("depthwise_conv", locals())
    x, kernel, fmt, strides, dilation = _prepare("depthwise_conv", inputs, kernel, strides, data_format,
                                                 dilation_rate)
    cin, mult = x.shape[-1], kernel.shape[-1]
    if kernel.shape[-2] != cin:
        raise ValueError(f"depthwise_conv: the kernel's input channels ({kernel.shape[-2]}) must match "
                         f"the input's ({cin}); inputs shape {tuple(inputs.shape)}, kernel shape "
                         f"{kernel.shape}")
    kernel = kernel.reshape(kernel.shape[:-2] + (1, cin * mult))
    pads = explicit_padding(x.shape[1:-1], kernel.shape[:-2], strides, padding, dilation)
    output_spatial(x.shape[1:-1], kernel.shape[:-2], strides, pads, dilation, "depthwise_conv")
    y = conv_general(x, kernel, strides=strides, padding=pads, dilation=dilation, groups=cin)
    return from_channels_last(y, fmt)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise conv, then a pointwise (1x1) conv.

    >>> import tinykeras as tk
    >>> separable_conv(tk.ops.ones((1, 5, 5, 3)), tk.ops.ones((3, 3, 3, 2)),
    ...                tk.ops.ones((1, 1, 6, 4))).shape
    (1, 3, 3, 4)
    """
    if symbolic(locals()):
        return record("separable_conv", locals())
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", data_format, 1)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution; kernel ``(*kernel_size, out, in)`` (Keras 3's
    layout) and Keras's output size (see :func:`deconv_output_length`).

    >>> import tinykeras as tk
    >>> conv_transpose(tk.ops.ones((1, 4, 4, 3)), tk.ops.ones((3, 3, 2, 3)), strides=2).shape
    (1, 9, 9, 2)
    """
    if symbolic(locals()):
        return record("conv_transpose", locals())
    x, kernel, fmt, strides, dilation = _prepare("conv_transpose", inputs, kernel, strides, data_format,
                                                 dilation_rate)
    nd = x.ndim - 2
    if kernel.shape[-1] != x.shape[-1]:
        raise ValueError(f"conv_transpose: the kernel's last axis ({kernel.shape[-1]}) must match the "
                         f"input channels ({x.shape[-1]}); inputs shape {tuple(inputs.shape)}, kernel "
                         f"shape {kernel.shape}")
    opad = (None,) * nd if output_padding is None else normalize_tuple(output_padding, nd, "output_padding",
                                                                        allow_zero=True)
    ksize = kernel.shape[:-2]
    lengths = tuple(deconv_output_length(n, k, s, padding, op, d)
                    for n, k, s, op, d in zip(x.shape[1:-1], ksize, strides, opad, dilation))
    if any(n <= 0 for n in lengths):
        raise ValueError(f"conv_transpose: negative or zero output size {lengths} for inputs of shape "
                         f"{tuple(inputs.shape)} and kernel of shape {kernel.shape}")
    pads = tuple(transpose_padding(k, s, padding, op, d) for k, s, op, d in zip(ksize, strides, opad, dilation))
    y = conv_input_grad(x, kernel, input_shape=(x.shape[0],) + lengths + (kernel.shape[-2],),
                        strides=strides, padding=pads, dilation=dilation, groups=1)
    return from_channels_last(y, fmt)
