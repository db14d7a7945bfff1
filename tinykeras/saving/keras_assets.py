"""The state Keras 3 keeps beside a layer's variables: ``assets/`` files and
named datasets.

Keras's ``save_assets``/``load_assets`` give a layer a folder of the
``.keras`` archive, ``assets/<object path>/``: an adapted ``StringLookup``,
``IntegerLookup`` or ``TextVectorization`` writes its vocabulary there
(``vocabulary.txt``, one token a line, the special tokens first), and its
config says ``"vocabulary": null``.  Its ``save_own_variables`` also adds
datasets with names instead of numbers to ``<object path>/vars``
(``idf_weights`` for ``output_mode="tf_idf"``), in ``.weights.h5`` files too.

A layer takes part through three methods (never called on a file's say-so:
the architecture decides which layer sits at which path):

* ``_keras_assets()``: ``{file name: bytes}`` for its assets folder;
* ``_keras_arrays()``: ``{dataset name: array}`` for its ``vars`` group;
* ``_load_keras_state(files, stored, read)``: the same files, the
  :class:`~tinykeras.saving.keras_h5.DatasetInfo` of the named datasets
  (checked by the layer before ``read(names)`` reads any of them).

Reading never writes a file: assets are read into memory from the checked
archive (each at most :data:`MAX_ASSET_BYTES`, all together
:data:`MAX_ASSETS_BYTES`, a vocabulary at most :data:`MAX_TOKENS` lines),
and a file or dataset that no layer of the architecture reads is refused,
as an unexpected weight is.

>>> import numpy as np, tinykeras as tk
>>> lookup = tk.layers.StringLookup()
>>> lookup.adapt(["b", "a", "b"])
>>> model = tk.Sequential([tk.Input((1,), dtype="string"), lookup])
>>> assets(model)
{'layers/string_lookup/vocabulary.txt': b'[UNK]\\nb\\na'}
>>> named_arrays(model)
{}
"""
import contextlib
import contextvars
import re

from .errors import FileFormatError, WeightsMismatchError, excerpt
from .object_paths import object_groups

ASSETS = "assets/"
MAX_ASSET_BYTES = 32 << 20       # one file of assets/
MAX_ASSETS_BYTES = 128 << 20     # all of them
MAX_TOKENS = 1 << 21             # lines of one vocabulary.txt (a list of that many strings is made)
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"   # where str.splitlines() splits
_NAMED = re.compile(r"(?:(.+)/)?vars/([A-Za-z_][A-Za-z0-9_]{0,63})")   # not "vars/0"
_ARCHIVED = contextvars.ContextVar("tinykeras_keras_archive_assets", default=frozenset())


def assets(model):
    """``{path relative to assets/: bytes}`` of every layer of ``model`` that keeps assets."""
    return {_join(path, name): data for path, layer, _ in object_groups(model) if hasattr(layer, "_keras_assets")
            for name, data in layer._keras_assets().items()}


def named_arrays(model):
    """``{group path: {dataset name: array}}`` of every layer of ``model`` with named state."""
    found = {path: layer._keras_arrays() for path, layer, _ in object_groups(model) if hasattr(layer, "_keras_arrays")}
    return {path: arrays for path, arrays in found.items() if arrays}


@contextlib.contextmanager
def archived(model):
    """Inside the block, the layers of ``model`` that keep their state in a
    ``.keras`` archive's assets leave it out of their config, as Keras's do
    (:func:`in_assets` tells a layer)."""
    ids = frozenset(id(layer) for _, layer, _ in object_groups(model) if hasattr(layer, "_keras_assets"))
    token = _ARCHIVED.set(ids)
    try:
        yield
    finally:
        _ARCHIVED.reset(token)


def in_assets(layer):
    """True while ``layer``'s config is written into a ``.keras`` archive whose
    assets hold its vocabulary (see :func:`archived`)."""
    return id(layer) in _ARCHIVED.get()


