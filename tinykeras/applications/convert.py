"""Turn Keras weight files into tinykeras weights files.

``python -m tinykeras convert SRC [DST] [--application NAME [--no-top]
[--alpha A] | --model FILE]`` reads a Keras ``.keras``, ``.weights.h5`` or
legacy ``.h5`` file (this needs the optional package ``h5py``) and writes a
``.weights.safetensors`` file that ``model.load_weights`` reads:

* with ``--application VGG16`` (or ``--model my_model.safetensors``) the
  weights are matched to that tinykeras model exactly as Keras would load
  them (legacy files by layer order, Keras 3 files by object path), and
  every shape is checked;
* without a model, tensor names come from the file: legacy files name
  every weight (``block1_conv1/kernel:0``), Keras 3 files name their
  layers, and the variables of the usual layers (Dense, Conv*,
  BatchNormalization, Embedding...) are named from the layer's class.

The same functions serve ``weights="imagenet"`` in ``tk.applications``.

>>> main(["--help"])  # doctest: +ELLIPSIS
usage: tinykeras convert ...
0
"""
import argparse
import json
import os
import re
import sys

from . import keras_h5

# Keras 3 stores a layer's variables by index: their names, by layer class.
_KERNEL_BIAS = ("kernel", "bias")
VAR_NAMES = {**{c: _KERNEL_BIAS for c in ("dense", "einsum_dense", "conv1d", "conv2d", "conv3d",
                                          "conv1d_transpose", "conv2d_transpose", "conv3d_transpose",
                                          "depthwise_conv1d", "depthwise_conv2d")},
             "separable_conv1d": ("depthwise_kernel", "pointwise_kernel", "bias"),
             "separable_conv2d": ("depthwise_kernel", "pointwise_kernel", "bias"),
             "batch_normalization": ("gamma", "beta", "moving_mean", "moving_variance"),
             "layer_normalization": ("gamma", "beta"), "embedding": ("embeddings",),
             "p_re_lu": ("alpha",)}


def arrays_for_model(model, weights, label="weights file"):
    """``{tinykeras weight path: array}`` for ``model`` from ``weights`` (a
    :class:`keras_h5.KerasWeights`); a ValueError lists every mismatch."""
    from ..saving.weights_file import weight_paths
    paths = {id(v): p for p, v in weight_paths(model)}
    if weights.layout == "legacy":
        pairs, problems = _by_order(model, weights.entries)
    else:
        pairs, problems = _by_key(model, weights.entries)
    out = {}
    for layer, arrays, where in pairs:
        variables = layer.weights
        if len(variables) != len(arrays):
            problems.append(f"layer {layer.name!r} has {len(variables)} weights, {where} has {len(arrays)}")
            continue
        for v, a in zip(variables, arrays):
            if tuple(a.shape) != tuple(v.shape):
                problems.append(f"{paths[id(v)]}: the model expects shape {tuple(v.shape)}, "
                                f"{where} has {tuple(a.shape)}")
            else:
                out[paths[id(v)]] = a.astype(v.dtype, copy=False)
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ValueError(f"{label} does not fit model {model.name!r} (is it the weights of another "
                         f"architecture, or of include_top={not _has_top(model)}?): "
                         + "; ".join(problems[:10]) + more)
    return out


def _has_top(model):
    return not any(getattr(l, "name", "") == "predictions" for l in getattr(model, "layers", []))


def _by_order(model, entries):
    """Keras's legacy rule: the i-th file layer with weights -> the i-th model layer with weights."""
    layers = [layer for layer in model.layers if layer.weights]
    if len(layers) != len(entries):
        return [], [f"layer count mismatch: the model has {len(layers)} layers with weights, the "
                    f"file has {len(entries)}"]
    return [(layer, e.arrays, f"file layer {e.key!r}") for layer, e in zip(layers, entries)], []


def _by_key(model, entries):
    """Keras 3's rule: each layer is at ``layers/<snake class>[_<n>]``, nested models nest."""
    from ..layers.core.input_layer import InputLayer
    from ..models import Model
    found = {e.key: e for e in entries if e.arrays}
    pairs, problems, used_keys = [], [], set()

    def visit(container, prefix):
        used = {}
        for layer in container.layers:
            if isinstance(layer, InputLayer):
                continue
            key = prefix + keras_h5.keras_key(type(layer).__name__, used)
            if isinstance(layer, Model):
                visit(layer, key + "/layers/")
            elif layer.weights:
                entry = found.get(key)
                if entry is None:
                    problems.append(f"layer {layer.name!r} ({key}) is not in the file")
                else:
                    used_keys.add(key)
                    pairs.append((layer, entry.arrays, f"the file's {key!r}"))
    visit(model, "layers/")
    problems += [f"the file's {k!r} matches no layer of the model" for k in found if k not in used_keys]
    return pairs, problems


