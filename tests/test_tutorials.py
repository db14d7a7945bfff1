"""Run every tutorial (``tutorials/NN_*.py``) as a script, in small mode.

Convention for tutorial authors:

* a tutorial is a plain script (``# %%`` cells) that must exit 0;
* it reads ``TINYKERAS_TUTORIAL_SMALL=1`` (set here) and then trains for
  fewer steps or on less data, so that the whole folder stays fast;
* it checks its own result with ``assert``;
* it writes files only into ``tutorial_output/`` under the working directory
  (git ignores that folder) or into a temporary folder, and says where;
* it stays within its time budget: ``BUDGETS`` below, in CPU seconds of the
  small run with one BLAS thread (CPU time, so a busy machine does not trip
  it); the test fails only at 3x the budget, so only a tutorial that grew much
  slower does.  The full run of every tutorial is under 60 s on 2 cores, all
  eleven together under 5 minutes;
* if an *optional* dependency is missing (matplotlib, a dataset package,
  ...) it prints why and exits with code **77**; this test then skips it
  with that message.  Any other non-zero exit code fails the test.
  With ``TINYKERAS_REQUIRE_OPENCL=1`` (CI) an OpenCL tutorial that skips fails.

Tutorials run with the working directory set to a temporary folder, with
``MPLBACKEND=Agg``, and with the tinykeras under test first on ``PYTHONPATH``.
"""
import os
import pathlib
import subprocess
import sys

import resource

import pytest

import tinykeras
from tinykeras import _config

SKIP_EXIT_CODE = 77
BUDGETS = {"07_gpu_opencl": 10, "09_sequences": 10}   # CPU s of the small run (others: DEFAULT)
DEFAULT_BUDGET = 5
TUTORIALS = sorted((pathlib.Path(__file__).parent.parent / "tutorials").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path):
    package_root = os.path.dirname(os.path.dirname(tinykeras.__file__))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    # One BLAS thread: CPU time then counts work, not threads spinning on a busy machine.
    env.update(TINYKERAS_TUTORIAL_SMALL="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode == SKIP_EXIT_CODE:
        if "opencl" in path.stem and _config.require_opencl():
            pytest.fail(f"TINYKERAS_REQUIRE_OPENCL=1 and {path.name} found no OpenCL:\n{output[-3000:]}")
        pytest.skip(f"{path.name}: {output.splitlines()[-1] if output else 'optional dependency missing'}")
    assert proc.returncode == 0, f"{path.name} exited with {proc.returncode}:\n{output[-3000:]}"
    budget = BUDGETS.get(path.stem, DEFAULT_BUDGET)
    assert cpu_seconds < 3 * budget, f"{path.name} took {cpu_seconds:.0f} CPU s, budget {budget} s"
    stray = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
             if p.is_file() and "tutorial_output" not in p.relative_to(tmp_path).parts]
    assert stray == [], f"{path.name} wrote files outside tutorial_output/: {stray}"
