"""Choosing an OpenCL device, and the per-device state every kernel needs.

One :class:`Device` holds a context, one in-order command queue, a memory
pool and the compiled-kernel cache.  It is created lazily: importing
``tinykeras_opencl`` touches no driver; the first array or kernel does.

Which device?  In this order:

1. the ``spec`` given to :func:`set_device` (or :func:`find_device`);
2. the environment variable ``TINYKERAS_OPENCL_DEVICE``;
3. the first GPU of any platform, else the first device at all, that
   passes the probe.

A spec is ``"P:D"`` (platform and device numbers, as
:func:`list_devices` prints them), ``"gpu"`` or ``"cpu"``, or a
case-insensitive piece of the platform or device name::

    >>> import tinykeras_opencl as tko
    >>> print(tko.list_devices())            # doctest: +SKIP
    0:0  Portable Computing Language / pthread-AMD EPYC  (CPU)
    >>> tko.set_device("pocl").name          # doctest: +SKIP
    'pthread-AMD EPYC'

**The probe.**  A driver may list a device its compiler cannot build for:
the pip PoCL (``pocl-binary-distribution`` 3.0, built on LLVM 14) stops
with ``unknown target CPU`` on CPUs newer than LLVM 14.  So a device is
used only after it built and ran one tiny kernel (:func:`probe`).  Without
a spec, a device that fails is passed over with a ``RuntimeWarning`` and
the next one is tried; with a spec, its failure is an error.  When no
device works, :class:`NoWorkingDeviceError` names every device tried, its
driver and version, and how to get a compiler that works.
``python -m tinykeras_opencl`` probes every device.
"""
import os
import re
import warnings
from importlib import metadata

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


class NoWorkingDeviceError(NoDeviceError):
    """Devices exist, but the driver's compiler failed on every one tried."""


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


PROBE_SOURCE = """__kernel void tk_probe(__global float *x) {
    size_t i = get_global_id(0);
    x[i] = 2.0f * x[i] + 1.0f;
}
"""
FIX_HINT = (
    "Install an OpenCL driver whose compiler works on this machine: on Debian or Ubuntu "
    "`sudo apt-get install pocl-opencl-icd` (the distribution's PoCL; the pip package "
    "pocl-binary-distribution 3.0 is built on LLVM 14, which does not know the newest CPUs), "
    "or your GPU vendor's OpenCL driver. `python -m tinykeras_opencl` checks every device again.")


def driver(cl_device):
    """The driver of ``cl_device`` and its version, e.g. ``'Portable Computing Language
    (OpenCL 3.0 PoCL 3.0-rc2 ... LLVM 14.0.6 ...), driver 3.0-rc2'``."""
    platform = cl_device.platform
    return (f"{platform.name.strip()} ({' '.join(platform.version.split())}), "
            f"driver {cl_device.driver_version.strip()}")


def build_options(cl_device):
    """The compiler options every kernel (and the probe) is built with."""
    correct = cl.device_fp_config.CORRECTLY_ROUNDED_DIVIDE_SQRT
    # Never -cl-fast-relaxed-math: it breaks inf/nan, which training must see.
    return ["-cl-fp32-correctly-rounded-divide-sqrt"] if cl_device.single_fp_config & correct else []


def _build_log(exc):
    """The compiler's own words from a pyopencl build error (a few lines)."""
    text = str(exc)
    log = text.split(">:", 1)[1] if "Build on <" in text else text
    lines = [ln.strip() for ln in log.splitlines()
             if ln.strip() and not ln.strip().startswith(("(options", "(source"))]
    return " / ".join(lines[:3])[:400] or text[:400]


def _open(cl_device):
    """``(context, None)`` when ``cl_device`` builds and runs the probe kernel, else ``(None, why)``."""
    try:
        context = cl.Context([cl_device])
        queue = cl.CommandQueue(context)
        x = np.arange(4, dtype=np.float32)
        buf = cl.Buffer(context, cl.mem_flags.READ_WRITE | cl.mem_flags.COPY_HOST_PTR, hostbuf=x)
        try:
            program = cl.Program(context, PROBE_SOURCE).build(build_options(cl_device))
        except cl.Error as exc:
            return None, f"the driver's OpenCL compiler failed: {_build_log(exc)}"
        cl.Kernel(program, "tk_probe")(queue, x.shape, None, buf)
        got = np.empty_like(x)
        cl.enqueue_copy(queue, got, buf)
        queue.finish()
    except cl.Error as exc:
        return None, f"the driver failed running a kernel: {exc}"
    if not np.array_equal(got, 2 * x + 1):
        return None, f"the probe kernel computed {got} instead of {2 * x + 1}"
    return context, None


