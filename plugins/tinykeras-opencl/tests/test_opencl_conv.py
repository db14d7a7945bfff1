"""The fused convolution and pooling kernels (im2col + GEMM, col2im, direct pools)
against the NumPy backend's fused kernels, on 1-D, 2-D and 3-D problems with
strides, dilation, asymmetric and negative padding, groups and depthwise.

All the cases of one dtype share one compiled program, so this file is cheap
to run on a cold PoCL cache."""
import numpy as np
import pytest
from opencl_helpers import assert_same

import tinykeras_opencl as tko
from tinykeras_opencl import conv

pytestmark = pytest.mark.opencl

tinykeras = pytest.importorskip("tinykeras")
from tinykeras.core import registry  # noqa: E402


def numpy_kernel(op):
    """The NumPy backend's kernel for ``op`` (its fused kernels: the reference here)."""
    return registry.KERNELS["numpy"][op]

# (input shape, kernel size, out channels, strides, padding, dilation, groups)
CONV_CASES = [
    ((2, 5, 4, 2), (3, 2), 3, (1, 1), ((1, 1), (0, 1)), (1, 1), 1),
    ((1, 7, 3), (3,), 4, (2,), ((0, 0),), (1,), 1),
    ((1, 6, 5, 4), (2, 2), 4, (2, 1), ((0, 1), (1, 0)), (1, 2), 2),       # groups, dilation
    ((1, 4, 4, 3), (2, 2), 6, (1, 1), ((0, 0), (0, 0)), (1, 1), 3),       # depthwise, multiplier 2
    ((1, 3, 3, 3, 1), (2, 1, 2), 2, (1, 2, 1), ((0, 0), (0, 0), (1, 0)), (1, 1, 1), 1),  # 3-D
    ((1, 6, 2), (2,), 2, (2,), ((0, -1),), (1,), 1),                      # negative padding
    ((3, 8, 8, 1), (3, 3), 5, (1, 1), ((1, 1), (1, 1)), (1, 1), 1),       # "same"
    ((2, 9, 7, 4), (3, 3), 4, (3, 2), ((2, 0), (1, 2)), (2, 1), 4),
    ((2, 4, 4, 3), (1, 1), 2, (1, 1), ((0, 0), (0, 0)), (1, 1), 1),       # 1x1: a plain GEMM
]


