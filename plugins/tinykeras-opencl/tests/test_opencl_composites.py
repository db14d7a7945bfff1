"""Ops that the OpenCL plugin has no kernel for run through their
composite (written with ops it has) or on the host: each, on its sample
cases, on backend "opencl" must agree with the NumPy backend."""
import numpy as np
import pytest

from tinykeras.core import registry
from tinykeras.core.tensor import Tensor, apply
from tinykeras.testing import isolated_registry, sample_cases

pytestmark = pytest.mark.opencl


def _composite_only():
    return sorted(n for n, op in registry.OPS.items() if op.composite is not None and op.plugin == "tinykeras"
                  and n not in registry.KERNELS.get("opencl", {}))


def _run(backend, name, inputs, params):
    with isolated_registry():
        registry.set_backend(backend)
        return apply(name, tuple(Tensor(x.copy()) for x in inputs), params).numpy()


@pytest.mark.parametrize("name", _composite_only())
def test_composite_runs_on_opencl_like_numpy(name):
    checked = 0
    for inputs, params in sample_cases(registry.OPS[name], np.random.default_rng(0)):
        if any(x.dtype == np.float64 for x in inputs):
            continue
        want = _run("numpy", name, inputs, params)
        got = _run("opencl", name, inputs, params)
        assert got.shape == want.shape and got.dtype == want.dtype, (name, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-5, err_msg=f"{name} {params}")
        checked += 1
    assert checked


def test_new_ops_are_among_them():
    names = set(_composite_only())
    assert {"arctan", "cumsum", "argsort", "inv", "searchsorted", "erfinv"} <= names
