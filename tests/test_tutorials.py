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
# CPU s of the small run; measured 0.7-2.4 s each (07: 2.5 s, 12 s with an empty PoCL kernel cache)
BUDGETS = {"05_convnet": 4, "07_gpu_opencl": 10, "11_transfer_learning": 4}
DEFAULT_BUDGET = 3
TUTORIALS = sorted((pathlib.Path(__file__).parent.parent / "tutorials").glob("[0-9][0-9]_*.py"))


def run_script(path, cwd):
    """Run ``path`` as the test runs a tutorial: (CompletedProcess, CPU seconds of the child)."""
    package_root = os.path.dirname(os.path.dirname(tinykeras.__file__))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    # One BLAS thread: CPU time then counts work, not threads spinning on a busy machine.
    env.update(TINYKERAS_TUTORIAL_SMALL="1", MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, str(path)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return proc, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def check_budget(name, cpu_seconds, budget=None):
    budget = budget or BUDGETS.get(name, DEFAULT_BUDGET)
    assert cpu_seconds < 3 * budget, f"{name}.py took {cpu_seconds:.1f} CPU s, 3x its budget of {budget} s"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path):
    proc, cpu_seconds = run_script(path, tmp_path)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode == SKIP_EXIT_CODE:
        if "opencl" in path.stem and _config.require_opencl():
            pytest.fail(f"TINYKERAS_REQUIRE_OPENCL=1 and {path.name} found no OpenCL:\n{output[-3000:]}")
        pytest.skip(f"{path.name}: {output.splitlines()[-1] if output else 'optional dependency missing'}")
    assert proc.returncode == 0, f"{path.name} exited with {proc.returncode}:\n{output[-3000:]}"
    check_budget(path.stem, cpu_seconds)
    stray = [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
             if p.is_file() and "tutorial_output" not in p.relative_to(tmp_path).parts]
    assert stray == [], f"{path.name} wrote files outside tutorial_output/: {stray}"


def test_the_budget_counts_the_tutorials_cpu_time_not_wall_time(tmp_path):
    """The budget check can fail: a script that computes for 0.6 s is measured at
    0.6 CPU s (and fails a 0.1 s budget); one that sleeps 1 s costs next to nothing."""
    busy, idle = tmp_path / "busy.py", tmp_path / "idle.py"
    busy.write_text("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6:\n    pass\n")
    idle.write_text("import time\ntime.sleep(1.0)\n")
    _, busy_cpu = run_script(busy, tmp_path)
    _, idle_cpu = run_script(idle, tmp_path)
    assert 0.6 <= busy_cpu < 5 and idle_cpu < 0.5, (busy_cpu, idle_cpu)
    check_budget("busy", busy_cpu, budget=0.5)
    with pytest.raises(AssertionError, match=r"busy.py took \d\.\d CPU s, 3x its budget of 0.1 s"):
        check_budget("busy", busy_cpu, budget=0.1)


@pytest.mark.parametrize("where", ["tutorial_output", "tutorials/tutorial_output"])
def test_git_ignores_what_the_tutorials_write(where):
    """Run from the repository root or from tutorials/, ``git status`` stays clean."""
    root = pathlib.Path(__file__).parent.parent
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    proc = subprocess.run(["git", "check-ignore", "-v", f"{where}/digits_model.safetensors"], cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "tutorial_output/" in proc.stdout, proc.stdout + proc.stderr
