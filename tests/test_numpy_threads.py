"""The BLAS threading policy (tinykeras/numpy_plugin/numpy_threads.py): thread
counts from simulated machine load, the knob, and the matmul kernel's
results (no timing: what is checked is the decision and the numbers)."""
import types

import numpy as np
import pytest

from tinykeras import _config
from tinykeras.numpy_plugin import numpy_parallel
from tinykeras.numpy_plugin import numpy_threads as nt


class FakeMachine:
    """A clock, our own CPU time and /proc/stat's busy ticks, all under the test's control."""

    def __init__(self, monkeypatch, cpus=2):
        self.now, self.own, self.busy = 100.0, 0.0, 0
        self.tck = nt.os.sysconf("SC_CLK_TCK") if hasattr(nt.os, "sysconf") else 100
        monkeypatch.setattr(nt, "time", types.SimpleNamespace(monotonic=lambda: self.now))
        monkeypatch.setattr(nt, "_busy_jiffies", lambda cpus: self.busy)
        monkeypatch.setattr(nt.ThreadPolicy, "_own_cpu", staticmethod(lambda: self.own))
        monkeypatch.setattr(nt.ThreadPolicy, "_apply", lambda policy, n: None)
        monkeypatch.setattr(nt.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
        self.policy = nt.ThreadPolicy(cpus=list(range(cpus)))

    def run(self, seconds, ours, others):
        """``seconds`` pass with ``ours`` and ``others`` CPUs busy; the policy looks each interval."""
        for _ in range(int(seconds / nt.INTERVAL)):
            self.now += nt.INTERVAL
            self.own += ours * nt.INTERVAL
            self.busy += round((ours + others) * nt.INTERVAL * self.tck)
            self.policy.tick()
        return self.policy.threads


def test_quiet_machine_gets_every_core(monkeypatch):
    m = FakeMachine(monkeypatch, cpus=2)
    assert m.run(5, ours=2, others=0) == 2


def test_busy_machine_drops_to_one_thread_and_recovers(monkeypatch):
    m = FakeMachine(monkeypatch, cpus=2)
    assert m.run(5, ours=2, others=0) == 2
    assert m.run(10, ours=0.7, others=1.3) == 1     # two busy processes on two cores
    assert m.run(10, ours=1, others=1) == 1         # one competitor: one core left for us
    assert m.run(10, ours=1, others=0.05) == 2      # quiet again


def test_four_cores_one_competitor_leaves_three(monkeypatch):
    m = FakeMachine(monkeypatch, cpus=4)
    assert m.run(10, ours=3, others=1) == 3


def test_load_average_is_used_without_proc_stat(monkeypatch):
    m = FakeMachine(monkeypatch, cpus=2)
    monkeypatch.setattr(nt, "_busy_jiffies", lambda cpus: None)
    monkeypatch.setattr(nt.os, "getloadavg", lambda: (3.0, 3.0, 3.0))
    assert m.run(5, ours=0.5, others=0) == 1
    monkeypatch.setattr(nt.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert m.run(10, ours=0.2, others=0) == 2


def test_busy_at_start_starts_with_one_thread(monkeypatch):
    monkeypatch.setattr(nt.os, "getloadavg", lambda: (4.0, 4.0, 4.0))
    assert nt.ThreadPolicy(cpus=[0, 1]).threads == 1


def test_fixed_count_ignores_the_load(monkeypatch):
    m = FakeMachine(monkeypatch, cpus=2)
    m.policy = nt.ThreadPolicy(fixed=3, cpus=[0, 1])
    assert m.run(5, ours=0.5, others=1.5) == 3
    assert m.policy.threads_for(64, 64, 512) == 1           # small: one thread
    assert m.policy.threads_for(128, 784, 512) == 3


@pytest.mark.parametrize("value, expected", [("", "auto"), ("auto", "auto"), ("AUTO", "auto"), ("3", 3)])
def test_knob(monkeypatch, value, expected):
    monkeypatch.setenv("TINYKERAS_NUM_THREADS", value)
    assert _config.num_threads() == expected


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_knob_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("TINYKERAS_NUM_THREADS", value)
    with pytest.raises(ValueError, match="TINYKERAS_NUM_THREADS.*auto"):
        _config.num_threads()


def test_apply_pins_numpys_blas_to_one_thread():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    policy = nt.ThreadPolicy(fixed=2)
    controller = threadpoolctl.ThreadpoolController().select(user_api="blas")
    if not controller.lib_controllers:
        pytest.skip("NumPy's BLAS is not one threadpoolctl knows")
    before = [lib.num_threads for lib in controller.lib_controllers]
    try:
        policy.refresh()
        assert policy.threads == 2                  # tinykeras's own threads, not BLAS's
        assert [lib.num_threads for lib in
                threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers] == [1] * len(before)
    finally:
        for lib, n in zip(controller.lib_controllers, before):
            lib.set_num_threads(n)
        nt.POLICY._applied = None   # the global policy re-applies its own count


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((300, 200), (200, 100)), ((2, 3, 4), (4, 2)),
                                    ((4,), (4,)), ((5, 4), (4,)), ((2, 64, 128), (128, 512)),
                                    ((40, 700), (700, 300)), ((8, 64, 64), (8, 64, 32)), ((3, 70, 128, 64), (64, 40)),
                                    ((2, 3, 64, 64), (2, 3, 64, 64)), ((1, 512, 512), (512, 64)),
                                    ((512, 64), (80, 64, 64)), ((6, 5), (3, 5, 4)), ((2048, 64), (64, 300)),
                                    ((64, 2048), (2048, 64))])
