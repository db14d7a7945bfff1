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


def _blocks(language, path="README.md"):
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_ci_runs_exactly_the_readme_setup_and_test_commands():
    setup, test, main_job = (block.strip() for block in _blocks("bash")[:3])
    ci = [line.strip() for line in open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8")
          if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert [line for line in ci if line in (setup, test)] == [setup, test]
    # in between, only CI's own scripts and switches (a working OpenCL, no skipping it)
    for line in ci:
        if line not in (setup, test):
            assert re.fullmatch(r"bash \.ci/[\w-]+|export TINYKERAS_\w+=\w+", line), line
            assert not line.startswith("bash") or os.path.exists(os.path.join(ROOT, line.split()[1]))
    assert main_job.startswith("python3 tutorials/")
    assert os.path.exists(os.path.join(ROOT, main_job.split()[1]))


def test_the_docs_home_page_gives_the_readme_commands():
    setup, test = (block.strip() for block in _blocks("bash")[:2])
    docs = "\n".join(_blocks("bash", os.path.join("docs", "index.md")))
    assert setup in docs.splitlines() and test in docs.splitlines()
    assert "pip install -e \".[test]\"" not in docs   # collects plugins/ without installing them


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
