"""The convolution and pooling ops (``tk.ops.conv`` ... ``average_pool``):
values against slow direct-loop references, the composite (primitives
only) path against the fused NumPy kernels, gradients against float64
finite differences, errors, and Keras 3 when it is installed."""
import itertools
import math

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.core import registry
from tinykeras.testing import check_gradients, isolated_registry

RNG = np.random.default_rng(0)


# -- slow references ---------------------------------------------------------

def same_pads(spatial, ksize, strides, dilation):
    pads = []
    for n, k, s, d in zip(spatial, ksize, strides, dilation):
        total = max((math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def ref_conv(x, w, strides, pads, dilation, groups=1):
    """Direct loops; ``x`` (N, *S, C), ``w`` (*k, C/groups, O)."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    ksize, (cg, o) = w.shape[:-2], w.shape[-2:]
    xp = np.pad(x, [(0, 0)] + [(lo, max(hi, 0)) for lo, hi in pads] + [(0, 0)])
    out = [(n + lo + hi - (k - 1) * d - 1) // s + 1
           for n, k, s, (lo, hi), d in zip(x.shape[1:-1], ksize, strides, pads, dilation)]
    y, og = np.zeros([x.shape[0]] + out + [o]), o // groups
    for pos in np.ndindex(*out):
        for kpos in np.ndindex(*ksize):
            patch = xp[(slice(None),) + tuple(p * s + k * d for p, s, k, d in zip(pos, strides, kpos, dilation))]
            for g in range(groups):
                y[(slice(None),) + pos + (slice(g * og, (g + 1) * og),)] += \
                    patch[:, g * cg:(g + 1) * cg] @ w[kpos][:, g * og:(g + 1) * og]
    return y


def ref_conv_transpose(x, w, stride, padding, output_padding=None):
    """1D transposed conv by scattering; Keras's output length and cropping."""
    x, w = x.astype(np.float64), w.astype(np.float64)   # w (k, out, in)
    n, k = x.shape[1], w.shape[0]
    full = np.zeros((x.shape[0], (n - 1) * stride + k + stride, w.shape[1]))
    for i in range(n):
        for t in range(k):
            full[:, i * stride + t] += x[:, i] @ w[t].T
    if output_padding is None:
        length = n * stride + max(k - stride, 0) if padding == "valid" else n * stride
    else:
        length = (n - 1) * stride + k - 2 * (k // 2 if padding == "same" else 0) + output_padding
    if padding == "valid":
        crop = 0
    else:
        total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        crop = k - 1 - min(total // 2 + total % 2, k - 1)
    return full[:, crop:crop + length]


def ref_pool(x, pool, strides, padding, kind):
    x = x.astype(np.float64)
    pads = same_pads(x.shape[1:-1], pool, strides, (1,) * len(pool)) if padding == "same" else [(0, 0)] * len(pool)
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    out = [(n + lo + hi - k) // s + 1 for n, k, s, (lo, hi) in zip(x.shape[1:-1], pool, strides, pads)]
    y = np.zeros([x.shape[0]] + out + [x.shape[-1]])
    for pos in np.ndindex(*out):
        window = xp[(slice(None),) + tuple(slice(p * s, p * s + k) for p, s, k in zip(pos, strides, pool))]
        axes = tuple(range(1, len(pool) + 1))
        y[(slice(None),) + pos] = window.max(axes) if kind == "max" else np.nanmean(window, axes)
    return y


# -- a backend with no fused kernels: every conv goes through its composite --

@pytest.fixture
def composite_only():
    class PrimitivesOnly:
        @tk.hookimpl
        def tinykeras_register_backends(self, register):
            register("primitives_only")

        @tk.hookimpl
        def tinykeras_register_kernels(self, register):
            for op in registry.primitives():
                register("primitives_only", op, registry.KERNELS["numpy"][op])

    with isolated_registry():
        registry.register(PrimitivesOnly(), name="primitives_only")
        registry.set_backend("primitives_only")
        assert "conv_general" not in registry.ACTIVE
        yield


CONV_CASES = [  # (input shape, kernel size, strides, padding, dilation, groups)
    ((2, 7, 3), (3,), (1,), "valid", (1,), 1),
    ((2, 8, 4), (3,), (2,), "same", (1,), 2),
    ((1, 9, 2), (2,), (1,), "same", (3,), 1),
    ((2, 6, 7, 3), (3, 2), (1, 1), "same", (1, 1), 1),
    ((1, 7, 6, 4), (3, 3), (2, 3), "same", (1, 1), 2),
    ((1, 8, 8, 2), (3, 2), (1, 1), "valid", (2, 3), 1),
    ((1, 6, 5, 4), (2, 2), (2, 2), "valid", (1, 1), 4),
    ((1, 4, 5, 3, 2), (2, 3, 1), (1, 2, 1), "same", (1, 1, 1), 1),
]


def _conv_inputs(shape, ksize, groups, cout=4):
    x = RNG.standard_normal(shape).astype(np.float32)
    w = RNG.standard_normal(ksize + (shape[-1] // groups, cout)).astype(np.float32)
    return x, w


@pytest.mark.parametrize("shape,ksize,strides,padding,dilation,groups", CONV_CASES)
def test_conv_matches_direct_loops(shape, ksize, strides, padding, dilation, groups):
    x, w = _conv_inputs(shape, ksize, groups)
    pads = same_pads(shape[1:-1], ksize, strides, dilation) if padding == "same" else [(0, 0)] * len(ksize)
    expected = ref_conv(x, w, strides, pads, dilation, groups)
    got = tk.ops.conv(x, w, strides, padding, dilation_rate=dilation)
    assert got.dtype == "float32"
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-4)
    if padding == "same" and strides == (1,) * len(ksize):
        assert got.shape[1:-1] == shape[1:-1]


@pytest.mark.parametrize("case", [0, 1, 4, 5, 6])
def test_composite_conv_agrees_and_differentiates(composite_only, case):
    shape, ksize, strides, padding, dilation, groups = CONV_CASES[case]
    x, w = _conv_inputs(shape, ksize, groups, cout=max(2, groups))
    pads = same_pads(shape[1:-1], ksize, strides, dilation) if padding == "same" else [(0, 0)] * len(ksize)
    got = tk.ops.conv(x, w, strides, padding, dilation_rate=dilation)
    np.testing.assert_allclose(got.numpy(), ref_conv(x, w, strides, pads, dilation, groups), rtol=1e-4, atol=1e-4)
    check_gradients(tk.ops.conv, [x[:1], w], {"strides": strides, "padding": padding, "dilation_rate": dilation})


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv_gradients(case):
    shape, ksize, strides, padding, dilation, groups = CONV_CASES[case]
    x, w = _conv_inputs((1,) + shape[1:], ksize, groups, cout=max(2, groups))
    check_gradients(tk.ops.conv, [x, w], {"strides": strides, "padding": padding, "dilation_rate": dilation})


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2])
def test_depthwise_and_separable_conv(padding, strides):
    x = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    dw = RNG.standard_normal((3, 2, 3, 2)).astype(np.float32)
    pw = RNG.standard_normal((1, 1, 6, 4)).astype(np.float32)
    pads = same_pads((7, 6), (3, 2), (strides,) * 2, (1, 1)) if padding == "same" else [(0, 0)] * 2
    # a depthwise conv is a grouped conv with one input channel per group
    grouped = dw.reshape(3, 2, 1, 6)
    expected = ref_conv(x, grouped, (strides,) * 2, pads, (1, 1), groups=3)
    got = tk.ops.depthwise_conv(x, dw, strides, padding)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-4)
    sep = tk.ops.separable_conv(x, dw, pw, strides, padding)
    np.testing.assert_allclose(sep.numpy(), expected @ pw[0, 0], rtol=1e-4, atol=1e-4)
    check_gradients(tk.ops.depthwise_conv, [x[:1], dw], {"strides": strides, "padding": padding})
    check_gradients(tk.ops.separable_conv, [x[:1, :5, :4], dw, pw], {"strides": strides, "padding": padding})


@pytest.mark.parametrize("k,stride,padding,output_padding", [
    (3, 1, "valid", None), (3, 2, "valid", None), (2, 3, "valid", None), (3, 2, "same", None),
    (4, 2, "same", None), (3, 2, "valid", 1), (3, 3, "same", 2), (1, 2, "same", None)])
def test_conv_transpose_matches_scatter(k, stride, padding, output_padding):
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    w = RNG.standard_normal((k, 2, 3)).astype(np.float32)
    got = tk.ops.conv_transpose(x, w, stride, padding, output_padding)
    expected = ref_conv_transpose(x, w, stride, padding, output_padding)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-4, atol=1e-4)
    check_gradients(tk.ops.conv_transpose, [x[:1], w],
                    {"strides": stride, "padding": padding, "output_padding": output_padding})


def test_conv_transpose_is_the_adjoint_of_conv_2d():
    x = RNG.standard_normal((1, 5, 6, 3))
    w = RNG.standard_normal((3, 3, 2, 3))           # transpose layout (kh, kw, out, in)
    y = tk.ops.conv_transpose(x, w, 2, "same").numpy()
    z = RNG.standard_normal(y.shape)
    # <conv_transpose(x, w), z> == <x, conv(z, w)> with the same kernel read as (kh, kw, in=2, out=3)
    lhs = (y * z).sum()
    rhs = (x * tk.ops.conv(z, w, 2, "same").numpy()).sum()
    assert lhs == pytest.approx(rhs, rel=1e-9)


POOL_CASES = [((2, 6, 3), 2, None, "valid"), ((2, 7, 3), 3, 2, "same"), ((2, 6, 8, 3), 2, None, "valid"),
              ((1, 7, 9, 2), (2, 2), None, "valid"), ((1, 7, 5, 2), (3, 2), (2, 1), "same"),
              ((1, 6, 6, 2), 3, 3, "valid"), ((1, 5, 5, 1), 2, 1, "same"), ((1, 4, 5, 3, 2), 2, (1, 2, 2), "same")]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("shape,pool,strides,padding", POOL_CASES)
def test_pools_match_direct_loops(kind, shape, pool, strides, padding):
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float32) * 0.1  # no ties
    nd = len(shape) - 2
    pool_t = (pool,) * nd if isinstance(pool, int) else pool
    strides_t = pool_t if strides is None else ((strides,) * nd if isinstance(strides, int) else strides)
    fn = tk.ops.max_pool if kind == "max" else tk.ops.average_pool
    got = fn(x, pool, strides, padding)
    np.testing.assert_allclose(got.numpy(), ref_pool(x, pool_t, strides_t, padding, kind), rtol=1e-5, atol=1e-5)
    check_gradients(fn, [x[:1]], {"pool_size": pool, "strides": strides, "padding": padding})


@pytest.mark.parametrize("case", [1, 3, 4, 5])
def test_composite_pools(composite_only, case):
    shape, pool, strides, padding = POOL_CASES[case]
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float32)
    for fn in (tk.ops.max_pool, tk.ops.average_pool):
        with tk.no_grad():
            got = fn(x, pool, strides, padding).numpy()
        registry.set_backend("numpy")
        expected = fn(x, pool, strides, padding).numpy()
        registry.set_backend("primitives_only")
        np.testing.assert_allclose(got, expected, rtol=1e-5)
        check_gradients(fn, [x[:1]], {"pool_size": pool, "strides": strides, "padding": padding})


