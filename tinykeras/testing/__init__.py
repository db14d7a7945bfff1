"""Testing helpers for tinykeras itself and for plugin authors.

* :func:`check_gradients`: autograd against float64 finite differences;
* :func:`sample_cases`: concrete inputs from an op's ``OpDef.sample`` spec;
* :func:`check_backend_conformance`: a backend's kernels against NumPy's;
* :func:`isolated_registry`: undo plugin registrations made in a block;
* :func:`opencl_device`: the OpenCL device for a test, else a skip saying why;
* :func:`run_layer_test`: the standard checks for a layer (imported on
  first use, so that this package does not pull in the layers).

>>> import numpy as np, tinykeras as tk
>>> from tinykeras.testing import check_gradients
>>> check_gradients(tk.ops.tanh, [np.array([0.5, -1.0])])
"""
from .conformance import check_backend_conformance, check_case, isolated_registry
from .devices import opencl_device
from .gradcheck import check_gradients
from .samples import binary_pair, sample_cases, values

__all__ = ["check_gradients", "sample_cases", "check_backend_conformance", "check_case",
           "isolated_registry", "binary_pair", "values", "run_layer_test", "opencl_device"]


def __getattr__(name):
    if name == "run_layer_test":
        from .layer_test import run_layer_test
        return run_layer_test
    raise AttributeError(f"module 'tinykeras.testing' has no attribute {name!r}")