def named_arrays(weights, label="weights file"):
    """``{"<layer>/<variable>": array}`` from the file alone (no model)."""
    out = {}
    for e in weights.entries:
        if not e.arrays:
            continue
        names = e.names if e.names is not None else _var_names(e, label)
        if not e.name:
            raise ValueError(f"{label}: the layer at {e.key!r} has no name in the file; convert with "
                             "--application NAME or --model FILE")
        for n, a in zip(names, e.arrays):
            out[f"{e.name}/{n}"] = a
    return out


def _var_names(entry, label):
    cls = keras_h5.snake_case(entry.class_name) if entry.class_name else re.sub(r"_\d+$", "", entry.key.rsplit("/", 1)[-1])
    table, n, config = VAR_NAMES.get(cls), len(entry.arrays), entry.config or {}
    if table is None:
        raise ValueError(f"{label}: cannot name the {n} variables of {entry.key!r} (class {cls!r}) "
                         "without the model; convert with --application NAME or --model FILE")
    if cls == "batch_normalization":
        if n == 3 and not config:
            raise ValueError(f"{label}: {entry.key!r} is a BatchNormalization with 3 variables "
                             "(center or scale is off); convert with --application or --model")
        keep = [config.get("scale", True) or n == 4, config.get("center", True) or n == 4, True, True]
        table = tuple(t for t, k in zip(table, keep) if k) if n < 4 else table
        if n == 2:
            table = ("moving_mean", "moving_variance")
    elif n == len(table) - 1 and table[-1] == "bias":
        table = table[:-1]
    if len(table) != n:
        raise ValueError(f"{label}: {entry.key!r} has {n} variables, a {cls} layer has {len(table)}")
    return list(table)


def convert_file(src, dst=None, model=None, overwrite=True):
    """Convert Keras weights at ``src`` to a tinykeras weights file ``dst``
    (default: ``src`` with the suffix ``.weights.safetensors``); returns ``dst``."""
    from .. import __version__
    from ..saving import safetensors_io
    from ..saving.weights_file import FORMAT_VERSION
    src = os.fspath(src)
    weights = keras_h5.read(src)
    tensors = arrays_for_model(model, weights, src) if model is not None else named_arrays(weights, src)
    if dst is None:
        base = re.sub(r"(\.weights)?\.(h5|hdf5|keras)$", "", src)
        dst = base + ".weights.safetensors"
    # with a model: tensors by structure (format 2); from the file alone: by layer name (format 1)
    metadata = {"format": "tinykeras", "format_version": "1" if model is None else FORMAT_VERSION,
                "tinykeras_version": __version__, "content": "weights", "converted_from": os.path.basename(src),
                "source_layout": weights.layout}
    if model is not None:  # lets tk.applications load it even where automatic names differ
        from ..saving.weights_file import weight_paths
        metadata["weight_order"] = json.dumps([p for p, _ in weight_paths(model)])
    safetensors_io.write_file(dst, tensors, metadata, overwrite=overwrite)
    return dst


def _parser():
    p = argparse.ArgumentParser(prog="tinykeras convert", description="Convert a Keras .keras / "
                                ".weights.h5 / .h5 weights file to a tinykeras .weights.safetensors file.")
    p.add_argument("src", help="the Keras file")
    p.add_argument("dst", nargs="?", help="the output (default: SRC with .weights.safetensors)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--application", help="match the weights to tk.applications.NAME (e.g. VGG16)")
    group.add_argument("--model", help="match the weights to this tinykeras model file")
    p.add_argument("--no-top", action="store_true", help="with --application: include_top=False")
    p.add_argument("--alpha", type=float, help="with --application: the width multiplier (MobileNet)")
    return p


def main(argv=None):
    """The ``convert`` command; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    model = None
    try:
        if args.application:
            from .. import applications
            builder = getattr(applications, args.application, None)
            if builder is None or not callable(builder):
                raise ValueError(f"unknown application {args.application!r}; choose from "
                                 f"{', '.join(applications.ARCHITECTURES)}")
            kwargs = {"alpha": args.alpha} if args.alpha is not None else {}
            model = builder(weights=None, include_top=not args.no_top, **kwargs)
        elif args.model:
            from ..saving import load_model
            model = load_model(args.model, compile=False)
        dst = convert_file(args.src, args.dst, model=model)
    except (ValueError, ImportError, OSError) as e:
        print(f"tinykeras convert: error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {dst}")
    return 0
