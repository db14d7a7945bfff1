"""A corpus of malformed and hostile model files.

Each case starts from a valid file, breaks one thing, and asserts that
``load_model`` raises the documented exception (a ``FileFormatError``
subclass) with a message naming the problem, that ``inspect`` reports it
without crashing, and that the canary file the payload aims at was never
written.  The "cve_" cases translate each Keras model-file CVE to this format.
"""
import base64
import json
import marshal
import os
import pickle
import tracemalloc

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import FileFormatError, UnknownObjectError, UnsafeContentError, WeightsMismatchError
from tinykeras.saving import inspect as tk_inspect  # noqa: E402
from hostile import craft

GIB = 2 ** 30
KERNEL, BIAS = "layers/dense/vars/0", "layers/dense/vars/1"  # where Keras 3 (and tinykeras) store them


@pytest.fixture
def base(tmp_path):
    return craft.save_base(tmp_path)


def arch(fn):
    """A case that edits the architecture JSON."""
    return lambda base, out, canary: craft.edit_architecture(base, out, lambda a: fn(a, canary))


def dense(a):
    return craft.layer_entries(a)[1]


def header(fn):
    """A case that edits the parsed header."""
    return lambda base, out, canary: craft.edit(base, out, fn)


def raw(blob):
    return lambda base, out, canary: craft.write(out, blob)


def data(fn):
    return lambda base, out, canary: craft.edit(base, out, data_fn=fn)


def meta(fn):
    return lambda base, out, canary: craft.edit_metadata(base, out, fn)


class Payload:
    """Pickling this would create the canary (never unpickled by tinykeras)."""
    def __init__(self, canary):
        self.canary = canary

    def __reduce__(self):
        return (open, (self.canary, "w"))


def marshalled(canary):
    code = (lambda x: open(canary, "w").write("pwned") and x).__code__
    return base64.b64encode(marshal.dumps(code)).decode()


def set_layer(a, canary, entry):
    craft.layer_entries(a)[1] = entry(canary) if callable(entry) else entry


def _set_tensor(name, array):
    return lambda base, out, canary: craft.set_tensor(base, out, name, array)


def _with_entry(key, **changes):
    def fn(h):
        h[key] = {**h[key], **changes}
    return header(fn)


