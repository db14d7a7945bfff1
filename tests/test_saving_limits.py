"""Limits that hold for every entry point and every container: file types
checked before opening, names that are valid text, one cap on layers and
nesting, deep graphs without recursion, and save errors naming the user's
path (issue 17, classes 4, 6, 7 and 8)."""
import io
import json
import os
import sys

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import FileFormatError
from tinykeras.saving import inspect as tk_inspect
from tinykeras.saving.layer_config import MAX_LAYERS, MAX_NESTING
from hostile import craft


@pytest.fixture
def base(tmp_path):
    return craft.save_base(tmp_path)


def _inspect(path):
    out, err = io.StringIO(), io.StringIO()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = tk_inspect.main([path])
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    return status, out.getvalue() + err.getvalue()


def test_saving_into_a_missing_folder_names_the_users_path(tmp_path):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
    for name in ("m.safetensors", "m.keras", "m.weights.safetensors"):
        target = str(tmp_path / "missing" / name)
        with pytest.raises(FileNotFoundError) as info:
            (model.save_weights if "weights" in name else model.save)(target)
        assert target in str(info.value) and ".tmp-tinykeras" not in str(info.value)
        assert info.value.filename == target
    assert not (tmp_path / "missing").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_special_files_are_refused_before_opening(tmp_path):
    fifo = str(tmp_path / "pipe.safetensors")
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "model.safetensors")
    for path, kind in ((fifo, "FIFO"), (str(folder), "FIFO"), ("/dev/null", "character device"),
                       (str(tmp_path), "needs model.safetensors")):
        with pytest.raises(FileFormatError, match=kind):  # would block forever if opened
            tk.models.load_model(path)
        status, text = _inspect(path)
        assert status == 1 and kind in text
    config = tmp_path / "withconfig"
    config.mkdir()
    craft.write(str(config / "model.safetensors"), open(_save(tmp_path), "rb").read())
    os.mkfifo(config / "config.json")
    with pytest.raises(FileFormatError, match="config.json: is a FIFO"):
        tk.models.load_model(str(config))


def _save(tmp_path):
    path = str(tmp_path / "plain.safetensors")
    tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)]).save(path)
    return path


@pytest.mark.parametrize("where", ["layer name", "tensor name", "metadata key", "metadata value"])
def test_names_must_be_valid_text(tmp_path, base, where):
    out = str(tmp_path / "bad.safetensors")
    if where == "layer name":
        craft.edit_architecture(base, out, lambda a: craft.layer_entries(a)[1]["config"].update(name="\ud800"))
    elif where == "tensor name":
        craft.edit(base, out, lambda h: h.update({"x\udfff": h.pop("layers/dense/vars/1")}))
    elif where == "metadata key":
        craft.edit_metadata(base, out, lambda m: m.update({"\udc80": "x"}))
    else:
        craft.edit_metadata(base, out, lambda m: m.update(tinykeras_version="\ud83d"))
    blob = open(out, "rb").read()
    assert b"\\ud" in blob.lower()  # a JSON escape: the file itself is valid UTF-8
    with pytest.raises(FileFormatError, match=f"{out}: .*lone surrogate"):
        tk.models.load_model(out)
    status, text = _inspect(out)
    assert status == 1 and "lone surrogate" in text


def test_inspect_prints_anything_safely(tmp_path, base):
    out = str(tmp_path / "odd.safetensors")
    craft.edit_architecture(base, out, lambda a: craft.layer_entries(a)[1]["config"].update(
        name="dense\u202eevil \u200b é"))
    status, text = _inspect(out)
    assert status == 0 and "\u202e" not in text and "dense\\u202eevil \\u200b é" in text
    plain = str(tmp_path / "plain.safetensors")
    tk.saving.safetensors_io.write_file(plain, {"w\u2028x": np.zeros(2, "float32")}, {"note": "\u0085"})
    status, text = _inspect(plain)
    assert status == 0 and "w\\u2028x" in text and "\u2028" not in text
    ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    tk_inspect._write(ascii_out, ["é and \ud800"])  # a terminal that cannot show é
    ascii_out.flush()
    assert ascii_out.buffer.getvalue() == b"\\xe9 and \\ud800\n"


def _identity(i):
    return {"class_name": "Identity", "config": {"name": f"id{i}"}}


def test_one_layer_limit_for_sequential(tmp_path, base):
    out = str(tmp_path / "long.safetensors")
    craft.edit_architecture(base, out, lambda a: craft.layer_entries(a).extend(
        _identity(i) for i in range(MAX_LAYERS + 1)))
    with pytest.raises(FileFormatError, match=f"{out}: .*more than the limit of {MAX_LAYERS} layers"):
        tk.models.load_model(out)


def _nested_sequential(depth):
    config = {"name": "s0", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [None, 2],
                                                                                "name": "in"}}]}
    for i in range(1, depth):
        config = {"name": f"s{i}", "layers": [{"class_name": "Sequential", "config": config}]}
    return config


def test_one_nesting_limit_for_every_container():
    tk.Sequential.from_config(_nested_sequential(MAX_NESTING))  # at the limit: fine
    with pytest.raises(FileFormatError, match=f"nested more than {MAX_NESTING} levels"):
        tk.Sequential.from_config(_nested_sequential(MAX_NESTING + 2))


def test_layers_of_nested_models_count_together():
    inner = {"name": "inner", "layers": [_identity(i) for i in range(MAX_LAYERS // 2 + 1)]}
    config = {"name": "outer", "layers": [{"class_name": "Sequential", "config": dict(inner, name=n)}
                                          for n in ("a", "b")]}
    with pytest.raises(FileFormatError, match=f"limit of {MAX_LAYERS} layers"):
        tk.Sequential.from_config(config)


def test_a_deep_graph_needs_no_recursion(tmp_path):
    """A chain longer than Python's recursion limit saves and loads."""
    x = tk.Input((3,), name="x")
    y = x
    for _ in range(sys.getrecursionlimit() + 200):
        y = tk.layers.Identity()(y)
    model = tk.Model(x, tk.layers.Dense(2, name="out")(y))
    path = str(tmp_path / "deep.safetensors")
    model.save(path)
    again = tk.models.load_model(path)
    data = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(again.predict(data, verbose=0), model.predict(data, verbose=0))
