"""Shared pytest fixtures (keep this file small)."""
import pytest


@pytest.fixture
def clean_registry():
    """Undo plugin registrations and backend switches made by the test."""
    from tinykeras.testing import isolated_registry
    with isolated_registry():
        yield
