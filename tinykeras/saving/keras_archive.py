"""Keras 3 files: ``.keras`` archives and ``.weights.h5``, both ways.

``model.save("m.keras")`` writes what Keras 3 writes: a zip holding
``metadata.json``, ``config.json`` (the model's Keras JSON, with its
``compile_config``), ``model.weights.h5`` (weights and optimizer state
by object path, :mod:`tinykeras.saving.keras_h5`) and, for adapted lookup
layers, ``assets/<object path>/vocabulary.txt``
(:mod:`tinykeras.saving.keras_assets`).  Real Keras 3 loads it,
predicts the same and resumes training; tinykeras loads Keras's files with
no template model, looking every class up in its registry by name.

Reading is bounded before anything is decompressed: at most
:data:`MAX_MEMBERS` members, names that stay inside the archive, each
member's declared size under its limit (assets: ``MAX_ASSET_BYTES`` each,
``MAX_ASSETS_BYTES`` together) and at most :data:`MAX_RATIO` times its
compressed size, ``config.json`` a JSON object; assets are read into
memory, never extracted.  Every problem is a :class:`FileFormatError`
naming the file and the member or object.

>>> import os, tempfile, numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
>>> path = os.path.join(tempfile.mkdtemp(), "m.keras")
>>> model.save(path)
>>> again = tk.models.load_model(path)
>>> x = np.ones((1, 3), "float32")
>>> np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
True
"""
import datetime
import io
import json
import os
import re
import warnings
import zipfile

from . import keras_assets, keras_h5, safe_json, safetensors_io
from .errors import FileFormatError, UnsafeContentError, WeightsMismatchError, excerpt
from .keras_assets import ASSETS, MAX_ASSET_BYTES, MAX_ASSETS_BYTES
from .weights_file import OPTIMIZER_PREFIX, assign_arrays, match, optimizer_paths, weight_paths

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_MEMBERS = 1024              # assets: a file or two for each lookup layer
MAX_NAME = 256
MAX_RATIO = 100                  # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1 << 20
MAX_JSON_BYTES = 16 << 20
MAX_WEIGHTS_BYTES = 16 << 30
KERAS_FORMAT = "3.0"             # the .keras layout this writes (Keras 3's saving_lib)
_BAD_NAME = re.compile(r"(^[/\\])|(^|[/\\])\.\.([/\\]|$)|[\x00-\x1f\\:]")


