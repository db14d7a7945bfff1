"""Keras 3 ``.weights.h5`` files: weights by object path in HDF5, read
with bounds (through the optional package ``h5py``).

The layout is Keras 3's: every object path of
:mod:`tinykeras.saving.object_paths` is a group ``<path>/vars`` (the layer's
name in its ``name`` attribute) holding datasets ``"0"``, ``"1"``... (the
model's own variables are in ``/vars``, the optimizer's in
``/optimizer/vars``; a layer's named state, as a tf_idf lookup's
``idf_weights``, is a dataset of that name beside them, see
:mod:`tinykeras.saving.keras_assets`).  The same bytes are the
``model.weights.h5`` member of a ``.keras`` archive.

Reading walks the whole file first, before any weight is read, and
refuses (a :class:`FileFormatError` naming the file and the object):
soft, external or user-defined links anywhere (the root included), an
object reached twice (link cycles and aliases), more than
:data:`MAX_OBJECTS` objects or :data:`MAX_DEPTH` levels, datasets that
read other files (external storage, virtual datasets), non-numeric or
bfloat16 datasets, and committed datatypes.  Then every dataset's shape and
dtype is compared with the architecture, and only matching datasets are
read: a never-written chunked dataset cannot make it read more than the
model's own size.

>>> import io, numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
>>> blob = to_bytes(model)
>>> sorted(inventory(open_file(io.BytesIO(blob), "m.weights.h5"), "m.weights.h5"))
['layers/dense/vars/0', 'layers/dense/vars/1']
"""
import io
from dataclasses import dataclass

import numpy as np

from . import keras_assets
from .errors import FileFormatError, UnsafeContentError, excerpt
from .object_paths import object_groups, optimizer_groups, vars_path
from .safetensors_io import NAMES

MAX_OBJECTS = 100_000   # groups and datasets in one file
MAX_DEPTH = 64
MAX_NAME = 256
EXTRA = "keras"         # pip install "tinykeras[keras]" brings h5py


def require_h5py():
    """``h5py``, or an ImportError that says which extra installs it."""
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("Keras files (.keras, .weights.h5) need the optional package h5py: "
                          f"pip install \"tinykeras[{EXTRA}]\" (or pip install h5py)") from exc
    return h5py


@dataclass(frozen=True)
class DatasetInfo:
    """A dataset's path, shape and dtype (safetensors code, e.g. ``"F32"``),
    as :func:`tinykeras.saving.weights_file.match` compares them."""
    name: str
    shape: tuple
    dtype: str

    @property
    def size(self):
        """Number of elements."""
        return int(np.prod(self.shape, dtype=object))


# -- writing ---------------------------------------------------------------
def to_bytes(model, include_optimizer=True):
    """The ``.weights.h5`` bytes of ``model`` (and of its optimizer's state,
    if it is compiled and built and ``include_optimizer``)."""
    h5py = require_h5py()
    named = keras_assets.named_arrays(model)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for path, layer, own in object_groups(model):
            _write_group(f, vars_path(path, 0)[:-2], layer.name, [v.numpy() for v in own], named.get(path, {}))
        optimizer = getattr(model, "optimizer", None)
        if include_optimizer and getattr(model, "compiled", False) and optimizer is not None \
                and optimizer.built:
            for path, opt in optimizer_groups(optimizer):   # a wrapper's inner optimizers too
                _write_group(f, vars_path(path, 0)[:-2], opt.name, [v.numpy() for v in opt.variables])
    return buffer.getvalue()


def _write_group(f, path, name, arrays, named=None):
    """Group ``path`` with datasets ``"0"``, ``"1"``... of ``arrays``, then
    the ``named`` ones (Keras's ``idf_weights``)."""
    group = f.require_group(path)
    group.attrs["name"] = name
    for key, array in [(str(i), a) for i, a in enumerate(arrays)] + list((named or {}).items()):
        group.create_dataset(key, data=np.asarray(array))


# -- reading ---------------------------------------------------------------
def open_file(source, label):
    """``h5py.File`` for a path or file object, or a FileFormatError."""
    h5py = require_h5py()
    try:
        return h5py.File(source, "r")
    except Exception as exc:  # h5py raises OSError, ValueError... on garbage
        raise FileFormatError(f"{label}: not an HDF5 file ({type(exc).__name__}: {str(exc)[:200]})") from None


def inventory(f, label):
    """``{path: h5py.Dataset}`` of every dataset in ``f``, after checking
    the whole file (see the module docstring); nothing is read."""
    h5py = require_h5py()
    found, seen, count = {}, set(), 0
    stack = [("", f, 0)]
    while stack:
        path, group, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise FileFormatError(f"{label}: {path!r} is nested more than {MAX_DEPTH} groups deep")
        for name in group:
            count += 1
            here = f"{path}/{name}" if path else name
            if count > MAX_OBJECTS:
                raise FileFormatError(f"{label}: more than {MAX_OBJECTS} objects; refused")
            if len(name) > MAX_NAME:
                raise FileFormatError(f"{label}: an object name of {len(name)} characters in {path or '/'!r}")
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                raise UnsafeContentError(f"{label}: {here!r} is a {type(link).__name__}; links are refused "
                                         "(a weights file must not point to other objects or files)")
            obj = group[name]
            key = _address(h5py, obj)
            if key in seen:
                raise UnsafeContentError(f"{label}: {here!r} links to an object already reached "
                                         "(a link cycle or alias); refused")
            seen.add(key)
            if isinstance(obj, h5py.Group):
                stack.append((here, obj, depth + 1))
            elif isinstance(obj, h5py.Dataset):
                _check_dataset(obj, here, label)
                found[here] = obj
            else:
                raise FileFormatError(f"{label}: {here!r} is a {type(obj).__name__}, not a group or dataset")
    return found


def _address(h5py, obj):
    info = h5py.h5o.get_info(obj.id)
    return info.fileno, info.addr


def _check_dataset(ds, path, label):
    if ds.is_virtual or ds.external:
        raise UnsafeContentError(f"{label}: dataset {path!r} reads its data from other files "
                                 "(virtual or external storage); refused")
    if ds.attrs.get("dtype") is not None:
        raise FileFormatError(f"{label}: dataset {path!r} is stored as {excerpt(str(ds.attrs.get('dtype')))}; "
                              "only float16/32/64 and integer weights are read")
    if ds.dtype.name not in NAMES or ds.ndim > 8:
        raise FileFormatError(f"{label}: dataset {path!r} has dtype {ds.dtype} and {ds.ndim} dimensions; "
                              "weights are numbers (float, int, bool) of at most 8 dimensions")


def infos(datasets):
    """``{path: DatasetInfo}`` for :func:`weights_file.match`."""
    return {p: DatasetInfo(p, tuple(int(d) for d in ds.shape), NAMES[ds.dtype.name]) for p, ds in datasets.items()}


def read(datasets, names, label):
    """``{name: array}`` for the checked ``names`` only."""
    out = {}
    for name in names:
        try:
            out[name] = np.asarray(datasets[name][()])
        except Exception as exc:  # a corrupt chunk, a missing filter
            raise FileFormatError(f"{label}: dataset {name!r} cannot be read: {type(exc).__name__}: "
                                  f"{str(exc)[:200]}") from None
    return out