@pytest.mark.parametrize("pool,strides", [(2, 2), (3, 3), (2, 1), ((1, 3), (1, 3))])
def test_max_pool_gradient_goes_to_the_first_maximum(pool, strides):
    x = np.zeros((1, 6, 6, 2), dtype=np.float32)   # all ties
    x[0, 1, 1, 1] = x[0, 0, 1, 1] = 1.0           # a tie inside the first window too
    x_t = tk.Tensor(x, requires_grad=True)
    y = tk.ops.max_pool(x_t, pool, strides)
    y.sum().backward()
    grad = x_t.grad.numpy()
    assert grad.sum() == pytest.approx(y.size)       # every window sends exactly one gradient
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    torch.nn.functional.max_pool2d(xt, pool, strides).sum().backward()
    np.testing.assert_array_equal(grad, xt.grad.numpy().transpose(0, 2, 3, 1))


@pytest.mark.parametrize("groups", [1, 2, 4])   # 4: depthwise
def test_large_batches_are_processed_in_pieces(monkeypatch, groups):
    from tinykeras.numpy_plugin import numpy_parallel

    rng = np.random.default_rng(5)
    x_value, w_value = rng.standard_normal((5, 6, 7, 4)), rng.standard_normal((3, 2, 4 // groups, 8))

    def run():
        x, w = tk.Tensor(x_value, requires_grad=True), tk.Tensor(w_value, requires_grad=True)
        y = tk.ops.conv(x, w, (2, 1), "same")
        (y * y).sum().backward()
        return y.numpy(), x.grad.numpy(), w.grad.numpy()

    whole = run()
    monkeypatch.setattr(numpy_parallel, "PIECE_BYTES", 700)     # about one sample per piece
    for a, b in zip(run(), whole):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_channels_first_and_float64():
    x = RNG.standard_normal((2, 3, 6, 5))
    w = RNG.standard_normal((3, 3, 3, 4))
    y = tk.ops.conv(x, w, 1, "same", data_format="channels_first")
    assert y.shape == (2, 4, 6, 5) and y.dtype == "float64"
    last = tk.ops.conv(x.transpose(0, 2, 3, 1), w, 1, "same").numpy()
    np.testing.assert_allclose(y.numpy(), last.transpose(0, 3, 1, 2), rtol=1e-10)
    p = tk.ops.max_pool(x, 2, data_format="channels_first")
    assert p.shape == (2, 3, 3, 2)


@pytest.mark.parametrize("call,match", [
    (lambda: tk.ops.conv(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1))), r"larger than the padded input.*\(2, 2\)"),
    (lambda: tk.ops.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4))), r"multiple of.*\(1, 5, 5, 3\).*\(3, 3, 2, 4\)"),
    (lambda: tk.ops.conv(np.ones((5, 5, 3)), np.ones((3, 3, 3, 4))), r"rank.*\(5, 5, 3\)"),
    (lambda: tk.ops.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 4)), padding="full"), "padding"),
    (lambda: tk.ops.depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 1))), r"input channels.*\(3, 3, 2, 1\)"),
    (lambda: tk.ops.max_pool(np.ones((1, 2, 2, 1)), 3), r"larger than the padded input"),
    (lambda: tk.ops.max_pool(np.ones((2, 2)), 2), r"rank 3, 4 or 5.*\(2, 2\)"),
    (lambda: tk.ops.conv_transpose(np.ones((1, 3, 2)), np.ones((3, 4, 3))), r"input channels \(2\)"),
])
def test_bad_inputs_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- against Keras 3 (optional) ------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    return keras


