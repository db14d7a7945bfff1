"""Weights by layer path: ``save_weights``/``load_weights`` and the matching
that ``load_model`` uses too.

Every Variable is named by the path of layers that leads to it and its own
name: ``dense/kernel``, ``encoder/dense_1/bias`` (a shared layer or a tied
Variable is stored once, under its first path).  Loading compares the file's
tensors with the model's paths: any missing, unexpected, wrongly shaped or
wrongly typed tensor is reported, all at once, in a
:class:`WeightsMismatchError` (or skipped with ``skip_mismatch=True``).
float16/bfloat16 tensors are upcast into float32/float64 Variables.

>>> import os, tempfile, numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="d")])
>>> [path for path, _ in weight_paths(model)]
['d/kernel', 'd/bias']
>>> path = os.path.join(tempfile.mkdtemp(), "m.weights.safetensors")
>>> model.save_weights(path)
>>> other = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="d")])
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

WEIGHTS_SUFFIX = ".weights.safetensors"
OPTIMIZER_PREFIX = "optimizer/"
# stored dtype -> Variable dtypes it may be loaded into (exact, or a lossless upcast)
CASTS = {"F16": {"float16", "float32", "float64"}, "BF16": {"float32", "float64"},
         "F32": {"float32", "float64"}}


def weight_paths(model):
    """``[(path, variable), ...]`` for every Variable of ``model``, in
    ``model.weights`` order of discovery (own variables, then sub-layers)."""
    out, seen = [], set()

    def visit(layer, prefix):
        own = layer._trainable_variables + layer._non_trainable_variables
        names = [v.name for v in own]
        for i, v in enumerate(own):
            if id(v) not in seen:
                seen.add(id(v))
                out.append((prefix + (v.name if names.count(v.name) == 1 else f"{v.name}_{i}"), v))
        for sub in layer._layers:
            if "/" in sub.name:
                raise ValueError(f"Layer name {sub.name!r} contains '/', which separates the "
                                 "parts of weight paths; rename the layer to save it")
            visit(sub, f"{prefix}{sub.name}/")
    visit(model, "")
    paths = [p for p, _ in out]
    if len(set(paths)) != len(paths):
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        raise ValueError(f"Model {model.name!r}: weight paths {dupes} are not unique; give the "
                         "layers unique names (and no '/' in names)")
    return out


def optimizer_paths(optimizer):
    """``[(name, variable), ...]`` for the optimizer's state (``optimizer/<i>/<name>``)."""
    return [(f"{OPTIMIZER_PREFIX}{i}/{v.name}", v) for i, v in enumerate(optimizer.variables)]


@dataclass
class LoadReport:
    """What ``load_weights`` did: ``loaded`` names, and the problems found."""
    loaded: list = field(default_factory=list)
    missing: list = field(default_factory=list)      # in the model, not in the file
    unexpected: list = field(default_factory=list)   # in the file, not in the model
    mismatched: list = field(default_factory=list)   # (name, expected, found)

    @property
    def ok(self):
        return not (self.missing or self.unexpected or self.mismatched)

    def __str__(self):
        lines = [f"{len(self.loaded)} tensors loaded"]
        for title, items in (("missing from the file", self.missing),
                             ("in the file but not in the model", self.unexpected)):
            if items:
                lines.append(f"{len(items)} {title}: {', '.join(map(repr, items[:20]))}"
                             + (" ..." if len(items) > 20 else ""))
        for name, expected, found in self.mismatched[:20]:
            lines.append(f"{name!r}: the model expects {expected}, the file has {found}")
        return "; ".join(lines)


def match(expected, stored):
    """Compare ``expected`` (name -> Variable) with ``stored`` (name ->
    TensorInfo from a header); returns a LoadReport."""
    report = LoadReport()
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
    arrays = safetensors_io.read_tensors(path, header, names)
    for name in names:
        variable = expected[name]
        variable.assign(arrays[name].astype(variable.dtype, copy=False))


def save_weights(model, filepath, overwrite=True):
    """Write every weight of ``model`` to ``filepath`` (``*.weights.safetensors``)."""
    from .. import __version__
    path = os.fspath(filepath)
    if not path.endswith(WEIGHTS_SUFFIX):
        raise ValueError(f"The filename must end in `{WEIGHTS_SUFFIX}`. Received: filepath={path}")
    _check_built(model)
    tensors = {name: v.numpy() for name, v in weight_paths(model)}
    metadata = {"format": "tinykeras", "format_version": "1", "tinykeras_version": __version__,
                "content": "weights", "model_class": type(model).__name__}
    safetensors_io.write_file(path, tensors, metadata, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights saved by ``save_weights`` (or from a model file) by layer
    path.  Raises :class:`WeightsMismatchError` listing every difference,
    unless ``skip_mismatch``: then the matching tensors load, a warning
    lists the rest, and the returned :class:`LoadReport` says what happened."""
    path = os.fspath(filepath)
    if os.path.isdir(path):
        path = os.path.join(path, "model.safetensors")
    _check_built(model)
    header = safetensors_io.read_header(path)
    fmt = header.metadata.get("format")
    if fmt not in (None, "tinykeras"):
        raise FileFormatError(f"{path}: not a tinykeras file (format {excerpt(fmt)})")
    expected = dict(weight_paths(model))
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
