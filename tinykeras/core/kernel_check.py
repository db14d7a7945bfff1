"""Debug mode ``TINYKERAS_CHECK_KERNELS=1``: every kernel call of a
non-reference backend is checked against the NumPy kernel, and on the NumPy
backend every kernel a plugin overrides is checked against the built-in one.

When the mode is on, :func:`tinykeras.core.registry.set_backend` (and every
rebuild) fills ``ACTIVE`` with wrapped kernels: each call copies its inputs
to NumPy, runs the backend's kernel, runs the NumPy kernel on the copies
and compares.  The first disagreement raises :class:`KernelMismatchError`
naming the backend, the op, the plugin that gave the kernel, the inputs and
what differs.  When the mode is
off nothing is wrapped, so it costs nothing.  Ops without a NumPy kernel
(``to_numpy`` too) run unchecked.

Tolerances: shapes and dtypes exactly, ints and bools exactly, floats
within ``RTOL`` and ``ATOL`` times the largest magnitude of the expected
values (NaN equal to NaN).

>>> import numpy as np
>>> numpy_kernels = {"to_numpy": lambda x: x, "exp": np.exp}
>>> table = checked("mirror", {"to_numpy": lambda x: x, "exp": lambda x: np.exp(x) + 1e-3},
...                 numpy_kernels)
>>> try:
...     table["exp"](np.zeros(2))
... except KernelMismatchError as exc:
...     print(exc)
TINYKERAS_CHECK_KERNELS: backend 'mirror' disagrees with NumPy on op 'exp' (inputs: (2,) float64; params: {}): 2 of 2 values differ; at index (0,) the kernel gives 1.001, NumPy 1.0
"""
import functools

import numpy as np

RTOL = {"float16": 1e-2, "float32": 1e-4, "float64": 1e-9}
ATOL = {"float16": 1e-2, "float32": 1e-5, "float64": 1e-9}


class KernelMismatchError(AssertionError):
    """A backend's kernel gave something else than the NumPy reference kernel."""


def checked_backend(backend, table, numpy_table, builtin, providers, n_inputs):
    """``table`` (the kernels of ``backend``) checked against its reference.

    The reference of a backend is the NumPy backend's table; on the NumPy
    backend itself, it is the built-in NumPy kernel (``builtin``) of each op
    a plugin overrides (``providers`` maps ``(backend, op)`` to the plugin's name).
    """
    if backend == "numpy":
        numpy_table = {op: builtin[op] for op in table
                       if op in builtin and providers.get(("numpy", op), "numpy") != "numpy"}
    plugins = {op: providers.get((backend, op)) for op in table}
    return checked(backend, table, numpy_table, n_inputs, plugins)


def checked(backend, table, reference, n_inputs=None, plugins=None):
    """A copy of ``table`` whose kernels check themselves against ``reference``.

    ``n_inputs`` maps op names to their number of array inputs (-1: all
    positional arguments, the default); further positional arguments are
    parameters (``full(shape, value, dtype)``) and are passed as they are.
    ``plugins`` maps op names to the plugin that gave the kernel (for the message).
    """
    to_numpy = table.get("to_numpy", np.asarray)
    n_inputs, plugins = n_inputs or {}, plugins or {}
    return {op: _wrap(backend, op, fn, reference[op], to_numpy, n_inputs.get(op, -1), plugins.get(op))
            if op in reference and op != "to_numpy" else fn for op, fn in table.items()}


def _wrap(backend, op, fn, ref, to_numpy, n_inputs, plugin):
    convert = np.asarray if op == "asarray" else to_numpy

    @functools.wraps(fn)
    def kernel(*xs, **params):
        n = len(xs) if n_inputs < 0 else n_inputs
        # copied before the kernel runs: some kernels update their inputs in place
        host = [np.array(convert(x), copy=True) for x in xs[:n]] + list(xs[n:])
        out = fn(*xs, **params)
        try:
            with np.errstate(all="ignore"):
                expected = np.asarray(ref(*host, **params))
        except Exception:
            return out  # not a valid case for the reference: nothing to compare
        problem = _compare(np.asarray(to_numpy(out)), expected)
        if problem:
            shapes = ", ".join(f"{x.shape} {x.dtype}" for x in host[:n]) or "none"
            who = f" (kernel from plugin {plugin!r})" if plugin else ""
            raise KernelMismatchError(f"TINYKERAS_CHECK_KERNELS: backend {backend!r} disagrees with "
                                      f"NumPy on op {op!r}{who} (inputs: {shapes}; params: "
                                      f"{params!r}): {problem}")
        return out
    return kernel


def _compare(got, expected):
    if got.shape != expected.shape:
        return f"output shape {got.shape}, NumPy gives {expected.shape}"
    if got.dtype != expected.dtype:
        return f"output dtype {got.dtype}, NumPy gives {expected.dtype}"
    if expected.dtype.kind in "fc":
        scale = float(np.max(np.abs(expected), initial=1.0, where=np.isfinite(expected)))
        name = expected.dtype.name if expected.dtype.name in RTOL else "float64"
        close = np.isclose(got, expected, rtol=RTOL[name], atol=ATOL[name] * scale, equal_nan=True)
    else:
        close = got == expected
    if np.all(close):
        return None
    idx = np.unravel_index(int(np.argmin(np.reshape(close, -1))), close.shape)
    return (f"{int(np.size(close) - np.count_nonzero(close))} of {close.size} values differ; at index "
            f"{tuple(int(i) for i in idx)} the kernel gives {got[idx]!s}, NumPy {expected[idx]!s}")
