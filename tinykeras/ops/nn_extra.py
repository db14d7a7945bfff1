"""More neural-network ops with Keras 3 names (``keras.ops.nn``): the
shrink/threshold activations, ``glu``, ``sparsemax``, normalizations,
``multi_hot``, ``psnr``, ``dot_product_attention``, ``depth_to_space``,
adaptive pooling, ``unfold``/``fold`` and the CTC loss and decoder.

All are written with existing ops, so they run and differentiate on every
backend (``ctc_decode``, which returns labels, runs on the host).

>>> import tinykeras as tk
>>> tk.ops.hard_tanh([-2.0, 0.5]).numpy().tolist()
[-1.0, 0.5]
"""
import numpy as np

from .. import backend as backend_config
from ..core.primitives import where
from ..core.tensor import Tensor
from .common import convert_to_tensor, normalize_axis, record, symbolic, tensors
from .elementwise_ops import floating, log10
from .math_ops import clip, expm1, logsumexp, matmul, max, maximum, mean, minimum, sqrt, sum, tanh
from .nn_ops import moments, one_hot, sigmoid, softmax
from .shape_ops import concatenate, moveaxis, pad, split, stack, take_along_axis
from .sort_ops import sort

__all__ = ["celu", "hard_tanh", "tanh_shrink", "soft_shrink", "hard_shrink", "threshold", "squareplus",
           "sparse_plus", "sparse_sigmoid", "glu", "sparsemax", "normalize", "rms_normalization",
           "layer_normalization", "batch_normalization", "multi_hot", "psnr", "dot_product_attention",
           "depth_to_space", "space_to_depth", "adaptive_average_pool", "adaptive_max_pool", "unfold", "fold",
           "ctc_loss", "ctc_decode"]


