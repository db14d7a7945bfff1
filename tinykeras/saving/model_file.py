"""Whole models in one safetensors file (or a directory for sharing).

``save_model(model, "m.safetensors")`` stores every weight as a tensor
(named by its object path, as Keras 3: ``layers/dense/vars/0``), the optimizer's state as ``optimizer/vars/<i>``
tensors, and in ``__metadata__`` (strings only, as safetensors requires):
``format`` = ``"tinykeras"``, ``format_version``, ``tinykeras_version``,
``content`` = ``"model"``, ``architecture`` (the Keras-style config as
JSON), and, for a compiled model, ``compile_config`` (JSON) and
``optimizer_iterations``.  ``save_model(model, "dir/")`` writes the same
file as ``dir/model.safetensors`` plus ``dir/config.json`` (the metadata as
readable JSON) and a ``dir/README.md`` model card.  See docs/file-format.md.

``load_model`` validates the whole header first, rebuilds the architecture
under a parameter budget equal to the number of weights the file really
stores, requires the tensors to be exactly the ones the architecture
needs, then (``compile=True``) compiles and restores the optimizer state.

>>> import os, tempfile, numpy as np, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
>>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
>>> model.save(path)
>>> again = load_model(path)
>>> x = np.ones((1, 3), "float32")
>>> np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
True
"""
import os
import re
import warnings

from . import budget as budgets, safe_json, safetensors_io
from .budget import LoadBudget
from .errors import FileFormatError, UnsafeContentError, WeightsMismatchError, excerpt
from .layer_config import check_values, deserialize_layer, serialize_layer, to_json
from .object_registration import custom_object_scope
from .object_paths import name_optimizer_paths, name_paths
from .weights_file import (FORMAT_VERSION, OPTIMIZER_PREFIX, WEIGHTS_SUFFIX, assign_arrays, match,
                           optimizer_paths, weight_paths)

FORMAT = "tinykeras"
MODEL_FILE, CONFIG_FILE, CARD_FILE = "model.safetensors", "config.json", "README.md"
NEVER_READ = (".keras", ".h5", ".hdf5", ".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle", ".npz",
              ".npy", ".joblib", ".pb")
MAX_ARCHITECTURE_BYTES = 16 * 2 ** 20
# compile() arguments Keras 3 writes in compile_config that change speed, not results
# (checked, kept and written back)
KERAS_SPEED_KEYS = {"run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss"}
# every metadata key a model file may hold (section 3 of docs/file-format.md); any other is refused
METADATA_KEYS = {"format", "format_version", "tinykeras_version", "content", "architecture",
                 "compile_config", "optimizer_iterations"}
_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*([a-z]+[0-9]*)?(\.(post|dev)[0-9]+)?(\+[A-Za-z0-9.]+)?")


# -- saving ----------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True, **kwargs):
    """Save ``model`` to ``*.safetensors``, or to a directory when
    ``filepath`` ends with ``/`` or is an existing directory."""
    path = os.fspath(filepath)
    kwargs.pop("zipped", None)  # Keras's; a .keras path is always zipped
    if kwargs:
        raise TypeError(f"save_model: unexpected arguments {sorted(kwargs)}")
    if path.endswith(".keras"):
        if not model.built:
            raise ValueError(f"Model {model.name!r} is not built: call it on data or build() it first")
        from .keras_archive import save_keras
        save_keras(model, path, overwrite=overwrite, include_optimizer=include_optimizer)
        return
    directory = path.endswith(("/", os.sep)) or os.path.isdir(path)
    if not directory and (path.endswith(WEIGHTS_SUFFIX) or not path.endswith(".safetensors")):
        hint = "use save_weights() for weights only" if path.endswith((WEIGHTS_SUFFIX, ".h5")) else \
            "tinykeras saves models as .safetensors files or Keras 3 .keras archives (never pickles)"
        raise ValueError(f"Invalid filepath {path!r}: it must end in `.safetensors` or `.keras`, or "
                         f"name a directory (ending in '/'); {hint}")
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built: call it on data or build() it first")
    metadata, tensors = pack(model, include_optimizer)
    if not directory:
        safetensors_io.write_file(path, tensors, metadata, overwrite=overwrite)
        return
    os.makedirs(path, exist_ok=True)
    target = os.path.join(path, MODEL_FILE)
    safetensors_io.write_file(target, tensors, metadata, overwrite=overwrite)
    config = {k: (safe_json.loads(v) if k in ("architecture", "compile_config") else v)
              for k, v in metadata.items()}
    _write_text(os.path.join(path, CONFIG_FILE), _pretty(config), overwrite)
    from .inspect import model_card
    _write_text(os.path.join(path, CARD_FILE), model_card(model, metadata, tensors), overwrite)