def probe(cl_device):
    """Build and run a tiny kernel on ``cl_device``: None when it works, else why not.

    >>> probe(find_device())    # the device in use passed it
    """
    return _open(cl_device)[1]


def _candidates(spec):
    """The devices to try, in order: the one ``spec`` selects, else GPUs first."""
    found = _all_devices()
    if not spec:
        return ([f for f in found if f[3].type & cl.device_type.GPU]
                + [f for f in found if not f[3].type & cl.device_type.GPU])
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
    return matches[:1]


def _select(spec=None):
    """``(cl_device, context)`` of the first candidate that passes the probe."""
    spec = (spec if spec is not None else _spec_from_environment()).strip()
    tried, candidates = [], _candidates(spec)
    for i, (p, d, _platform, dev) in enumerate(candidates):
        context, why = _open(dev)
        if context is not None:
            return dev, context
        tried.append(f"  {p}:{d} {dev.name.strip()!r} on {driver(dev)}: {why}")
        if i + 1 < len(candidates):
            warnings.warn(f"tinykeras-opencl: OpenCL device {p}:{d} {dev.name.strip()!r} "
                          f"({driver(dev)}) is passed over: {why}; trying the next one", RuntimeWarning,
                          stacklevel=3)
    if spec:
        raise NoWorkingDeviceError(
            f"the OpenCL device chosen by {spec!r} (argument or {ENV_VAR}) cannot build and run "
            f"kernels:\n{tried[0]}\nChoose another device (or unset {ENV_VAR} to try them all). "
            + FIX_HINT)
    raise NoWorkingDeviceError(
        "no usable OpenCL device: the driver's compiler failed on every device tried:\n"
        + "\n".join(tried) + "\n" + FIX_HINT)


def find_device(spec=None):
    """Return the ``pyopencl.Device`` that ``spec`` (or the env var) selects and
    that passed the :func:`probe`."""
    return _select(spec)[0]


def describe(spec=None):
    """One line naming the device in use (or the one ``spec`` selects).

    The device is opened, so a backend without a working device fails here,
    at ``set_backend("opencl")``, not at the first op.
    """
    dev = get_device().cl_device if spec is None else find_device(spec)
    return f"{dev.name.strip()} on {dev.platform.name.strip()} (OpenCL)"


def _owner(make_source):
    """Who wrote a kernel source: the distribution of the module ``make_source`` comes from."""
    module = getattr(make_source, "__module__", None) or "?"
    top = module.split(".")[0]
    if top == "tinykeras":
        return "the tinykeras core"
    dists = metadata.packages_distributions().get(top)
    if dists:
        return dists[0] if dists[0] == "tinykeras-opencl" else f"the plugin {dists[0]!r}"
    return f"the module {module!r}"


class Device:
    """Context, queue, memory pool and kernel cache for one OpenCL device.

    >>> dev = get_device()
    >>> knl = dev.kernel(("demo",), lambda: "__kernel void k(){}", "k")
    """

    def __init__(self, spec=None):
        self.cl_device, self.context = _select(spec)
        self.name = self.cl_device.name.strip()
        self.is_cpu = bool(self.cl_device.type & cl.device_type.CPU)
        self.has_fp64 = "cl_khr_fp64" in self.cl_device.extensions
        self.queue = cl.CommandQueue(self.context)  # one in-order queue: no events needed
        self.pool = cl.tools.MemoryPool(cl.tools.ImmediateAllocator(self.queue))
        self.max_alloc = self.cl_device.max_mem_alloc_size
        wg = self.cl_device.max_work_group_size
        self.local_size = min(256, 1 << (wg.bit_length() - 1))  # a power of two
        self.build_options = build_options(self.cl_device)
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
            except cl.Error as exc:  # the compiler works (the probe passed): blame the source
                owner = _owner(make_source)
                raise KernelBuildError(
                    f"OpenCL device {self.name!r} ({driver(self.cl_device)}) failed to build "
                    f"kernel {name!r} {key}, whose source comes from {owner}: the device passed "
                    f"the compiler probe, so please report this to {owner} with this log.\n"
                    f"{exc}\n--- source ---\n{source}") from exc
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