def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> round(celu([-1.0]).item(), 4)
    -0.6321
    """
    if symbolic(locals()):
        return record("celu", locals())
    x = convert_to_tensor(x)
    return maximum(x, 0.0) + minimum(expm1(x / alpha) * alpha, 0.0)


def hard_tanh(x):
    """``clip(x, -1, 1)``.

    >>> hard_tanh([-2.0, 0.5]).numpy().tolist()
    [-1.0, 0.5]
    """
    if symbolic(locals()):
        return record("hard_tanh", locals())
    return clip(x, -1.0, 1.0)


def tanh_shrink(x):
    """``x - tanh(x)``.

    >>> tanh_shrink([0.0]).item()
    0.0
    """
    if symbolic(locals()):
        return record("tanh_shrink", locals())
    x = convert_to_tensor(x)
    return x - tanh(x)


def soft_shrink(x, threshold=0.5):
    """``x -+ threshold`` outside ``[-threshold, threshold]``, else 0.

    >>> soft_shrink([-1.0, 0.2, 1.0]).numpy().tolist()
    [-0.5, 0.0, 0.5]
    """
    if symbolic(locals()):
        return record("soft_shrink", locals())
    x = convert_to_tensor(x)
    return where(x > threshold, x - threshold, where(x < -threshold, x + threshold, 0.0))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0.

    >>> hard_shrink([-1.0, 0.2]).numpy().tolist()
    [-1.0, 0.0]
    """
    if symbolic(locals()):
        return record("hard_shrink", locals())
    x = convert_to_tensor(x)
    return where(abs(x) > threshold, x, 0.0)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``.

    >>> threshold([1.0, 3.0], 2.0, -1.0).numpy().tolist()
    [-1.0, 3.0]
    """
    if symbolic(locals()):
        return record("threshold", locals())
    x = convert_to_tensor(x)
    return where(x > threshold, x, default_value)


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``.

    >>> squareplus([0.0]).item()
    1.0
    """
    if symbolic(locals()):
        return record("squareplus", locals())
    x = convert_to_tensor(x)
    return (x + sqrt(x * x + float(b))) / 2.0


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` on ``(-1, 1)``, ``x`` for ``x >= 1``.

    >>> sparse_plus([-2.0, 0.0, 2.0]).numpy().tolist()
    [0.0, 0.25, 2.0]
    """
    if symbolic(locals()):
        return record("sparse_plus", locals())
    x = convert_to_tensor(x)
    return where(x <= -1.0, 0.0, where(x >= 1.0, x, (x + 1.0) * (x + 1.0) / 4.0))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, ``(x + 1) / 2`` on ``(-1, 1)``, 1 for ``x >= 1``.

    >>> sparse_sigmoid([-2.0, 0.0, 2.0]).numpy().tolist()
    [0.0, 0.5, 1.0]
    """
    if symbolic(locals()):
        return record("sparse_sigmoid", locals())
    x = convert_to_tensor(x)
    return where(x <= -1.0, 0.0, where(x >= 1.0, 1.0, (x + 1.0) / 2.0))


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis``, return ``a * sigmoid(b)``.

    >>> glu([[1.0, 0.0]]).numpy().tolist()
    [[0.5]]
    """
    if symbolic(locals()):
        return record("glu", locals())
    a, b = split(convert_to_tensor(x), 2, axis=axis)
    return a * sigmoid(b)

def sparsemax(x, axis=-1):
    """The Euclidean projection of ``x`` onto the probability simplex along ``axis``
    (Martins & Astudillo, 2016: the values sum to 1).  Keras 3.15 computes
    its threshold from the sum of the partial sums instead, so it differs
    where more than one value is kept (see docs/keras-names.md).

    >>> sparsemax([1.0, 2.0, 5.0]).numpy().tolist()
    [0.0, 0.0, 1.0]
    """
    if symbolic(locals()):
        return record("sparsemax", locals())
    x = floating(x)
    axis = normalize_axis(axis, x.ndim)[0]
    z = moveaxis(x, axis, -1)
    s = sort(z, axis=-1)[..., ::-1]
    k = Tensor(np.arange(1, z.shape[-1] + 1, dtype=z.data.dtype))
    cum = s @ Tensor(np.triu(np.ones((z.shape[-1],) * 2, z.data.dtype)))
    support = (1 + k * s > cum).astype(z.dtype)
    k_z = sum(support, -1, keepdims=True)
    tau = (take_along_axis(cum, (k_z - 1).astype("int32"), axis=-1) - 1) / k_z
    return moveaxis(maximum(z - tau, 0.0), -1, axis)


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``).

    >>> normalize([3.0, 4.0]).numpy().tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    if symbolic(locals()):
        return record("normalize", locals())
    from .linalg_ops import norm
    x = floating(x)
    eps = backend_config.epsilon() if epsilon is None else epsilon
    if order == 2:
        return x / sqrt(maximum(sum(x * x, axis, keepdims=True), eps * eps))
    return x / maximum(norm(x, ord=order, axis=axis, keepdims=True), eps)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2) + epsilon) * scale`` along ``axis``.

    >>> rms_normalization([3.0, 3.0]).numpy().round(3).tolist()
    [1.0, 1.0]
    """
    if symbolic(locals()):
        return record("rms_normalization", locals())
    x = floating(x)
    eps = backend_config.epsilon() if epsilon is None else epsilon
    out = x / sqrt(mean(x * x, axis, keepdims=True) + eps)
    return out if scale is None else out * convert_to_tensor(scale).astype(x.dtype)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` over ``axis``.

    >>> layer_normalization([1.0, 3.0]).numpy().round(3).tolist()
    [-1.0, 1.0]
    """
    if symbolic(locals()) or symbolic(kwargs):
        return record("layer_normalization", locals())
    x = floating(x)
    eps = backend_config.epsilon() if epsilon is None else epsilon
    mu, var = moments(x, normalize_axis(axis, x.ndim), keepdims=True)
    out = (x - mu) / sqrt(var + eps)
    if gamma is not None:
        out = out * convert_to_tensor(gamma).astype(x.dtype)
    return out if beta is None else out + convert_to_tensor(beta).astype(x.dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize with the given ``mean`` and ``variance`` (vectors along ``axis``).

    >>> batch_normalization([[1.0, 2.0]], [1.0, 0.0], [1.0, 4.0], axis=-1, epsilon=0.0).numpy().tolist()
    [[0.0, 1.0]]
    """
    if symbolic(locals()):
        return record("batch_normalization", locals())
    x = floating(x)
    axis = normalize_axis(axis, x.ndim)[0]
    shape = [-1 if i == axis else 1 for i in range(x.ndim)]

    def vec(v):
        return convert_to_tensor(v).astype(x.dtype).reshape(shape)
    out = (x - vec(mean)) / sqrt(vec(variance) + epsilon)
    if scale is not None:
        out = out * vec(scale)
    return out if offset is None else out + vec(offset)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """1 at each class index of each row of ``inputs`` (int), else 0.

    >>> multi_hot([[0, 2]], 3).numpy().tolist()
    [[1.0, 0.0, 1.0]]
    """
    if symbolic(locals()) or symbolic(kwargs):
        return record("multi_hot", locals())
    if sparse:
        raise ValueError("multi_hot: sparse=True is not supported (tinykeras has no sparse tensors)")
    num_classes = kwargs.pop("num_tokens", num_classes)
    x = convert_to_tensor(inputs)
    if x.ndim == 1:
        x = x.reshape(1, -1)
        return multi_hot(x, num_classes, axis, dtype)[0]
    hot = one_hot(x, num_classes, axis=-1, dtype=dtype or backend_config.floatx())
    out = max(hot, x.ndim - 1)
    return out if axis in (-1, out.ndim - 1) else moveaxis(out, -1, axis)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio (dB) of ``x2`` against ``x1`` (whole tensors).

    >>> round(psnr([0.0, 1.0], [0.0, 0.9], 1.0).item(), 3)
    23.01
    """
    if symbolic(locals()):
        return record("psnr", locals())
    a, b = tensors(x1, x2)
    a, b = floating(a), floating(b)
    if a.shape != b.shape:
        raise ValueError(f"psnr: shapes {a.shape} and {b.shape} must match")
    mse = mean((a - b) * (a - b))
    return 20 * log10(convert_to_tensor(float(max_val)).astype(a.dtype)) - 10 * log10(mse)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(batch, length, heads, dim)`` tensors.

    >>> q = np.ones((1, 2, 1, 4), "float32")
    >>> dot_product_attention(q, q, q).shape
    (1, 2, 1, 4)
    """
    if symbolic(locals()):
        return record("dot_product_attention", locals())
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention is not supported by tinykeras")
    q, k, v = tensors(query, key, value)
    q, k, v = floating(q), k.astype(floating(q).dtype), v.astype(floating(q).dtype)
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    logits = matmul(moveaxis(q, 2, 1), moveaxis(k, 2, 1).transpose((0, 1, 3, 2))) * scale  # (B, H, T, S)
    if attn_logits_soft_cap is not None:
        logits = tanh(logits / attn_logits_soft_cap) * attn_logits_soft_cap
    if bias is not None:
        logits = logits + convert_to_tensor(bias).astype(logits.dtype)
    keep = None
    if mask is not None:
        keep = convert_to_tensor(mask).astype("bool")
    if is_causal:
        t, s = logits.shape[-2:]
        causal = Tensor(np.tril(np.ones((t, s), bool)))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = where(keep, logits, float(np.finfo(logits.data.dtype).min) / 2)
    weights = softmax(logits, axis=-1)
    return moveaxis(matmul(weights, moveaxis(v, 2, 1)), 1, 2)


