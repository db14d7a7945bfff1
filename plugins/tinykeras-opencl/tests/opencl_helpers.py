"""Helpers shared by the OpenCL tests (a uniquely named module, not conftest,
so that ``import`` cannot pick up another directory's conftest)."""
import numpy as np


def run(op, *arrays, **params):
    """Upload NumPy ``arrays``, run kernel ``op``, download the result."""
    import tinykeras_opencl as tko
    return tko.to_numpy(tko.kernel(op)(*[tko.asarray(a) for a in arrays], **params))


def assert_same(got, want, rtol=1e-5, atol=1e-6):
    """Shape, dtype and values (exact for ints and bools, NaN equal to NaN)."""
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)