def pack(model, include_optimizer=True):
    """``(metadata, tensors)`` for ``model``: what :func:`save_model` writes."""
    from .. import __version__
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION, "tinykeras_version": __version__,
                "content": "model", "architecture": safe_json.dumps(serialize_layer(model))}
    tensors = {name: v.numpy() for name, v in weight_paths(model)}
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and getattr(model, "compiled", False) and optimizer is not None:
        metadata["compile_config"] = safe_json.dumps(compile_config(model))
        if optimizer.built:
            state = {name: v.numpy() for name, v in optimizer_paths(optimizer)}
            clash = sorted(set(state) & set(tensors))
            if clash:
                raise ValueError(f"Model {model.name!r}: weight paths {clash} clash with the optimizer's")
            tensors.update(state)
            metadata["optimizer_iterations"] = str(int(optimizer.iterations.numpy()))
    return metadata, tensors


def compile_config(model):
    """The arguments of ``model.compile`` as JSON data (objects serialized)."""
    from .. import losses, metrics, optimizers
    args = model._compile_args

    def tree(value, serialize):
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (list, tuple)):
            return [tree(v, serialize) for v in value]
        if isinstance(value, dict):
            return {k: tree(v, serialize) for k, v in value.items()}
        return serialize(value)
    config = {"optimizer": optimizers.serialize(model.optimizer),
              "loss": tree(args.get("loss"), losses.serialize),
              "loss_weights": args.get("loss_weights"),
              "metrics": tree(args.get("metrics"), metrics.serialize)}
    speed = getattr(model, "_compile_speed", {})
    jit = speed.get("jit_compile", False)
    config.update(weighted_metrics=tree(args.get("weighted_metrics"), metrics.serialize),
                  run_eagerly=speed.get("run_eagerly", False),
                  steps_per_execution=speed.get("steps_per_execution", 1),
                  jit_compile=jit if isinstance(jit, bool) else False)
    return to_json(config, "compile config")  # as Keras 3 writes it


