"""Elementwise kernels against NumPy: every unary and binary op, where, cast, relu, sigmoid."""
import math

import numpy as np
import pytest
from opencl_helpers import assert_same, run

from tinykeras_opencl.elementwise import BINARY_OPS, UNARY_OPS

pytestmark = pytest.mark.opencl

SHAPES = [(), (1,), (3,), (2, 3), (0, 3), (1, 4), (2, 1, 3, 2)]
PAIRS = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2,)), ((3,), ()),
         ((0, 3), (3,)), ((1,), (4, 1)), ((2, 1, 3), (4, 1)), ((2, 1, 3, 1, 2), (4, 1, 5, 1))]
POSITIVE = {"log", "log1p", "sqrt"}


def _erf(x):
    return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", UNARY_OPS)
def test_unary_float(op, dtype, rng):
    for shape in SHAPES:
        x = rng.uniform(-3, 3, shape).astype(dtype)
        if op in POSITIVE:
            x = np.abs(x) + dtype(0.1)
        if op == "logical_not":
            x = (x > 0).astype(dtype)
        want = _erf(x) if op == "erf" else getattr(np, op)(x)
        assert_same(run(op, x), want, rtol=2e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("op", ["negative", "abs", "sign", "floor", "ceil", "round", "logical_not"])
def test_unary_int(op, dtype, rng):
    x = rng.integers(-5, 5, (3, 4)).astype(dtype)
    assert_same(run(op, x), getattr(np, op)(x))


def test_round_half_to_even_and_special_values():
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, np.nan, np.inf, -np.inf], np.float32)
    assert_same(run("round", x), np.round(x))
    assert_same(run("sign", x), np.sign(x))
    assert_same(run("abs", x), np.abs(x))


def _operands(op, rng, sa, sb, dtype):
    a, b = rng.uniform(-3, 3, sa).astype(dtype), rng.uniform(-3, 3, sb).astype(dtype)
    if op == "power":
        a = np.abs(a) + dtype(0.5)
    if op in ("equal", "not_equal", "less_equal", "greater_equal"):
        a, b = np.round(a), np.round(b)  # so that ties happen
    if op in ("logical_and", "logical_or"):
        a, b = a > 0, b > 0
    return a, b


@pytest.mark.parametrize("op", BINARY_OPS)
def test_binary_float32_broadcasting(op, rng):
    for sa, sb in PAIRS:
        a, b = _operands(op, rng, sa, sb, np.float32)
        with np.errstate(all="ignore"):
            want = getattr(np, op)(a, b)
        assert_same(run(op, a, b), want, rtol=3e-6)


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "power", "maximum",
                                "minimum", "floor_divide", "mod", "less", "equal"])
def test_binary_float64(op, rng):
    a, b = _operands(op, rng, (4, 1, 3), (5, 3), np.float64)
    assert_same(run(op, a, b), getattr(np, op)(a, b), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "maximum", "minimum", "floor_divide",
                                "mod", "power", "divide", "equal", "less", "greater_equal",
                                "logical_and"])
def test_binary_int(op, dtype, rng):
    a = rng.integers(-9, 9, (4, 5)).astype(dtype)
    b = rng.integers(-4, 4, (5,)).astype(dtype)
    if op == "power":
        a, b = rng.integers(-3, 4, (4, 5)).astype(dtype), rng.integers(0, 5, (5,)).astype(dtype)
    with np.errstate(all="ignore"):  # x // 0 and x % 0 give 0, as in NumPy
        want = getattr(np, op)(a, b)
    assert_same(run(op, a, b), want)


def test_float_floor_divide_and_mod_edge_cases():
    a = np.array([7.0, -7.0, 7.0, -7.0, 0.0, 1.0, -0.0, 5.5, 1e30], np.float32)
    b = np.array([2.0, 2.0, -2.0, -2.0, 3.0, 0.0, -3.0, 0.1, 7.0], np.float32)
    with np.errstate(all="ignore"):
        assert_same(run("floor_divide", a, b), np.floor_divide(a, b))
        assert_same(run("mod", a, b), np.mod(a, b))


def test_maximum_minimum_propagate_nan():
    a = np.array([np.nan, 1.0, 2.0, np.nan], np.float32)
    b = np.array([1.0, np.nan, 1.0, np.nan], np.float32)
    assert_same(run("maximum", a, b), np.maximum(a, b))
    assert_same(run("minimum", a, b), np.minimum(a, b))


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), ()),
                                    ((1, 3), (2, 1), (2, 3)), ((), (2,), (2,)), ((0, 2), (2,), (0, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_where(shapes, dtype, rng):
    c = rng.random(shapes[0]) < 0.5
    x, y = (rng.integers(-9, 9, s).astype(dtype) for s in shapes[1:])
    assert_same(run("where", c, x, y), np.where(c, x, y))


DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_]


@pytest.mark.parametrize("src", DTYPES)
@pytest.mark.parametrize("dst", DTYPES)
def test_cast(src, dst, rng):
    x = (rng.uniform(-3, 3, (3, 4)) * 2).astype(src)
    if src in (np.float32, np.float64):
        x[0, :2] = 0
    assert_same(run("cast", x, dtype=dst), x.astype(dst))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_and_sigmoid(dtype, rng):
    x = rng.uniform(-5, 5, (3, 17)).astype(dtype)
    x[0, :4] = [0.0, -100.0, 100.0, -1000.0]  # the stable sigmoid never overflows
    assert_same(run("relu", x), np.maximum(x, 0))
    with np.errstate(all="ignore"):
        want = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x))).astype(dtype)
    assert_same(run("sigmoid", x), want, rtol=2e-6)


def test_broadcast_rank5_with_many_collapsible_dims(rng):
    a = rng.standard_normal((2, 3, 1, 4, 5)).astype(np.float32)
    b = rng.standard_normal((3, 7, 1, 5)).astype(np.float32)
    assert_same(run("multiply", a, b), a * b)


def test_large_elementwise_uses_one_work_item_per_element(rng):
    x = rng.standard_normal(1_000_003).astype(np.float32)
    assert_same(run("exp", x), np.exp(x), rtol=2e-6)
