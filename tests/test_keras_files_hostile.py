"""Hostile ``.keras`` and ``.weights.h5`` files.

Each case starts from a valid file written by tinykeras and breaks one
thing: the zip (bombs, traversal names, member counts, lying sizes), the
``config.json`` (deep, not an object, code), or the HDF5 weights (links out
of the file, link cycles, virtual or external datasets, never-written
chunked datasets of huge shapes, wrong shapes and dtypes).  Every case must
raise a ``ValueError``-family error naming the file, quickly, without
reading what it should not (the canary files are never created or read).
"""
import contextlib
import io
import json
import os
import re
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import FileFormatError, UnknownObjectError, UnsafeContentError, WeightsMismatchError
from tinykeras.saving.keras_archive import MAX_MEMBERS

h5py = pytest.importorskip("h5py")
KERNEL = "layers/dense/vars/0"


def _model():
    return tk.Sequential([tk.Input((3,)), tk.layers.Dense(2), tk.layers.Dense(1)])


@pytest.fixture
def members(tmp_path):
    """The members of a valid .keras archive, as {name: bytes}."""
    path = str(tmp_path / "valid.keras")
    _model().save(path)
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def rezip(path, items, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in items:
            zf.writestr(name, data)
    return path


def edit_h5(blob, fn):
    """``blob`` (HDF5 bytes) after ``fn(h5py.File)`` changed it."""
    buffer = io.BytesIO(blob)
    with h5py.File(buffer, "r+") as f:
        fn(f)
    return buffer.getvalue()


def replace(path, make):
    """An HDF5 edit: delete ``path`` and create ``make(f)`` there."""
    def fn(f):
        del f[path]
        make(f, path)
    return fn


def _canary(tmp_path):
    return str(tmp_path / "canary.h5")


@contextlib.contextmanager
def bounded(seconds=10, megabytes=64):
    """The block must finish in ``seconds`` with a peak of at most ``megabytes``
    allocated (Python objects and NumPy arrays, as tracemalloc sees them)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - start < seconds
    assert peak < megabytes << 20, f"peak allocation {peak >> 20} MiB"


# -- the zip ---------------------------------------------------------------
def _patch_declared_size(blob, name, size):
    """Rewrite the uncompressed size that the central directory declares for ``name``."""
    at = blob.index(b"PK\x01\x02" + blob[blob.index(b"PK\x01\x02") + 4:][:0])  # first central entry
    while True:
        n = int.from_bytes(blob[at + 28:at + 30], "little")
        extra = int.from_bytes(blob[at + 30:at + 32], "little") + int.from_bytes(blob[at + 32:at + 34], "little")
        if blob[at + 46:at + 46 + n] == name.encode():
            return blob[:at + 24] + size.to_bytes(4, "little") + blob[at + 28:]
        at += 46 + n + extra


ZIP_CASES = [
    ("bomb_ratio", lambda m, t: rezip(t, [("config.json", b"{" + b" " * (8 << 20) + b"}"),
                                          ("model.weights.h5", m["model.weights.h5"])], zipfile.ZIP_DEFLATED),
     FileFormatError, "zip bomb"),
    ("declared_size_lies", lambda m, t: open(t, "wb").write(_patch_declared_size(
        open(rezip(t, m.items()), "rb").read(), "model.weights.h5", 0xFFFFFFF0)) and t,
     FileFormatError, "zip bomb|declares"),
    ("too_many_members", lambda m, t: rezip(t, list(m.items()) + [(f"assets/x{i}", b"") for i in range(MAX_MEMBERS)]),
     FileFormatError, f"{MAX_MEMBERS + 3} members, more than"),
    ("traversal_name", lambda m, t: rezip(t, list(m.items()) + [("../../evil.json", b"{}")]),
     UnsafeContentError, "leaves the archive"),
    ("absolute_name", lambda m, t: rezip(t, list(m.items()) + [("/etc/evil", b"")]),
     UnsafeContentError, "leaves the archive"),
    ("backslash_name", lambda m, t: rezip(t, list(m.items()) + [("..\\evil", b"")]),
     UnsafeContentError, "leaves the archive"),
    ("unexpected_member", lambda m, t: rezip(t, list(m.items()) + [("assets/vocab.txt", b"a\nb")]),
     FileFormatError, "unexpected members"),
    ("missing_config", lambda m, t: rezip(t, [(k, v) for k, v in m.items() if k != "config.json"]),
     FileFormatError, "needs config.json"),
    ("missing_weights", lambda m, t: rezip(t, [(k, v) for k, v in m.items() if k != "model.weights.h5"]),
     FileFormatError, "needs model.weights.h5"),
    ("not_a_zip", lambda m, t: open(t, "wb").write(b"PK\x03\x04 not really") and t, FileFormatError, "not a .keras"),
    ("config_not_object", lambda m, t: rezip(t, {**m, "config.json": b"[1, 2]"}.items()),
     FileFormatError, "JSON object"),
    ("config_scalar", lambda m, t: rezip(t, {**m, "config.json": b"42"}.items()), FileFormatError, "JSON object"),
    ("config_deep", lambda m, t: rezip(t, {**m, "config.json": b"[" * 200_000 + b"]" * 200_000}.items()),
     FileFormatError, "nest"),
    ("config_deep_object", lambda m, t: rezip(t, {**m, "config.json": b'{"a":' * 200_000 + b"1" +
                                                  b"}" * 200_000}.items()), FileFormatError, "nest"),
    ("config_not_json", lambda m, t: rezip(t, {**m, "config.json": b"{'a': 1}"}.items()), FileFormatError, "JSON"),
    ("config_not_utf8", lambda m, t: rezip(t, {**m, "config.json": b'{"\xff": 1}'}.items()),
     FileFormatError, "UTF-8"),
    ("module_path_class", lambda m, t: rezip(t, {**m, "config.json": json.dumps(
        {"module": "os", "class_name": "os.system", "config": {"command": "touch canary"}}).encode()}.items()),
     UnsafeContentError, "not a plain class name"),
    ("unknown_class", lambda m, t: rezip(t, {**m, "config.json": json.dumps(
        {"module": "evil", "class_name": "Backdoor", "config": {}}).encode()}.items()),
     UnknownObjectError, "unknown layer class 'Backdoor'"),
]


@pytest.mark.parametrize("name,make,error,match", ZIP_CASES, ids=[c[0] for c in ZIP_CASES])
def test_hostile_archive_is_refused(members, tmp_path, name, make, error, match):
    path = make(members, str(tmp_path / "hostile.keras"))
    with bounded(), pytest.raises(error, match=match) as info:
        tk.models.load_model(path)
    assert "hostile.keras" in str(info.value) or name.startswith(("module", "unknown"))
    assert issubclass(info.type, ValueError)


# -- config.json: wrong types where Keras writes lists or objects, op nodes -----
def _functional():
    x, ids = tk.Input((3,)), tk.Input((2,), dtype="int32")
    h = tk.ops.mean(x, axis=-1, keepdims=True) * 2.0 + tk.ops.cast(ids, "float32")
    return tk.Model([x, ids], tk.layers.Dense(1)(h))


def _layers(config):
    return config["config"]["layers"]


def _op(config, class_name="Mean"):
    return next(e for e in _layers(config) if e["class_name"] == class_name)


def _nest(depth):
    return [_nest(depth - 1)] if depth else 1


CONFIG_CASES = [  # (model, edit of the parsed config.json, error, message)
    ("sequential_layers_scalar", _model, lambda c: c["config"].__setitem__("layers", 5),
     FileFormatError, "needs a list of layers"),
    ("batch_shape_scalar", _model, lambda c: _layers(c)[0]["config"].__setitem__("batch_shape", 3),
     FileFormatError, "is not a shape"),
    ("build_shape_scalar", _model, lambda c: _layers(c)[1].__setitem__("build_config", {"input_shape": 3}),
     FileFormatError, "build_config: 3 is not a shape"),
    ("units_list", _model, lambda c: _layers(c)[1]["config"].__setitem__("units", [2]),
     FileFormatError, "units must be a positive integer"),
    ("compile_metrics_scalar", _model, lambda c: c.__setitem__("compile_config", {"loss": "mse", "metrics": 5}),
     FileFormatError, "Expected `metrics` argument to be a list"),
    ("config_nested_past_limit", _model, lambda c: _layers(c)[1]["config"].__setitem__("units", _nest(100)),
     FileFormatError, "nest(ed|ing is) (more|deeper) than"),
    ("input_layers_scalar", _functional, lambda c: c["config"].__setitem__("input_layers", "x"),
     FileFormatError, r"expected \[layer, node, index\] triples"),
    ("inbound_nodes_scalar", _functional, lambda c: _op(c).__setitem__("inbound_nodes", 3),
     FileFormatError, "inbound_nodes must be a list"),
    ("node_args_scalar", _functional, lambda c: _op(c)["inbound_nodes"][0].__setitem__("args", 3),
     FileFormatError, "a node must be"),
    ("keras_history_scalar", _functional,
     lambda c: _op(c)["inbound_nodes"][0]["args"][0]["config"].__setitem__("keras_history", 3),
     FileFormatError, "keras_history must be"),
    ("op_config_scalar", _functional, lambda c: _op(c).__setitem__("config", 3),
     FileFormatError, "a Keras Operation entry has keys"),
    ("op_unknown_class", _functional, lambda c: _op(c).update(class_name="SegmentReduction",  # a Keras base class
                                                              registered_name="SegmentReduction"),
     FileFormatError, "Keras Operation 'SegmentReduction' .* has no tinykeras op"),
    ("op_einsum_without_subscripts", _functional, lambda c: _op(c).update(
        class_name="Einsum", registered_name="Einsum", config={"name": "mean"}),
     FileFormatError, r"Einsum .* lacks \['subscripts'\]"),
    ("op_einsum_bytecode_subscripts", _functional, lambda c: _op(c).update(
        class_name="Einsum", registered_name="Einsum",
        config={"name": "mean", "subscripts": {"class_name": "__lambda__", "config": {"code": "AAAA"}}}),
     UnsafeContentError, "bytecode"),
    ("op_bytecode", _functional, lambda c: _op(c)["config"].__setitem__(
        "axis", {"class_name": "__lambda__", "config": {"code": "AAAA"}}), UnsafeContentError, "bytecode"),
    ("op_huge_output", _functional, lambda c: _op(c).update(
        class_name="Reshape", registered_name="Reshape", config={"name": "mean", "newshape": [-1, 2 ** 31, 2]}),
     FileFormatError, "not a shape of at most 8 dimensions"),
    ("op_tensor_in_config", _functional, lambda c: _op(c)["config"].__setitem__(
        "axis", _op(c)["inbound_nodes"][0]["args"][0]), FileFormatError, "keras_tensor|not a shape|axis"),
    ("op_tensor_as_parameter", _functional, lambda c: (_op(c, "Cast")["config"].pop("dtype"), _op(
        c, "Cast")["inbound_nodes"][0]["args"].append(_op(c, "Cast")["inbound_nodes"][0]["args"][0])),
     FileFormatError, r"only \['x'\] of ops.cast may be symbolic"),
]


@pytest.mark.parametrize("name,build,edit,error,match", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_hostile_config_is_refused(tmp_path, name, build, edit, error, match):
    model = build()
    model.compile("adam", "mse")
    model.save(str(tmp_path / "valid.keras"))
    with zipfile.ZipFile(str(tmp_path / "valid.keras")) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    edit(config)
    path = rezip(str(tmp_path / "hostile.keras"), {**members, "config.json": json.dumps(config).encode()}.items())
    with bounded(), pytest.raises(error, match=match) as info:
        tk.models.load_model(path)
    assert "hostile.keras" in str(info.value) and issubclass(info.type, ValueError)


# -- the HDF5 weights --------------------------------------------------------
def _external_link(tmp_path):
    return lambda f, p: f.__setitem__(p, h5py.ExternalLink(_canary(tmp_path), "/data"))


def _virtual(tmp_path):
    def make(f, p):
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="float32")
        layout[:] = h5py.VirtualSource(_canary(tmp_path), "data", shape=(3, 2))
        f.create_virtual_dataset(p, layout)
    return make


def _external_storage(tmp_path):
    return lambda f, p: f.create_dataset(p, shape=(3, 2), dtype="float32",
                                         external=[(str(tmp_path / "raw.bin"), 0, 24)])


def _deep(f):
    group = f
    for i in range(80):
        group = group.create_group(f"g{i}")


H5_CASES = [
    ("external_link_at_root", lambda t: lambda f: f.__setitem__("evil", h5py.ExternalLink(_canary(t), "/")),
     UnsafeContentError, "ExternalLink"),
    ("external_link_at_a_weight", lambda t: replace(KERNEL, _external_link(t)), UnsafeContentError, "ExternalLink"),
    ("soft_link", lambda t: replace(KERNEL, lambda f, p: f.__setitem__(p, h5py.SoftLink("/layers/dense/vars/1"))),
     UnsafeContentError, "SoftLink"),
    ("link_cycle", lambda t: lambda f: f["layers/dense"].__setitem__("loop", f["layers"]),
     UnsafeContentError, "cycle"),
    ("alias_of_a_dataset", lambda t: lambda f: f["layers/dense_1/vars"].__setitem__("2", f[KERNEL]),
     UnsafeContentError, "cycle or alias"),
    ("virtual_dataset", lambda t: replace(KERNEL, _virtual(t)), UnsafeContentError, "virtual or external"),
    ("external_storage", lambda t: replace(KERNEL, _external_storage(t)), UnsafeContentError, "virtual or external"),
    ("unwritten_huge_chunked", lambda t: replace(KERNEL, lambda f, p: f.create_dataset(
        p, shape=(10 ** 6, 10 ** 6), chunks=(1, 1), dtype="float32")),
     WeightsMismatchError, r"the model expects shape \[3, 2\], the file has shape \[1000000, 1000000\]"),
    ("wrong_shape", lambda t: replace(KERNEL, lambda f, p: f.create_dataset(p, data=np.zeros((3, 3), "f4"))),
     WeightsMismatchError, r"expects shape \[3, 2\]"),
    ("wrong_dtype", lambda t: replace(KERNEL, lambda f, p: f.create_dataset(p, data=np.zeros((3, 2), "i4"))),
     WeightsMismatchError, "dtype I32|6 I32 values"),
    ("string_dataset", lambda t: replace(KERNEL, lambda f, p: f.create_dataset(p, data=["a", "b"])),
     FileFormatError, "dtype"),
    ("bfloat16_tag", lambda t: lambda f: f[KERNEL].attrs.__setitem__("dtype", "bfloat16"),
     FileFormatError, "bfloat16"),
    ("missing_weight", lambda t: lambda f: f.__delitem__(KERNEL), FileFormatError, "missing|more than the"),
    ("extra_weight", lambda t: lambda f: f["layers/dense/vars"].create_dataset("2", data=np.zeros(2, "f4")),
     FileFormatError, "more than the|not in the model"),
    ("deep_groups", lambda t: _deep, FileFormatError, "nested more than"),
]


@pytest.mark.parametrize("as_archive", [True, False], ids=["keras", "weights_h5"])
@pytest.mark.parametrize("name,edit,error,match", H5_CASES, ids=[c[0] for c in H5_CASES])
def test_hostile_weights_are_refused(members, tmp_path, name, edit, error, match, as_archive):
    with h5py.File(_canary(tmp_path), "w") as f:  # what links point at: must never be read
        f["data"] = np.full((3, 2), 7.0, "float32")
    (tmp_path / "raw.bin").write_bytes(np.full(6, 7.0, "float32").tobytes())
    blob = edit_h5(members["model.weights.h5"], edit(tmp_path))
    with bounded():
        _load_hostile_weights(tmp_path, members, blob, name, error, match, as_archive)


def _load_hostile_weights(tmp_path, members, blob, name, error, match, as_archive):
    if as_archive:
        path = rezip(str(tmp_path / "hostile.keras"), {**members, "model.weights.h5": blob}.items())
        with pytest.raises(error, match=match) as info:
            tk.models.load_model(path)
    else:
        path = str(tmp_path / "hostile.weights.h5")
        open(path, "wb").write(blob)
        if error is FileFormatError and name in ("missing_weight", "extra_weight"):
            error = WeightsMismatchError
        with pytest.raises(error, match=match) as info:
            _model().load_weights(path)
    assert "hostile" in str(info.value)


# -- assets/ (vocabularies) and named datasets (idf_weights) ------------------
WORDS, NUMS = "assets/layers/string_lookup/vocabulary.txt", "assets/layers/integer_lookup/vocabulary.txt"
IDF = "layers/string_lookup/vars/idf_weights"


@pytest.fixture
def lookup_members(tmp_path):
    """A valid archive of an adapted tf_idf StringLookup and an IntegerLookup, as {name: bytes}."""
    words = tk.layers.StringLookup(output_mode="tf_idf")
    words.adapt([["a", "b"], ["b", "c"]])
    nums = tk.layers.IntegerLookup()
    nums.adapt(np.array([4, 4, 2]))
    s, i = tk.Input((2,), dtype="string"), tk.Input((1,), dtype="int64")
    path = str(tmp_path / "valid.keras")
    tk.Model([s, i], [words(s), nums(i)]).save(path)
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _weights(fn):
    return lambda m: {**m, "model.weights.h5": edit_h5(m["model.weights.h5"], fn)}


ASSET_CASES = [  # (edit of the members, limits patched in keras_archive, error, message)
    ("vocabulary_over_the_limit", lambda m: {**m, WORDS: b"[UNK]\n" + b"\n".join(b"t%d" % i for i in range(300))},
     {"MAX_ASSET_BYTES": 1024}, FileFormatError, r"string_lookup/vocabulary.txt declares \d+ bytes, more than the "
                                                 r"limit of 1024"),
    ("vocabulary_of_too_many_lines", lambda m: {**m, WORDS: "[UNK]\r\nb\u2028c\x85a".encode()},  # splitlines()'s breaks
     {"keras_assets.MAX_TOKENS": 4}, FileFormatError, "4 line-break characters, too many for the 4 tokens"),
    ("assets_over_the_total", lambda m: m, {"MAX_ASSETS_BYTES": 12}, FileFormatError,
     "the assets declare more than 12 bytes"),
    ("asset_bomb", lambda m: {**m, WORDS: b"[UNK]\n" * (1 << 20)}, {}, FileFormatError, "zip bomb"),
    ("dotdot_from_assets", lambda m: {**m, "assets/../../evil.txt": b"x"}, {}, UnsafeContentError,
     "leaves the archive"),
    ("dotdot_inside_a_layer_folder", lambda m: {**m, "assets/layers/string_lookup/../../../../etc/passwd": b"x"}, {},
     UnsafeContentError, "leaves the archive"),
    ("absolute_asset", lambda m: {**m, "/assets/vocabulary.txt": b"x"}, {}, UnsafeContentError, "leaves the archive"),
    ("bad_utf8", lambda m: {**m, WORDS: b"[UNK]\nb\n\xff\xfe"}, {}, FileFormatError,
     r"'layers/string_lookup'\): vocabulary.txt: not UTF-8 text \(invalid start byte at byte 8\)"),
    ("asset_of_no_layer", lambda m: {**m, "assets/layers/dense/vocabulary.txt": b"a"}, {}, FileFormatError,
     r"unexpected members \['assets/layers/dense/vocabulary.txt'\]: no layer"),
    ("unknown_file_of_a_lookup", lambda m: {**m, "assets/layers/string_lookup/run.py": b"import os"}, {},
     FileFormatError, r"unexpected saved state \['run.py'\]"),
    ("folder_holding_data", lambda m: {**m, "assets/layers/": b"x"}, {}, FileFormatError, "named as a folder"),
    ("repeated_tokens", lambda m: {**m, WORDS: b"[UNK]\na\na\nb"}, {}, FileFormatError, "repeated term"),
    ("not_integers", lambda m: {**m, NUMS: b"-1\n4\nfour"}, {}, FileFormatError, "expects integers, received 'four'"),
    ("idf_does_not_fit", lambda m: {**m, WORDS: b"[UNK]\nb"}, {}, FileFormatError,
     r"idf_weights of shape \[4\] .* a vocabulary of 2 tokens"),
    ("huge_unwritten_idf", _weights(replace(IDF, lambda f, p: f.create_dataset(p, shape=(10 ** 9,), chunks=(1,),
                                                                                dtype="float32"))), {},
     FileFormatError, r"idf_weights of shape \[1000000000\]"),
    ("idf_missing", _weights(lambda f: f.__delitem__(IDF)), {}, FileFormatError, "needs the idf_weights dataset"),
    ("named_dataset_on_the_model", _weights(lambda f: f["vars"].create_dataset("evil", data=np.zeros(2))), {},
     WeightsMismatchError, r"datasets \['vars/evil'\] are not in the model"),
    ("named_dataset_of_a_lookup", _weights(lambda f: f["layers/integer_lookup/vars"].create_dataset(
        "code", data=np.zeros(2))), {}, FileFormatError, r"unexpected saved state \['code'\]"),
]


@pytest.mark.parametrize("name,edit,limits,error,match", ASSET_CASES, ids=[c[0] for c in ASSET_CASES])
def test_hostile_assets_are_refused(lookup_members, tmp_path, monkeypatch, name, edit, limits, error, match):
    from tinykeras.saving import keras_archive, keras_assets
    for constant, value in limits.items():
        module, _, constant = constant.rpartition(".")
        monkeypatch.setattr(keras_assets if module else keras_archive, constant, value)
    path = rezip(str(tmp_path / "hostile.keras"), edit(dict(lookup_members)).items(), zipfile.ZIP_DEFLATED)
    with bounded(), pytest.raises(error, match=match) as info:
        tk.models.load_model(path)
    assert "hostile.keras" in str(info.value) and issubclass(info.type, ValueError)


def test_the_valid_lookup_archive_loads(lookup_members, tmp_path):
    """The hostile cases above break a file that loads."""
    path = rezip(str(tmp_path / "valid.keras"), lookup_members.items(), zipfile.ZIP_DEFLATED)
    model = tk.models.load_model(path)
    assert model.layers[2].get_vocabulary() == ["[UNK]", "b", "c", "a"]
    assert model.layers[3].get_vocabulary() == [-1, 4, 2]


def test_one_long_token_costs_its_own_size_only(lookup_members, tmp_path):
    """A NumPy string array would pad the 3 short tokens to the 8 MiB one (128 MiB in all)."""
    long = b"x" * (8 << 20)
    items = {**lookup_members, WORDS: b"[UNK]\n" + long + b"\nc\na"}.items()
    path = rezip(str(tmp_path / "long.keras"), items)  # stored: a ratio of 1000 would be a zip bomb
    with bounded():
        model = tk.models.load_model(path)
    assert [len(t) for t in model.layers[2].get_vocabulary()] == [5, 8 << 20, 1, 1]


def test_not_hdf5(tmp_path):
    path = str(tmp_path / "junk.weights.h5")
    open(path, "wb").write(b"\x89HDF\r\n\x1a\n but not really")
    with pytest.raises(FileFormatError, match="junk.weights.h5: not an HDF5 file"):
        _model().load_weights(path)


# -- python -m tinykeras convert reads through the same checks ----------------
def _legacy(path, fn=None):
    """A Keras 2 style .h5 weights file (``layer_names``/``weight_names``), edited by ``fn``."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        group = f.create_group("dense")
        group.attrs["weight_names"] = np.array([b"dense/kernel:0"])
        group.create_dataset("dense/kernel:0", data=np.ones((3, 2), "float32"))
        if fn is not None:
            fn(f)
    return path


def _deep_model_weights(f):
    del f["dense"]
    group = f.create_group("dense")
    group.attrs["weight_names"] = np.array([b"dense/kernel:0"])
    for i in range(200):
        group = group.create_group("g")


CONVERT_CASES = [
    ("external_link_at_model_weights", lambda f: (f.attrs.__delitem__("layer_names"),
                                                  f.__setitem__("model_weights", h5py.ExternalLink("canary.h5", "/"))),
     "ExternalLink"),
    ("scalar_layer_names", lambda f: f.attrs.__setitem__("layer_names", b"dense"), "must be a list of names"),
    ("numbers_as_weight_names", lambda f: f["dense"].attrs.__setitem__("weight_names", np.array([1, 2])),
     "must be a string"),
    ("deep_groups", _deep_model_weights, "nested more than"),
    ("unwritten_huge_dataset", lambda f: (f.__delitem__("dense/dense/kernel:0"), f["dense"].create_dataset(
        "dense/kernel:0", shape=(10 ** 5, 10 ** 5), chunks=(100, 100), dtype="float32")), "declares .* but stores"),
]


@pytest.mark.parametrize("name,fn,match", CONVERT_CASES, ids=[c[0] for c in CONVERT_CASES])
def test_convert_refuses_hostile_files_with_one_clear_error(tmp_path, capsys, name, fn, match):
    from tinykeras.applications import convert
    src = _legacy(str(tmp_path / "hostile.h5"), fn)
    with bounded():
        assert convert.main([src, str(tmp_path / "out.weights.safetensors")]) == 1
    err = capsys.readouterr().err
    assert "hostile.h5" in err and re.search(match, err), err
    assert not os.path.exists(tmp_path / "out.weights.safetensors")


def test_convert_refuses_a_keras_archive_with_a_non_object_config(members, tmp_path, capsys):
    from tinykeras.applications import convert
    src = rezip(str(tmp_path / "hostile.keras"), {**members, "config.json": b"[]"}.items())
    assert convert.main([src]) == 1
    assert "hostile.keras: config.json must hold a JSON object" in capsys.readouterr().err
