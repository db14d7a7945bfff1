"""Dtype names and Keras 3's type promotion (``keras.backend.result_type``).

Keras names dtypes with strings (``"float32"``, ``"int8"``, ``"bool"``...);
:func:`standardize_dtype` turns NumPy dtypes, Python types and other
frameworks' dtypes into those strings.  :func:`result_type` is Keras's
promotion rule, adapted from JAX: a lattice where Python ``int``/``float``
are "weak" (they take the other operand's type), followed by Keras's
choice of 32-bit results (``float64`` alone gives ``float32``, as on
Keras's torch/JAX backends).

>>> standardize_dtype(float), standardize_dtype(np.dtype("uint8"))
('float32', 'uint8')
>>> result_type("int8", "uint8"), result_type("float16", int), result_type("int32", float)
('int16', 'float16', 'float32')
"""
import numpy as np

FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED_DTYPES = (FLOAT_TYPES[1:] + INT_TYPES + ("bfloat16", "bool", "string", "float8_e4m3fn",
                                                  "float8_e5m2") + COMPLEX_TYPES)
PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", str: "string", "int": "int32",
                 complex: "complex64"}

# Each type -> the types just above it ("int"/"float" are the weak Python types).
_LATTICE = {
    "bool": ["int"], "int": ["uint8", "int8", "complex64"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["float"], "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16"], "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"], "complex64": ["complex128"],
    "complex128": [],
}


def _floatx():
    from .backend import floatx  # here, not at the top: backend re-exports this module's functions
    return floatx()


def _upper_bounds(node):
    """Every type reachable upwards from ``node``, itself included."""
    bounds = {node}
    for parent in _LATTICE[node]:
        bounds |= _upper_bounds(parent)
    return bounds


_UPPER = {node: _upper_bounds(node) for node in _LATTICE}
_TO_32_BITS = {"int64": "int32", "uint64": "uint32", "float64": "float32", "complex128": "complex64"}


def standardize_dtype(dtype):
    """Keras's name for ``dtype``; ``None`` is ``floatx()``.

    Accepts strings, NumPy dtypes and scalar types, Python ``bool``/``int``/
    ``float``/``str``/``complex`` and objects like ``torch.float32``.

    >>> standardize_dtype(None), standardize_dtype(int), standardize_dtype(np.int8)
    ('float32', 'int32', 'int8')
    """
    if dtype is None:
        return _floatx()
    dtype = PYTHON_DTYPES.get(dtype, dtype)
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "torch" in str(dtype) or "jax.numpy" in str(dtype):
        dtype = str(dtype).split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype):
    """True for ``float16/32/64`` and ``bfloat16`` (any form of them).

    >>> is_float_dtype("bfloat16"), is_float_dtype(int)
    (True, False)
    """
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """True for the signed and unsigned integer dtypes.

    >>> is_int_dtype("uint8"), is_int_dtype("bool")
    (True, False)
    """
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


def _least_upper_bound(nodes):
    try:
        common = set.intersection(*(_UPPER[n] for n in nodes))
    except KeyError:
        bad = next(n for n in nodes if n not in _UPPER)
        raise ValueError(f"dtype={bad!r} is not a valid dtype for Keras type promotion.") from None
    least = (common & nodes) or {c for c in common if common <= _UPPER[c]}
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(nodes)} have no available implicit dtype promotion "
                         "path. Try explicitly casting inputs to the desired output type.")
    return least.pop()


def _weak(dtype):
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid value for argument `dtype`. Received: dtype={dtype}")


def result_type(*dtypes):
    """The dtype of an op on inputs of ``dtypes``, by Keras 3's rules.

    Python ``int``/``float`` (the types themselves) are weak: they adopt
    the other inputs' precision.  No argument gives ``floatx()``; ``None``
    counts as ``floatx()``.  64-bit results become 32-bit, as Keras does on
    every backend but TensorFlow.

    >>> result_type("bool", int), result_type("uint8", "int8"), result_type("float64")
    ('int32', 'int16', 'float32')
    """
    if not dtypes:
        return _floatx()
    if any(d in ("float8_e4m3fn", "float8_e5m2") for d in dtypes):
        raise ValueError("There is no implicit conversions from float8 dtypes to others. "
                         f"You must cast it internally. Received: {dtypes}")
    args = [_floatx() if d is None else d for d in dtypes]
    names = [standardize_dtype(d) for d in args]
    weak = [d is int or d is float for d in args]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(set(names)), True
    else:
        out = _least_upper_bound({_weak(d) if w else d for d, w in zip(names, weak)})
        out_weak = out in ("int", "float")
    if out_weak and out != "bool":  # a weak result takes floatx()'s precision
        precision = _floatx()[-2:]
        kind = "f" if out == "bfloat16" else out[0]
        out = {"i": f"int{precision}", "u": f"uint{precision}"}.get(kind, f"float{precision}")
    return _TO_32_BITS.get(out, out)
