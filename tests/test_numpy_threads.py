"""The BLAS threading policy (tinykeras/numpy_plugin/numpy_threads.py): thread
counts from simulated machine load, the knob, and the matmul kernel's
results (no timing: what is checked is the decision and the numbers)."""
import types

import numpy as np
import pytest

from tinykeras import _config
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
    assert m.policy.blas_threads_for(64, 64, 512) == 1           # small: one thread
    assert m.policy.blas_threads_for(128, 784, 512) == 3


@pytest.mark.parametrize("value, expected", [("", "auto"), ("auto", "auto"), ("AUTO", "auto"), ("3", 3)])
def test_knob(monkeypatch, value, expected):
    monkeypatch.setenv("TINYKERAS_NUM_THREADS", value)
    assert _config.num_threads() == expected


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_knob_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("TINYKERAS_NUM_THREADS", value)
    with pytest.raises(ValueError, match="TINYKERAS_NUM_THREADS.*auto"):
        _config.num_threads()


def test_apply_sets_numpys_blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    policy = nt.ThreadPolicy(fixed=1)
    controller = threadpoolctl.ThreadpoolController().select(user_api="blas")
    if not controller.lib_controllers:
        pytest.skip("NumPy's BLAS is not one threadpoolctl knows")
    before = [lib.num_threads for lib in controller.lib_controllers]
    try:
        policy.refresh()
        assert [lib.num_threads for lib in
                threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers] == [1] * len(before)
    finally:
        for lib, n in zip(controller.lib_controllers, before):
            lib.set_num_threads(n)
        nt.POLICY._applied = None   # the global policy re-applies its own count


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((300, 200), (200, 100)), ((2, 3, 4), (4, 2)),
                                    ((4,), (4,)), ((5, 4), (4,)), ((2, 64, 128), (128, 512))])
def test_matmul_kernel_matches_numpy(shapes):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    out = nt.matmul(a, b)
    assert type(out) is np.ndarray
    np.testing.assert_allclose(out, np.matmul(a, b), rtol=1e-12)


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
