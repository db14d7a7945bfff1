"""Reading the pickled data sets (CIFAR batches, IMDB/Reuters ``.npz``) safely.

Some of Keras's data files are Python pickles: the CIFAR batches are
pickled dicts, and ``imdb.npz``/``reuters.npz`` hold ragged sequences as
``dtype=object`` arrays, which NumPy can only store as a pickle.  A pickle
can name any Python function and call it (``os.system`` included), so
``pickle.load`` or ``np.load(allow_pickle=True)`` on a tampered file runs
its code.  tinykeras never does that: :class:`RestrictedUnpickler` builds
only plain containers and scalars (dict, list, tuple, bytes, str, int,
float, bool, None, which a pickle makes without naming a function) and
NumPy arrays.  The only functions a file may name are the three that
rebuild an array, each wrapped to accept nothing else:

* ``numpy.core.multiarray._reconstruct`` (or ``numpy._core...``): an empty
  ``numpy.ndarray``, never a subclass;
* ``numpy.ndarray``: only as the argument above;
* ``numpy.dtype``: from a type string such as ``"u1"`` or ``"O"``.

Anything else (``builtins.eval``, ``os.system``, ``numpy.load``...) raises
``pickle.UnpicklingError`` before it is called.  These are the globals
Keras 3's own ``RestrictedUnpickler`` (``keras/src/datasets/npz_utils.py``)
allows, so the files Keras reads, tinykeras reads.

>>> import io, pickle, numpy as np
>>> blob = pickle.dumps({b"data": np.arange(3, dtype=np.uint8), b"labels": [1, 2, 3]}, protocol=3)
>>> loads(blob)[b"data"].tolist()
[0, 1, 2]
>>> loads(b"cos\\nsystem\\n(S'echo hacked'\\ntR.")
Traceback (most recent call last):
...
_pickle.UnpicklingError: Refusing to load `os.system` from a data set file: only NumPy arrays and plain Python values (dict, list, bytes, str, numbers) are allowed. The file may be corrupted or malicious.
"""
import io
import pickle
import zipfile

import numpy as np

try:  # NumPy 2
    from numpy._core.multiarray import _reconstruct as _numpy_reconstruct
except ImportError:  # pragma: no cover - NumPy 1
    from numpy.core.multiarray import _reconstruct as _numpy_reconstruct


def _reconstruct(subtype, shape, dtype):
    """NumPy's array-rebuilding function, for ``numpy.ndarray`` only."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"Refusing to rebuild an array of type {subtype!r}")
    return _numpy_reconstruct(np.ndarray, shape, dtype)


def _dtype(spec, align=False, copy=False):
    """``numpy.dtype`` from a type string (``"u1"``, ``"<i8"``, ``"O"``)."""
    if not isinstance(spec, (str, bytes)):
        raise pickle.UnpicklingError(f"Refusing to build a NumPy dtype from {spec!r}")
    return np.dtype(spec.decode("ascii") if isinstance(spec, bytes) else spec, align, copy)


_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that builds only plain values and NumPy arrays."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load `{module}.{name}` from a data set file: only NumPy arrays "
                "and plain Python values (dict, list, bytes, str, numbers) are allowed. "
                "The file may be corrupted or malicious.") from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("Refusing a pickle with persistent ids in a data set file")


def loads(data, encoding="ASCII"):
    """Unpickle ``data`` (bytes) with :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(io.BytesIO(data), encoding=encoding).load()


def load(path, encoding="ASCII"):
    """Unpickle the file at ``path`` with :class:`RestrictedUnpickler`.

    Use ``encoding="bytes"`` for pickles written by Python 2 (the CIFAR
    batches): their ``str`` values come back as ``bytes``.
    """
    with open(path, "rb") as f:
        return RestrictedUnpickler(f, encoding=encoding).load()


def _read_npy(fp):
    """One ``.npy`` member: numbers without any pickle, object arrays restricted."""
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):  # 3.0 only encodes the header as UTF-8
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise ValueError(f"Unsupported .npy format version {version}")
    if not dtype.hasobject:
        fp.seek(0)
        return np.lib.format.read_array(fp, allow_pickle=False)
    array = RestrictedUnpickler(fp).load()
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(f"The object array in the .npz file is not an array of shape {shape}")
    return array


def load_npz(path):
    """The arrays of an ``.npz`` file as a dict, object arrays read safely.

    A safe stand-in for ``np.load(path, allow_pickle=True)``: numeric
    arrays are read with pickling disabled, ``dtype=object`` arrays with
    :class:`RestrictedUnpickler`.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ragged.npz")
    >>> np.savez(path, x=np.array([[1, 2], [3]], dtype=object), y=np.array([0, 1]))
    >>> arrays = load_npz(path)
    >>> arrays["x"].tolist(), arrays["y"].tolist()
    ([[1, 2], [3]], [0, 1])
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[:-len(".npy")]] = _read_npy(io.BytesIO(archive.read(member)))
    return arrays
