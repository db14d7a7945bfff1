"""Read Keras weight files (HDF5, through the optional package ``h5py``).

Three layouts exist, and all three are read:

* **legacy HDF5** (Keras 2, ``model.save_weights("x.h5")``, and every
  ``keras.applications`` ImageNet file): the root (or its ``model_weights``
  group) has the attribute ``layer_names``; each layer's group has
  ``weight_names`` (``"block1_conv1/kernel:0"``) naming its datasets.
  Keras loads these **by order**: the i-th layer with weights in the file
  goes to the i-th layer with weights in the model.
* **Keras 3** ``.weights.h5``: ``layers/<key>/vars/0, 1, ...``, where
  ``<key>`` is the layer's class in snake case, numbered in model order
  (``conv2d``, ``conv2d_1``...); newer files also store the layer's name as
  an attribute of ``vars``.  Nested layers nest (``layers/lstm/cell/vars``).
* **``.keras``**: a zip holding ``config.json`` and ``model.weights.h5``
  (the Keras 3 layout).

:func:`read` returns :class:`Entry` objects; :func:`arrays_for_model`
matches them to a tinykeras model and returns ``{weight path: array}``,
ready for a tinykeras weights file.  Reading refuses HDF5 features that
make a "weights" file read other files or loop (the whole file is first
walked by :func:`tinykeras.saving.keras_h5.inventory`: no soft or external
links, link cycles, virtual or external datasets, bounded depth and object
count), ``.keras`` archives are opened with the checks of
:mod:`tinykeras.saving.keras_archive`, attributes must have the type Keras
writes, and a dataset is read only if it is under
:data:`MAX_DATASET_BYTES` and stores at least 1/1000 of what it declares
(a never-written chunked dataset stores nothing).  Every problem is a
``FileFormatError`` (a ``ValueError``) naming the file and the object.
"""
import io
import os
import re
from dataclasses import dataclass, field

import numpy as np

from ..global_state import snake_case
from ..saving import keras_archive, keras_h5, safe_json, safetensors_io
from ..saving.errors import FileFormatError

MAX_DATASET_BYTES = 4 << 30
MAX_EXPANSION = 1000  # declared bytes / stored bytes, for datasets over 1 MiB


@dataclass
class Entry:
    """One layer's weights in a Keras file: ``key`` (its path in the file),
    ``name`` (the layer's name if the file says), ``arrays`` and, where the
    file has them, the variables' ``names``."""
    key: str
    name: str = None
    arrays: list = field(default_factory=list)
    names: list = None
    class_name: str = None
    config: dict = None


@dataclass
class KerasWeights:
    """What :func:`read` found: ``layout`` (``"legacy"`` or ``"keras3"``) and the entries."""
    layout: str
    entries: list
    model_config: dict = None


require_h5py = keras_h5.require_h5py


def read(path):
    """Read every weight of a Keras ``.h5``, ``.weights.h5`` or ``.keras`` file."""
    path = os.fspath(path)
    with safetensors_io.open_regular(path, "a Keras file") as f:  # never blocks on a FIFO
        zipped = f.read(4) == b"PK\x03\x04"
    if zipped:
        with keras_archive._archive(path) as zf:
            config = safe_json.loads(keras_archive._member(zf, path, keras_archive.CONFIG,
                                                           keras_archive.MAX_JSON_BYTES), f"{path}: config.json")
            data = keras_archive._member(zf, path, keras_archive.WEIGHTS, keras_archive.MAX_WEIGHTS_BYTES)
        if not isinstance(config, dict):
            raise FileFormatError(f"{path}: config.json must hold a JSON object")
        result = _read_h5(io.BytesIO(data), f"{path}: model.weights.h5", len(data))
        result.model_config = config
        _attach_config(result, config)
        return result
    return _read_h5(path, path, os.path.getsize(path))


def _read_h5(source, label, size):
    h5py = require_h5py()
    with keras_h5.open_file(source, label) as f:
        keras_h5.inventory(f, label)  # the whole file checked before anything is read
        root = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
        if "layer_names" in root.attrs:
            result = KerasWeights("legacy", _read_legacy(h5py, root, label, size))
            config = f.attrs.get("model_config")
            result.model_config = None if config is None else safe_json.loads(
                _text(config, label, "model_config"), f"{label}: model_config")
            return result
        if "layers" in f or "vars" in f:
            return KerasWeights("keras3", _read_keras3(h5py, f, label, size))
    raise FileFormatError(f"{label}: no Keras weights found (neither 'layer_names' nor a 'layers' group)")


