"""The device array type, and moving data between NumPy and the device.

A :class:`DeviceArray` is a C-contiguous block in a pooled device buffer
plus a shape and a dtype.  Kernels write fresh outputs (only the fused
optimizer updates change their inputs, as NumPy's ``out=`` does), and
``reshape`` shares the buffer, like a NumPy view.  When a
``DeviceArray`` is garbage-collected its buffer goes back to the memory pool,
so a training loop that makes the same shapes every step allocates no new
device memory after the first step.

>>> import numpy as np
>>> x = asarray(np.arange(6, dtype=np.float32).reshape(2, 3))
>>> x                                                            # doctest: +SKIP
DeviceArray(shape=(2, 3), dtype=float32, device='pthread-AMD EPYC')
>>> float(to_numpy(x).sum())
15.0

Kernels also need *views*: an array seen through an element offset and
element strides (a transposed or broadcast input, the interior of a padded
output).  :class:`View` is that tuple; views are made and consumed inside
one kernel call and never escape.
"""
import functools
import math
from typing import NamedTuple

import numpy as np

from .device import cl, get_device


class DeviceArray:
    """A C-contiguous array in OpenCL device memory (``.shape``, ``.dtype``, ``.data``)."""

    __slots__ = ("shape", "dtype", "data", "device", "__weakref__")

    def __init__(self, shape, dtype, data, device):
        self.shape = shape if type(shape) is tuple else tuple(int(n) for n in shape)
        self.dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
        self.data = data      # a pyopencl PooledBuffer, or None when size == 0
        self.device = device

    size = property(lambda self: math.prod(self.shape))
    ndim = property(lambda self: len(self.shape))
    nbytes = property(lambda self: self.size * self.dtype.itemsize)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __repr__(self):
        return f"DeviceArray(shape={self.shape}, dtype={self.dtype}, device={self.device.name!r})"

    def get(self):
        """Copy to a new NumPy array (same as :func:`to_numpy`)."""
        return to_numpy(self)

    def __array__(self, dtype=None, copy=None):
        out = to_numpy(self)
        return out if dtype is None else out.astype(dtype)


class View(NamedTuple):
    """An array seen with an element ``offset`` and element ``strides``."""
    array: DeviceArray
    offset: int
    shape: tuple
    strides: tuple


@functools.lru_cache(maxsize=4096)
def contiguous_strides(shape):
    """Element strides of a C-contiguous array: ``(2, 3, 4) -> (12, 4, 1)``."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def view(x):
    """The plain :class:`View` of a whole array."""
    return View(x, 0, x.shape, contiguous_strides(x.shape))


def empty(shape, dtype, device=None):
    """An uninitialised array from the memory pool."""
    device = device or get_device()
    dtype = dtype if isinstance(dtype, np.dtype) else np.dtype(dtype)
    device.ctype(dtype)  # refuse unsupported dtypes early, with a clear message
    nbytes = math.prod(shape) * dtype.itemsize
    return DeviceArray(shape, dtype, device.alloc(nbytes), device)


def asarray(value, dtype=None):
    """Copy a NumPy array (or anything ``np.asarray`` takes) to the device.

    >>> asarray([1.0, 2.0]).dtype
    dtype('float64')
    """
    host = np.asarray(value, dtype=dtype, order="C")  # (ascontiguousarray would make 0-d 1-d)
    out = empty(host.shape, host.dtype)
    if out.data is not None:
        # Non-blocking: pyopencl keeps ``host`` alive until the copy is done.
        cl.enqueue_copy(out.device.queue, out.data, host, is_blocking=False)
    return out


def to_numpy(x):
    """Copy a device array back into a new NumPy array (waits for the queue)."""
    host = np.empty(x.shape, x.dtype)
    if x.data is not None:
        cl.enqueue_copy(x.device.queue, host, x.data, is_blocking=True)
    return host


def full(shape, value, dtype):
    """An array of ``shape`` filled with ``value`` (``clEnqueueFillBuffer``).

    >>> to_numpy(full((2,), 3, "int32"))
    array([3, 3], dtype=int32)
    """
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(n) for n in shape)
    out = empty(shape, dtype)
    if out.data is not None:
        pattern = np.array(value).astype(out.dtype).reshape(1)  # NumPy's casting rules
        cl.enqueue_fill_buffer(out.device.queue, out.data, pattern, 0, out.nbytes)
    return out