def split_named(datasets):
    """``(numbered, named)``: the datasets ``<path>/vars/<i>`` that hold
    variables, and those with names (``<path>/vars/idf_weights``).

    >>> split_named({"layers/dense/vars/0": 1, "layers/string_lookup/vars/idf_weights": 2})
    ({'layers/dense/vars/0': 1}, {'layers/string_lookup/vars/idf_weights': 2})
    """
    named = {n: d for n, d in datasets.items() if _NAMED.fullmatch(n)}
    return {n: d for n, d in datasets.items() if n not in named}, named


def load(model, files, stored, read, label):
    """Give every layer of ``model`` its assets (``files``: ``{path relative to
    assets/: bytes}``) and named datasets (``stored``: ``{dataset path: info}``,
    read by ``read(paths)``); anything no layer takes is refused."""
    by_group = {}
    for name in stored:
        group, key = _NAMED.fullmatch(name).groups()
        by_group.setdefault(group or "", {})[key] = name
    used = set()
    for path, layer, _ in object_groups(model):
        mine = {n[len(path) + 1 if path else 0:]: n for n in files if _parent(n) == path}
        datasets = by_group.get(path, {})
        if not (mine or datasets) or not hasattr(layer, "_load_keras_state"):
            continue
        where = f"{label}: layer {layer.name!r} ({type(layer).__name__}, at {path!r})"
        try:
            layer._load_keras_state({k: files[n] for k, n in mine.items()},
                                    {k: stored[n] for k, n in datasets.items()},
                                    lambda keys: {k: read([datasets[k]])[datasets[k]] for k in keys})
        except FileFormatError as exc:
            raise type(exc)(f"{where}: {exc}") from None
        except (ValueError, TypeError, RuntimeError) as exc:
            raise FileFormatError(f"{where}: its saved state is not usable: {type(exc).__name__}: "
                                  f"{str(exc)[:300]}") from None
        used.update(mine.values())
        used.update(datasets.values())
    unread = sorted(ASSETS + n for n in set(files) - used)
    if unread:
        raise FileFormatError(f"{label}: unexpected members {excerpt(unread[:5])}: no layer of the architecture "
                              "reads them (StringLookup, IntegerLookup and TextVectorization read "
                              "assets/<their object path>/vocabulary.txt)")
    unread = sorted(set(stored) - used)
    if unread:
        raise WeightsMismatchError(f"{label}: datasets {excerpt(unread[:5])} are not in the model: no layer at "
                                   "their path keeps named state (as a tf_idf lookup's idf_weights)")


def vocabulary_text(tokens, where):
    """``vocabulary.txt`` as Keras writes it: the tokens joined by newlines
    (UTF-8); a token that would not come back as one line is refused.

    >>> vocabulary_text(["[UNK]", "été", 7], "demo")
    b'[UNK]\\n\\xc3\\xa9t\\xc3\\xa9\\n7'
    """
    lines = [str(t) for t in tokens]
    text = "\n".join(lines)
    if read_lines(text.encode("utf-8"), where) != lines and lines != [""]:
        bad = next((t for t in lines if t.splitlines() != [t]), lines[-1])
        raise ValueError(f"{where}: the token {excerpt(bad)} cannot be saved in a .keras archive's "
                         "vocabulary.txt (one token a line: it holds a line break, or ends the file empty)")
    return text.encode("utf-8")


def read_lines(data, where):
    """The tokens of a ``vocabulary.txt`` as Keras reads them (text lines,
    trailing empty lines dropped); bad UTF-8 is a :class:`FileFormatError`.

    >>> read_lines(b"\\n[UNK]\\r\\nthe\\n\\n", "vocabulary.txt")
    ['', '[UNK]', 'the']
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{where}: not UTF-8 text ({exc.reason} at byte "
                              f"{exc.start})") from None
    breaks = sum(text.count(c) for c in _LINE_BREAKS)
    if breaks >= MAX_TOKENS:
        raise FileFormatError(f"{where}: {breaks} line-break characters, too many for the {MAX_TOKENS} tokens "
                              "a vocabulary may hold; refused before splitting it")
    lines = text.splitlines()
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def _join(path, name):
    return f"{path}/{name}" if path else name


def _parent(name):
    return name.rpartition("/")[0]