CASES = [
    # -- the container ------------------------------------------------------
    ("empty_file", raw(b""), FileFormatError, "truncated file"),
    ("five_bytes", raw(b"\x01\x00\x00\x00\x00"), FileFormatError, "truncated file"),
    ("absurd_header_length", raw(b"\xff" * 8 + b"{}"), FileFormatError, "absurd header length"),
    ("header_longer_than_file", raw(craft.join("{}", length=10 ** 6)), FileFormatError, "truncated file"),
    ("header_not_json", raw(craft.join(b"hello world!")), FileFormatError, "not a JSON object"),
    ("header_not_utf8", raw(craft.join(b'{"\xff": 1}')), FileFormatError, "UTF-8"),
    ("header_broken_json", raw(craft.join(b'{"a": ')), FileFormatError, "not valid JSON"),
    ("header_duplicate_keys", raw(craft.join(b'{"__metadata__": {}, "__metadata__": {}}')),
     FileFormatError, "duplicate key"),
    ("header_deep_nesting", raw(craft.join('{"a":' + "[" * 100_000 + "]" * 100_000 + "}")),
     FileFormatError, "nesting"),
    ("data_truncated", data(lambda d: d[:-4]), FileFormatError, "truncated file"),
    ("trailing_bytes", data(lambda d: d + b"\0" * 8), FileFormatError, "trailing bytes"),
    ("overlapping_offsets", _with_entry(BIAS, data_offsets=[0, 8]), FileFormatError, "overlaps"),
    ("hole_in_data", header(lambda h: h.update({BIAS: {**h[BIAS], "data_offsets": [
        h[BIAS]["data_offsets"][0] + 4, h[BIAS]["data_offsets"][1] + 4]}})),
     FileFormatError, "hole|overlaps|truncated"),
    ("begin_after_end", _with_entry(BIAS, data_offsets=[8, 0]), FileFormatError, "data_offsets"),
    ("negative_offset", _with_entry(BIAS, data_offsets=[-8, 0]), FileFormatError, "data_offsets"),
    ("shape_disagrees_with_offsets", _with_entry(BIAS, shape=[3]), FileFormatError, "needs 12 bytes"),
    ("shape_overflow", _with_entry(BIAS, shape=[2 ** 62, 2 ** 62]), FileFormatError, "needs"),
    ("negative_dim", _with_entry(BIAS, shape=[-2]), FileFormatError, "non-negative"),
    ("bool_dim", _with_entry(BIAS, shape=[True, 2]), FileFormatError, "non-negative"),
    ("unknown_dtype", _with_entry(BIAS, dtype="F31"), FileFormatError, "unsupported dtype"),
    ("fp8_dtype", _with_entry(BIAS, dtype="F8_E4M3"), FileFormatError, "unsupported dtype"),
    ("extra_entry_key", _with_entry(BIAS, exec="print(1)"), FileFormatError, "exactly the keys"),
    ("metadata_not_strings", meta(lambda m: m.update(format_version=1)), FileFormatError, "must be a string"),
    ("control_char_name", header(lambda h: h.update({"a\nb": h.pop(BIAS)})), FileFormatError,
     "printable"),
    ("pickle_named_safetensors", lambda b, out, c: craft.write(out, pickle.dumps(Payload(c))),
     FileFormatError, "header"),
    # -- the metadata -------------------------------------------------------
    ("no_metadata", header(lambda h: h.pop("__metadata__")), FileFormatError, "not a tinykeras model file"),
    ("weights_file", meta(lambda m: (m.pop("architecture"), m.update(content="weights"))),
     FileFormatError, "missing architecture.*load_weights"),
    ("future_version", meta(lambda m: m.update(format_version="3")), FileFormatError, "format_version"),
    ("architecture_not_json", meta(lambda m: m.update(architecture="{class_name: Dense")),
     FileFormatError, "not valid JSON"),
    ("architecture_deep", meta(lambda m: m.update(architecture="[" * 5000 + "]" * 5000)),
     FileFormatError, "nesting is deeper"),
    ("architecture_nan", arch(lambda a, c: dense(a)["config"].update(units=float("nan"))),
     FileFormatError, "NaN"),
    ("architecture_duplicate_keys", meta(lambda m: m.update(
        architecture=m["architecture"].replace('"name":', '"name": "x", "name":', 1))),
     FileFormatError, "duplicate key"),
    ("architecture_too_big", meta(lambda m: m.update(architecture='"' + "x" * (17 * 2 ** 20) + '"')),
     FileFormatError, "more than the limit"),
    ("architecture_is_list", meta(lambda m: m.update(architecture="[]")), FileFormatError, "object"),
    ("config_missing", arch(lambda a, c: dense(a).pop("config")), FileFormatError, "needs 'class_name'"),
    ("unexpected_layer_key", arch(lambda a, c: dense(a).update(exec="os.system('x')")),
     FileFormatError, "unexpected keys"),
    # -- classes --------------------------------------------------------------
    ("unknown_class", arch(lambda a, c: dense(a).update(class_name="Conv9D")), UnknownObjectError,
     "unknown layer class 'Conv9D'"),
    ("unknown_package", arch(lambda a, c: dense(a).update(registered_name="evilpkg>Thing")),
     UnknownObjectError, "package 'evilpkg'"),
    ("module_path_class", arch(lambda a, c: dense(a).update(class_name="os.system")),
     UnsafeContentError, "module paths"),
    ("builtins_eval", arch(lambda a, c: dense(a).update(class_name="builtins.eval")),
     UnsafeContentError, "module paths"),
    ("code_in_class_name", arch(lambda a, c: dense(a).update(
        class_name=f"__import__('os').system('touch {c}')")), UnsafeContentError, "not a plain class name"),
    ("dunder_class", arch(lambda a, c: dense(a).update(class_name="__class__")), UnsafeContentError,
     "not a plain class name"),
    ("code_in_nested_class", arch(lambda a, c: dense(a)["config"].update(
        kernel_initializer={"class_name": "subprocess.Popen", "config": {"args": f"touch {c}"}})),
     UnsafeContentError, "module paths"),
    ("path_in_registered_name", arch(lambda a, c: dense(a).update(registered_name="../../x>Dense")),
     UnsafeContentError, "not a plain class name"),
    # -- values ---------------------------------------------------------------
    ("dense_1e12_units", arch(lambda a, c: dense(a)["config"].update(units=10 ** 12)), FileFormatError,
     "parameters|cannot create weight"),
    ("dense_1e9_units", arch(lambda a, c: dense(a)["config"].update(units=10 ** 9)), FileFormatError,
     "refused before allocating"),
    ("negative_units", arch(lambda a, c: dense(a)["config"].update(units=-1)), FileFormatError,
     "rejected its config"),
    ("string_units", arch(lambda a, c: dense(a)["config"].update(units="2")), FileFormatError,
     "rejected its config"),
    ("huge_integer", arch(lambda a, c: dense(a)["config"].update(units=10 ** 30)), FileFormatError,
     "out of range"),
    ("huge_input", arch(lambda a, c: craft.layer_entries(a)[0]["config"].update(
        batch_shape=[None, 10 ** 6, 10 ** 6])), FileFormatError, "elements per sample"),
    ("slash_in_layer_name", arch(lambda a, c: dense(a)["config"].update(name=f"../../{c}")),
     FileFormatError, "layer name"),
    ("object_dtype", arch(lambda a, c: dense(a)["config"].update(dtype="object")), FileFormatError,
     "dtype 'object'"),
    ("trainable_not_bool", arch(lambda a, c: dense(a)["config"].update(trainable="yes")),
     FileFormatError, "trainable"),
    ("more_params_than_file", arch(lambda a, c: dense(a)["config"].update(units=4000)), FileFormatError,
     "more than the 8 parameters stored in the file"),
    # -- tensors against the architecture -------------------------------------
    ("wrong_kernel_shape", _set_tensor(KERNEL, np.zeros((3, 3), "float32")), WeightsMismatchError,
     "'layers/dense/vars/0' \\(dense/kernel\\): the model expects shape \\[3, 2\\], the file has shape \\[3, 3\\]"),
    ("missing_tensor", _set_tensor(BIAS, None), FileFormatError, "more than the 6 parameters stored"),
    ("renamed_tensor", lambda b, o, c: craft.edit(b, o, lambda h: h.update({"layers/dense/vars/9": h.pop(BIAS)})),
     WeightsMismatchError,
     "1 missing from the file: 'layers/dense/vars/1' \\(dense/bias\\); 1 in the file but not in the "
     "model: 'layers/dense/vars/9'"),
    ("unexpected_tensor", _set_tensor("layers/dense/vars/2", np.zeros(2, "float32")), WeightsMismatchError,
     "in the file but not in the model"),
    ("wrong_dtype", _set_tensor(KERNEL, np.zeros((3, 2), "int32")), WeightsMismatchError,
     "needs 6 float32 values but the file stores only 2 .*the file holds 2 F32, 6 I32 values"),
    # -- Keras CVEs, translated ------------------------------------------------
    ("cve_2024_3660_lambda_bytecode", arch(lambda a, c: set_layer(a, c, lambda c: {
        "class_name": "Lambda", "config": {"name": "l", "function": {
            "class_name": "__lambda__", "config": {"code": marshalled(c), "defaults": None,
                                                   "closure": None}}}})),
     UnsafeContentError, "Lambda.*register_serializable"),
    ("cve_2024_3660_lambda_as_activation", arch(lambda a, c: dense(a)["config"].update(activation={
        "class_name": "__lambda__", "config": {"code": marshalled(c)}})), UnsafeContentError, "bytecode"),
    ("cve_2025_1550_module_and_function", arch(lambda a, c: set_layer(a, c, lambda c: {
        "module": "os", "class_name": "system", "config": {"command": f"touch {c}"}})),
     UnknownObjectError, "unknown layer class 'system'"),
    ("cve_2025_1550_nested_initializer", arch(lambda a, c: dense(a)["config"].update(kernel_initializer={
        "module": "os", "class_name": "system", "config": {"command": f"touch {c}"}})),
     FileFormatError, "system"),
    ("cve_2025_8747_get_file_gadget", arch(lambda a, c: dense(a)["config"].update(activation={
        "module": "keras.utils", "class_name": "function", "config": "get_file",
        "registered_name": "get_file"})), FileFormatError, "get_file"),
    ("cve_2025_8747_load_model_gadget", arch(lambda a, c: dense(a)["config"].update(
        kernel_initializer="load_model")), FileFormatError, "load_model"),
    ("cve_2025_9906_enable_unsafe", arch(lambda a, c: craft.layer_entries(a).insert(1, {
        "module": "keras.config", "class_name": "enable_unsafe_deserialization", "config": {}})),
     UnknownObjectError, "enable_unsafe_deserialization"),
    ("cve_2025_49655_pickled_module", arch(lambda a, c: set_layer(a, c, lambda c: {
        "class_name": "TorchModuleWrapper", "config": {"name": "t", "module": base64.b64encode(
            pickle.dumps(Payload(c))).decode()}})), UnsafeContentError, "pickled"),
    ("cve_2026_1462_tfsm_layer", arch(lambda a, c: set_layer(a, c, lambda c: {
        "class_name": "TFSMLayer", "config": {"name": "t", "filepath": str(c)}})),
     UnsafeContentError, "SavedModel"),
    ("cve_2026_1669_shape_bomb", _with_entry(BIAS, shape=[10 ** 6, 10 ** 6],
                                             data_offsets=[24, 24 + 4 * 10 ** 12]),
     FileFormatError, "truncated"),
    ("cve_2025_12638_traversal_tensor_name", lambda b, o, c: craft.set_tensor(
        b, o, f"../../{os.path.basename(c)}", np.zeros(2, "float32")),
     WeightsMismatchError, "not in the model"),
]