@pytest.mark.keras
def test_ops_match_keras(keras):
    for nd, (k, s, d, padding) in itertools.product((1, 2), [(3, 1, 1, "same"), (3, 2, 1, "same"), (2, 3, 1, "valid"),
                                                             (3, 1, 2, "same"), (4, 2, 1, "same")]):
        x = RNG.standard_normal((2,) + (7, 6)[:nd] + (4,)).astype(np.float32)
        w = RNG.standard_normal((k,) * nd + (2, 6)).astype(np.float32)
        np.testing.assert_allclose(tk.ops.conv(x, w, s, padding, dilation_rate=d).numpy(),
                                   keras.ops.convert_to_numpy(keras.ops.conv(x, w, s, padding, dilation_rate=d)),
                                   rtol=1e-4, atol=1e-4)
        dw = RNG.standard_normal((k,) * nd + (4, 2)).astype(np.float32)
        np.testing.assert_allclose(tk.ops.depthwise_conv(x, dw, s, padding, dilation_rate=d).numpy(),
                                   keras.ops.convert_to_numpy(keras.ops.depthwise_conv(x, dw, s, padding,
                                                                                       dilation_rate=d)),
                                   rtol=1e-4, atol=1e-4)
        for op in (None, s - 1):
            wt = RNG.standard_normal((k,) * nd + (3, 4)).astype(np.float32)
            np.testing.assert_allclose(
                tk.ops.conv_transpose(x, wt, s, padding, op, dilation_rate=d).numpy(),
                keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, wt, s, padding, op, dilation_rate=d)),
                rtol=1e-4, atol=1e-4)
        for name in ("max_pool", "average_pool"):
            if name == "average_pool" and padding == "same":
                continue  # Keras's torch backend counts padded zeros when padding is uneven; TF/JAX do not
            np.testing.assert_allclose(getattr(tk.ops, name)(x, k, s, padding).numpy(),
                                       keras.ops.convert_to_numpy(getattr(keras.ops, name)(x, k, s, padding)),
                                       rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, ksize, strides, padding, dilation", [
    ((2, 9, 1), (3,), (2,), ((1, 1),), (1,)), ((2, 7, 8, 1), (3, 2), (1, 2), ((0, 0), (1, 0)), (1, 1)),
    ((1, 9, 9, 1), (3, 3), (1, 1), ((0, 0), (0, 0)), (2, 2)),
    ((2, 5, 6, 4, 1), (2, 3, 2), (1, 1, 2), ((1, 0), (0, 1), (0, 0)), (1, 1, 1))])
def test_one_channel_patches_equal_the_general_patch_matrix(shape, ksize, strides, padding, dilation):
    """A one-channel input's patch matrix is copied tap by tap (a faster
    copy): the convolution and its kernel gradient equal the general path's,
    taken by adding an all-zero second channel."""
    from tinykeras.numpy_plugin import numpy_conv
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal(shape), rng.standard_normal(ksize + (1, 3))
    x2, w2 = np.concatenate([x, 0 * x], -1), np.concatenate([w, 0 * w], -2)
    y = numpy_conv.conv_general(x, w, strides, padding, dilation)
    np.testing.assert_array_equal(y, numpy_conv.conv_general(x2, w2, strides, padding, dilation))
    g = rng.standard_normal(y.shape)
    np.testing.assert_array_equal(numpy_conv.conv_kernel_grad(x, g, w.shape, strides, padding, dilation),
                                  numpy_conv.conv_kernel_grad(x2, g, w2.shape, strides, padding, dilation)[..., :1, :])
