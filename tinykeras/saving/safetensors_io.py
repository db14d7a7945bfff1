"""Read and write safetensors files: bounded parsing and crash-safe writes.

The format (https://github.com/huggingface/safetensors): 8 bytes ``N`` (a
little-endian u64), ``N`` bytes of UTF-8 JSON
``{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...,
"__metadata__": {"key": "text", ...}}``, then the tensors' bytes (C order,
little-endian).  :func:`read_header` checks everything before a single
tensor is read: the length is bounded and fits the file, the JSON is strict,
every entry has exactly the three keys, a known dtype, a sane shape, and
offsets that tile the data area exactly (no holes, overlaps or trailing
bytes), with ``end - begin`` equal to the shape's byte size.

>>> import os, tempfile, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "t.safetensors")
>>> write_file(path, {"w": np.arange(6, dtype="float32").reshape(2, 3)}, {"note": "hi"})
>>> header = read_header(path)
>>> header.metadata, header.tensors["w"].shape
({'note': 'hi'}, (2, 3))
>>> read_tensors(path, header)["w"].tolist()
[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
"""
import errno
import os
import re
import stat
import tempfile
from dataclasses import dataclass

import numpy as np

from . import safe_json
from .errors import FileFormatError, excerpt

MAX_HEADER_BYTES = 25_000_000   # huggingface_hub's limit for remote metadata parsing
MAX_TENSORS = 100_000
MAX_NDIM = 8
MAX_NAME_CHARS = 1024
TMP_PREFIX = ".tmp-tinykeras-"

# safetensors dtype -> NumPy dtype (little-endian); BF16 is read as float32.
DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "I16": "<i2", "U16": "<u2", "F16": "<f2",
          "BF16": "<u2", "I32": "<i4", "U32": "<u4", "F32": "<f4", "I64": "<i8", "U64": "<u8",
          "F64": "<f8"}
