"""Testing helpers for tinykeras itself and for plugin authors.

* :func:`check_gradients`: autograd against float64 finite differences;
* :func:`sample_cases`: concrete inputs from an op's ``OpDef.sample`` spec;
* :func:`check_backend_conformance`: a backend's kernels against NumPy's;
* :func:`isolated_registry`: undo plugin registrations made in a block.

>>> import numpy as np, tinykeras as tk
>>> from tinykeras.testing import check_gradients
>>> check_gradients(tk.ops.tanh, [np.array([0.5, -1.0])])
"""
from .conformance import check_backend_conformance, check_case, isolated_registry
from .gradcheck import check_gradients
from .samples import binary_pair, sample_cases, values

__all__ = ["check_gradients", "sample_cases", "check_backend_conformance", "check_case",
           "isolated_registry", "binary_pair", "values"]
from .layer_test import run_layer_test  # noqa: E402,F401
