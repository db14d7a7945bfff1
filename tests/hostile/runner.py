"""Run hostile cases, each in its own forked process under resource limits.

``python tests/hostile/runner.py cases.json`` imports tinykeras once, then
for every case forks a child that limits its address space to
:data:`MEMORY` bytes more than the parent uses and its time to
:data:`SECONDS` (``SIGALRM``), loads the file with ``load_model`` and runs
``inspect`` on it, and reports one JSON line: the outcome (``error``,
``loaded``, ``crash``, ``killed`` or ``timeout``), the exception's class
and its ValueError ancestry, the message, inspect's exit status, and
whether the case's canary file exists afterwards.
"""
import contextlib
import io
import json
import os
import resource
import signal
import sys
import time

MEMORY = 2 ** 30
SECONDS = 20


def _address_space():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _run(case):
    import tinykeras as tk
    from tinykeras.saving import inspect as tk_inspect
    out = {"name": case["name"]}
    start = time.monotonic()
    try:
        tk.models.load_model(case["path"], **case.get("kwargs", {}))
        out["outcome"] = "loaded"
    except Exception as exc:  # reported, judged by the test
        out.update(outcome="error", type=type(exc).__name__, value_error=isinstance(exc, ValueError),
                   message=str(exc)[:4000])
    out["seconds"] = round(time.monotonic() - start, 2)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            out["inspect"] = tk_inspect.main([case["path"]])
    except BaseException as exc:  # noqa: BLE001 - a crash is what the test looks for
        out["inspect"] = f"crash: {type(exc).__name__}: {str(exc)[:300]}"
    return out


def run_case(case, memory=MEMORY, seconds=SECONDS):
    """The result dict of one case, run in a forked child under the limits."""
    read, write = os.pipe()
    limit = _address_space() + memory
    pid = os.fork()
    if pid == 0:  # the child: limits, run, report, exit without cleanup
        os.close(read)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            signal.alarm(seconds)
            result = _run(case)
        except BaseException as exc:  # noqa: BLE001
            result = {"name": case["name"], "outcome": "crash", "type": type(exc).__name__,
                      "message": str(exc)[:2000]}
        os.write(write, json.dumps(result).encode("utf-8", "backslashreplace"))
        os._exit(0)
    os.close(write)
    chunks = []
    while True:
        chunk = os.read(read, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    if chunks:
        result = json.loads(b"".join(chunks))
    elif os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        result = {"name": case["name"], "outcome": "timeout"}
    else:
        result = {"name": case["name"], "outcome": "killed", "status": status}
    result["canary"] = os.path.exists(case["canary"])
    return result


def main(argv):
    import tinykeras  # noqa: F401 - imported once, before forking
    with open(argv[0]) as f:
        cases = json.load(f)
    for case in cases:
        print(json.dumps(run_case(case)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
