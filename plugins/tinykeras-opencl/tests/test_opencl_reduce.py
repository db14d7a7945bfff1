"""Reductions and the fused softmaxes against NumPy, in both kernel shapes (seq and tree)."""
import numpy as np
import pytest
from opencl_helpers import assert_same

import tinykeras_opencl as tko
from tinykeras_opencl.reduce import reduce
from tinykeras_opencl.softmax import softmax

pytestmark = pytest.mark.opencl

CASES = [((2, 3), [None, (0,), (1,), (0, 1)]), ((4,), [None, (0,)]), ((), [None]),
         ((2, 1, 3), [(1,), (0, 2)]), ((0, 3), [(1,), (0,)]), ((3, 4, 5, 2), [(0, 2), (1, 3), (3,)]),
         ((5, 300), [(1,), (0,)]), ((2050, 3), [(0,)])]


def _reference(op, x, axis, keepdims):
    if op in ("sum", "prod"):  # the reference backend keeps the dtype; bool sums to int32
        dtype = np.int32 if x.dtype == np.bool_ else x.dtype
        return getattr(np, op)(x, axis=axis, keepdims=keepdims, dtype=dtype)
    out = getattr(np, op)(x, axis=axis, keepdims=keepdims)
    return np.asarray(out, np.int32) if op.startswith("arg") else out


def _check(op, x, axis, keepdims, mode, rtol=2e-6):
    got = tko.to_numpy(reduce(op, tko.asarray(x), axis, keepdims, mode=mode))
    assert_same(got, np.asarray(_reference(op, x, axis, keepdims)), rtol=rtol, atol=1e-5)


@pytest.mark.parametrize("mode", [None, "seq", "tree"])
@pytest.mark.parametrize("op", ["sum", "max", "min", "prod"])
def test_reductions_float32(op, mode, rng):
    for shape, axes in CASES:
        x = rng.uniform(0.9, 1.1, shape).astype(np.float32) * rng.choice([-1, 1], shape)
        for axis in axes:
            size = np.prod([shape[a] for a in axis]) if axis is not None else np.prod(shape)
            if size == 0 and op in ("max", "min"):
                with pytest.raises(ValueError):
                    reduce(op, tko.asarray(x), axis, False, mode=mode)
                continue
            for keepdims in (False, True):
                _check(op, x, axis, keepdims, mode, rtol=1e-4 if op == "prod" else 2e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.bool_,
                                   pytest.param(np.int64, marks=pytest.mark.slow)])
@pytest.mark.parametrize("op", ["sum", "max", "min", "prod", "argmax", "argmin"])
def test_reductions_other_dtypes(op, dtype, rng):
    x = rng.integers(-3, 4, (3, 40, 5)).astype(dtype)
    for axis in ([None, 1, 0] if op.startswith("arg") else [None, (1,), (0, 2)]):
        _check(op, x, axis, False, None, rtol=1e-12)


@pytest.mark.parametrize("mode", [None, "seq", "tree"])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_reductions_first_index_wins(op, mode, rng):
    for shape in [(5,), (2, 3), (1, 4), (7, 1000), (3000,)]:
        x = rng.integers(-2, 3, shape).astype(np.float32)  # many ties
        for axis in [None] + list(range(len(shape))):
            for keepdims in (False, True):
                _check(op, x, axis, keepdims, mode)


@pytest.mark.parametrize("mode", ["seq", "tree"])
def test_nan_propagates_like_numpy(mode):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 2.0, 3.0, 0.0]], np.float32)
    for op in ("max", "min", "argmax", "argmin", "sum"):
        _check(op, x, (1,) if not op.startswith("arg") else 1, False, mode)


def test_float32_sum_error_stays_small(rng):
    x = rng.uniform(0, 1, 2_000_003).astype(np.float32)
    exact = np.sum(x, dtype=np.float64)
    for mode in ("seq", "tree"):
        got = float(tko.to_numpy(reduce("sum", tko.asarray(x), None, False, mode=mode)))
        assert abs(got - exact) / exact < 2e-6  # a naive running float32 sum is off by ~1e-4


SOFTMAX_CASES = [((3,), 0), ((2, 3), 0), ((2, 3), 1), ((2, 1, 3), 1), ((0, 3), 1), ((2, 4), -1),
                 ((3, 5, 7), 1), ((2, 3000), 1), ((1, 1), 0)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_and_log_softmax(log, dtype, rng):
    for shape, axis in SOFTMAX_CASES:
        x = (rng.standard_normal(shape) * 10).astype(dtype)
        shifted = x - x.max(axis=axis, keepdims=True)
        lse = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        want = shifted - lse if log else np.exp(shifted - lse)
        op = "log_softmax" if log else "softmax"
        got = tko.to_numpy(tko.kernel(op)(tko.asarray(x), axis=axis))
        assert_same(got, want.astype(dtype), rtol=1e-5, atol=1e-6)


def test_softmax_of_huge_logits_does_not_overflow():
    x = np.array([[1000.0, 0.0, -1000.0]], np.float32)
    assert_same(tko.to_numpy(softmax(tko.asarray(x))), np.array([[1.0, 0.0, 0.0]], np.float32))


def test_softmax_rejects_ints():
    with pytest.raises(TypeError):
        softmax(tko.asarray(np.ones((2, 2), np.int32)))


@pytest.mark.parametrize("label_dtype", [np.int32, np.int64, np.uint8])
def test_sparse_softmax_crossentropy(label_dtype, rng):
    from tinykeras_opencl.softmax import sparse_softmax_crossentropy
    for batch, classes in [((4,), 3), ((2, 3), 5), ((1,), 1), ((0,), 4), ((5,), 700)]:
        logits = (rng.standard_normal(batch + (classes,)) * 5).astype(np.float32)
        labels = rng.integers(0, classes, size=batch).astype(label_dtype)
        shifted = logits - logits.max(-1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
        want = -np.take_along_axis(logp, labels[..., None].astype(np.int64), axis=-1)[..., 0]
        got = sparse_softmax_crossentropy(tko.asarray(logits), tko.asarray(labels))
        assert_same(tko.to_numpy(got), want, rtol=1e-5, atol=1e-6)
    bad = sparse_softmax_crossentropy(tko.asarray(np.zeros((1, 3), np.float32)),
                                      tko.asarray(np.array([3], np.int32)))
    assert np.isnan(tko.to_numpy(bad)).all()  # an out-of-range label cannot read out of bounds
