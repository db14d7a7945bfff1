"""``docs/plugins.md`` quotes the example's files: every code block marked
``<!-- from PATH -->`` must appear, verbatim, in that file."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "plugins.md"
QUOTE = re.compile(r"<!-- from (\S+) -->\n```\w*\n(.*?)\n```", re.S)


def quotes():
    if not GUIDE.exists():
        return []
    return QUOTE.findall(GUIDE.read_text())


@pytest.mark.parametrize("path, block", quotes() or [pytest.param(None, None, marks=pytest.mark.skip(
    reason="docs/plugins.md not found (the plugin is not in the tinykeras repository)"))])
def test_quoted_code_is_current(path, block):
    source = (ROOT / path).read_text()
    assert block in source, f"docs/plugins.md quotes {path}, which no longer contains:\n{block}"


def test_every_example_module_is_quoted():
    if not GUIDE.exists():
        pytest.skip("docs/plugins.md not found")
    quoted = {path for path, _ in quotes()}
    for module in ("ops", "opencl", "layers", "plugin", "relu"):
        assert f"plugins/tinykeras-example/tinykeras_example/{module}.py" in quoted, module
