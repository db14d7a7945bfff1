"""Shared fixtures: every test here needs an OpenCL device (PoCL is enough).

Without pyopencl, or without any OpenCL platform or device, every test is
skipped with the reason; nothing fails.
"""
import numpy as np
import pytest


def _device_or_reason():
    try:
        import pyopencl  # noqa: F401
    except ImportError:
        return None, "pyopencl is not installed (pip install 'tinykeras-opencl[pocl]')"
    import tinykeras_opencl
    try:
        return tinykeras_opencl.get_device(), None
    except tinykeras_opencl.OpenCLBackendError as exc:
        return None, f"no usable OpenCL device: {exc}"


@pytest.fixture(autouse=True)
def dev():
    """The OpenCL device under test (skips the test when there is none)."""
    device, reason = _device_or_reason()
    if device is None:
        pytest.skip(reason)
    return device


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
