"""The docstring examples of every module run and print what they say."""
import doctest
import importlib

import pytest

pytestmark = pytest.mark.opencl

MODULES = ["", ".array", ".device", ".codegen", ".elementwise", ".reduce", ".softmax", ".movement",
           ".matmul", ".conv", ".optimizers", ".kernels", ".plugin"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("tinykeras_opencl" + name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
