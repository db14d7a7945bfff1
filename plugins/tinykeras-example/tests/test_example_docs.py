"""``docs/plugins.md`` quotes the example's files: every code block marked
``<!-- from PATH -->`` must appear, verbatim, in that file; and the sample
output marked ``<!-- output of: ENV python -m tinykeras plugins -->`` is what
that command prints today, but for the machine's device and NumPy version.
``python plugins/tinykeras-example/tests/test_example_docs.py`` rewrites it."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
GUIDE = ROOT / "docs" / "plugins.md"
QUOTE = re.compile(r"<!-- from (\S+) -->\n```\w*\n(.*?)\n```", re.S)
OUTPUT = re.compile(r"(<!-- output of: (\S+) python -m tinykeras plugins -->\n```text\n)(.*?)(\n```)", re.S)
MACHINE = re.compile(r"^(  \S+ +from \S+: \d+ kernels[^;]*); .*$", re.M)  # "; <device>" on backend lines


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


def plugins_output(env_assignment):
    """What ``ENV python -m tinykeras plugins`` prints (ENV: ``NAME=value``)."""
    import tinykeras
    name, value = env_assignment.split("=", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    env[name] = value
    env["PYTHONPATH"] = os.pathsep.join([str(pathlib.Path(tinykeras.__file__).parents[1]),
                                         env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    proc = subprocess.run([sys.executable, "-m", "tinykeras", "plugins"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.rstrip("\n")


def test_the_sample_plugins_output_is_what_the_code_prints():
    if not GUIDE.exists():
        pytest.skip("docs/plugins.md not found")
    pytest.importorskip("tinykeras_opencl", reason="the sample lists tinykeras-opencl's backend")
    (head, env, sample, tail), = OUTPUT.findall(GUIDE.read_text())
    real = plugins_output(env)
    assert MACHINE.sub(r"\1; ...", sample) == MACHINE.sub(r"\1; ...", real), (
        f"docs/plugins.md's sample `plugins` output is stale; rewrite it with "
        f"`python {pathlib.Path(__file__).relative_to(ROOT)}`. Today it is:\n{real}")


if __name__ == "__main__":
    text = GUIDE.read_text()
    GUIDE.write_text(OUTPUT.sub(lambda m: m.group(1) + plugins_output(m.group(2)) + m.group(4), text))
    print(f"rewrote the sample output in {GUIDE}")
