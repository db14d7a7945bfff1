"""Run every tutorial (``tutorials/NN_*.py``) as a script, in small mode.

Convention for tutorial authors:

* a tutorial is a plain script (``# %%`` cells) that must exit 0;
* it reads ``TINYKERAS_TUTORIAL_SMALL=1`` (set here) and then trains for
  fewer steps or on less data, so that the whole folder stays fast;
* it checks its own result with ``assert``;
* if an *optional* dependency is missing (matplotlib, a dataset package,
  ...) it prints why and exits with code **77**; this test then skips it
  with that message.  Any other non-zero exit code fails the test.

Tutorials run with the working directory set to a temporary folder, with
``MPLBACKEND=Agg``, and with the tinykeras under test first on ``PYTHONPATH``.
"""
import os
import pathlib
import subprocess
import sys

import pytest

import tinykeras

SKIP_EXIT_CODE = 77
TUTORIALS = sorted((pathlib.Path(__file__).parent.parent / "tutorials").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_runs(path, tmp_path):
    package_root = os.path.dirname(os.path.dirname(tinykeras.__file__))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    env.update(TINYKERAS_TUTORIAL_SMALL="1", MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([package_root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    proc = subprocess.run([sys.executable, str(path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode == SKIP_EXIT_CODE:
        pytest.skip(f"{path.name}: {output.splitlines()[-1] if output else 'optional dependency missing'}")
    assert proc.returncode == 0, f"{path.name} exited with {proc.returncode}:\n{output[-3000:]}"
