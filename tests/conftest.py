"""Shared pytest fixtures (keep this file small)."""
import pytest


def pytest_terminal_summary(terminalreporter):
    """Say once why OpenCL tests were skipped (``pytest -q`` shows only counts)."""
    reasons = [str(report.longrepr[-1]).removeprefix("Skipped: ") for report in terminalreporter.stats.get("skipped", [])
               if isinstance(report.longrepr, tuple) and "OpenCL" in str(report.longrepr[-1])]
    if reasons:
        terminalreporter.write_line(f"{len(reasons)} OpenCL tests skipped: {reasons[0]}")


@pytest.fixture
def clean_registry():
    """Undo plugin registrations and backend switches made by the test."""
    from tinykeras.testing import isolated_registry
    with isolated_registry():
        yield
