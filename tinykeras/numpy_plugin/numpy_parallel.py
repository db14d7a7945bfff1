"""Running the big NumPy kernels (products, convolutions, attention) on every core.

NumPy's element-wise loops and BLAS products use one thread, but release
the GIL, so the batch (or the rows of a product) can be cut into pieces
that Python threads work on at once (:func:`pieces`, :func:`parallel`,
:func:`matmul`).  BLAS itself stays on one thread (``numpy_threads``): the
pieces are the parallelism, and OpenBLAS's own threads, which spin while
they wait, would only compete with them (on a busy machine that doubled a
training step's time).  The threads wait for work on locks (``_Workers``);
waking one still costs 60-150 µs on a virtual machine, so only work well
above that is cut.  ``TINYKERAS_NUM_THREADS`` sets the
number of threads (default: the free cores, at most 8; see ``numpy_threads``).

:func:`tune_malloc` is a process-wide setting applied when the NumPy
backend loads (``TINYKERAS_MALLOC_TUNING=0`` skips it).

>>> out = np.zeros(6)
>>> parallel(lambda a: a.__iadd__(1), out, min_size=1)
>>> out.tolist()
[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
"""
import ctypes
import os
import threading

import numpy as np

from .. import _config
from .numpy_threads import POLICY, blas_threads, single_threaded_blas

WORKERS = POLICY.cap       # threads that work on pieces (TINYKERAS_NUM_THREADS)
PIECE_BYTES = 32 << 20      # pieces are cut so that their temporaries stay below this
BIG_ELEMENTWISE = 1 << 21   # elements: an element-wise kernel on fewer runs in one piece (measured: a relu
                            # or add on 2**20 elements is faster in one piece, on 2**21 in two)
FEW_ROWS = 64               # a 2-D product of fewer rows is threaded by BLAS, not cut into pieces ...
THIN = 1024                 # ... and so is one of fewer rows than this over at most as many terms
_LOCAL = threading.local()  # .inside: this thread is working on a piece (no nested pieces)


def tune_malloc(mmap_threshold=32 << 20, trim_threshold=128 << 20):
    """Ask glibc to serve arrays up to 32 MB from its heap and to keep up to
    128 MB of freed memory, instead of mapping fresh pages for every large
    temporary (each then costs a page fault per 4 KB on first write).  A
    training step allocates dozens of such arrays; this saves about a fifth
    of its CPU time.  Linux/glibc only.  Returns True when applied."""
    if not _config.malloc_tuning():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-3, mmap_threshold) and libc.mallopt(-1, trim_threshold))  # M_MMAP/M_TRIM
    except (OSError, AttributeError):
        return False


class _Workers:
    """Threads that wait for work, each woken by releasing its own lock
    (faster than ``concurrent.futures``'s queue).  Started when first
    needed; forgotten in a forked child (its threads are not there)."""

    def __init__(self):
        self.go, self.done, self.jobs, self.errors = [], [], [], []
        self.busy = threading.Lock()     # held by the one caller the workers serve

    def _start_one(self):
        i = len(self.go)
        go, done = threading.Lock(), threading.Lock()
        go.acquire()
        done.acquire()
        self.go.append(go)
        self.done.append(done)
        self.jobs.append(None)
        self.errors.append(None)
        threading.Thread(target=self._serve, args=(i,), daemon=True, name=f"tinykeras-numpy-{i}").start()

    def _serve(self, i):
        while True:
            self.go[i].acquire()
            try:
                self.jobs[i]()
            except BaseException as exc:   # handed to the caller by run()
                self.errors[i] = exc
            self.done[i].release()

    def run(self, job, helpers):
        """``job()`` on this thread and on ``helpers`` workers at once (on
        this thread alone while another thread of the program has them)."""
        if not self.busy.acquire(blocking=False):
            job()
            return
        try:
            while len(self.go) < helpers:
                self._start_one()
            for i in range(helpers):
                self.jobs[i], self.errors[i] = job, None
                self.go[i].release()
            try:
                job()
            finally:
                for i in range(helpers):
                    self.done[i].acquire()
        finally:
            self.busy.release()
        error = next((e for e in self.errors[:helpers] if e is not None), None)
        if error is not None:
            raise error


_WORKERS = _Workers()
os.register_at_fork(after_in_child=lambda: _WORKERS.__init__())


