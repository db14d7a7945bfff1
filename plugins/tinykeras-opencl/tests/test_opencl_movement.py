"""Movement kernels against NumPy: reshape, transpose, broadcast_to, pad, concatenate,
getitem (basic and integer-array keys) and index_add (duplicates accumulate)."""
import numpy as np
import pytest
from opencl_helpers import assert_same, run

import tinykeras_opencl as tko

pytestmark = pytest.mark.opencl

i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731


@pytest.mark.parametrize("src, dst", [((2, 3), (3, 2)), ((6,), (1, 2, 3)), ((), (1,)), ((1,), ()),
                                      ((0, 3), (3, 0)), ((2, 2), (4,)), ((2, 3, 4), (-1, 4))])
def test_reshape_shares_the_buffer(src, dst, rng):
    x = rng.standard_normal(src).astype(np.float32)
    dx = tko.asarray(x)
    out = tko.kernel("reshape")(dx, shape=dst)
    assert out.data is dx.data  # no copy
    assert_same(tko.to_numpy(out), x.reshape(dst))
    with pytest.raises(ValueError):
        tko.kernel("reshape")(dx, shape=(x.size + 1,))


@pytest.mark.parametrize("shape, axes", [((2, 3), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((), ()),
                                         ((0, 2), (1, 0)), ((1, 3, 1), (0, 2, 1)),
                                         ((2, 3, 4, 5, 6), (4, 2, 0, 3, 1)), ((64, 65), (1, 0))])
def test_transpose(shape, axes, rng):
    x = rng.standard_normal(shape).astype(np.float32)
    assert_same(run("transpose", x, axes=axes), x.transpose(axes))


@pytest.mark.parametrize("src, dst", [((3,), (2, 3)), ((1, 3), (4, 3)), ((), (2, 2)), ((2, 1), (2, 0)),
                                      ((2, 1, 1), (2, 3, 2)), ((3, 1), (2, 3, 4))])
def test_broadcast_to(src, dst, rng):
    x = rng.integers(0, 9, src).astype(np.int32)
    assert_same(run("broadcast_to", x, shape=dst), np.broadcast_to(x, dst))


def test_broadcast_to_rejects_bad_shapes():
    with pytest.raises(ValueError):
        run("broadcast_to", np.ones((3,), np.float32), shape=(4,))
    with pytest.raises(ValueError):
        run("broadcast_to", np.ones((2, 3), np.float32), shape=(3,))


@pytest.mark.parametrize("shape, pad_width, value", [
    ((2, 3), ((1, 2), (0, 1)), 0.0), ((4,), ((2, 0),), 1.5), ((0, 2), ((1, 1), (1, 0)), 0.0),
    ((), (), 0.0), ((1, 1), ((0, 0), (3, 1)), -2.0), ((2, 3, 4), ((1, 1), (2, 0), (0, 3)), 7.0)])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_pad(shape, pad_width, value, dtype, rng):
    x = rng.integers(-9, 9, shape).astype(dtype)
    want = np.pad(x, pad_width, mode="constant", constant_values=value) if shape else x
    assert_same(run("pad", x, pad_width=pad_width, value=value), want)


@pytest.mark.parametrize("shapes, axis", [([(2, 3), (1, 3), (0, 3)], 0), ([(2, 1), (2, 2)], 1),
                                          ([(3,)], 0), ([(2,), (2,), (2,)], 0),
                                          ([(2, 0, 2), (2, 3, 2)], 1), ([(2, 3), (2, 4)], -1)])
def test_concatenate(shapes, axis, rng):
    xs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    assert_same(run("concatenate", *xs, axis=axis), np.concatenate(xs, axis=axis))


MASK = np.array([[True, False, True], [False, False, True], [True, True, False], [False] * 3])
KEYS = [((4, 3), (1,)), ((4, 3), (-1,)), ((4, 3), (slice(1, 3),)), ((4, 3), (slice(None, None, -1), 0)),
        ((4, 3), (None, Ellipsis, 2)), ((4, 3), (i64(0, 2, 0, 3),)), ((4, 3), (i64(0, 1, 1), i64(2, 2, 2))),
        ((4, 3), tuple(i64(*ix) for ix in np.nonzero(MASK))), ((4, 3), (slice(0, 0),)),
        ((4, 3), (slice(None), i64(2, 0))), ((5,), (slice(None, None, 2),)), ((), ()),
        ((2, 3, 2), (Ellipsis, 1)), ((2, 3, 2), (1, 2, 0)),
        ((3, 4, 5), (i64(0, 2), slice(None), i64(4, 4))),            # advanced dims split by a slice
        ((3, 4, 5), (slice(None, None, 2), i64([[1, 1], [0, 3]]), None)),
        ((6, 7), (slice(-2, 0, -2), slice(1, None, 3)))]


@pytest.mark.parametrize("shape, key", KEYS)
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_getitem(shape, key, dtype, rng):
    x = rng.integers(-99, 99, shape).astype(dtype)
    assert_same(run("getitem", x, key=key), x[key])


def test_getitem_out_of_range_raises_index_error():
    x = tko.asarray(np.zeros((3, 2), np.float32))
    for key in [(3,), (i64(0, 3),)]:
        with pytest.raises(IndexError):
            tko.kernel("getitem")(x, key=key)


@pytest.mark.parametrize("shape, key", KEYS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_index_add_accumulates_duplicates(shape, key, dtype, rng):
    out_shape = np.zeros(shape)[key].shape
    values = rng.integers(-9, 9, out_shape).astype(dtype)
    want = np.zeros(shape, dtype)
    np.add.at(want, key, values)
    assert_same(run("index_add", values, key=key, shape=shape), want)


def test_index_add_many_collisions_is_exact_for_small_integers(rng):
    # 100k float32 additions into 3 slots: every CAS retry must land exactly once
    idx = rng.integers(0, 3, 100_000).astype(np.int64)
    values = np.ones(100_000, np.float32)
    got = run("index_add", values, key=(idx,), shape=(3,))
    assert_same(got, np.bincount(idx, minlength=3).astype(np.float32))


def test_index_add_broadcasts_values(rng):
    got = run("index_add", np.float32([1.0, 2.0]), key=(i64(0, 0, 2), slice(None)), shape=(3, 2))
    assert_same(got, np.float32([[2, 4], [0, 0], [1, 2]]))


def test_full_and_transfers():
    assert_same(tko.to_numpy(tko.full((2, 3), 1.5, "float32")), np.full((2, 3), 1.5, np.float32))
    assert_same(tko.to_numpy(tko.full((0, 2), 0, "int32")), np.zeros((0, 2), np.int32))
    assert_same(tko.to_numpy(tko.full((), True, "bool")), np.array(True))
    assert_same(tko.to_numpy(tko.full(4, -1, "int64")), np.full(4, -1, np.int64))
    for x in [np.arange(4, dtype=np.int32), np.zeros((0,), np.float32), np.array(True),
              np.arange(6.0).reshape(2, 3).T]:  # non-contiguous input is made contiguous
        assert_same(tko.to_numpy(tko.asarray(x)), x)
    with pytest.raises(TypeError, match="complex64"):
        tko.asarray(np.zeros(2, np.complex64))
