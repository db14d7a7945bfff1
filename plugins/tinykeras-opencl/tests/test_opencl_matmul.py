"""matmul against NumPy: odd sizes, the even (no bounds checks) path, every tile
configuration, 1-d operands, batch broadcasting, dtypes."""
import numpy as np
import pytest
from opencl_helpers import assert_same

import tinykeras_opencl as tko
from tinykeras_opencl.matmul import CONFIGS, matmul

pytestmark = pytest.mark.opencl

SHAPES = [((1, 1), (1, 1)), ((17, 33), (33, 65)), ((128, 256), (256, 64)), ((2, 3), (3, 4)),
          ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3, 4)), ((1, 2, 3), (4, 3, 2)),
          ((3, 1, 5, 7), (2, 7, 6)), ((2, 1, 4, 5), (1, 3, 5, 6)), ((0, 3), (3, 2)), ((2, 0), (0, 3)),
          ((4, 0, 3), (3, 2)), ((5,), (2, 5, 3)), ((130, 1), (1, 129))]


def _check(a, b, config=None):
    got = tko.to_numpy(matmul(tko.asarray(a), tko.asarray(b), config=config))
    want = a @ b
    scale = np.sqrt(max(a.shape[-1], 1))
    assert_same(got, want, rtol=1e-4, atol=1e-5 * scale if a.dtype.kind == "f" else 0)


@pytest.mark.parametrize("sa, sb", SHAPES)
def test_matmul_float32(sa, sb, rng):
    _check(rng.standard_normal(sa).astype(np.float32), rng.standard_normal(sb).astype(np.float32))


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("m, k, n", [(1, 1, 1), (17, 33, 65), (128, 256, 64), (128, 32, 128),
                                     (64, 16, 64), (33, 7, 3)])
def test_every_tile_configuration_odd_and_even(config, m, k, n, rng):
    # (128, 32, 128) and (64, 16, 64) are multiples of some tiles: they take the EVEN path
    a, b = rng.standard_normal((2, m, k)), rng.standard_normal((k, n))
    _check(a.astype(np.float32), b.astype(np.float32), config)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int64, np.bool_])
def test_matmul_other_dtypes(dtype, rng):
    a = rng.integers(-3, 4, (3, 17, 9)).astype(dtype)
    b = rng.integers(-3, 4, (9, 5)).astype(dtype)
    _check(a, b)


def test_matmul_errors():
    a = tko.asarray(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError):
        matmul(a, tko.asarray(np.ones((4, 2), np.float32)))
    with pytest.raises(ValueError):
        matmul(a, tko.asarray(np.float32(2.0)))