def _conv_arrays(case, rng, dtype):
    xs, ks, cout, s, pad, d, g = case
    out = conv._out_spatial(xs[1:-1], ks, s, pad, d)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ks + (xs[-1] // g, cout)).astype(dtype)
    gy = rng.standard_normal((xs[0],) + out + (cout,)).astype(dtype)
    return x, w, gy, dict(strides=s, padding=pad, dilation=d, groups=g)


def _both(op, *arrays, **params):
    want = numpy_kernel(op)(*arrays, **params)
    got = tko.to_numpy(tko.kernel(op)(*[tko.asarray(a) for a in arrays], **params))
    return got, want


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_general_and_its_gradients(dtype, rng):
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for case in CONV_CASES:
        x, w, gy, p = _conv_arrays(case, rng, dtype)
        assert_same(*_both("conv_general", x, w, **p), **tol)
        assert_same(*_both("conv_input_grad", gy, w, input_shape=x.shape, **p), **tol)
        assert_same(*_both("conv_kernel_grad", x, gy, kernel_shape=w.shape, **p), **tol)


def test_conv_float16_runs_in_float32(rng):
    x, w, gy, p = _conv_arrays(CONV_CASES[0], rng, np.float16)
    got = tko.to_numpy(tko.kernel("conv_general")(tko.asarray(x), tko.asarray(w), **p))
    want = numpy_kernel("conv_general")(x.astype(np.float32), w.astype(np.float32), **p)
    assert_same(got, want.astype(np.float16), rtol=2e-3, atol=2e-3)


def test_conv_zero_batch_and_mismatched_dtypes(rng):
    x, w, gy, p = _conv_arrays(CONV_CASES[0], rng, np.float32)
    k = tko.kernel
    y = tko.to_numpy(k("conv_general")(tko.asarray(x[:0]), tko.asarray(w), **p))
    assert_same(y, np.zeros((0,) + gy.shape[1:], np.float32))
    gw = k("conv_kernel_grad")(tko.asarray(x[:0]), tko.asarray(gy[:0]), kernel_shape=w.shape, **p)
    assert_same(tko.to_numpy(gw), np.zeros_like(w))
    with pytest.raises(TypeError, match="same dtype"):
        tko.kernel("conv_general")(tko.asarray(x), tko.asarray(w.astype(np.float64)), **p)


# (input shape, pool size, strides, padding)
POOL_CASES = [
    ((2, 4, 4, 3), (2, 2), (2, 2), ((0, 0), (0, 0))),
    ((1, 5, 3), (2,), (1,), ((0, 1),)),                                   # overlapping windows
    ((1, 5, 6, 2), (3, 2), (2, 3), ((1, 1), (0, 1))),                     # padding not averaged
    ((1, 3, 4, 3, 1), (2, 2, 2), (1, 2, 1), ((0, 0), (0, 0), (0, 1))),
    ((2, 7, 7, 2), (3, 3), (2, 2), ((1, 1), (1, 1))),
    ((1, 5, 5, 1), (2, 2), (2, 2), ((0, 0), (0, 0))),                     # odd: last row unused
]


def _pool_arrays(case, rng, dtype, ties=False):
    shape, k, s, pad = case
    out = conv._out_spatial(shape[1:-1], k, s, pad, (1,) * len(k))
    x = (rng.integers(-2, 3, shape) if ties else rng.standard_normal(shape)).astype(dtype)
    g = rng.standard_normal((shape[0],) + out + (shape[-1],)).astype(dtype)
    return x, g, dict(pool_size=k, strides=s, padding=pad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pools_and_their_gradients(dtype, rng):
    for case in POOL_CASES:
        for ties in (False, True):  # with ties, the gradient goes to the first maximum
            x, g, p = _pool_arrays(case, rng, dtype, ties)
            assert_same(*_both("max_pool_general", x, **p))
            assert_same(*_both("max_pool_grad", x, g, **p))
            assert_same(*_both("avg_pool_general", x, **p))
            assert_same(*_both("avg_pool_grad", g, input_shape=x.shape, **p))


def test_max_pool_of_ints_and_nan(rng):
    x, g, p = _pool_arrays(POOL_CASES[4], rng, np.int32, ties=True)
    p["padding"] = ((0, 0), (0, 0))  # NumPy pads ints with -inf cast to int
    assert_same(*_both("max_pool_general", x, **p))
    x = np.array([[[1.0], [np.nan], [3.0], [0.0]]], np.float32)
    got, want = _both("max_pool_general", x, pool_size=(2,), strides=(2,), padding=((0, 0),))
    assert_same(got, want)
    with pytest.raises(TypeError, match="float"):
        tko.kernel("avg_pool_general")(tko.asarray(np.ones((1, 4, 4, 1), np.int32)), **p)


def test_one_program_serves_every_conv_and_pool_kernel(dev):
    x = tko.asarray(np.ones((1, 4, 4, 1), np.float32))
    tko.kernel("max_pool_general")(x, pool_size=(2, 2), strides=(2, 2), padding=((0, 0), (0, 0)))
    tko.kernel("avg_pool_general")(x, pool_size=(2, 2), strides=(2, 2), padding=((0, 0), (0, 0)))
    programs = [key for key in dev._programs if key[0] == "conv" and key[1] == "float"]
    assert len(programs) == 1


def test_kernels_are_registered_only_for_ops_declared_with_their_parameters():
    from tinykeras.core import OpDef, registry
    from tinykeras_opencl import plugin
    declared = registry.core_ops()
    assert all(plugin._fits(op, conv.kernels()[op], declared) for op in conv.OPS)  # this tinykeras: all fit
    changed = dict(declared, conv_general=OpDef("conv_general", 2, ("strides", "padding", "data_format")))
    assert not plugin._fits("conv_general", conv.conv_general, changed)  # another version: keep the composite
    assert not plugin._fits("max_pool_grad", conv.max_pool_grad, {})      # not declared at all
    assert plugin._fits("conv_general", conv.conv_general, None)          # a tinykeras that cannot say
