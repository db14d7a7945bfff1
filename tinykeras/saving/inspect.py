"""``python -m tinykeras inspect FILE``: what a shared model file holds,
without building or running anything.

It reads only the validated header (never the tensors' bytes) and prints
the format, versions, the layers of the architecture with their parameter
counts (added up from the stored tensor shapes), the compile configuration,
the optimizer state and the other metadata.  A malformed file prints the
error and exits with status 1.

>>> import io, os, tempfile, contextlib, tinykeras as tk
>>> model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="d")], name="tiny")
>>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
>>> model.save(path)
>>> out = io.StringIO()
>>> with contextlib.redirect_stdout(out):
...     status = main([path])
>>> print(status, out.getvalue())  # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
0 file: ...m.safetensors (... bytes)
format: tinykeras, version 2 (model), written by tinykeras ...
model: tiny (Sequential)
layer          class          parameters
----------------------------------------------------------------------
input_layer...  InputLayer     (None, 3)
d              Dense          8
----------------------------------------------------------------------
total parameters: 8 (32 B) in 2 tensors
"""
import argparse
import os
import sys

import re

import numpy as np

from ..serialization import snake_case
from . import model_file, safe_json, safetensors_io
from .errors import FileFormatError
from .object_paths import _unique
from .weights_file import OPTIMIZER_PREFIX

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")

_WIDTHS = (30, 28, 12)


def describe(path):
    """The lines that :func:`main` prints for the file or directory ``path``."""
    shown = model_file._member(path, model_file.MODEL_FILE) if os.path.isdir(path) else path
    header = safetensors_io.read_header(shown)
    meta = header.metadata
    lines = [f"file: {shown} ({header.file_size} bytes)"]
    if meta.get("architecture") is None and not os.path.isdir(path):
        lines.append(f"format: {meta.get('format', 'unknown')} ({meta.get('content', 'tensors only')})")
        lines += tensor_table(header.tensors)
        return lines
    _, header, architecture, compile_cfg = model_file.read_model_metadata(path)
    lines.append(f"format: {meta.get('format')}, version {meta.get('format_version')} "
                 f"({meta.get('content', 'model')}), written by tinykeras "
                 f"{meta.get('tinykeras_version', '?')}")
    lines += summary(architecture, header.tensors)
    if compile_cfg is not None:
        lines.append(f"compile: {_compile_line(compile_cfg)}")
    optimizer = {n: i for n, i in header.tensors.items() if n.startswith(OPTIMIZER_PREFIX)}
    if optimizer:
        size = sum(i.size for i in optimizer.values())
        lines.append(f"optimizer state: {len(optimizer)} tensors, {size} values, "
                     f"{meta.get('optimizer_iterations', '?')} steps taken")
    skip = {"format", "format_version", "tinykeras_version", "content", "architecture",
            "compile_config", "optimizer_iterations"}
    lines += [f"metadata {key}: {value[:200]}" for key, value in sorted(meta.items()) if key not in skip]
    return lines


def summary(architecture, tensors):
    """Lines: model name and class, a table of top-level layers with their
    parameter counts (from ``tensors``' shapes), and the totals."""
    config = architecture.get("config") if isinstance(architecture, dict) else None
    if not isinstance(config, dict):
        raise FileFormatError("the architecture has no config object")
    lines = [f"model: {config.get('name', '?')} ({architecture.get('class_name', '?')})", ""]
    weights = {n: i for n, i in tensors.items() if not n.startswith(OPTIMIZER_PREFIX)}
    counts = {}
    for name, info in weights.items():  # by structure (layers/<key>/...) or, format 1, by name
        parts = name.split("/")
        top = "/".join(parts[:2]) if parts[0] == "layers" and len(parts) > 2 else \
            (parts[0] if len(parts) > 1 else "")
        counts[top] = counts.get(top, 0) + info.size
    rule = "-" * sum(_WIDTHS)
    lines += [_row("layer", "class", "parameters"), rule]
    used, sequential = {}, architecture.get("class_name") == "Sequential"
    for layer in config.get("layers") if isinstance(config.get("layers"), list) else []:
        if isinstance(layer, dict) and isinstance(layer.get("config"), dict):
            name, cls = str(layer["config"].get("name", "?")), str(layer.get("class_name"))
            key = None if sequential and cls == "InputLayer" else \
                "layers/" + _unique(snake_case(cls) if _PLAIN.fullmatch(cls) else "?", used)
            if cls != "InputLayer":
                count = counts.pop(key, 0) + counts.pop(name, 0)
                lines.append(_row(name, cls, str(count)))
            else:
                lines.append(_row(name, "InputLayer", f"{_shape(layer['config'].get('batch_shape'))}"))
    for name, count in counts.items():  # subclassed models: weights without a layer list
        lines.append(_row(name or "(own weights)", "", str(count)))
    total = sum(i.size for i in weights.values())
    nbytes = sum(i.end - i.begin for i in weights.values())
    lines += [rule, f"total parameters: {total} ({_bytes(nbytes)}) in {len(weights)} tensors"]
    return lines


