"""Movement kernels: reshape, transpose, broadcast_to, pad, concatenate, getitem, index_add.

Almost all of them are one strided copy (:func:`elementwise.copy_into`)
between two :class:`View` s, so the only work here is host-side index math:

* ``transpose`` reads the input with permuted strides;
* ``broadcast_to`` reads with stride 0 along new dimensions;
* ``pad`` fills the output, then copies the input into its interior;
* ``concatenate`` copies each piece into its slab of the output;
* ``getitem`` with ints, slices, ``None`` and ``...`` is a view of the input;
  with integer arrays it becomes a *gather* of precomputed element offsets;
* ``index_add`` (the gradient of ``getitem``) copies into a view of zeros, or,
  for integer-array keys, whose positions may repeat, does an atomic
  *scatter-add*.

``reshape`` copies nothing: a C-contiguous buffer has every shape of its size.

>>> import numpy as np
>>> from tinykeras_opencl.array import asarray, to_numpy
>>> x = asarray(np.arange(12, dtype=np.int32).reshape(3, 4))
>>> to_numpy(getitem(x, (np.array([2, 0]), slice(None, None, 2)))).tolist()
[[8, 10], [0, 2]]
"""
import math

import numpy as np

from .array import DeviceArray, View, asarray, contiguous_strides, empty, full, view
from .codegen import index_type
from .elementwise import broadcast_view, copy_into, widening


def reshape(x, shape):
    """Same buffer, new shape (one ``-1`` is inferred)."""
    shape = tuple(int(n) for n in ((shape,) if np.ndim(shape) == 0 else shape))
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        shape = tuple(x.size // known if n == -1 and known else n for n in shape)
    if math.prod(shape) != x.size:
        raise ValueError(f"cannot reshape array of size {x.size} into shape {shape}")
    return DeviceArray(shape, x.dtype, x.data, x.device)


def transpose(x, axes=None):
    """Permute dimensions (reverse them when ``axes`` is None)."""
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    src = view(x)
    out = empty(tuple(x.shape[a] for a in axes), x.dtype, x.device)
    copy_into(view(out), View(x, 0, out.shape, tuple(src.strides[a] for a in axes)))
    return out


def broadcast_to(x, shape):
    """Materialise ``x`` broadcast to ``shape`` (NumPy's rules and errors)."""
    shape = tuple(int(n) for n in shape)
    np.broadcast_shapes(x.shape, shape)  # raises ValueError when incompatible
    if len(shape) < x.ndim or np.broadcast_shapes(x.shape, shape) != shape:
        raise ValueError(f"cannot broadcast shape {x.shape} to {shape}")
    out = empty(shape, x.dtype, x.device)
    copy_into(view(out), broadcast_view(x, shape))
    return out


def _interior(out, starts, shape):
    """The View of ``out`` that starts at index tuple ``starts`` and has ``shape``."""
    strides = contiguous_strides(out.shape)
    return View(out, sum(s * st for s, st in zip(starts, strides)), tuple(shape), strides)


def pad(x, pad_width, value=0):
    """Constant padding; ``pad_width`` is one ``(before, after)`` pair per dimension."""
    pad_width = [tuple(int(p) for p in pw) for pw in pad_width]
    out = full(tuple(n + b + a for n, (b, a) in zip(x.shape, pad_width)), value, x.dtype)
    copy_into(_interior(out, [b for b, _ in pad_width], x.shape), view(x))
    return out


def concatenate(*xs, axis=0):
    """Join arrays along ``axis``: each is copied into its slab of the output."""
    axis = axis % xs[0].ndim
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    for x in xs:
        if x.ndim != len(shape) or any(a != b for d, (a, b) in enumerate(zip(x.shape, shape))
                                       if d != axis):
            raise ValueError(f"concatenate: shapes {[x.shape for x in xs]} differ off axis {axis}")
    out = empty(shape, np.result_type(*(x.dtype for x in xs)), xs[0].device)
    start = 0
    for x in xs:
        corner = [0] * len(shape)
        corner[axis] = start
        copy_into(_interior(out, corner, x.shape), view(x))
        start += x.shape[axis]
    return out


def _is_basic(key):
    return all(k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer)) for k in key)


def basic_view_params(shape, key):
    """``(offset, shape, strides)`` in elements of ``x[key]`` for a basic-indexing key.

    NumPy applies its own indexing rules (negative indices, steps, ``None``,
    ``...``, bounds errors) to a *fake* array of 1-byte items whose byte
    strides equal our element strides; we only read the resulting view's
    geometry, never its memory.  ``...`` is appended so an all-integer key
    still gives a (0-d) view instead of reading a scalar.

    >>> basic_view_params((3, 4), (1, slice(None, None, -1)))
    (7, (4,), (-1,))
    """
    fake = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=shape,
                                           strides=contiguous_strides(shape))
    key = key if any(k is Ellipsis for k in key) else key + (Ellipsis,)
    sub = fake[key]
    offset = sub.__array_interface__["data"][0] - fake.__array_interface__["data"][0]
    return offset, sub.shape, sub.strides


def gather_offsets(shape, key):
    """Element offsets of ``x[key]`` for any NumPy key, as an array shaped like the result.

    Along each axis ``j`` a zero-strided view of ``arange(n_j) * stride_j``
    plays the role of ``x``'s coordinate ``j``; indexing it with ``key``
    costs only the size of the *result*, however large ``x`` is.

    >>> gather_offsets((3, 4), (np.array([2, 0]), slice(1, 3))).tolist()
    [[9, 10], [1, 2]]
    """
    strides = contiguous_strides(shape)
    total = np.zeros((), np.int64)[()]
    for j, (n, st) in enumerate(zip(shape, strides)):
        coord = np.arange(n, dtype=np.int64) * st
        grid = np.lib.stride_tricks.as_strided(
            coord, shape=shape, strides=[8 if k == j else 0 for k in range(len(shape))])
        total = total + grid[key]
    return np.asarray(total, np.int64)


