"""The load budget: every allocation a load makes is charged, in bytes of its
real dtype, *before* it happens.

While a model (or a config) loads, the Variables it creates (layer weights,
metric and optimizer state) and the few other arrays whose size a config
chooses (an ``AUC``'s thresholds) call :func:`charge` first; the active
:class:`LoadBudget` refuses with a :class:`FileFormatError` before anything
is allocated.

* **From a file**, the architecture's weights must be paid for by the
  tensors the file stores, dtype by dtype: a weight of dtype ``D`` is covered
  only by stored tensors that may load into ``D`` (``F16`` into float16/32/64,
  ``F32`` into float32/64, ``U8`` into uint8 only, ...; see
  ``weights_file.CASTS``).  150 MB of ``U8`` data never pays for a float64
  ``Embedding``.  So the architecture allocates at most the stored values,
  each at most 8 bytes.
* **Compile-time objects** (metrics, losses, the optimizer) built from a
  file's ``compile_config`` share one budget: the file's optimizer tensors
  (each value up to 8 bytes) plus :data:`COMPILE_BYTES`.
* **A config without a file** may allocate ``max_params`` values and
  ``4 * max_params`` bytes.

>>> budget = LoadBudget.for_config(1000)
>>> budget.charge((10, 10), "w", "float32")
>>> budget.charge((900,), "v", "float64")
Traceback (most recent call last):
...
tinykeras.saving.errors.FileFormatError: 'v' (float64, shape [900], 7.0 KiB) would bring the allocations past 4000 bytes (the limit for a config; pass max_params= to raise it); refused before allocating it
"""
import contextlib
import itertools
import math

import numpy as np

from .errors import FileFormatError, WeightsMismatchError

COMPILE_BYTES = 64 * 2 ** 20   # metrics/losses/optimizer state a compile_config may allocate
MAX_ITEMSIZE = 8


def _human(n):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def loads_into(stored):
    """The Variable dtypes a stored safetensors dtype may load into.

    >>> sorted(loads_into("F16")), sorted(loads_into("U8"))
    (['float16', 'float32', 'float64'], ['uint8'])
    """
    from .safetensors_io import DTYPES
    from .weights_file import CASTS
    return CASTS.get(stored, {np.dtype(DTYPES[stored]).name})


class LoadBudget:
    """What a load may still allocate (see the module docstring).

    ``supply`` maps stored dtypes to the number of values the file holds
    (``None``: no per-dtype matching); ``max_elements``/``max_bytes`` cap
    the totals; ``what`` says in messages where the limit comes from.
    """

    def __init__(self, max_elements, max_bytes, supply=None, what="the limit for a config; pass "
                 "max_params= to raise it"):
        self.max_elements, self.max_bytes, self.what = max_elements, max_bytes, what
        self.supply = None if supply is None else dict(supply)
        self.demand, self.elements, self.bytes = {}, 0, 0

    @classmethod
    def for_config(cls, max_params):
        """A config loaded without a file: ``max_params`` values, 4 bytes each."""
        return cls(max_params, 4 * max_params)

    @classmethod
    def for_file(cls, infos):
        """The architecture of a file whose weights are ``infos`` (``.dtype``, ``.size``)."""
        supply = {}
        for info in infos:
            supply[info.dtype] = supply.get(info.dtype, 0) + info.size
        total = sum(supply.values())
        return cls(total, total * MAX_ITEMSIZE, supply, f"{total} parameters stored in the file")

    @classmethod
    def for_compile(cls, infos):
        """Metrics, losses and optimizer of a ``compile_config`` (``infos``: the
        file's optimizer tensors)."""
        stored = sum(info.size for info in infos) * MAX_ITEMSIZE
        limit = stored + COMPILE_BYTES
        return cls(limit, limit, None, f"{_human(limit)} for the compile_config's metrics, losses "
                                       f"and optimizer ({_human(COMPILE_BYTES)} plus the file's "
                                       "optimizer state)")

    def charge(self, shape, name, dtype="float32"):
        """Count ``shape`` values of ``dtype`` for ``name``; refuse before they
        are allocated if they do not fit."""
        dims = [int(d) for d in shape]
        dtype = np.dtype(dtype).name
        count = math.prod(dims)
        nbytes = count * np.dtype(dtype).itemsize
        where = f"{name!r} ({dtype}, shape {dims}, {_human(nbytes)})"
        if min(dims, default=0) < 0:
            raise FileFormatError(f"{where}: negative dimension")
        if self.supply is not None and self.elements + count > self.max_elements:
            raise FileFormatError(f"the architecture needs more than the {self.what} ({where} does not "
                                  "fit); refused before allocating it")
        if self.elements + count > self.max_elements or self.bytes + nbytes > self.max_bytes:
            limit = f"{self.max_elements} values" if self.elements + count > self.max_elements else \
                f"{self.max_bytes} bytes"
            raise FileFormatError(f"{where} would bring the allocations past {limit} ({self.what}); "
                                  "refused before allocating it")
        if self.supply is not None:
            self._match(dtype, count, where)
        self.elements += count
        self.bytes += nbytes
        self.demand[dtype] = self.demand.get(dtype, 0) + count

    def _match(self, dtype, count, where):
        """Hall's condition: every set of weight dtypes needs no more values
        than the stored tensors that may load into one of them hold."""
        demand = dict(self.demand)
        demand[dtype] = demand.get(dtype, 0) + count
        sources = {d: {s for s in self.supply if d in loads_into(s)} for d in demand}
        others = [d for d in demand if d != dtype]
        for k in range(len(others) + 1):
            for group in itertools.combinations(others, k):
                group = (dtype,) + group
                need = sum(demand[d] for d in group)
                usable = set().union(*(sources[d] for d in group))
                have = sum(self.supply[s] for s in usable)
                if need > have:
                    stored = ", ".join(f"{self.supply[s]} {s}" for s in sorted(self.supply)) or "nothing"
                    raise WeightsMismatchError(
                        f"the architecture needs {need} {'/'.join(sorted(group))} values but the file "
                        f"stores only {have} values of dtypes that may load into them ({where} does "
                        f"not fit; the file holds {stored} values); refused before allocating it")


def charge(shape, dtype, name):
    """Charge an allocation of ``shape`` and ``dtype`` to the active budget,
    if a load is in progress (nothing otherwise); call it *before* allocating."""
    from ..variables import ALLOCATION_BUDGET
    budget = ALLOCATION_BUDGET.get()
    if budget is not None:
        budget.charge(tuple(shape), name, dtype)


@contextlib.contextmanager
def active(budget):
    """Make ``budget`` the one every allocation inside the block is charged
    to (an outer budget, if one is already active, stays in charge)."""
    from ..variables import ALLOCATION_BUDGET
    if ALLOCATION_BUDGET.get() is not None:
        yield ALLOCATION_BUDGET.get()
        return
    token = ALLOCATION_BUDGET.set(budget)
    try:
        yield budget
    finally:
        ALLOCATION_BUDGET.reset(token)