def tensor_table(tensors):
    """Lines listing each tensor's name, dtype and shape."""
    lines = [_row("tensor", "dtype", "shape")]
    lines += [_row(n, i.dtype, str(list(i.shape))) for n, i in sorted(tensors.items())]
    lines.append(f"{len(tensors)} tensors, {sum(i.size for i in tensors.values())} values")
    return lines


def model_card(model, metadata, tensors):
    """A short README.md (Hugging Face style front matter) for a saved directory."""
    from .safetensors_io import TensorInfo, NAMES
    infos = {n: TensorInfo(n, NAMES[a.dtype.name], tuple(a.shape), 0, a.nbytes) for n, a in tensors.items()}
    table = summary(safe_json.loads(metadata["architecture"]), infos)
    return "\n".join([
        "---", "library_name: tinykeras", "tags:", "- tinykeras", "---", "",
        f"# {model.name}", "",
        f"A `{type(model).__name__}` saved with tinykeras {metadata['tinykeras_version']} "
        f"(file format {metadata['format_version']}, see docs/file-format.md).", "",
        "```python", "import tinykeras as tk", "", 'model = tk.models.load_model("path/to/this/folder")',
        "```", "", "Inspect it without running anything: `python -m tinykeras inspect path/to/this/folder`",
        "", "```", *table, "```", ""])


def _compile_line(config):
    opt = config.get("optimizer")
    if isinstance(opt, dict):
        lr = opt.get("config", {}).get("learning_rate") if isinstance(opt.get("config"), dict) else None
        opt = f"{opt.get('class_name')}(learning_rate={_name(lr)})"
    return f"optimizer={opt}, loss={_name(config.get('loss'))}, metrics={_name(config.get('metrics'))}"


def _name(value):
    """A config value for the reader: classes by name, float32 values at float32
    precision (``0.005``, not ``0.004999999888241291``).

    >>> _name({"lr": 0.004999999888241291, "loss": {"class_name": "Huber"}})
    '{lr: 0.005, loss: Huber}'
    """
    if isinstance(value, float) and float(np.float32(value)) == value:
        return str(np.float32(value))
    if isinstance(value, dict) and "class_name" in value:
        return str(value.get("class_name"))
    if isinstance(value, list):
        return "[" + ", ".join(_name(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_name(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _shape(value):
    return "(" + ", ".join("None" if d is None else str(d) for d in value) + ")" \
        if isinstance(value, list) else "?"


def _row(*cells):
    return "".join(str(c)[:w - 1].ljust(w) if i < 2 else str(c)[:w].rjust(w)
                   for i, (c, w) in enumerate(zip(cells, _WIDTHS)))


def _bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def main(argv=None):
    """Entry point of ``python -m tinykeras inspect PATH``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="tinykeras inspect",
                                     description="Show what a tinykeras model file holds, "
                                                 "without building or running it.")
    parser.add_argument("path", help="a .safetensors file or a saved model directory")
    args = parser.parse_args(argv)
    try:
        lines = describe(args.path)
    except (FileFormatError, OSError) as exc:
        _write(sys.stderr, [f"tinykeras inspect: {exc}"])
        return 1
    _write(sys.stdout, lines)
    return 0


def printable(text):
    r"""``text`` safe for any terminal and encoding: characters that are not
    printable (controls, escapes, lone surrogates) are shown as ``\x..``
    / ``\u....`` escapes, so a file cannot move the cursor or crash the print.

    >>> print(printable("dense\x1b[2J\ud800"))
    dense\x1b[2J\ud800
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _write(stream, lines):
    text = "\n".join(printable(str(line)) for line in lines) + "\n"
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
