"""Running the big NumPy kernels (convolutions, pools) on every core.

NumPy's element-wise loops use one thread, but release the GIL, so the
batch can be cut into pieces that Python threads work on at once
(:func:`pieces`, :func:`parallel`).  Matrix products inside a piece run
with single-threaded BLAS (:func:`single_threaded_blas`): the pieces are
the parallelism, and OpenBLAS's own threads, which spin while they wait,
would only compete with them (on a busy machine that doubled a training
step's time).  ``TINYKERAS_NUM_THREADS`` sets the number of threads
(default: the CPU count, at most 8; see ``numpy_threads``).

:func:`tune_malloc` is a process-wide setting applied when the NumPy
backend loads (``TINYKERAS_MALLOC_TUNING=0`` skips it).

>>> out = np.zeros(6)
>>> parallel(lambda a: a.__iadd__(1), out, min_size=1)
>>> out.tolist()
[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
"""
import ctypes
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import _config
from .numpy_threads import POLICY, single_threaded_blas

WORKERS = POLICY.cap       # threads that work on pieces (TINYKERAS_NUM_THREADS)
PIECE_BYTES = 32 << 20      # pieces are cut so that their temporaries stay below this
BIG_ELEMENTWISE = 1 << 20   # elements: an element-wise kernel on fewer runs in one piece
_EXECUTOR = []
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


def _executor():
    if not _EXECUTOR:
        _EXECUTOR.append(ThreadPoolExecutor(WORKERS - 1, thread_name_prefix="tinykeras-numpy"))
    return _EXECUTOR[0]


def pieces(fn, n, nbytes, min_bytes=1 << 20):
    """``[fn(lo, hi) for (lo, hi) in ranges]``: ``range(n)`` (the batch) cut
    into pieces, worked on by up to ``WORKERS`` threads (the calling thread
    included), each with single-threaded BLAS.

    ``nbytes`` is the size of the temporaries the whole batch needs: work
    under ``min_bytes`` stays in one piece, and pieces are made small enough
    to keep their temporaries under ``PIECE_BYTES``.

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
    helpers = [] if count == 1 or WORKERS == 1 or nested else \
        [_executor().submit(work) for _ in range(min(WORKERS, count) - 1)]
    work()
    for helper in helpers:
        helper.result()
    return results


def parallel(fn, *arrays, min_size=1 << 18):
    """``fn(*arrays)`` on pieces of the batch axis, in threads; ``fn`` writes
    its results into the (sliced) arrays.  Arrays under ``min_size``
    elements are done in one piece."""
    first = arrays[0]
    nbytes = first.size * first.itemsize if first.size >= min_size else 0
    pieces(lambda lo, hi: fn(*[a[lo:hi] for a in arrays]), first.shape[0], nbytes, min_bytes=1)


def elementwise(fn, dtype, *arrays):
    """``fn(*arrays, out=out)`` for arrays of one shape, into a new array of
    ``dtype``: in pieces of the first axis on threads when it is big and the
    thread policy sees free cores.

    >>> elementwise(lambda x, out: np.maximum(x, 0, out=out), np.float32, np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    first = arrays[0]
    out = np.empty(first.shape, dtype)
    if first.size < BIG_ELEMENTWISE or first.ndim == 0 or POLICY.threads < 2:
        fn(*arrays, out=out)
    else:
        pieces(lambda lo, hi: fn(*[a[lo:hi] for a in arrays], out=out[lo:hi]), first.shape[0], nbytes=1,
               min_bytes=1)
    return out
