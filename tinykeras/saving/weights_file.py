"""Weights by structure: ``save_weights``/``load_weights`` and the matching
that ``load_model`` uses too.

Every Variable is named by where it sits, as Keras 3 names it
(:mod:`tinykeras.saving.object_paths`): ``layers/dense/vars/0``,
``layers/lstm/cell/vars/1``, never by the layers' automatic names, so a
freshly built copy of a model loads (a shared layer or a tied Variable is
stored once, under its first path).  Files of format version 1 (by layer
name, ``dense/kernel``) are still read.  Loading compares the file's
tensors with the model's paths: any missing, unexpected, wrongly shaped or
wrongly typed tensor is reported, all at once, in a
:class:`WeightsMismatchError` (or skipped with ``skip_mismatch=True``).
float16/bfloat16 tensors are upcast into float32/float64 Variables.

>>> import os, tempfile, numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
>>> [path for path, _ in weight_paths(model)]
['layers/dense/vars/0', 'layers/dense/vars/1']
>>> path = os.path.join(tempfile.mkdtemp(), "m.weights.safetensors")
>>> model.save_weights(path)
>>> other = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])  # named dense_1
>>> report = other.load_weights(path)
>>> np.array_equal(other.predict(np.ones((1, 3)), verbose=0), model.predict(np.ones((1, 3)), verbose=0))
True
"""
import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import safetensors_io
from .errors import FileFormatError, WeightsMismatchError, excerpt
from .object_paths import describe, name_paths, object_paths, optimizer_paths  # noqa: F401

WEIGHTS_SUFFIX = ".weights.safetensors"
KERAS_SUFFIX = ".weights.h5"
OPTIMIZER_PREFIX = "optimizer/"
FORMAT_VERSION = "2"  # 1: tensors named by layer name (dense/kernel); 2: by structure
# stored dtype -> Variable dtypes it may be loaded into (exact, or a lossless upcast)
CASTS = {"F16": {"float16", "float32", "float64"}, "BF16": {"float32", "float64"},
         "F32": {"float32", "float64"}, "I32": {"int32", "int64"}}  # Keras's step counter is int32


def weight_paths(model):
    """``[(path, variable), ...]`` for every Variable of ``model``, by
    structure (:mod:`tinykeras.saving.object_paths`)."""
    return object_paths(model)


def paths_for(model, metadata, where):
    """The weight paths a file of this ``metadata`` uses: by structure, or
    (files of format version 1) by layer name."""
    version = metadata.get("format_version", FORMAT_VERSION)
    if version == "1":
        return name_paths(model)
    if version != FORMAT_VERSION:
        raise FileFormatError(f"{where}: format_version {excerpt(version)} is not supported "
                              f"(this tinykeras reads versions 1 and {FORMAT_VERSION})")
    return object_paths(model)


@dataclass
class LoadReport:
    """What ``load_weights`` did: ``loaded`` names, and the problems found."""
    loaded: list = field(default_factory=list)
    missing: list = field(default_factory=list)      # in the model, not in the file
    unexpected: list = field(default_factory=list)   # in the file, not in the model
    mismatched: list = field(default_factory=list)   # (name, expected, found)
    labels: dict = field(default_factory=dict, repr=False)  # name -> how messages show it

    @property
    def ok(self):
        return not (self.missing or self.unexpected or self.mismatched)

    def __str__(self):
        lines = [f"{len(self.loaded)} tensors loaded"]
        for title, items in (("missing from the file", self.missing),
                             ("in the file but not in the model", self.unexpected)):
            if items:
                shown = [self.labels.get(n, repr(n)) for n in items[:20]]
                lines.append(f"{len(items)} {title}: {', '.join(shown)}"
                             + (" ..." if len(items) > 20 else ""))
        for name, expected, found in self.mismatched[:20]:
            lines.append(f"{self.labels.get(name, repr(name))}: the model expects {expected}, the file has {found}")
        return "; ".join(lines)


def match(expected, stored):
    """Compare ``expected`` (name -> Variable) with ``stored`` (name ->
    TensorInfo from a header); returns a LoadReport."""
    report = LoadReport(labels={n: describe(n, v) for n, v in expected.items()})
    report.missing = [name for name in expected if name not in stored]
    report.unexpected = [name for name in stored if name not in expected]
    for name, variable in expected.items():
        info = stored.get(name)
        if info is None:
            continue
        if info.shape != tuple(variable.shape):
            report.mismatched.append((name, f"shape {list(variable.shape)}", f"shape {list(info.shape)}"))
        elif np.dtype(variable.dtype).name not in CASTS.get(info.dtype, {_np_name(info.dtype)}):
            report.mismatched.append((name, f"dtype {np.dtype(variable.dtype).name}", f"dtype {info.dtype}"))
        else:
            report.loaded.append(name)
    return report


def _np_name(dtype):
    return np.dtype(safetensors_io.DTYPES[dtype]).name


def assign(expected, header, path, names):
    """Read ``names`` from the file and assign them into ``expected``'s Variables."""
    assign_arrays(expected, safetensors_io.read_tensors(path, header, names))


def assign_arrays(expected, arrays):
    """``expected[name].assign(array)`` for each of ``arrays`` (name -> array), in the Variable's dtype."""
    for name, array in arrays.items():
        variable = expected[name]
        variable.assign(array.astype(variable.dtype, copy=False))


def save_weights(model, filepath, overwrite=True):
    """Write every weight of ``model`` to ``filepath`` (``*.weights.safetensors``)."""
    from .. import __version__
    path = os.fspath(filepath)
    if not path.endswith((WEIGHTS_SUFFIX, KERAS_SUFFIX)):
        raise ValueError(f"The filename must end in `{WEIGHTS_SUFFIX}` (or `{KERAS_SUFFIX}` for Keras "
                         f"3's format). Received: filepath={path}")
    _check_built(model)
    if path.endswith(KERAS_SUFFIX):
        from .keras_archive import save_weights_h5
        save_weights_h5(model, path, overwrite=overwrite)
        return
    tensors = {name: v.numpy() for name, v in weight_paths(model)}
    metadata = {"format": "tinykeras", "format_version": FORMAT_VERSION, "tinykeras_version": __version__,
                "content": "weights", "model_class": type(model).__name__}
    safetensors_io.write_file(path, tensors, metadata, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights saved by ``save_weights`` (or from a model file) by
    structure.  Raises :class:`WeightsMismatchError` listing every difference,
    unless ``skip_mismatch``: then the matching tensors load, a warning
    lists the rest, and the returned :class:`LoadReport` says what happened."""
    path = os.fspath(filepath)
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    _check_built(model)
    if path.lower().endswith((".h5", ".keras")):
        from .keras_archive import load_weights_keras
        return load_weights_keras(model, path, skip_mismatch)
    header = safetensors_io.read_header(path)
    fmt = header.metadata.get("format")
    if fmt not in (None, "tinykeras"):
        raise FileFormatError(f"{path}: not a tinykeras file (format {excerpt(fmt)})")
    expected = dict(paths_for(model, header.metadata, path))
    report = match(expected, {n: i for n, i in header.tensors.items() if not n.startswith(OPTIMIZER_PREFIX)})
    if not report.ok:
        if not skip_mismatch:
            raise WeightsMismatchError(f"{path}: the weights do not match model {model.name!r}: {report}")
        warnings.warn(f"load_weights: skipped mismatching weights: {report}", stacklevel=2)
    assign(expected, header, path, report.loaded)
    return report


def _check_built(model):
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built: call it on data or build(input_shape) "
                         "first, so that it has weights")
