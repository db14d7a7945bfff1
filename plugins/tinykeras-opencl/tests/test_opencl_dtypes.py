"""The less common dtypes: float16 (stored as half, computed in float32) and the
8/16-bit and unsigned integers, through every kind of kernel."""
import numpy as np
import pytest
from opencl_helpers import assert_same, run

pytestmark = pytest.mark.opencl

# int8 and uint64 (the narrowest signed, the widest unsigned) run always; the others
# compile their own copy of every kernel, so they are marked slow (-m "not slow" skips them).
SMALL_INTS = [np.int8, np.uint64] + [pytest.param(t, marks=pytest.mark.slow)
                                     for t in (np.int16, np.uint8, np.uint16, np.uint32)]


@pytest.mark.parametrize("dtype", SMALL_INTS)
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "maximum", "minimum", "floor_divide",
                                "mod", "power", "less", "equal", "logical_or"])
def test_small_and_unsigned_int_binary(op, dtype, rng):
    a = rng.integers(0, 100, (3, 4)).astype(dtype)
    b = rng.integers(0, 6, (4,)).astype(dtype)  # includes 0: x // 0 == x % 0 == 0
    if op == "power":
        a, b = a % 5, b % 3
    with np.errstate(all="ignore"):
        assert_same(run(op, a, b), getattr(np, op)(a, b))


@pytest.mark.parametrize("dtype", SMALL_INTS)
def test_small_and_unsigned_int_unary_reduce_cast(dtype, rng):
    x = rng.integers(0, 100, (5, 6)).astype(dtype)
    assert_same(run("negative", x), np.negative(x))
    assert_same(run("abs", x), np.abs(x))
    for op in ("max", "min", "sum", "prod"):
        want = getattr(np, op)(x, axis=1, **({"dtype": dtype} if op in ("sum", "prod") else {}))
        assert_same(run(op, x, axis=(1,)), want)
    assert_same(run("argmax", x, axis=0), np.argmax(x, axis=0).astype(np.int32))
    assert_same(run("cast", x, dtype=np.float32), x.astype(np.float32))
    assert_same(run("matmul", x, x.T.copy()), x @ x.T)
    assert_same(run("getitem", x, key=(np.array([3, 0, 3]),)), x[[3, 0, 3]])
    want = np.zeros((5, 6), dtype)
    np.add.at(want, (np.array([1, 1, 4]),), x[:3])
    assert_same(run("index_add", x[:3], key=(np.array([1, 1, 4]),), shape=(5, 6)), want)


def test_float16_everywhere(rng):
    x = rng.uniform(-2, 2, (4, 33)).astype(np.float16)
    y = rng.uniform(-2, 2, (33,)).astype(np.float16)
    for op in ("add", "multiply", "maximum", "divide"):
        assert_same(run(op, x, y), getattr(np, op)(x, y), rtol=1e-3)
    for op in ("exp", "tanh", "negative", "round"):
        assert_same(run(op, x), getattr(np, op)(x), rtol=1e-3)
    assert_same(run("sum", x, axis=(1,)), x.sum(axis=1, dtype=np.float16), rtol=2e-3, atol=1e-2)
    assert_same(run("max", x, axis=None), x.max())
    assert_same(run("argmin", x, axis=1), np.argmin(x, axis=1).astype(np.int32))
    assert_same(run("matmul", x, y), (x.astype(np.float32) @ y.astype(np.float32)).astype(np.float16),
                rtol=2e-3, atol=1e-2)
    assert_same(run("transpose", x, axes=(1, 0)), x.T)
    assert_same(run("getitem", x, key=(slice(None), np.array([0, 5, 5]))), x[:, [0, 5, 5]])
    assert_same(run("cast", x, dtype=np.float32), x.astype(np.float32))
    assert_same(run("cast", x.astype(np.float32), dtype=np.float16), x)
    e = np.exp(x.astype(np.float32) - x.astype(np.float32).max(-1, keepdims=True))
    assert_same(run("softmax", x, axis=-1), (e / e.sum(-1, keepdims=True)).astype(np.float16),
                rtol=1e-3, atol=1e-4)
    want = np.zeros((4, 33), np.float16)
    np.add.at(want, (np.array([0, 0, 2]),), x[:3])
    assert_same(run("index_add", x[:3], key=(np.array([0, 0, 2]),), shape=(4, 33)), want, rtol=1e-3)
