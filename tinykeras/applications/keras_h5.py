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
make a "weights" file read other files (external links, external storage,
virtual datasets) and datasets larger than :data:`MAX_DATASET_BYTES`.
"""
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np

MAX_DATASET_BYTES = 4 << 30


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


def require_h5py():
    """``h5py``, or an ImportError that says how to get it."""
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("Reading Keras .h5 / .keras files needs the optional package 'h5py' "
                          "(pip install h5py, or pip install tinykeras[test])") from e
    return h5py


def read(path):
    """Read every weight of a Keras ``.h5``, ``.weights.h5`` or ``.keras`` file."""
    path = os.fspath(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "model.weights.h5" not in names:
                raise ValueError(f"{path}: a .keras archive without model.weights.h5 "
                                 f"(found {sorted(names)[:10]})")
            for member in ("model.weights.h5", "config.json"):
                if member in names and zf.getinfo(member).file_size > MAX_DATASET_BYTES:
                    raise ValueError(f"{path}: {member} declares {zf.getinfo(member).file_size} bytes; refused")
            config = json.loads(zf.read("config.json")) if "config.json" in names else None
            data = zf.read("model.weights.h5")
        result = _read_h5(io.BytesIO(data), path, len(data))
        result.model_config = config
        _attach_config(result, config)
        return result
    return _read_h5(path, path, os.path.getsize(path))


def _read_h5(source, label, size):
    h5py = require_h5py()
    try:
        f = h5py.File(source, "r")
    except OSError as e:
        raise ValueError(f"{label}: not an HDF5 file ({e})") from None
    with f:
        root = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
        if "layer_names" in root.attrs:
            result = KerasWeights("legacy", _read_legacy(h5py, root, label, size))
            config = f.attrs.get("model_config")
            result.model_config = json.loads(config) if config is not None else None
            return result
        if "layers" in f or "vars" in f:
            return KerasWeights("keras3", _read_keras3(h5py, f, label, size))
    raise ValueError(f"{label}: no Keras weights found (neither 'layer_names' nor a 'layers' group)")


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _child(h5py, group, name, label):
    link = group.get(name, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise ValueError(f"{label}: {group.name}/{name} is a {type(link).__name__}; links are "
                         "refused (a weights file must not point to other files)")
    return group[name]


def _dataset(h5py, obj, label, size):
    if not isinstance(obj, h5py.Dataset):
        raise ValueError(f"{label}: {obj.name} should be a dataset")
    if obj.is_virtual or obj.external:
        raise ValueError(f"{label}: {obj.name} reads data from outside the file; refused")
    nbytes = int(np.prod(obj.shape, dtype=np.float64)) * obj.dtype.itemsize
    if nbytes > MAX_DATASET_BYTES or (obj.chunks is None and obj.compression is None and nbytes > size):
        raise ValueError(f"{label}: dataset {obj.name} declares {nbytes} bytes, more than the file holds")
    if obj.dtype.kind not in "fiub":
        raise ValueError(f"{label}: dataset {obj.name} has unsupported dtype {obj.dtype}")
    return np.asarray(obj[()])


def _read_legacy(h5py, root, label, size):
    entries = []
    for layer_name in (_text(n) for n in root.attrs["layer_names"]):
        group = _child(h5py, root, layer_name, label)
        names = [_text(n) for n in group.attrs.get("weight_names", [])]
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
            entries.append(Entry(key=prefix + key, name=_text(name) if name is not None else None,
                                 arrays=collect(sub)))
    if "layers" in f:
        visit(_child(h5py, f, "layers", label), "layers/")
    return entries


def _attach_config(result, config):
    """Give each top-level entry its layer's class and config from a ``.keras`` config.json."""
    layers = ((config or {}).get("config") or {}).get("layers") or []
    by_key, used = {}, {}
    for layer in layers:
        if layer.get("class_name") == "InputLayer":
            continue
        key = keras_key(layer.get("class_name", ""), used)
        by_key[f"layers/{key}"] = layer
    for entry in result.entries:
        layer = by_key.get(entry.key)
        if layer is not None:
            entry.class_name, entry.config = layer.get("class_name"), layer.get("config") or {}
            entry.name = entry.name or entry.config.get("name")


def snake_case(name):
    """Keras's ``to_snake_case``: ``"Conv2D"`` -> ``"conv2d"``, ``"PReLU"`` -> ``"p_re_lu"``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return "private" + name if name[:1] == "_" else name


def keras_key(class_name, used):
    """The key Keras 3 gives the next layer of ``class_name`` in a container."""
    name = snake_case(class_name)
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name