def test_matmul_kernel_matches_numpy(shapes, threads, monkeypatch):
    """The pieces (by batch, rows or columns) give NumPy's product."""
    monkeypatch.setattr(nt.POLICY, "threads", threads)
    monkeypatch.setattr(nt.POLICY, "_next", float("inf"))     # no new look at the machine
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    out = numpy_parallel.matmul(a, b)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-12, atol=1e-12 * np.abs(a).sum(-1).max())
    assert out.shape == np.matmul(a, b).shape


def test_big_products_are_cut_into_pieces(monkeypatch):
    monkeypatch.setattr(nt.POLICY, "threads", 2)
    monkeypatch.setattr(nt.POLICY, "_next", float("inf"))
    calls = []
    real = numpy_parallel.pieces
    monkeypatch.setattr(numpy_parallel, "pieces", lambda fn, n, *a, **k: calls.append(n) or real(fn, n, *a, **k))
    numpy_parallel.matmul(np.ones((128, 784), np.float32), np.ones((784, 512), np.float32))   # thin: BLAS's threads
    numpy_parallel.matmul(np.ones((4096, 64), np.float32), np.ones((64, 64), np.float32))     # by rows
    numpy_parallel.matmul(np.ones((64, 4096), np.float32), np.ones((4096, 64), np.float32))   # long sums: by rows
    numpy_parallel.matmul(np.ones((8, 2048), np.float32), np.ones((2048, 1024), np.float32))  # few rows: BLAS's threads
    numpy_parallel.matmul(np.ones((64, 4, 64, 16), np.float32), np.ones((64, 4, 16, 64), np.float32))
    numpy_parallel.matmul(np.ones((1, 784), np.float32), np.ones((784, 512), np.float32))     # small: none
    numpy_parallel.matmul(np.ones((512, 64), np.float32), np.ones((80, 64, 64), np.float32))  # by the stack
    assert calls == [4096, 64, 64, 80]


def test_worker_errors_reach_the_caller():
    def fail(lo, hi):
        if lo:
            raise ValueError("piece failed")
    with pytest.raises(ValueError, match="piece failed"):
        numpy_parallel.pieces(fail, 4, nbytes=1 << 30, threads=2)
    assert numpy_parallel.pieces(lambda lo, hi: hi - lo, 4, nbytes=1 << 30, threads=2) == [1, 1, 1, 1]


def test_single_threaded_blas_restores_the_setting():
    if nt._SET_LOCAL is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS")
    before = nt._SET_LOCAL(0)
    nt._SET_LOCAL(before)
    with nt.single_threaded_blas():
        assert nt._SET_LOCAL(1) == 1
    assert nt._SET_LOCAL(before) == before


def test_first_look_at_proc_stat_replaces_the_load_average_guess(monkeypatch):
    m = FakeMachine(monkeypatch, cpus=2)
    monkeypatch.setattr(nt.os, "getloadavg", lambda: (2.0, 2.0, 2.0))   # the last program just ended
    m.policy = nt.ThreadPolicy(cpus=[0, 1])
    assert m.policy.threads == 1
    assert m.run(0.5, ours=1, others=0) == 2         # one look: quiet now, both cores at once
    m.policy = nt.ThreadPolicy(cpus=[0, 1])
    assert m.run(0.5, ours=1, others=1) == 1         # really busy: stays at one
    assert m.run(1.0, ours=1, others=0) == 1         # later looks are smoothed, as before


def test_pieces_from_two_program_threads_at_once():
    """Two threads of a program cutting work at the same time (one of them
    gets the workers, the other works alone) both get every piece done."""
    import threading
    import time
    start, results = threading.Barrier(2), {}

    def caller(name):
        start.wait(timeout=5)
        results[name] = numpy_parallel.pieces(lambda lo, hi: time.sleep(0.01) or (lo, hi), 8, nbytes=1 << 30,
                                              threads=2)

    threads = [threading.Thread(target=caller, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    expected = [(i, i + 1) for i in range(8)]
    assert results == {"a": expected, "b": expected}