def _text(value, label="", what="attribute"):
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if not isinstance(value, (bytes, str, np.bytes_, np.str_)):
        raise FileFormatError(f"{label}: {what} must be a string, got {type(value).__name__}")
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _names(obj, key, label):
    """The list of strings in attribute ``key`` (a scalar or a non-string is refused)."""
    value = obj.attrs.get(key)
    if value is None:
        return []
    if not isinstance(value, np.ndarray) or value.ndim != 1:
        raise FileFormatError(f"{label}: attribute {key!r} of {obj.name!r} must be a list of names, "
                              f"got {type(value).__name__} {getattr(value, 'shape', '')}")
    return [_text(v, label, f"attribute {key!r} of {obj.name!r}") for v in value]


def _child(h5py, group, name, label):
    if name not in group:
        raise FileFormatError(f"{label}: {group.name}/{name} is named by the file's attributes but missing")
    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise FileFormatError(f"{label}: {group.name}/{name} is a {type(link).__name__}; links are "
                              "refused (a weights file must not point to other files)")
    return group[name]


def _dataset(h5py, obj, label, size):
    if not isinstance(obj, h5py.Dataset):
        raise FileFormatError(f"{label}: {obj.name} should be a dataset")
    nbytes = int(np.prod(obj.shape, dtype=np.float64)) * obj.dtype.itemsize
    stored = obj.id.get_storage_size()
    if nbytes > MAX_DATASET_BYTES or (nbytes > 1 << 20 and nbytes > MAX_EXPANSION * stored):
        raise FileFormatError(f"{label}: dataset {obj.name} declares {nbytes} bytes but stores {stored}; "
                              "refused before reading")
    return np.asarray(obj[()])


def _read_legacy(h5py, root, label, size):
    entries = []
    for layer_name in _names(root, "layer_names", label):
        group = _child(h5py, root, layer_name, label)
        names = _names(group, "weight_names", label)
        arrays = [_dataset(h5py, _walk_path(h5py, group, n, label), label, size) for n in names]
        if arrays:
            short = [re.sub(r":\d+$", "", n).rsplit("/", 1)[-1] for n in names]
            entries.append(Entry(key=layer_name, name=layer_name, arrays=arrays, names=short))
    return entries


def _walk_path(h5py, group, path, label):
    for part in path.split("/"):
        group = _child(h5py, group, part, label)
    return group


# Keras 3 walks a layer's sub-objects by attribute; HDF5 lists groups
# alphabetically, so these known attributes are put back in Keras's order.
_SUBGROUP_ORDER = {"forward_layer": 0, "backward_layer": 1, "cell": 2, "cells": 3, "layer": 4}


def _read_keras3(h5py, f, label, size):
    entries = []

    def collect(group):
        arrays = []
        if "vars" in group:
            vars_group = _child(h5py, group, "vars", label)
            keys = sorted(vars_group.keys(), key=lambda k: int(k) if k.isdigit() else -1)
            arrays += [_dataset(h5py, _child(h5py, vars_group, k, label), label, size) for k in keys]
        subs = sorted((k for k in group.keys() if k != "vars"), key=lambda k: (_SUBGROUP_ORDER.get(k, 9), k))
        for k in subs:
            arrays += collect(_child(h5py, group, k, label))
        return arrays

    def visit(group, prefix):
        for key in group.keys():
            sub = _child(h5py, group, key, label)
            if not isinstance(sub, h5py.Group):
                continue
            if "layers" in sub and key != "vars":  # a nested model: its own layers
                visit(_child(h5py, sub, "layers", label), f"{prefix}{key}/layers/")
                continue
            name = sub["vars"].attrs.get("name") if "vars" in sub else None
            entries.append(Entry(key=prefix + key, name=_text(name, label, "a layer name") if name is not None else None,
                                 arrays=collect(sub)))
    if "layers" in f:
        visit(_child(h5py, f, "layers", label), "layers/")
    return entries


def _attach_config(result, config):
    """Give each top-level entry its layer's class and config from a ``.keras`` config.json."""
    layers = ((config or {}).get("config") or {}).get("layers") if isinstance((config or {}).get("config"), dict) \
        else []
    by_key, used = {}, {}
    for layer in layers if isinstance(layers, list) else []:
        if not isinstance(layer, dict) or not isinstance(layer.get("class_name"), str) \
                or not isinstance(layer.get("config", {}), dict):
            continue
        if layer.get("class_name") == "InputLayer":
            continue
        key = keras_key(layer.get("class_name", ""), used)
        by_key[f"layers/{key}"] = layer
    for entry in result.entries:
        layer = by_key.get(entry.key)
        if layer is not None:
            entry.class_name, entry.config = layer.get("class_name"), layer.get("config") or {}
            entry.name = entry.name or entry.config.get("name")


def keras_key(class_name, used):
    """The key Keras 3 gives the next layer of ``class_name`` in a container."""
    name = snake_case(class_name)
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name
