"""Shared fixtures: every test here needs an OpenCL device (PoCL is enough).

Without pyopencl, or without a usable OpenCL device, every test is skipped
with the reason; with ``TINYKERAS_REQUIRE_OPENCL=1`` (CI) it fails instead
(see ``tinykeras.testing.opencl_device``).
"""
import numpy as np
import pytest

from tinykeras.testing import opencl_device


@pytest.fixture(autouse=True)
def dev():
    """The OpenCL device under test."""
    return opencl_device()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