def _pretty(value):
    import json
    return json.dumps(value, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _write_text(path, text, overwrite):
    safetensors_io.atomic_write(path, lambda f: f.write(text.encode("utf-8")), overwrite=overwrite)


# -- loading ---------------------------------------------------------------
def read_model_metadata(filepath):
    """``(path, header, architecture, compile_config)`` of a model file or
    directory, all validated (nothing is built)."""
    path = os.fspath(filepath)
    lowered = path.lower().rstrip("/" + os.sep)
    if lowered.endswith((".keras", ".h5")):
        raise FileFormatError(f"{path}: a Keras file: load it with tk.models.load_model (.keras) or "
                              "model.load_weights (.weights.h5); this reads tinykeras safetensors files")
    if lowered.endswith(NEVER_READ):
        raise UnsafeContentError(f"{path}: tinykeras never reads {os.path.splitext(lowered)[1]} files "
                                 "(archives and pickles can run code); load a .safetensors file")
    config = None
    if os.path.isdir(path):
        config = _read_config_json(os.path.join(path, CONFIG_FILE))
        path = _member(path, MODEL_FILE)
    header = safetensors_io.read_header(path)
    meta = dict(header.metadata)
    if config is not None:
        if "architecture" in meta and safe_json.loads(meta["architecture"]) != config.get("architecture"):
            warnings.warn(f"{path}: {CONFIG_FILE} disagrees with the architecture stored in the "
                          "weights file; using the stored one", stacklevel=3)
        for key in ("format", "format_version", "architecture", "compile_config"):
            if key not in meta and key in config:
                meta[key] = config[key] if isinstance(config[key], str) else safe_json.dumps(config[key])
    if meta.get("format") != FORMAT:
        raise FileFormatError(f"{path}: not a tinykeras model file (format is "
                              f"{excerpt(meta.get('format'))}, expected 'tinykeras')")
    if meta.get("format_version") not in ("1", FORMAT_VERSION):
        raise FileFormatError(f"{path}: format_version {excerpt(meta.get('format_version'))} is not "
                              f"supported (this tinykeras reads versions 1 and {FORMAT_VERSION})")
    if "architecture" not in meta:
        hint = "; it is a weights file: use model.load_weights()" if meta.get("content") == "weights" else ""
        raise FileFormatError(f"{path}: missing architecture (no 'architecture' metadata){hint}")
    _check_metadata(path, meta, config)
    architecture = safe_json.loads(meta["architecture"], f"{path}: architecture JSON",
                                   max_bytes=MAX_ARCHITECTURE_BYTES)
    compile_cfg = meta.get("compile_config")
    compile_cfg = None if compile_cfg is None else safe_json.loads(compile_cfg, f"{path}: compile_config JSON")
    if not isinstance(architecture, dict) or not isinstance(compile_cfg, (dict, type(None))):
        raise FileFormatError(f"{path}: the architecture and compile_config must be JSON objects")
    return path, header, architecture, compile_cfg


def _check_metadata(path, meta, config):
    """Every metadata key is one :data:`METADATA_KEYS` names, and each value
    is read: none is ignored (``tinykeras_version`` is shown by ``inspect``)."""
    for source, keys in ((f"{path}: __metadata__", meta), (f"{path}: {CONFIG_FILE}", config or {})):
        unknown = sorted(map(str, set(keys) - METADATA_KEYS))
        if unknown:
            raise FileFormatError(f"{source}: unknown key(s) {excerpt(unknown)}; a model file holds "
                                  f"only {sorted(METADATA_KEYS)}")
    if meta.get("content", "model") != "model":
        raise FileFormatError(f"{path}: content is {excerpt(meta['content'])}, but the file has an "
                              "architecture ('model' expected)")
    version = meta.get("tinykeras_version")
    if version is not None and (not isinstance(version, str) or len(version) > 64 or
                                not _VERSION.fullmatch(version)):
        raise FileFormatError(f"{path}: tinykeras_version {excerpt(version)} is not a version number")
    steps = meta.get("optimizer_iterations")
    if steps is not None and (not isinstance(steps, str) or not steps.isdigit() or len(steps) > 19
                              or not steps.isascii()):
        raise FileFormatError(f"{path}: optimizer_iterations {excerpt(steps)} is not a step count")


def _member(folder, name):
    """``folder/name``, refusing a link that leads outside ``folder``."""
    path = os.path.join(folder, name)
    real, root = os.path.realpath(path), os.path.realpath(folder)
    if os.path.commonpath([real, root]) != root:
        raise UnsafeContentError(f"{path}: is a link to {real}, outside the model directory")
    if not os.path.lexists(path):
        raise FileFormatError(f"{folder}: a model directory needs {name}")
    safetensors_io.check_regular(real, f"the {name} of a model directory")
    return path


def _read_config_json(path):
    if not os.path.exists(path):
        return None
    path = _member(os.path.dirname(path), os.path.basename(path))
    with safetensors_io.open_regular(path, "a JSON file") as f:
        data = f.read(MAX_ARCHITECTURE_BYTES + 1)
    config = safe_json.loads(data, f"{path}", max_bytes=MAX_ARCHITECTURE_BYTES)
    if not isinstance(config, dict):
        raise FileFormatError(f"{path}: must hold a JSON object")
    return config


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, max_params=None):
    """Load a model saved by :func:`save_model`, or a Keras 3 ``.keras`` archive.

    ``custom_objects`` maps names to classes you trust (as in Keras);
    ``compile=False`` skips the compile configuration and optimizer state.
    ``safe_mode`` keeps Keras's meaning (``True`` refuses code in a file);
    tinykeras never loads code, so ``False`` does not load it either.
    Raises a :class:`FileFormatError` subclass for any problem in the file.
    """
    if not isinstance(safe_mode, bool):
        raise TypeError(f"safe_mode must be True or False, got {safe_mode!r}")
    if os.fspath(filepath).lower().endswith(".keras"):
        from .keras_archive import load_keras
        return load_keras(filepath, custom_objects, compile, max_params)
    path, header, architecture, compile_cfg = read_model_metadata(filepath)
    steps = header.metadata.get("optimizer_iterations")
    return build_model(path, architecture, compile_cfg, header.tensors,
                       lambda names: safetensors_io.read_tensors(path, header, names),
                       custom_objects, compile, max_params, header.metadata.get("format_version") == "1",
                       iterations=None if steps is None else int(steps))