@pytest.mark.parametrize("name,build,error,message", CASES, ids=[c[0] for c in CASES])
def test_hostile_file_is_refused(tmp_path, base, name, build, error, message):
    canary = str(tmp_path / "canary")
    path = build(base, str(tmp_path / "hostile.safetensors"), canary)
    with pytest.raises(error, match=message):
        tk.models.load_model(path)
    assert tk_inspect.main([path]) in (0, 1)  # reports, never crashes
    assert not os.path.exists(canary)


def test_every_error_is_a_value_error():
    for error in (FileFormatError, UnsafeContentError, UnknownObjectError, WeightsMismatchError):
        assert issubclass(error, FileFormatError) and issubclass(error, ValueError)


def test_dense_1e12_fails_before_allocating(tmp_path, base):
    path = craft.edit_architecture(base, str(tmp_path / "big.safetensors"),
                                   lambda a: dense(a)["config"].update(units=10 ** 12))
    tracemalloc.start()
    with pytest.raises(FileFormatError, match="refused before allocating|cannot create weight"):
        tk.models.load_model(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2 ** 20


def test_config_without_a_file_is_bounded_too():
    config = {"class_name": "Dense", "config": {"units": 10 ** 6}}
    with pytest.raises(FileFormatError, match="max_params"):
        tk.saving.layer_config.deserialize_layer(config, build_shape=(None, 1000))


@pytest.mark.parametrize("suffix,error,match", [
    (".keras", FileFormatError, "not a .keras archive"), (".h5", FileFormatError, "a Keras file"),
    (".pt", UnsafeContentError, "never reads"), (".pkl", UnsafeContentError, "never reads"),
    (".npz", UnsafeContentError, "never reads")])
def test_other_formats_are_never_read(tmp_path, suffix, error, match):
    canary = str(tmp_path / "canary")
    path = craft.write(str(tmp_path / f"model{suffix}"), pickle.dumps(Payload(canary)))
    with pytest.raises(error, match=match):
        tk.models.load_model(path)
    assert not os.path.exists(canary)


LAMBDA = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 3], "name": "i"}},
    {"class_name": "Lambda", "config": {"name": "l", "function": {"class_name": "__lambda__",
                                                                   "config": {"code": "AAAA"}}}}]}}


