"""tinykeras's public names against the installed Keras 3's, namespace by
namespace (``dir()`` without ``_`` names).

In every namespace below (``keras.ops`` and its submodules, ``keras.random``,
``keras.utils``, ``keras.backend``, ``keras.tree``, and the layers, losses,
metrics, optimizers, callbacks, applications, initializers and activations)
every Keras name must exist in tinykeras or be listed in
``docs/keras-names.md`` (left out on purpose, with why; or not done yet).  A
listed name that tinykeras now has fails too, so the list stays exact.  Each
test prints what is missing.
"""
import importlib
import os
import re

import pytest

from keras_zoo import keras_or_skip

DOC = os.path.join(os.path.dirname(__file__), "..", "docs", "keras-names.md")
ENFORCED = ["ops", "ops.numpy", "ops.nn", "ops.linalg", "ops.image", "ops.core", "ops.math", "random",
            "utils", "backend", "tree", "layers", "losses", "metrics", "optimizers", "callbacks",
            "applications", "initializers", "activations"]
KERAS_SOURCE = {"ops.core": "keras.src.ops.core", "ops.math": "keras.src.ops.math"}  # no public module


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def keras_names(keras, ns):
    """Keras's public names of ``ns`` (for ``ops.core``/``ops.math``, the
    names of Keras's source module that ``keras.ops`` exports)."""
    if ns in KERAS_SOURCE:
        return _public(importlib.import_module(KERAS_SOURCE[ns])) & _public(keras.ops)
    return _public(importlib.import_module(f"keras.{ns}"))


def tinykeras_names(ns):
    return _public(importlib.import_module(f"tinykeras.{ns}"))


def documented():
    """``{"ns.name": (section, reason)}`` from docs/keras-names.md's lists:
    lines ``- `keras.<ns>.<name>`: reason`` under a ``## `` heading."""
    out, section = {}, None
    with open(DOC, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                section = line[3:].strip()
            for names, reason in re.findall(r"^- ((?:`keras\.[\w.]+`(?:, )?)+):?(.*)$", line.rstrip()):
                for name in re.findall(r"`keras\.([\w.]+)`", names):
                    out[name] = (section, reason.strip())
    return out


def _missing(keras, ns):
    return sorted(keras_names(keras, ns) - tinykeras_names(ns))


@pytest.mark.keras
@pytest.mark.parametrize("ns", ENFORCED)
def test_namespace_has_every_keras_name_or_documents_it(ns):
    keras = keras_or_skip()
    missing = _missing(keras, ns)
    listed = {k.rsplit(".", 1)[1] for k in documented() if k.rsplit(".", 1)[0] == ns}
    print(f"keras.{ns}: tinykeras has {len(keras_names(keras, ns)) - len(missing)} of "
          f"{len(keras_names(keras, ns))}; missing: {' '.join(missing) or 'nothing'}")
    undocumented = sorted(set(missing) - listed)
    assert not undocumented, (f"keras.{ns}: {len(undocumented)} names neither in tinykeras nor in "
                              f"docs/keras-names.md: {', '.join(undocumented)}")
    stale = sorted(n for n in listed if n not in missing)
    assert not stale, f"docs/keras-names.md lists keras.{ns} names that tinykeras has now: {', '.join(stale)}"


def test_left_out_names_say_why():
    entries = documented()
    assert entries, "docs/keras-names.md lists no names"
    sections = {section for section, _ in entries.values()}
    assert sections <= {"Left out on purpose", "Not done yet"}, sections
    silent = [n for n, (section, reason) in entries.items() if section == "Left out on purpose" and
              len(reason) < 10]
    assert not silent, f"left-out names without a reason: {silent}"
