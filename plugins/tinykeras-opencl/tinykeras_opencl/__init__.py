"""tinykeras-opencl: an OpenCL GPU backend for tinykeras, written with PyOpenCL.

Installing the distribution registers backend ``"opencl"`` through the
``tinykeras`` entry point (:mod:`tinykeras_opencl.plugin`).  The modules,
in reading order:

* :mod:`.device`: choosing a device; context, queue, memory pool, kernel cache, errors;
* :mod:`.array`: :class:`DeviceArray` and host <-> device copies;
* :mod:`.codegen`: ``CODE_FOR_OP`` and the one elementwise kernel template;
* :mod:`.elementwise`, :mod:`.reduce`, :mod:`.softmax`, :mod:`.movement`,
  :mod:`.matmul`, :mod:`.conv`, :mod:`.optimizers`: the kernels;
* :mod:`.kernels`: the op -> kernel table; :mod:`.plugin`: the hooks;
* ``python -m tinykeras_opencl`` (:mod:`.__main__`): can each device build a kernel?

The kernels also work without tinykeras, on :class:`DeviceArray` s::

    >>> import numpy as np, tinykeras_opencl as tko
    >>> x = tko.asarray(np.array([[1.0, -2.0]], np.float32))
    >>> tko.to_numpy(tko.kernel("relu")(x))
    array([[1., 0.]], dtype=float32)
"""
from .array import DeviceArray, asarray, empty, full, to_numpy
from .device import (Device, KernelBuildError, NoDeviceError, NoPlatformError,
                     NoWorkingDeviceError, OpenCLBackendError, OutOfDeviceMemoryError, describe,
                     find_device, get_device, list_devices, probe, set_device)
from .kernels import all_kernels

__version__ = "0.1.0"


def kernel(op):
    """The kernel function for ``op``, e.g. ``kernel("matmul")(a, b)``."""
    return all_kernels()[op]


__all__ = ["DeviceArray", "asarray", "empty", "full", "to_numpy", "Device", "get_device",
           "set_device", "find_device", "list_devices", "describe", "probe", "kernel",
           "all_kernels", "OpenCLBackendError", "NoPlatformError", "NoDeviceError",
           "NoWorkingDeviceError", "KernelBuildError", "OutOfDeviceMemoryError"]
