"""Build safetensors files byte by byte, and edit valid ones.

A test starts from a valid file written by ``tk.saving`` and changes one
thing: the header JSON, the architecture, a tensor entry, the bytes.

>>> import json
>>> header, data = split(join({"t": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}, b"x"))
>>> header["t"]["dtype"], data
('U8', b'x')
"""
import json
import os

import numpy as np


def save_base(folder, name="base"):
    """The valid model every edit starts from (Input (3,) -> Dense 2 named
    ``dense``), saved as ``<folder>/<name>.safetensors``; returns the path."""
    import tinykeras as tk
    path = os.path.join(str(folder), f"{name}.safetensors")
    tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="dense")], name="base").save(path)
    return path


def join(header, data=b"", length=None):
    """File bytes for ``header`` (a dict, str or bytes) and ``data``;
    ``length`` overrides the 8-byte header length."""
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode("utf-8")
    n = len(header) if length is None else length
    return n.to_bytes(8, "little") + header + data


def split(blob):
    """``(header dict, data bytes)`` of a valid file's bytes."""
    n = int.from_bytes(blob[:8], "little")
    return json.loads(blob[8:8 + n]), blob[8 + n:]


def write(path, blob):
    with open(path, "wb") as f:
        f.write(blob)
    return path


def edit(src, dst, header_fn=None, data_fn=None):
    """Copy ``src`` to ``dst`` after ``header_fn(header)`` edited the parsed
    header in place (its return value is ignored) and ``data_fn(data)``
    returned new data bytes."""
    with open(src, "rb") as f:
        header, data = split(f.read())
    if header_fn is not None:
        header_fn(header)
    if data_fn is not None:
        data = data_fn(data)
    return write(dst, join(header, data))


def edit_metadata(src, dst, fn):
    """Edit the ``__metadata__`` dict (strings) of ``src`` in place with ``fn``."""
    return edit(src, dst, lambda header: fn(header["__metadata__"]))


def edit_architecture(src, dst, fn):
    """Edit the parsed ``architecture`` JSON of ``src`` in place with ``fn(arch)``."""
    def meta_fn(meta):
        arch = json.loads(meta["architecture"])
        fn(arch)
        meta["architecture"] = json.dumps(arch)
    return edit_metadata(src, dst, meta_fn)


def layer_entries(arch):
    """The list of layer configs of a Sequential or Functional architecture."""
    return arch["config"]["layers"]


def set_tensor(src, dst, name, array):
    """Replace (or add) tensor ``name`` with ``array``, keeping the others."""
    with open(src, "rb") as f:
        header, data = split(f.read())
    meta = header.pop("__metadata__", None)
    arrays = {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in header.items()}
    entries = {k: dict(v) for k, v in header.items()}
    if array is None:
        arrays.pop(name), entries.pop(name)
    else:
        array = np.ascontiguousarray(array)
        codes = {"float32": "F32", "float16": "F16", "int32": "I32", "int64": "I64", "float64": "F64",
                 "uint16": "BF16", "uint8": "U8", "int8": "I8", "int16": "I16", "bool": "BOOL"}
        arrays[name] = array.tobytes()
        entries[name] = {"dtype": codes[array.dtype.name], "shape": list(array.shape)}
    out, position = {}, 0
    for key in entries:
        out[key] = {"dtype": entries[key]["dtype"], "shape": entries[key]["shape"],
                    "data_offsets": [position, position + len(arrays[key])]}
        position += len(arrays[key])
    if meta is not None:
        out["__metadata__"] = meta
    return write(dst, join(out, b"".join(arrays[k] for k in entries)))


def to_bfloat16_bits(array):
    """float32 values as bfloat16 bit patterns (uint16), truncating."""
    return (np.asarray(array, np.float32).view(np.uint32) >> 16).astype(np.uint16)


def temporaries(folder):
    return [n for n in os.listdir(folder) if n.startswith(".tmp-tinykeras-")]
