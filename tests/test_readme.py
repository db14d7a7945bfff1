"""The README's promises: CI runs exactly its set-up and test commands, its
autograd example runs and gives what it says, and the docs site builds with
warnings as errors."""
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blocks(language):
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_ci_runs_exactly_the_readme_setup_and_test_commands():
    setup, test, main_job = (block.strip() for block in _blocks("bash")[:3])
    ci = [line.strip() for line in open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8")
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert ci == [setup, test]
    assert main_job.startswith("python3 tutorials/")
    assert os.path.exists(os.path.join(ROOT, main_job.split()[1]))


def test_readme_autograd_example_runs(tmp_path):
    code = _blocks("python")[0]
    assert len(code.strip().splitlines()) <= 14
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         check=True).stdout
    assert out.strip() == "[1. 2.]"


def test_docs_site_builds_with_warnings_as_errors(tmp_path):
    if shutil.which("mkdocs") is None and not _has_module("mkdocs"):
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                             str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def _has_module(name):
    import importlib.util
    return importlib.util.find_spec(name) is not None


def test_every_docs_page_is_in_the_site_nav_and_the_package_has_a_home():
    nav = open(os.path.join(ROOT, "mkdocs.yml"), encoding="utf-8").read()
    pages = sorted(f for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    assert [p for p in pages if f": {p}" not in nav] == []
    import configparser
    meta = configparser.ConfigParser()
    meta.read(os.path.join(ROOT, "setup.cfg"))
    assert meta["metadata"]["url"].startswith("https://") and meta["metadata"]["author"]