INDEX_SOURCE = """
typedef {idx} IDX;
typedef {ct} T;
{atomic}
__kernel void gather(__global T *out, __global const T *x, __global const IDX *offs, const IDX n)
{{
    const IDX i = (IDX)get_global_id(0);
    if (i < n) out[i] = x[offs[i]];
}}
__kernel void scatter_add(__global T *out, __global const T *v, __global const IDX *offs,
                          const IDX n)
{{  /* repeated offsets are fine: every addition is atomic */
    const IDX i = (IDX)get_global_id(0);
    if (i < n) atomic_add_T(out + offs[i], v[i]);
}}
"""
# Floats have no atomic add in OpenCL 1.2: retry a compare-and-swap of the bits.
_CAS_ADD = """inline void atomic_add_T(volatile __global T *p, T v)
{{
    union {{ {u} u; T f; }} old, new;
    do {{ old.f = *p; new.f = old.f + v; }}
    while ({cas}((volatile __global {u} *)p, old.u, new.u) != old.u);
}}"""
_INT64_ATOMICS = "#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable\n"
ATOMIC_ADD = {
    "float": _CAS_ADD.format(u="uint", cas="atomic_cmpxchg"),
    "double": _INT64_ATOMICS + _CAS_ADD.format(u="ulong", cas="atom_cmpxchg"),
    "int": "#define atomic_add_T(p, v) atomic_add(p, v)",
    "uint": "#define atomic_add_T(p, v) atomic_add(p, v)",
    "long": _INT64_ATOMICS + "#define atomic_add_T(p, v) atom_add(p, v)",
    "ulong": _INT64_ATOMICS + "#define atomic_add_T(p, v) atom_add(p, v)",
}
# A gather only moves bits, so it handles every dtype as the unsigned int of its size.
BITS = {1: "uchar", 2: "ushort", 4: "uint", 8: "ulong"}


def _index_kernel(dev, name, dtype, idx):
    dev.ctype(dtype)  # a clear TypeError for unsupported dtypes
    ct = BITS[dtype.itemsize] if name == "gather" else dev.ctype(dtype)
    atomic = ATOMIC_ADD.get(ct, "") if name == "scatter_add" else ""
    if name == "scatter_add" and not atomic:
        raise TypeError(f"index_add with array keys does not support {dtype}")
    source = INDEX_SOURCE.format(idx=idx, ct=ct, atomic=atomic)
    if name == "gather":  # leave out the scatter kernel, which needs atomics for T
        source = source[:source.index("__kernel void scatter_add")]
    itype = np.int32 if idx == "int" else np.int64
    knl = dev.kernel(("index", name, ct, idx), lambda: source, name, [None, None, None, itype])
    return knl, itype


def _run_index(name, out, x, offsets):
    """Launch ``gather`` (out[i] = x[offs[i]]) or ``scatter_add`` (out[offs[i]] += x[i])."""
    n = offsets.size
    if n == 0:
        return
    dev = out.device
    idx = index_type(out.size, x.size)
    knl, itype = _index_kernel(dev, name, out.dtype, idx)
    offs = asarray(offsets.astype(itype, copy=False).reshape(-1))
    dev.launch(knl, (-(-n // dev.local_size) * dev.local_size,), (dev.local_size,),
               out.data, x.data, offs.data, n)


def _normalize_key(key):
    return tuple(key) if isinstance(key, tuple) else (key,)


def getitem(x, key):
    """NumPy indexing: ints, slices, None, Ellipsis and integer index arrays."""
    key = _normalize_key(key)
    if _is_basic(key):
        offset, shape, strides = basic_view_params(x.shape, key)
        out = empty(shape, x.dtype, x.device)
        copy_into(view(out), View(x, offset, shape, strides))
        return out
    offsets = gather_offsets(x.shape, key)
    out = empty(offsets.shape, x.dtype, x.device)
    _run_index("gather", out, x, offsets)
    return out


# Scatter-add needs an atomic add: small ints, bool and float16 accumulate in a
# wider type (sums wrap around exactly as NumPy's do).
_WIDEN_FOR_ATOMICS = {np.dtype(a): np.dtype(b) for a, b in [
    ("float16", "float32"), ("bool", "int32"), ("int8", "int32"), ("int16", "int32"),
    ("uint8", "uint32"), ("uint16", "uint32")]}


def index_add(values, key, shape):
    """Zeros of ``shape`` with ``values`` added at ``[key]``; repeated positions accumulate."""
    key, shape = _normalize_key(key), tuple(int(n) for n in shape)
    out = full(shape, 0, values.dtype)
    if _is_basic(key):  # basic keys never repeat a position: a plain copy is enough
        offset, sub_shape, strides = basic_view_params(shape, key)
        copy_into(View(out, offset, sub_shape, strides), broadcast_view(values, sub_shape))
        return out
    offsets = gather_offsets(shape, key)
    if values.shape != offsets.shape:
        values = broadcast_to(values, offsets.shape)
    _run_index("scatter_add", out, values, offsets)
    return out


def kernels():
    """``{op name: kernel}`` for every op this module implements."""
    return dict(reshape=reshape, transpose=transpose, broadcast_to=broadcast_to, pad=pad,
                concatenate=concatenate, getitem=getitem,
                index_add=widening(index_add, _WIDEN_FOR_ATOMICS))
