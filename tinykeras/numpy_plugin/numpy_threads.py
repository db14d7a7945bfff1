"""How many threads the NumPy backend uses: decided, not left to chance.

OpenBLAS, NumPy's BLAS, starts one thread per core and its threads spin
while they wait for work.  On an idle machine that makes one large product
faster; but between products the spinning threads hold the other cores
that tinykeras's own threads (``numpy_parallel``) need, and on a busy
machine a descheduled thread leaves the others spinning, and a training
step gets several times *slower* (a busy 2-core machine ran tutorial 09 in
180-257 s of wall time for 23 s of work).  So tinykeras does its threading
itself:

* **BLAS runs on one thread**: the policy pins it through
  ``threadpoolctl`` when it is first applied (and ``single_threaded_blas``
  pins the calling thread, for OpenBLAS).  The one exception is a large
  thin product (an MLP's batch, a ``predict`` on a small batch), which
  OpenBLAS threads better than pieces can (``numpy_parallel.matmul``);
* **tinykeras's own threads** cut large products and kernels into pieces
  (``numpy_parallel``), as many as there are *free* cores: every
  ``INTERVAL`` seconds (checked when a product runs) the policy reads how
  much CPU time other processes took on this process's cores
  (``/proc/stat`` minus our own CPU time; elsewhere the load average minus
  our own share), and uses the cores that are left, at least one.  A
  machine that gets busy drops to one thread within a few seconds, and
  gets its threads back when it is quiet again.  Small products (under
  ``SMALL_MATMUL`` multiply-adds, e.g. a batch-1 ``predict`` or a recurrent
  step) always run on one thread: threads cannot pay for their start there.

The knob is ``TINYKERAS_NUM_THREADS`` (read in ``tinykeras/_config.py``):
``auto`` (the default) is the policy above, at most 8 threads; a number
fixes the count (``1`` turns threading off).  ``POLICY.threads`` is the
count now in force.

>>> p = ThreadPolicy(fixed=1)
>>> p.threads, p.threads_for(1000, 1000, 1000)
(1, 1)
"""
import contextlib
import ctypes
import glob
import math
import os
import time

import numpy as np

from .. import _config

SMALL_MATMUL = 1 << 22   # multiply-adds below which a product runs on one thread
INTERVAL = 0.5           # seconds between two looks at the machine's load
SMOOTHING = 2.0          # seconds: time constant of the averaged load of other processes
MAX_THREADS = 8

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # pragma: no cover - threadpoolctl is a dependency; without it BLAS keeps its default
    ThreadpoolController = None