def test_cve_2025_9905_every_entry_point_refuses_lambda(tmp_path, base):
    """Keras once checked safe_mode on one loading path only; here every path
    goes through the same checks."""
    with pytest.raises(UnsafeContentError, match="Lambda"):
        tk.models.model_from_json(json.dumps(LAMBDA))
    with pytest.raises(UnsafeContentError, match="Lambda"):
        tk.saving.layer_config.deserialize_layer(LAMBDA)
    with pytest.raises(UnsafeContentError, match="Lambda"):
        tk.Sequential.from_config(LAMBDA["config"])
    folder = tmp_path / "shared"
    folder.mkdir()
    craft.edit_metadata(base, str(folder / "model.safetensors"), lambda m: m.pop("architecture"))
    (folder / "config.json").write_text(json.dumps({"format": "tinykeras", "format_version": "1",
                                                    "architecture": LAMBDA}))
    with pytest.raises(UnsafeContentError, match="Lambda"):
        tk.models.load_model(str(folder))


def test_cve_2025_9906_no_global_switch(tmp_path, base):
    """A file cannot turn safety off: there is no switch, and safe_mode=False changes nothing."""
    path = craft.edit_architecture(base, str(tmp_path / "l.safetensors"),
                                   lambda a: craft.layer_entries(a).append(LAMBDA["config"]["layers"][1]))
    for safe_mode in (True, False):
        with pytest.raises(UnsafeContentError, match="Lambda"):
            tk.models.load_model(path, safe_mode=safe_mode)