def build_model(path, architecture, compile_cfg, stored, read, custom_objects=None, compile=True,
                max_params=None, by_name=False, iterations=None):
    """The model ``architecture`` describes, with the weights (and, with
    ``compile``, the compile configuration and optimizer state) of
    ``stored`` (name -> info with ``shape``/``dtype``/``size``), which
    ``read(names)`` returns as arrays; ``by_name``: format-1 paths;
    ``iterations``: the step count the metadata states, if any."""
    from ..models import Model
    from ..utils import FeatureSpace
    weights = {n: i for n, i in stored.items() if not n.startswith(OPTIMIZER_PREFIX)}
    optimizer = {n: i for n, i in stored.items() if n.startswith(OPTIMIZER_PREFIX)}
    _check_optimizer_tensors(path, optimizer, compile_cfg, iterations, by_name)
    budget = LoadBudget.for_file(weights.values())
    if max_params is not None and budget.max_elements > max_params:
        raise FileFormatError(f"{path}: {budget.max_elements} parameters is more than max_params={max_params}")
    try:
        model = deserialize_layer(architecture, custom_objects, budget=budget)
    except FileFormatError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise type(exc)(f"{path}: {exc}") from None
    if not isinstance(model, (Model, FeatureSpace)):
        raise FileFormatError(f"{path}: the architecture is a {type(model).__name__}, not a model")
    expected = dict((name_paths if by_name else weight_paths)(model))
    report = match(expected, weights)
    if not report.ok:
        raise WeightsMismatchError(f"{path}: the tensors contradict the architecture: {report}")
    assign_arrays(expected, read(report.loaded))
    if compile and compile_cfg is not None:
        with custom_object_scope(custom_objects), budgets.active(LoadBudget.for_compile(optimizer.values())):
            _compile(model, compile_cfg, path)
            if optimizer:
                _restore_optimizer(model, optimizer, read, path, by_name)
                steps = int(model.optimizer.iterations.numpy())
                if iterations is not None and steps != iterations:
                    raise FileFormatError(f"{path}: optimizer_iterations says {iterations} steps, the "
                                          f"optimizer state says {steps}")
    return model


_OPTIMIZER_NAME = {False: re.compile(re.escape(OPTIMIZER_PREFIX) + r"vars/(0|[1-9][0-9]{0,8})"),
                   True: re.compile(re.escape(OPTIMIZER_PREFIX) + r"(0|[1-9][0-9]{0,8})/[^/]+")}