def usable_cpus():
    """The CPUs this process may run on (its affinity), as a sorted list."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return list(range(os.cpu_count() or 1))


def _busy_jiffies(cpus):
    """Busy clock ticks (all but idle and iowait) summed over ``cpus``, from
    ``/proc/stat``; None where there is no such file."""
    try:
        with open("/proc/stat") as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    wanted, total = {f"cpu{c}" for c in cpus}, 0
    for line in lines[1:]:
        fields = line.split()
        if not fields or not fields[0].startswith("cpu"):
            break
        if fields[0] in wanted:
            values = [int(v) for v in fields[1:9]]
            total += sum(values) - values[3] - values[4]
    return total


class ThreadPolicy:
    """The BLAS thread count: fixed, or chosen from the free cores (see the
    module docstring).  ``refresh()`` takes a new look at the machine;
    ``tick()`` does so when ``INTERVAL`` has passed (cheap enough to call
    before every product)."""

    def __init__(self, fixed=None, cpus=None):
        self.cpus = cpus or usable_cpus()
        self.fixed = fixed
        self.cap = fixed or min(len(self.cpus), MAX_THREADS)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        self.others = load       # averaged CPUs' worth of work by other processes (at first: all the load)
        self._guessed = True     # ``others`` is still that guess (the load average lags by a minute)
        self.threads = self.cap if fixed else self._for_free_cores()
        self._applied = None
        self._next = 0.0
        self._last = (time.monotonic(), self._own_cpu(), _busy_jiffies(self.cpus), load)
        self._own_load = 0.0

    @staticmethod
    def _own_cpu():
        t = os.times()
        return t.user + t.system

    def _measure_others(self):
        """CPUs' worth of other processes' work since the last look (None: too soon)."""
        now, own = time.monotonic(), self._own_cpu()
        busy = _busy_jiffies(self.cpus)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        then, own0, busy0, _ = self._last
        dt = now - then
        if dt < 0.05:
            return None, dt
        self._last = (now, own, busy, load)
        own_rate = (own - own0) / dt
        if busy is not None and busy0 is not None:
            return max(0.0, (busy - busy0) / os.sysconf("SC_CLK_TCK") / dt - own_rate), dt
        decay = math.exp(-dt / 60.0)                 # the load average's own time constant
        self._own_load = self._own_load * decay + own_rate * (1 - decay)
        return max(0.0, load - self._own_load), dt

    def refresh(self):
        """Look at the machine now and apply the thread count it calls for; returns it."""
        self._next = time.monotonic() + INTERVAL
        if self.fixed is None:
            others, dt = self._measure_others()
            if others is not None:   # the first real look replaces the load average's guess
                first_look = self._guessed and self._last[2] is not None
                weight = 1.0 if first_look else 1 - math.exp(-dt / SMOOTHING)
                self.others += weight * (others - self.others)
                self._guessed = False
            self.threads = self._for_free_cores()
        self._apply(self.threads)
        return self.threads

    def _for_free_cores(self):
        return max(1, min(self.cap, int(len(self.cpus) - self.others + 0.5)))

    def tick(self):
        """``refresh()`` if the last look is older than ``INTERVAL`` seconds."""
        if time.monotonic() >= self._next:
            self.refresh()

    def threads_for(self, m, k, n):
        """Threads for an ``(m, k) @ (k, n)`` product: one when it is small."""
        return 1 if m * k * n < SMALL_MATMUL else self.threads

    def _apply(self, n):
        """Pin BLAS to one thread (once); the first time, a BLAS limit set by
        the user (``OPENBLAS_NUM_THREADS`` & co.) becomes a ceiling on ``n``."""
        if self._applied is not None or ThreadpoolController is None:
            return
        controller = ThreadpoolController().select(user_api="blas")
        if self.fixed is None and controller.lib_controllers:
            self.cap = min(self.cap, *(lib.num_threads for lib in controller.lib_controllers))
            self.threads = min(n, self.cap)
        for lib in controller.lib_controllers:
            lib.set_num_threads(1)
        self._applied = 1


def _openblas_local_threads():
    """OpenBLAS's per-thread ``openblas_set_num_threads_local`` from NumPy's
    own copy of OpenBLAS, or None (another BLAS, or an older OpenBLAS)."""
    for path in glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")):
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


_SET_LOCAL = _openblas_local_threads()


@contextlib.contextmanager
def blas_threads(n):
    """Matrix products in this thread use ``n`` BLAS threads inside the block
    (OpenBLAS's per-thread setting; a no-op when NumPy's BLAS is not OpenBLAS).

    >>> with blas_threads(1):
    ...     (np.ones((2, 2)) @ np.ones((2, 2))).tolist()
    [[2.0, 2.0], [2.0, 2.0]]
    """
    if _SET_LOCAL is None:
        yield
        return
    previous = _SET_LOCAL(n)
    try:
        yield
    finally:
        _SET_LOCAL(previous)


def single_threaded_blas():
    """``blas_threads(1)``: products in this thread on one BLAS thread."""
    return blas_threads(1)


def _from_config():
    value = _config.num_threads()
    return ThreadPolicy(fixed=None if value == "auto" else value)


POLICY = _from_config()