def test_cve_2025_12058_path_is_refused_before_the_constructor_runs(tmp_path, base):
    canary = tmp_path / "canary"

    @tk.saving.register_serializable(package="Hostile")
    class Vocabulary(tk.layers.Layer):
        def __init__(self, vocabulary=None, **kwargs):
            super().__init__(**kwargs)
            canary.write_text("constructor ran")  # stands for reading the file

        def call(self, x):
            return x

    entry = {"class_name": "Vocabulary", "registered_name": "Hostile>Vocabulary",
             "config": {"name": "v", "vocabulary": "/etc/passwd"}}
    path = craft.edit_architecture(base, str(tmp_path / "v.safetensors"),
                                   lambda a: craft.layer_entries(a).insert(1, entry))
    with pytest.raises(UnsafeContentError, match="file path or URL"):
        tk.models.load_model(path)
    assert not canary.exists()


def test_directory_links_outside_are_refused(tmp_path, base):
    outside = tmp_path / "outside.safetensors"
    os.replace(base, outside)
    folder = tmp_path / "linked"
    folder.mkdir()
    os.symlink(outside, folder / "model.safetensors")
    with pytest.raises(UnsafeContentError, match="outside the model directory"):
        tk.models.load_model(str(folder))


def test_cve_2026_12479_saving_writes_only_fixed_names(tmp_path):
    model = tk.Sequential([tk.Input((2,)), tk.layers.Dense(1, name="..-evil")])
    model.save(str(tmp_path / "out") + "/")
    assert sorted(os.listdir(tmp_path / "out")) == ["README.md", "config.json", "model.safetensors"]
    assert sorted(os.listdir(tmp_path)) == ["out"]