def _check_optimizer_tensors(path, optimizer, compile_cfg, iterations, by_name):
    """Optimizer tensors are used (``compile=True``) or at least well formed,
    and only ever come with a ``compile_config`` to rebuild the optimizer from."""
    if optimizer and compile_cfg is None:
        raise WeightsMismatchError(f"{path}: {len(optimizer)} optimizer tensor(s) (e.g. "
                                   f"{excerpt(sorted(optimizer)[0])}) but no compile_config to rebuild "
                                   "the optimizer from; unexpected tensors are refused")
    if iterations is not None and not optimizer:
        raise FileFormatError(f"{path}: optimizer_iterations without any optimizer state")
    for name in optimizer:  # with compile=False they are skipped, as the caller asked, but never unknown
        if _OPTIMIZER_NAME[by_name].fullmatch(name) is None:
            raise WeightsMismatchError(f"{path}: tensor {excerpt(name)} is not an optimizer variable "
                                       f"(they are named {OPTIMIZER_PREFIX}{'<i>/<name>' if by_name else 'vars/<i>'})")


def _compile(model, config, path):
    from .. import losses, metrics, optimizers
    keys = {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics"}
    speed = {k: v for k, v in config.items() if k in KERAS_SPEED_KEYS}
    config = {k: v for k, v in config.items() if k not in KERAS_SPEED_KEYS}
    if not config and all(v is None or v is False or v == 1 or v == "auto" for v in speed.values()):
        return  # Keras writes this for a model that was never compiled
    if set(config) - keys or ("optimizer" in config and config["optimizer"] is None):
        raise FileFormatError(f"{path}: compile_config must be an object with a non-null optimizer and keys "
                              f"{sorted(keys | KERAS_SPEED_KEYS)}, got {excerpt(sorted(config))}")
    check_values(config, f"{path}: compile_config")
    for key, value in speed.items():
        ok = (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2 ** 31
              if key == "steps_per_execution" else isinstance(value, bool) or
              (key == "jit_compile" and value == "auto"))
        if not ok:
            raise FileFormatError(f"{path}: compile_config: {key} is {excerpt(value)}, not a valid value")

    def tree(value, deserialize):
        if isinstance(value, dict) and "class_name" in value:
            return deserialize(value)
        if isinstance(value, dict):
            return {k: tree(v, deserialize) for k, v in value.items()}
        if isinstance(value, list):
            return [tree(v, deserialize) for v in value]
        return value
    try:
        model.compile(optimizer=optimizers.deserialize(config.get("optimizer", "rmsprop")),  # Keras's default
                      loss=tree(config.get("loss"), losses.deserialize),
                      loss_weights=config.get("loss_weights"),
                      metrics=tree(config.get("metrics"), metrics.deserialize),
                      weighted_metrics=tree(config.get("weighted_metrics"), metrics.deserialize),
                      **speed)
    except FileFormatError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise type(exc)(f"{path}: compile_config: {exc}") from None
    except Exception as exc:
        raise FileFormatError(f"{path}: compile_config is not usable: {type(exc).__name__}: "
                              f"{str(exc)[:300]}") from None


def _restore_optimizer(model, stored, read, path, by_name):
    optimizer = model.optimizer
    try:
        if not optimizer.built:
            optimizer.build(model.trainable_weights)
        expected = dict((name_optimizer_paths if by_name else optimizer_paths)(optimizer))
    except Exception as exc:
        raise FileFormatError(f"{path}: the optimizer cannot be rebuilt: {type(exc).__name__}: "
                              f"{str(exc)[:300]}") from None
    report = match(expected, stored)
    if not report.ok:
        raise WeightsMismatchError(f"{path}: the optimizer state does not match the optimizer "
                                   f"{type(optimizer).__name__}: {report}")
    assign_arrays(expected, read(report.loaded))
