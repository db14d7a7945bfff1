"""The Snake op's OpenCL kernel, for backend ``"opencl"`` (tinykeras-opencl).

A backend kernel gets the backend's arrays (here ``tinykeras_opencl``'s
C-contiguous ``DeviceArray``) and returns a new one.  The C source below is
compiled once per device and dtype (``Device.kernel`` caches it); each call
allocates the output from the device's memory pool and launches one
work-item per element.  Importing this module needs ``tinykeras_opencl``
(an ImportError otherwise, which :mod:`tinykeras_example.plugin` catches)
but touches no device.

>>> import numpy as np, tinykeras_opencl as tko                   # doctest: +SKIP
>>> tko.to_numpy(snake(tko.asarray(np.float32([0, 1])), 1.0))      # doctest: +SKIP
array([0.       , 1.7080734], dtype=float32)
"""
import numpy as np
import tinykeras_opencl as tko

SOURCE = r"""
__kernel void snake(__global const T *x, __global T *out, const T alpha, const long n)
{
    const long i = get_global_id(0);
    if (i < n) {
        const T s = sin(alpha * x[i]);
        out[i] = x[i] + s * s / alpha;
    }
}
"""
CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}


def snake(x, alpha=1.0):
    """OpenCL kernel: ``DeviceArray`` in (float32, or float64 where the device has it), one out."""
    ctype = CTYPES.get(x.dtype)
    if ctype is None:
        raise TypeError(f"snake on OpenCL takes float32 or float64 arrays, not {x.dtype}")
    dev = x.device
    dev.ctype(x.dtype)  # a clear TypeError if the device has no float64
    out = tko.empty(x.shape, x.dtype, dev)
    n = out.size
    if n == 0:
        return out  # OpenCL has no empty buffers: nothing to launch
    knl = dev.kernel(("tinykeras_example.snake", ctype), lambda: f"#define T {ctype}\n{SOURCE}",
                     "snake", [None, None, x.dtype.type, np.int64])
    local = dev.local_size
    dev.launch(knl, (-(-n // local) * local,), (local,), x.data, out.data, x.dtype.type(alpha), n)
    return out
