"""Fixtures for the example plugin's tests.

``example`` makes sure both plugins of the distribution are registered
(they are when ``pip install -e plugins/tinykeras-example`` was run; else
they are registered by hand) and undoes anything a test changes.
"""
import pytest


@pytest.fixture
def example():
    tke = pytest.importorskip("tinykeras_example")
    from tinykeras.core import registry
    from tinykeras.testing import isolated_registry
    import tinykeras_example.plugin
    import tinykeras_example.relu
    with isolated_registry():
        for name, module in [("example", tinykeras_example.plugin), ("example_relu", tinykeras_example.relu)]:
            if not registry.pm.is_registered(module):
                registry.register(module, name=name)
        yield tke
