"""The OpenCL device a test runs on, or a skip (a failure in CI) saying why.

>>> from tinykeras.testing import opencl_device
>>> opencl_device()                 # doctest: +SKIP
<tinykeras_opencl.Device 'pthread-AMD EPYC'>
"""
from .. import _config
from ..core import registry

INSTALL = "pip install -e 'plugins/tinykeras-opencl[pocl]'"


def opencl_device_or_reason():
    """``(device, None)``, or ``(None, why there is no usable OpenCL device)``."""
    try:
        import pyopencl  # noqa: F401
        import tinykeras_opencl
    except ImportError as exc:
        return None, f"OpenCL tests need pyopencl and tinykeras-opencl ({exc}): {INSTALL}"
    if "opencl" not in registry.BACKENDS:
        why = registry.FAILED.get("opencl", "the plugin is not loaded")
        return None, f"backend 'opencl' is not registered: {why}"
    try:
        return tinykeras_opencl.get_device(), None
    except tinykeras_opencl.OpenCLBackendError as exc:
        return None, f"no OpenCL device for the tests: {exc}"


def opencl_device():
    """The OpenCL device for a test (``tinykeras_opencl.get_device()``).

    Without one the calling test is skipped with the reason, or fails when
    ``TINYKERAS_REQUIRE_OPENCL=1`` (``.ci/run`` sets it), so that CI cannot
    pass by skipping the backend.
    """
    import pytest
    device, reason = opencl_device_or_reason()
    if device is None:
        if _config.require_opencl():
            pytest.fail(f"TINYKERAS_REQUIRE_OPENCL=1 and {reason}", pytrace=False)
        pytest.skip(reason)
    return device