NAMES = {np.dtype(code).name: name for name, code in DTYPES.items() if name != "BF16"}
_TENSOR_KEYS = {"dtype", "shape", "data_offsets"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TensorInfo:
    """One header entry: ``name``, ``dtype`` (safetensors name), ``shape``,
    and byte offsets ``begin``/``end`` within the data area."""
    name: str
    dtype: str
    shape: tuple
    begin: int
    end: int

    @property
    def size(self):
        """Number of elements."""
        return _prod(self.shape)


@dataclass(frozen=True)
class Header:
    """A validated header: ``metadata`` (str -> str), ``tensors`` (name ->
    :class:`TensorInfo`), where the data area starts, and the file size."""
    metadata: dict
    tensors: dict
    data_start: int
    file_size: int


def _prod(shape):
    out = 1
    for d in shape:
        out *= d
    return out


def _fail(path, message):
    raise FileFormatError(f"{os.fspath(path)}: {message}")


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def check_regular(path, what="a safetensors file", mode=None):
    """Raise a :class:`FileFormatError` unless ``path`` (or ``mode``, an
    ``st_mode``) is a regular file: a FIFO, device, socket or directory is
    refused by its type, before it is opened (opening a FIFO would block).

    >>> check_regular("/dev/null")
    Traceback (most recent call last):
    ...
    tinykeras.saving.errors.FileFormatError: /dev/null: is a character device, not a safetensors file; only regular files are read
    """
    if mode is None:
        mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        kind = next((k for test, k in _KINDS if test(mode)), "not a regular file")
        raise FileFormatError(f"{os.fspath(path)}: is {kind}, not {what}; only regular files are read")


def open_regular(path, what="a safetensors file"):
    """``open(path, "rb")`` for a regular file only (see :func:`check_regular`);
    the type is checked before opening and again on the open descriptor."""
    check_regular(path, what)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        check_regular(path, what, os.fstat(fd).st_mode)  # replaced since the check above
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_header(path, max_header_bytes=MAX_HEADER_BYTES):
    """Parse and validate the header of the safetensors file at ``path``."""
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        prefix = f.read(8)
        if len(prefix) < 8:
            _fail(path, f"truncated file: {len(prefix)} bytes, too short for the 8-byte "
                        "header length of a safetensors file")
        n = int.from_bytes(prefix, "little")
        if n > max_header_bytes:
            _fail(path, f"absurd header length {n} bytes (the limit is {max_header_bytes})")
        if n < 2:
            _fail(path, f"header length {n} is too small for a JSON object")
        if 8 + n > size:
            _fail(path, f"truncated file: the header length says {n} bytes but only "
                        f"{size - 8} bytes follow")
        raw = f.read(n)
    if len(raw) != n:
        _fail(path, "truncated file: the header ends early")
    text = raw.strip(b" \t\r\n")
    if not text.startswith(b"{"):
        _fail(path, f"the header is not a JSON object (starts with {excerpt(raw[:16])})")
    try:
        table = safe_json.loads(text, what="safetensors header", max_bytes=max_header_bytes, max_depth=4)
    except FileFormatError as exc:
        _fail(path, str(exc))
    if not isinstance(table, dict):
        _fail(path, "the header is not a JSON object")
    metadata = _check_metadata(path, table.pop("__metadata__", None))
    if len(table) > MAX_TENSORS:
        _fail(path, f"{len(table)} tensors is more than the limit of {MAX_TENSORS}")
    tensors = {name: _check_entry(path, name, entry) for name, entry in table.items()}
    _check_offsets(path, tensors.values(), size - 8 - n)
    return Header(metadata, tensors, 8 + n, size)


def _check_metadata(path, metadata):
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        _fail(path, f"__metadata__ must be an object of strings, got {type(metadata).__name__}")
    for key, value in metadata.items():
        if not isinstance(value, str):
            _fail(path, f"__metadata__[{excerpt(key)}] must be a string, got {type(value).__name__}")
    return metadata


def _check_entry(path, name, entry):
    where = f"tensor {excerpt(name)}"
    if not name or len(name) > MAX_NAME_CHARS or _CONTROL.search(name):
        _fail(path, f"{where}: a tensor name must be 1 to {MAX_NAME_CHARS} printable characters")
    if not isinstance(entry, dict) or set(entry) != _TENSOR_KEYS:
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        _fail(path, f"{where}: an entry needs exactly the keys dtype, shape, data_offsets; got {keys}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        _fail(path, f"{where}: unsupported dtype {excerpt(dtype)}; tinykeras reads {', '.join(DTYPES)}")
    if not isinstance(shape, list) or len(shape) > MAX_NDIM or not all(_is_count(d) for d in shape):
        _fail(path, f"{where}: shape {excerpt(shape)} must be a list of at most {MAX_NDIM} "
                    "non-negative integers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets) \
            or offsets[0] > offsets[1]:
        _fail(path, f"{where}: data_offsets {excerpt(offsets)} must be [begin, end] with 0 <= begin <= end")
    info = TensorInfo(name, dtype, tuple(shape), offsets[0], offsets[1])
    nbytes = info.size * np.dtype(DTYPES[dtype]).itemsize
    if nbytes != info.end - info.begin:
        _fail(path, f"{where}: shape {list(info.shape)} of {dtype} needs {nbytes} bytes but "
                    f"data_offsets span {info.end - info.begin}")
    return info


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def _check_offsets(path, infos, data_size):
    position = 0
    for info in sorted(infos, key=lambda i: (i.begin, i.end)):
        if info.begin != position:
            problem = "overlaps the previous one" if info.begin < position else "leaves a hole before it"
            _fail(path, f"tensor {excerpt(info.name)}: data_offsets {[info.begin, info.end]} {problem}")
        position = info.end
    if position != data_size:
        problem = "truncated file" if position > data_size else "unexpected trailing bytes"
        _fail(path, f"{problem}: the tensors cover {position} bytes of data, the file has {data_size}")


def read_tensors(path, header, names=None):
    """Arrays for ``names`` (default: all) from a file whose ``header`` was
    read by :func:`read_header`; BF16 tensors come back as float32."""
    out = {}
    with open_regular(path) as f:
        if os.fstat(f.fileno()).st_size != header.file_size:
            _fail(path, "the file changed while it was being read")
        for name in header.tensors if names is None else names:
            info = header.tensors[name]
            f.seek(header.data_start + info.begin)
            data = f.read(info.end - info.begin)
            if len(data) != info.end - info.begin:
                _fail(path, f"truncated file: tensor {excerpt(name)} ends early")
            array = np.frombuffer(data, dtype=DTYPES[info.dtype]).reshape(info.shape)
            if info.dtype == "BF16":
                array = (array.astype(np.uint32) << 16).view(np.float32)
            out[name] = array.astype(array.dtype.newbyteorder("="), copy=True)
    return out


def encode(tensors, metadata=None):
    """The header bytes and the arrays in file order, for :func:`write_file`.

    Tensors are laid out as the reference writer does: by descending dtype
    alignment, then by name; the header is padded with spaces to 8 bytes.
    """
    arrays = {name: np.asarray(value, order="C") for name, value in tensors.items()}
    table, position = {}, 0
    for name in sorted(arrays, key=lambda k: (-arrays[k].dtype.itemsize, k)):
        array = arrays[name]
        if name == "__metadata__" or array.dtype.name not in NAMES:
            raise TypeError(f"tensor {name!r} of dtype {array.dtype} cannot be stored in safetensors")
        arrays[name] = array.astype(array.dtype.newbyteorder("<"), copy=False)
        table[name] = {"dtype": NAMES[array.dtype.name], "shape": list(array.shape),
                       "data_offsets": [position, position + array.nbytes]}
        position += array.nbytes
    if metadata:
        table["__metadata__"] = dict(metadata)
    header = safe_json.dumps(table).encode("utf-8")
    header += b" " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header, [arrays[name] for name in table if name in arrays]


def write_file(path, tensors, metadata=None, overwrite=True):
    """Write ``tensors`` (name -> array) and ``metadata`` (str -> str) to ``path`` atomically."""
    header, arrays = encode(tensors, metadata)

    def write(f):
        f.write(header)
        for array in arrays:
            f.write(memoryview(array.reshape(-1)).cast("B") if array.size else b"")
    atomic_write(path, write, overwrite=overwrite)


def atomic_write(path, write, overwrite=True):
    """Call ``write(f)`` on a temporary file next to ``path``, fsync it, then
    rename it over ``path``: a crash at any moment leaves either the old
    file or the new one, never a mix.  Temporaries left by crashed saves
    (``.tmp-tinykeras-<pid>-...`` of dead processes) are removed first."""
    path = os.path.abspath(os.fspath(path))
    folder, base = os.path.split(path)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"cannot save {path}: the folder {folder} does not exist "
                                "(create it first, or save to an existing folder)", path)
    clean_stale_temporaries(folder)
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", suffix="-" + base[-100:], dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)


def _mode_for(path):
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


_TMP_PID = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-")


def clean_stale_temporaries(folder):
    """Remove ``.tmp-tinykeras-<pid>-*`` files in ``folder`` whose process is
    gone (left by a save that was killed); returns the names removed."""
    removed = []
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return removed
    for name in names:
        match = _TMP_PID.match(name)
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(folder, name))
                removed.append(name)
            except OSError:
                pass
    return removed


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # exists but not ours, or unknown: leave its file alone
    return True
