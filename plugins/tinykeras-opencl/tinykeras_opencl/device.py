"""Choosing an OpenCL device, and the per-device state every kernel needs.

One :class:`Device` holds a context, one in-order command queue, a memory
pool and the compiled-kernel cache.  It is created lazily: importing
``tinykeras_opencl`` touches no driver; the first array or kernel does.

Which device?  In this order:

1. the ``spec`` given to :func:`set_device` (or :func:`find_device`);
2. the environment variable ``TINYKERAS_OPENCL_DEVICE``;
3. the first GPU of any platform, else the first device at all.

A spec is ``"P:D"`` (platform and device numbers, as
:func:`list_devices` prints them), ``"gpu"`` or ``"cpu"``, or a
case-insensitive piece of the platform or device name::

    >>> import tinykeras_opencl as tko
    >>> print(tko.list_devices())            # doctest: +SKIP
    0:0  Portable Computing Language / pthread-AMD EPYC  (CPU)
    >>> tko.set_device("pocl").name          # doctest: +SKIP
    'pthread-AMD EPYC'
"""
import os
import re

import numpy as np

try:  # the plugin must import (and skip cleanly) even without pyopencl
    import pyopencl as cl
    import pyopencl.tools
except ImportError:  # pragma: no cover - exercised only without pyopencl
    cl = None

ENV_VAR = "TINYKERAS_OPENCL_DEVICE"

# NumPy dtype -> OpenCL C type.  OpenCL has no bool for buffers: NumPy's
# one-byte bool is ``tk_bool``, a typedef of uchar (see PRELUDE) with its own
# name so that kernels can tell it from uint8.  ``half`` is storage only:
# kernels load it into float, compute, and store it back (vload/vstore_half).
CTYPES = {np.dtype(name): ct for name, ct in [
    ("float16", "half"), ("float32", "float"), ("float64", "double"),
    ("int8", "char"), ("int16", "short"), ("int32", "int"), ("int64", "long"),
    ("uint8", "uchar"), ("uint16", "ushort"), ("uint32", "uint"), ("uint64", "ulong"),
    ("bool", "tk_bool")]}
PRELUDE = "typedef uchar tk_bool;  /* NumPy bool: one byte, 0 or 1 */\n"


class OpenCLBackendError(RuntimeError):
    """Base class of every error the OpenCL backend raises on purpose."""


class NoPlatformError(OpenCLBackendError):
    """No OpenCL platform (driver) is installed."""


class NoDeviceError(OpenCLBackendError):
    """Platforms exist, but no device matches (or there are none)."""


class KernelBuildError(OpenCLBackendError):
    """The OpenCL compiler rejected a kernel; the message has the build log."""


class OutOfDeviceMemoryError(OpenCLBackendError, MemoryError):
    """The device could not allocate a buffer."""


def _all_devices():
    """Return ``[(platform_no, device_no, platform, device)]`` for every device."""
    if cl is None:
        raise NoPlatformError("pyopencl is not installed: pip install 'tinykeras-opencl[pocl]'")
    try:
        platforms = cl.get_platforms()
    except cl.Error:  # the ICD loader says PLATFORM_NOT_FOUND_KHR
        platforms = []
    if not platforms:
        raise NoPlatformError(
            "no OpenCL platform found. Install your GPU vendor's OpenCL driver, "
            "or the CPU implementation PoCL: pip install pocl-binary-distribution")
    found = []
    for p_no, platform in enumerate(platforms):
        try:
            devices = platform.get_devices()
        except cl.Error:  # a platform with no devices raises DEVICE_NOT_FOUND
            devices = []
        found += [(p_no, d_no, platform, dev) for d_no, dev in enumerate(devices)]
    if not found:
        names = ", ".join(p.name for p in platforms)
        raise NoDeviceError(f"the OpenCL platforms ({names}) report no devices; "
                            "check the driver installation (clinfo lists what it sees)")
    return found


def list_devices():
    """A printable table of every OpenCL device, with the spec that selects it."""
    return "\n".join(
        f"{p}:{d}  {plat.name.strip()} / {dev.name.strip()}  ({cl.device_type.to_string(dev.type)})"
        for p, d, plat, dev in _all_devices())


def _spec_from_environment():
    """``TINYKERAS_OPENCL_DEVICE``, read where tinykeras reads every ``TINYKERAS_*`` variable.

    Imported here, not at the top: ``import tinykeras`` loads this plugin, so a
    module-level import would be circular whenever ``tinykeras_opencl`` is imported
    first (the benchmark, the kernels used on their own).
    """
    try:
        from tinykeras import config
    except ImportError:  # the kernels also work without tinykeras
        return os.environ.get(ENV_VAR, "").strip()
    return config.setting("opencl_device") or ""


def find_device(spec=None):
    """Return the ``pyopencl.Device`` that ``spec`` (or the env var) selects."""
    spec = (spec if spec is not None else _spec_from_environment()).strip()
    found = _all_devices()
    if not spec:
        gpus = [f for f in found if f[3].type & cl.device_type.GPU]
        return (gpus or found)[0][3]
    if re.fullmatch(r"\d+:\d+", spec):
        p, d = map(int, spec.split(":"))
        matches = [f for f in found if (f[0], f[1]) == (p, d)]
    elif spec.lower() in ("gpu", "cpu"):
        kind = getattr(cl.device_type, spec.upper())
        matches = [f for f in found if f[3].type & kind]
    else:
        matches = [f for f in found if spec.lower() in f"{f[2].name} {f[3].name}".lower()]
    if not matches:
        raise NoDeviceError(f"no OpenCL device matches {spec!r} (from argument or "
                            f"{ENV_VAR}). Available devices:\n{list_devices()}")
    return matches[0][3]


