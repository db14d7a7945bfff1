"""The generated hostile corpus (tests/hostile/corpus.py), each file loaded in
its own process with 1 GiB more address space and 20 s (tests/hostile/runner.py).

Every case must end in a ``ValueError``-family error whose message names the
file and matches the part at fault; ``inspect`` must report (exit status 0
or 1), never crash; no canary file may appear.  Issue 17's classes 1-7.
"""
import json
import os
import re
import subprocess
import sys

import pytest

from hostile import corpus

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "hostile", "runner.py")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("corpus"))
    cases = corpus.build(folder)
    listing = os.path.join(folder, "cases.json")
    with open(listing, "w") as f:
        json.dump(cases, f)
    run = subprocess.run([sys.executable, RUNNER, listing], capture_output=True, text=True,
                         timeout=60 * len(cases), env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return cases, {r["name"]: r for r in lines}


def test_every_class_has_several_cases(results):
    cases, _ = results
    counts = {cls: sum(c["cls"] == cls for c in cases) for cls in range(1, 8)}
    assert all(n >= 3 for n in counts.values()), counts


def test_every_case_is_refused_within_limits(results):
    cases, found = results
    problems = []
    for case in cases:
        r = found.get(case["name"], {"outcome": "missing"})
        message = r.get("message", "")
        if r["outcome"] != "error" or not r.get("value_error"):
            problems.append(f"{case['name']}: {r['outcome']} {r.get('type', '')}: {message[:300]}")
        elif case["names"] not in message or not re.search(case["expect"], message):
            problems.append(f"{case['name']}: the message does not name the file and "
                            f"/{case['expect']}/: {message[:400]}")
        if r.get("inspect") not in (0, 1, None) or r.get("canary"):
            problems.append(f"{case['name']}: inspect {r.get('inspect')}, canary {r.get('canary')}")
    assert not problems, "\n".join(problems)
