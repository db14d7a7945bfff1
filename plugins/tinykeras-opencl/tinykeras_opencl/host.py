"""Complex tensors on the OpenCL backend: they stay on the host.

OpenCL C has no complex type, so ``asarray`` and ``full`` keep complex data
as a NumPy array, and a kernel given one (or ``cast`` to a complex dtype)
runs the NumPy backend's kernel instead, after copying its device inputs to
the host; a real result goes back to the device.  The complex-only ops
(``real``, ``imag``, ``conj``, ``complex``) always run there.  Real tensors
never leave the device: each kernel checks its inputs' types first, nothing
more.

>>> import numpy as np
>>> z = asarray(np.array([3 + 4j], np.complex64))
>>> type(z).__name__, to_numpy(z).tolist()
('ndarray', [(3+4j)])
"""
import functools

import numpy as np

from . import array

HOST_ONLY = ("real", "imag", "conj", "complex")  # tinykeras's complex ops: no device kernel at all


def asarray(value, dtype=None):
    """:func:`array.asarray`, except that complex data stays a (copied) NumPy array."""
    host = np.asarray(value, dtype=dtype)
    return np.array(host, order="C") if host.dtype.kind == "c" else array.asarray(host)


def to_numpy(x):
    """:func:`array.to_numpy` of a device array; a copy of a host (complex) array."""
    return x.copy() if isinstance(x, np.ndarray) else array.to_numpy(x)


def full(shape, value, dtype):
    """:func:`array.full`, on the host for a complex dtype."""
    if np.dtype(dtype).kind == "c":
        return np.full(shape, value, dtype)
    return array.full(shape, value, dtype)


def on_host(op, xs, params):
    """Run op ``op`` with NumPy's kernel (device inputs copied to the host)."""
    from tinykeras.core.registry import KERNELS  # here: the kernels also work without tinykeras
    out = KERNELS["numpy"][op](*[x if isinstance(x, np.ndarray) else array.to_numpy(x) for x in xs], **params)
    out = np.asarray(out)
    return np.array(out, order="C") if out.dtype.kind == "c" else array.asarray(out)


def with_host_fallback(op, fn):
    """Kernel ``fn`` of op ``op``, sending calls with a host (complex) input,
    or a cast to a complex dtype, to :func:`on_host`."""
    is_cast = op == "cast"     # decided once, not at every call

    @functools.wraps(fn)
    def kernel(*xs, **params):
        for x in xs:
            if type(x) is np.ndarray:
                return on_host(op, xs, params)
        if is_cast and np.dtype(params["dtype"]).kind == "c":
            return on_host(op, xs, params)
        return fn(*xs, **params)
    return kernel


def host_kernel(op):
    """The kernel of a complex-only op: always NumPy's, on the host."""
    def kernel(*xs, **params):
        return on_host(op, xs, params)
    kernel.__name__ = op
    return kernel