def pieces(fn, n, nbytes, min_bytes=1 << 20, threads=None):
    """``[fn(lo, hi) for (lo, hi) in ranges]``: ``range(n)`` (the batch) cut
    into pieces, worked on by up to ``WORKERS`` threads (the calling thread
    included), each with single-threaded BLAS.

    ``nbytes`` is the size of the temporaries the whole batch needs: work
    under ``min_bytes`` stays in one piece, and pieces are made small enough
    to keep their temporaries under ``PIECE_BYTES``.  ``threads`` caps the
    threads that take part (default ``WORKERS``).

    >>> pieces(lambda lo, hi: (lo, hi), 10, nbytes=4 << 20)[0][0]
    0
    """
    if n == 0:  # an empty batch: the outputs are empty already
        return []
    count = max(1, -(-nbytes // PIECE_BYTES))
    if nbytes >= min_bytes and WORKERS > 1:
        count = max(count, WORKERS)
    count = max(1, min(count, n))
    bounds = [n * i // count for i in range(count + 1)]
    ranges = list(zip(bounds[:-1], bounds[1:]))
    results = [None] * count
    claimed, lock = [0], threading.Lock()

    def work():
        outer = getattr(_LOCAL, "inside", False)
        _LOCAL.inside = True
        try:
            with single_threaded_blas():
                while True:
                    with lock:
                        i = claimed[0]
                        claimed[0] += 1
                    if i >= count:
                        return
                    results[i] = fn(*ranges[i])
        finally:
            _LOCAL.inside = outer

    nested = getattr(_LOCAL, "inside", False)   # already in a piece: no more threads
    helpers = 0 if count == 1 or nested else min(threads or WORKERS, WORKERS, count) - 1
    if helpers > 0:
        _WORKERS.run(work, helpers)
    else:
        work()
    return results


def parallel(fn, *arrays, min_size=1 << 18):
    """``fn(*arrays)`` on pieces of the batch axis, in threads; ``fn`` writes
    its results into the (sliced) arrays.  Arrays under ``min_size``
    elements are done in one piece."""
    first = arrays[0]
    nbytes = first.size * first.itemsize if first.size >= min_size else 0
    pieces(lambda lo, hi: fn(*[a[lo:hi] for a in arrays]), first.shape[0], nbytes, min_bytes=1)


def elementwise(fn, dtype, *arrays):
    """``fn(*arrays, out=out)`` for arrays that broadcast together, into a new
    array of ``dtype``: in pieces of the first axis on threads when it is big
    and the thread policy sees free cores (an array that broadcasts along
    that axis, such as a bias, goes whole to every piece).

    >>> elementwise(lambda x, out: np.maximum(x, 0, out=out), np.float32, np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    >>> elementwise(np.add, np.float64, np.zeros((2, 2)), np.array([1.0, 2.0])).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    shape = arrays[0].shape if len(arrays) == 1 else np.broadcast_shapes(*(a.shape for a in arrays))
    out = np.empty(shape, dtype)
    if out.size < BIG_ELEMENTWISE or out.ndim == 0 or POLICY.threads < 2:
        fn(*arrays, out=out)
    else:
        cut = [a.ndim == out.ndim and a.shape[0] == shape[0] for a in arrays]
        pieces(lambda lo, hi: fn(*[a[lo:hi] if c else a for a, c in zip(arrays, cut)], out=out[lo:hi]),
               shape[0], nbytes=1, min_bytes=1)
    return out


def matmul(a, b):
    """The NumPy backend's ``matmul``: ``np.matmul(a, b)``, always an array.

    A stack of inputs times one matrix is one 2-D product (NumPy would run
    one small product per row of the stack).  A large product is cut into
    pieces that threads work on, each with one BLAS thread: a stack of
    products (or one matrix times a stack, as the LSTM's time-major input
    projection) by its batch, a 2-D product by its rows.  A thin 2-D
    product, fewer than ``FEW_ROWS`` rows (a ``predict`` on a small batch)
    or fewer than ``THIN`` rows over at most ``THIN`` terms (an MLP's batch,
    forward and backward), runs on OpenBLAS's own threads instead: they
    need no waking, and measured faster there (an MLP epoch 6% faster).
    Longer sums (a transformer's weight gradients, over 4096 tokens)
    measured slower on them.

    >>> matmul(np.ones((2, 3, 4)), np.ones((4, 5))).shape
    (2, 3, 5)
    """
    if b.ndim == 2 and a.ndim > 2 and a.flags.c_contiguous:
        return matmul(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[-1],))
    POLICY.tick()                   # (its first look pins BLAS to one thread)
    times_stack = a.ndim == 2 and b.ndim == 3     # one matrix times a stack: cut by the stack
    rows = a.shape[0] * b.shape[0] if times_stack else a.size // max(a.shape[-1], 1)
    threads = 1 if a.ndim < 2 or b.ndim < 2 else POLICY.threads_for(rows, a.shape[-1], b.shape[-1])
    same_stack = a.ndim == b.ndim and (a.ndim == 2 or a.shape[0] == b.shape[0])
    if threads < 2 or getattr(_LOCAL, "inside", False) or not (same_stack or times_stack):
        out = np.matmul(a, b)
        return out if type(out) is np.ndarray else np.asarray(out)
    if a.ndim == 2 and b.ndim == 2 and (a.shape[0] < FEW_ROWS or a.shape[0] < THIN and a.shape[1] <= THIN):
        with blas_threads(threads):
            return np.matmul(a, b)
    if times_stack:                               # by the stack
        out = np.empty((b.shape[0], a.shape[0], b.shape[-1]), np.result_type(a, b))
        piece = lambda lo, hi: np.matmul(a, b[lo:hi], out=out[lo:hi])
    else:                                         # a stack of products by its batch, a 2-D product by its rows
        out = np.empty(a.shape[:-1] + b.shape[-1:], np.result_type(a, b))
        piece = lambda lo, hi: np.matmul(a[lo:hi], b[lo:hi] if a.ndim > 2 else b, out=out[lo:hi])
    pieces(piece, out.shape[0], out.nbytes, min_bytes=0, threads=threads)
    return out