def _channels_last(x, data_format):
    fmt = (data_format or backend_config.image_data_format()).lower()
    return (moveaxis(x, 1, -1), True) if fmt == "channels_first" else (x, False)


def _rearrange_blocks(x, block_size, data_format, to_space):
    x, first = _channels_last(convert_to_tensor(x), data_format)
    b, h, w, c = x.shape
    r = int(block_size)
    if to_space:
        out = x.reshape(b, h, w, r, r, c // (r * r)).transpose((0, 1, 3, 2, 4, 5)).reshape(b, h * r, w * r, -1)
    else:
        out = x.reshape(b, h // r, r, w // r, r, c).transpose((0, 1, 3, 2, 4, 5)).reshape(b, h // r, w // r, -1)
    return moveaxis(out, -1, 1) if first else out


def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size`` x ``block_size`` spatial blocks.

    >>> depth_to_space(np.zeros((1, 2, 2, 8)), 2).shape
    (1, 4, 4, 2)
    """
    if symbolic(locals()):
        return record("depth_to_space", locals())
    return _rearrange_blocks(x, block_size, data_format, True)


def space_to_depth(x, block_size, data_format="channels_last"):
    """Move ``block_size`` x ``block_size`` spatial blocks into channels.

    >>> space_to_depth(np.zeros((1, 4, 4, 2)), 2).shape
    (1, 2, 2, 8)
    """
    if symbolic(locals()):
        return record("space_to_depth", locals())
    return _rearrange_blocks(x, block_size, data_format, False)


def _adaptive(x, output_size, data_format, reduce):
    x, first = _channels_last(floating(x), data_format)
    n = x.ndim - 2
    sizes = (output_size,) * n if isinstance(output_size, int) else tuple(output_size)
    for d, out_n in enumerate(sizes):
        axis, length = d + 1, x.shape[d + 1]
        parts = []
        for i in range(out_n):
            lo, hi = (i * length) // out_n, -(-((i + 1) * length) // out_n)
            parts.append(reduce(x[(slice(None),) * axis + (slice(lo, hi),)], axis))
        x = stack(parts, axis=axis)
    return moveaxis(x, -1, 1) if first else x


def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average over the windows that split each spatial axis into ``output_size`` parts.

    >>> adaptive_average_pool(np.arange(4.0).reshape(1, 4, 1), 2).numpy().ravel().tolist()
    [0.5, 2.5]
    """
    if symbolic(locals()):
        return record("adaptive_average_pool", locals())
    return _adaptive(inputs, output_size, data_format, lambda t, a: mean(t, a))


def adaptive_max_pool(inputs, output_size, data_format=None):
    """Maximum over the windows that split each spatial axis into ``output_size`` parts.

    >>> adaptive_max_pool(np.arange(4.0).reshape(1, 4, 1), 2).numpy().ravel().tolist()
    [1.0, 3.0]
    """
    if symbolic(locals()):
        return record("adaptive_max_pool", locals())
    return _adaptive(inputs, output_size, data_format, lambda t, a: max(t, a))


def _pairs(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _unfold_index(h, w, kernel_size, dilation, padding, stride):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pairs, (kernel_size, dilation, padding, stride))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    rows = (np.arange(oh) * sh)[None, :, None, None] + (np.arange(kh) * dh)[:, None, None, None]
    cols = (np.arange(ow) * sw)[None, None, None, :] + (np.arange(kw) * dw)[None, None, :, None]
    rows, cols = np.broadcast_arrays(rows, cols)  # (kh, oh, kw, ow)
    order = (0, 2, 1, 3)
    return rows.transpose(order).reshape(kh * kw, oh * ow), cols.transpose(order).reshape(kh * kw, oh * ow), (ph, pw)


def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of ``(N, C, H, W)`` as ``(N, C * kh * kw, L)`` (PyTorch's ``unfold``).

    >>> unfold(np.zeros((1, 2, 3, 3)), 2).shape
    (1, 8, 4)
    """
    if symbolic(locals()):
        return record("unfold", locals())
    x = convert_to_tensor(x)
    n, c, h, w = x.shape
    rows, cols, (ph, pw) = _unfold_index(h, w, kernel_size, dilation, padding, stride)
    x = pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    return x[:, :, rows, cols].reshape(n, c * rows.shape[0], rows.shape[1])


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The inverse of ``unfold``: blocks summed back into ``(N, C, H, W)``.

    >>> fold(np.ones((1, 4, 4)), (3, 3), 2).numpy()[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    if symbolic(locals()):
        return record("fold", locals())
    from .shape_ops import scatter_add
    x = convert_to_tensor(x)
    h, w = _pairs(output_size)
    rows, cols, (ph, pw) = _unfold_index(h, w, kernel_size, dilation, padding, stride)
    n, ckk, length = x.shape
    c = ckk // rows.shape[0]
    blocks = moveaxis(x.reshape(n, c, rows.shape[0] * length), -1, 0)  # (K*L, N, C)
    idx = np.stack([rows.reshape(-1), cols.reshape(-1)], -1)
    out = scatter_add((h + 2 * ph, w + 2 * pw, n, c), idx, blocks)
    return moveaxis(moveaxis(out, 2, 0), 3, 1)[:, :, ph:ph + h, pw:pw + w]


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """The CTC loss of each sequence: ``output`` are logits ``(batch, time,
    classes)``, ``target`` labels ``(batch, max_label_length)``; class
    ``mask_index`` is the blank.  Differentiable in ``output``.

    >>> logits = np.zeros((1, 2, 2), "float32")
    >>> round(ctc_loss([[1]], logits, [1], [2]).item(), 4)
    0.2877
    """
    if symbolic(locals()):
        return record("ctc_loss", locals())
    output = floating(output)
    labels = np.asarray(convert_to_tensor(target).numpy()).astype(np.int64)
    tl = np.asarray(convert_to_tensor(target_length).numpy()).reshape(-1)
    ol = np.asarray(convert_to_tensor(output_length).numpy()).reshape(-1)
    logp = output - logsumexp(output, axis=-1, keepdims=True)
    losses = []
    neg = float(np.finfo(output.data.dtype).min) / 4
    for b in range(output.shape[0]):
        lab = labels[b, :int(tl[b])]
        ext = np.full(2 * len(lab) + 1, mask_index)
        ext[1::2] = lab
        skip = np.zeros(len(ext), bool)
        skip[2:] = (ext[2:] != mask_index) & (ext[2:] != ext[:-2])
        emit = logp[b][:, ext]  # (time, S)
        alpha = where(Tensor(np.arange(len(ext)) < 2), emit[0], neg)
        for t in range(1, int(ol[b])):
            prev1 = concatenate([Tensor(np.full((1,), neg, alpha.data.dtype)), alpha[:-1]])
            prev2 = concatenate([Tensor(np.full((2,), neg, alpha.data.dtype)), alpha[:-2]])
            prev2 = where(Tensor(skip), prev2, neg)
            alpha = logsumexp(stack([alpha, prev1, prev2]), axis=0) + emit[t]
        losses.append(-logsumexp(alpha[-2:] if len(ext) > 1 else alpha, axis=0))
    return stack(losses)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Greedy CTC decoding: ``(decoded, scores)``, ``decoded`` of shape
    ``(1, batch, time)`` padded with -1, ``scores`` minus the sum of each
    frame's best input value, as Keras (``strategy="greedy"`` only);
    ``scores`` is differentiable in ``inputs``, as Keras's with PyTorch.

    >>> probs = np.log(np.array([[[0.1, 0.9], [0.9, 0.1], [0.1, 0.9]]], "float32"))
    >>> ctc_decode(probs, [3])[0].numpy().tolist()
    [[[1, 1, -1]]]
    """
    if symbolic(locals()):
        return record("ctc_decode", locals())
    if strategy != "greedy":
        raise ValueError(f"ctc_decode: only strategy='greedy' is supported by tinykeras, got {strategy!r}")
    x = floating(inputs)
    logits = np.asarray(x.numpy())
    lengths = np.asarray(convert_to_tensor(sequence_lengths).numpy()).reshape(-1)
    batch, time = logits.shape[:2]
    best = logits.argmax(-1)
    decoded = np.full((batch, time), -1, np.int32)
    for b in range(batch):
        out, prev = [], None
        for t in range(int(lengths[b])):
            k = int(best[b, t])
            if k != mask_index and not (merge_repeated and k == prev):
                out.append(k)
            prev = k
        decoded[b, :len(out)] = out
    within = Tensor(np.arange(time)[None, :] < lengths[:, None])  # the frames of each sequence
    return Tensor(decoded[None]), -sum(where(within, max(x, axis=-1), 0.0), axis=1, keepdims=True)