# -- writing ---------------------------------------------------------------
def save_keras(model, filepath, overwrite=True, include_optimizer=True):
    """Write ``model`` as a Keras 3 ``.keras`` archive."""
    from .. import __version__
    from .layer_config import serialize_layer
    from .model_file import compile_config
    assets = keras_assets.assets(model)
    with keras_assets.archived(model):  # adapted vocabularies go to assets/, as Keras's
        config = serialize_layer(model)
    if include_optimizer and getattr(model, "compiled", False) and model.optimizer is not None:
        config["compile_config"] = compile_config(model)
    metadata = {"keras_version": KERAS_FORMAT, "tinykeras_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = keras_h5.to_bytes(model, include_optimizer)

    def write(f):
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr(METADATA, json.dumps(metadata))
            zf.writestr(CONFIG, json.dumps(config, allow_nan=False))
            zf.writestr(WEIGHTS, weights)
            for name, data in assets.items():
                zf.writestr(ASSETS + name, data)
    safetensors_io.atomic_write(filepath, write, overwrite=overwrite)


def save_weights_h5(model, filepath, overwrite=True):
    """Write ``model``'s weights (and optimizer state) as Keras 3's ``.weights.h5``."""
    blob = keras_h5.to_bytes(model)
    safetensors_io.atomic_write(filepath, lambda f: f.write(blob), overwrite=overwrite)


# -- reading ---------------------------------------------------------------
def load_keras(filepath, custom_objects=None, compile=True, max_params=None):
    """The model in a Keras 3 ``.keras`` archive (see the module docstring)."""
    from .model_file import build_model
    path = os.fspath(filepath)
    with _archive(path) as zf:
        config = safe_json.loads(_member(zf, path, CONFIG, MAX_JSON_BYTES), f"{path}: {CONFIG}",
                                 max_bytes=MAX_JSON_BYTES)
        if not isinstance(config, dict):
            raise FileFormatError(f"{path}: {CONFIG} must hold a JSON object, got {type(config).__name__}")
        blob = _member(zf, path, WEIGHTS, MAX_WEIGHTS_BYTES)
        assets = _assets(zf, path)
    compile_cfg = config.pop("compile_config", None)
    if not isinstance(compile_cfg, (dict, type(None))):
        raise FileFormatError(f"{path}: compile_config must be a JSON object")
    label = f"{path}: {WEIGHTS}"
    with keras_h5.open_file(io.BytesIO(blob), label) as f:
        datasets, named = keras_assets.split_named(_without_root(keras_h5.inventory(f, label)))
        model = build_model(path, config, compile_cfg, keras_h5.infos(datasets),  # errors name the archive
                            lambda names: keras_h5.read(datasets, names, label),  # weights' their member
                            custom_objects, compile, max_params)
        keras_assets.load(model, assets, keras_h5.infos(named), lambda names: keras_h5.read(named, names, label),
                          path)
        return model


def load_weights_keras(model, filepath, skip_mismatch=False):
    """Load ``.weights.h5`` (or the weights of a ``.keras`` archive) into
    ``model`` by object path; the optimizer's state too, when the file has
    it and the model's optimizer is built with as many variables (else, as
    Keras, a warning).  Returns a :class:`LoadReport`."""
    path = os.fspath(filepath)
    source, label = path, path
    safetensors_io.check_regular(path, "a Keras weights file")
    if path.lower().endswith(".keras"):
        with _archive(path) as zf:
            source, label = io.BytesIO(_member(zf, path, WEIGHTS, MAX_WEIGHTS_BYTES)), f"{path}: {WEIGHTS}"
    with keras_h5.open_file(source, label) as f:
        datasets, named = keras_assets.split_named(_without_root(keras_h5.inventory(f, label)))
        stored = keras_h5.infos(datasets)
        expected = dict(weight_paths(model))
        report = match(expected, {n: i for n, i in stored.items() if not n.startswith(OPTIMIZER_PREFIX)})
        if not report.ok:
            if not skip_mismatch:
                raise WeightsMismatchError(f"{label}: the weights do not match model {model.name!r}: {report}")
            warnings.warn(f"load_weights: skipped mismatching weights: {report}", stacklevel=3)
        assign_arrays(expected, keras_h5.read(datasets, report.loaded, label))
        try:  # a tf_idf lookup's idf_weights
            keras_assets.load(model, {}, keras_h5.infos(named), lambda names: keras_h5.read(named, names, label),
                              label)
        except FileFormatError as exc:
            if not skip_mismatch:
                raise
            warnings.warn(f"load_weights: skipped the layers' named state: {exc}", stacklevel=3)
        state = {n: i for n, i in stored.items() if n.startswith(OPTIMIZER_PREFIX)}
        optimizer = getattr(model, "optimizer", None)
        if state and optimizer is not None:
            mine = dict(optimizer_paths(optimizer)) if optimizer.built else {}
            found = match(mine, state)
            if found.ok:
                assign_arrays(mine, keras_h5.read(datasets, found.loaded, label))
            else:
                warnings.warn(f"{label}: skipping the optimizer state: the optimizer has {len(mine)} "
                              f"variables, the file {len(state)} (is it built?)", stacklevel=3)
    return report


def _without_root(datasets):
    """The datasets, less the model's own ``vars/`` when it has none (Keras writes the group),
    and less the copies of a wrapper optimizer's inner optimizers' variables
    (``optimizer/inner_optimizer/vars/<i>``...: ``optimizer/vars`` holds them all)."""
    datasets = {n: d for n, d in datasets.items() if not _WRAPPED_OPTIMIZER.fullmatch(n)}
    return {n: d for n, d in datasets.items() if not n.startswith("vars/")} \
        if not any(n.startswith("vars/") for n in datasets) else datasets


_WRAPPED_OPTIMIZER = re.compile(r"optimizer/(?:[A-Za-z0-9_]+/)+vars/(?:0|[1-9][0-9]{0,8})")


class _archive:
    """``with _archive(path) as zf``: the zip, its members checked (see the module docstring)."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        safetensors_io.check_regular(self.path, "a .keras archive")  # a FIFO would block the open
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise FileFormatError(f"{self.path}: not a .keras archive (a zip file): {exc}") from None
        try:
            _check_members(self.zf, self.path)
        except BaseException:
            self.zf.close()
            raise
        return self.zf

    def __exit__(self, *exc):
        self.zf.close()


def _check_members(zf, path):
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise FileFormatError(f"{path}: {len(infos)} members, more than the {MAX_MEMBERS} a .keras archive may hold")
    names = [i.filename for i in infos]
    for name in names:
        if len(name) > MAX_NAME or _BAD_NAME.search(name):
            raise UnsafeContentError(f"{path}: member name {excerpt(name)} leaves the archive or is not a "
                                     "plain relative path; refused")
    if len(set(names)) != len(names):
        raise FileFormatError(f"{path}: member names repeat ({sorted({n for n in names if names.count(n) > 1})[:5]})")
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileFormatError(f"{path}: member {info.filename!r} is encrypted")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileFormatError(f"{path}: member {info.filename!r} declares {info.file_size} bytes from "
                                  f"{info.compress_size} compressed (a zip bomb?); refused before reading")
    extra = sorted(n for n in set(names) - {CONFIG, METADATA, WEIGHTS} if not n.startswith(ASSETS))
    if extra:
        raise FileFormatError(f"{path}: unexpected members {extra[:5]}: tinykeras reads .keras archives with "
                              f"{CONFIG}, {METADATA}, {WEIGHTS} and {ASSETS} only (no .npz weights)")
    folders = [i.filename for i in infos if i.filename.endswith("/") and i.file_size]
    if folders:
        raise FileFormatError(f"{path}: member {excerpt(folders[0])} is named as a folder but holds data")


def _assets(zf, path):
    """``{name under assets/: bytes}`` of every file in ``assets/`` (folders are
    skipped), each at most ``MAX_ASSET_BYTES``, all at most ``MAX_ASSETS_BYTES``."""
    files, total = {}, 0
    for info in zf.infolist():
        if info.filename.startswith(ASSETS) and not info.filename.endswith("/"):
            total += info.file_size
            if total > MAX_ASSETS_BYTES:
                raise FileFormatError(f"{path}: the assets declare more than {MAX_ASSETS_BYTES} bytes in all")
            files[info.filename[len(ASSETS):]] = _member(zf, path, info.filename, MAX_ASSET_BYTES)
    return files


def _member(zf, path, name, limit):
    """The bytes of member ``name``, reading at most ``limit`` (and its declared size)."""
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise FileFormatError(f"{path}: a .keras archive needs {name}") from None
    if info.file_size > limit:
        raise FileFormatError(f"{path}: {name} declares {info.file_size} bytes, more than the limit of {limit}")
    try:
        with zf.open(info) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise FileFormatError(f"{path}: {name} cannot be read: {type(exc).__name__}: {str(exc)[:200]}") from None
    if len(data) != info.file_size:
        raise FileFormatError(f"{path}: {name} holds {len(data)} bytes, not the {info.file_size} it declares")
    return data