def describe(spec=None):
    """One line naming the device that would be used, without creating a context."""
    dev = find_device(spec)
    return f"{dev.name.strip()} on {dev.platform.name.strip()} (OpenCL)"


class Device:
    """Context, queue, memory pool and kernel cache for one OpenCL device.

    >>> dev = get_device()
    >>> knl = dev.kernel(("demo",), lambda: "__kernel void k(){}", "k")
    """

    def __init__(self, spec=None):
        self.cl_device = find_device(spec)
        self.name = self.cl_device.name.strip()
        self.is_cpu = bool(self.cl_device.type & cl.device_type.CPU)
        self.has_fp64 = "cl_khr_fp64" in self.cl_device.extensions
        self.context = cl.Context([self.cl_device])
        self.queue = cl.CommandQueue(self.context)  # one in-order queue: no events needed
        self.pool = cl.tools.MemoryPool(cl.tools.ImmediateAllocator(self.queue))
        self.max_alloc = self.cl_device.max_mem_alloc_size
        wg = self.cl_device.max_work_group_size
        self.local_size = min(256, 1 << (wg.bit_length() - 1))  # a power of two
        fp_config = self.cl_device.single_fp_config
        correct = cl.device_fp_config.CORRECTLY_ROUNDED_DIVIDE_SQRT
        # Never -cl-fast-relaxed-math: it breaks inf/nan, which training must see.
        self.build_options = ["-cl-fp32-correctly-rounded-divide-sqrt"] if fp_config & correct else []
        self._kernels = {}
        self._programs = {}
        self._ctypes = {}  # dtype -> C type, once checked

    def __repr__(self):
        return f"<tinykeras_opencl.Device {self.name!r}>"

    def ctype(self, dtype):
        """The OpenCL C type for a NumPy dtype, or a ``TypeError`` saying why not."""
        ct = self._ctypes.get(dtype)
        if ct is None:
            dtype = np.dtype(dtype)
            if dtype not in CTYPES:
                raise TypeError(f"the OpenCL backend has no {dtype} arrays "
                                f"(supported: {', '.join(map(str, CTYPES))})")
            if dtype == np.float64 and not self.has_fp64:
                raise TypeError(f"OpenCL device {self.name!r} has no cl_khr_fp64 (float64); "
                                "use float32, or pick another device with " + ENV_VAR)
            ct = self._ctypes[dtype] = CTYPES[dtype]
        return ct

    def alloc(self, nbytes):
        """A pooled buffer of ``nbytes`` (``None`` for 0 bytes: OpenCL forbids empty buffers)."""
        if nbytes == 0:
            return None
        if nbytes > self.max_alloc:
            raise OutOfDeviceMemoryError(
                f"{nbytes / 2**20:.1f} MiB is more than OpenCL device {self.name!r} allows in "
                f"one buffer ({self.max_alloc / 2**20:.0f} MiB); use smaller batches or layers")
        try:
            return self.pool.allocate(nbytes)
        except cl.MemoryError as exc:
            raise OutOfDeviceMemoryError(
                f"OpenCL device {self.name!r} is out of memory allocating "
                f"{nbytes / 2**20:.1f} MiB ({exc}); delete unused arrays, use smaller batches, "
                f"or choose a bigger device with {ENV_VAR}") from exc

    def kernel(self, key, make_source, name, scalar_dtypes=None, program_key=None):
        """Build a kernel once and keep the ``cl.Kernel`` object for every later call.

        ``key`` identifies the (program, dtype, variant); ``make_source()`` is only
        called on a cache miss.  ``scalar_dtypes`` is passed to
        ``Kernel.set_scalar_arg_dtypes`` (``None`` entries are buffers).  Kernels
        that live in one source (the six of ``conv.py``, the two of ``softmax.py``)
        give the same ``program_key``: the program is then compiled once for all.
        """
        knl = self._kernels.get(key)
        if knl is None:
            program = self.program(program_key or key, make_source, name)
            knl = cl.Kernel(program, name)  # fetched once: prg.<name> would re-create it
            if scalar_dtypes is not None:
                knl.set_scalar_arg_dtypes(scalar_dtypes)
            self._kernels[key] = knl
        return knl

    def program(self, key, make_source, name="?"):
        """The built ``cl.Program`` for ``key`` (compiled on the first request only)."""
        program = self._programs.get(key)
        if program is None:
            source = PRELUDE + make_source()
            if "double" in source:
                source = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n" + source
            try:
                program = cl.Program(self.context, source).build(self.build_options)
            except cl.Error as exc:
                raise KernelBuildError(
                    f"OpenCL device {self.name!r} failed to build kernel {name!r} {key}: this is "
                    f"a tinykeras-opencl bug, please report it with this log.\n{exc}\n"
                    f"--- source ---\n{source}") from exc
            self._programs[key] = program
        return program

    def launch(self, knl, global_size, local_size, *args):
        """Enqueue ``knl``; turn a deferred allocation failure into a clear error."""
        try:
            knl(self.queue, global_size, local_size, *args)
        except cl.MemoryError as exc:
            raise OutOfDeviceMemoryError(
                f"OpenCL device {self.name!r} ran out of memory running a kernel ({exc}); "
                "use smaller batches") from exc


_current = None


def get_device():
    """The device in use, created on first call (this is where the context appears)."""
    global _current
    if _current is None:
        _current = Device()
    return _current


def set_device(spec=None):
    """Switch to the device ``spec`` selects; arrays made on the old device become unusable."""
    global _current
    _current = Device(spec)
    return _current
