"""``keras.utils.FeatureSpace`` in ``.keras`` files, both ways with Keras 3
(issue 19).  Keras writes the space under ``module: "keras.utils"``, each
feature's preprocessor with its own ``build_config`` and the space's
``build_config`` as one entry per feature (``{}`` for a lookup layer);
lookup vocabularies go to ``assets/preprocessors/<layer>/vocabulary.txt``,
Normalization's statistics to ``model.weights.h5``.  A space adapted in one
loads in the other (``load_model``) and encodes new data the same: floats
within 1e-6, one-hot and ids exactly.  Files with hostile feature entries are
refused with errors naming what is wrong."""
import io
import json
import zipfile

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving.errors import FileFormatError, UnknownObjectError, UnsafeContentError

pytest.importorskip("h5py")
DATA = {"f": np.array([1.0, 2.0, 3.0, 4.5, -2.0], "float32"), "i": np.array([1, 5, 5, 7, 5], "int32"),
        "s": np.array(["a", "b", "a", "c", "ü"]), "r": np.array([2.0, 4.0, 6.0, 8.0, 1.0], "float32"),
        "p": np.array([0.5, 1.5, 2.5, 3.5, 9.0], "float32"), "d": np.array([0.0, 1.0, 2.0, 3.0, 4.0], "float32"),
        "h": np.array(["x", "y", "z", "x", "w"]), "n": np.array([3, 4, 5, 6, 7], "int32")}
NEW = {"f": np.array([0.0, 9.0, 2.0], "float32"), "i": np.array([5, 99, 1], "int32"),  # unseen values too
       "s": np.array(["c", "zz", "ü"]), "r": np.array([3.0, 5.0, 0.0], "float32"),
       "p": np.array([1.0, 2.0, -1.0], "float32"), "d": np.array([2.5, -1.0, 9.0], "float32"),
       "h": np.array(["x", "q", "w"]), "n": np.array([4, 100, 3], "int32")}
KERAS_FEATURES = "keras.src.layers.preprocessing.feature_space"


def space(lib, output_mode):
    """Every feature type, a one-hot and a second cross; ids (``"int"``) where ``output_mode`` is dict."""
    FS = lib.utils.FeatureSpace
    ids = "int" if output_mode == "dict" else "one_hot"
    return FS({"f": "float_normalized", "i": "integer_categorical", "s": "string_categorical",
               "r": FS.float_rescaled(scale=0.5, offset=1.0, name="r"), "p": FS.float(name="p"),
               "d": FS.float_discretized(num_bins=3, name="d"), "h": FS.string_hashed(num_bins=4, name="h"),
               "n": FS.integer_hashed(num_bins=5, output_mode=ids, name="n")},
              crosses=[("i", "s"), FS.cross(("s", "h"), crossing_dim=6, output_mode=ids)], crossing_dim=8,
              output_mode=output_mode)


def adapted(lib, output_mode):
    fs = space(lib, output_mode)
    if lib is tk:
        fs.adapt(DATA)
    else:  # Keras's FeatureSpace adapts from a tf.data dataset
        import tensorflow as tf
        fs.adapt(tf.data.Dataset.from_tensor_slices(DATA).batch(2))
    return fs


def encoded(fs):
    """``fs(NEW)`` as NumPy (a dict in dict mode)."""
    out = fs(NEW)
    as_numpy = (lambda v: np.asarray(v.numpy() if hasattr(v, "numpy") else v))
    return {k: as_numpy(v) for k, v in out.items()} if isinstance(out, dict) else as_numpy(out)


def max_difference(got, want):
    """The largest difference; shapes and dict keys must agree."""
    if isinstance(want, dict):
        assert sorted(got) == sorted(want)
        return max(max_difference(got[k], want[k]) for k in want)
    assert got.shape == want.shape
    return float(np.max(np.abs(got.astype("float64") - want.astype("float64"))))


def config_of(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json"))


def keras_with_lookups():
    from test_keras_files_assets import keras_with_lookups as keras_or_skip
    return keras_or_skip()


# -- tinykeras alone -------------------------------------------------------
@pytest.mark.parametrize("output_mode", ["concat", "dict"])
def test_saved_space_is_laid_out_as_keras_and_loads_back(tmp_path, output_mode):
    fs = adapted(tk, output_mode)
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    config = config_of(path)
    assert config["module"] == "keras.utils" and config["class_name"] == "FeatureSpace"
    assert config["build_config"] == {"f": {"input_shape": [None, 1]}, "i": {}, "s": {},
                                      **{k: {"input_shape": [None, 1]} for k in "rpdhn"}}
    features = config["config"]["features"]
    assert features["f"]["module"] == KERAS_FEATURES and features["f"]["registered_name"] == "Feature"
    assert features["f"]["config"]["preprocessor"]["build_config"] == {"input_shape": [None, 1]}
    assert features["s"]["config"]["preprocessor"]["build_config"] == {}
    assert features["p"]["config"]["preprocessor"]["class_name"] == "TFDIdentity"
    with zipfile.ZipFile(path) as zf:
        assert zf.read("assets/preprocessors/string_lookup/vocabulary.txt") == "[UNK]\na\nü\nc\nb".encode()  # ties as Keras orders them
    again = tk.models.load_model(path)
    assert max_difference(encoded(again), encoded(fs)) == 0.0


def test_earlier_tinykeras_build_config_still_loads(tmp_path):
    """Files written before the per-feature build_config said ``{"shapes_dict": {"f_shape": ...}}``."""
    fs = adapted(tk, "concat")
    path = str(tmp_path / "fs.keras")
    fs.save(path)
    rewrite(path, lambda c: c.update(build_config={"shapes_dict": {f"{k}_shape": [None, 1] for k in DATA}}))
    assert max_difference(encoded(tk.models.load_model(path)), encoded(fs)) == 0.0


# -- hostile files -----------------------------------------------------------
def rewrite(path, change):
    """Apply ``change`` to the archive's config.json in place."""
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    change(config)
    members["config.json"] = json.dumps(config).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with open(path, "wb") as f:
        f.write(buffer.getvalue())


def _preprocessor(name):
    return lambda c: c["config"]["features"][name]["config"]["preprocessor"]


HOSTILE = {
    "module": (lambda c: c.update(module="os.system"), FileFormatError, "module 'os.system'"),
    "feature_module": (lambda c: c["config"]["features"]["f"].update(module="builtins"), FileFormatError,
                       "a serialized Feature has module"),
    "feature_class": (lambda c: c["config"]["features"]["f"].update(class_name="Cross"), FileFormatError,
                      "expected a serialized Feature"),
    "feature_dtype": (lambda c: c["config"]["features"]["f"]["config"].update(dtype="object"), FileFormatError,
                      "dtype must be one of"),
    "unknown_preprocessor": (lambda c: _preprocessor("f")(c).update(class_name="SegmentReduction"),
                             UnknownObjectError, "unknown layer class 'SegmentReduction'"),
    "lambda_preprocessor": (lambda c: _preprocessor("p")(c).update(class_name="Lambda"), UnsafeContentError,
                            "Lambda"),
    "vocabulary_path": (lambda c: _preprocessor("s")(c)["config"].update(vocabulary="/etc/passwd"),
                        UnsafeContentError, "file path"),
    "cross_unknown_feature": (lambda c: c["config"]["crosses"][0]["config"].update(feature_names=["i", "zz"]),
                              FileFormatError, "unknown features"),
    "build_unknown_feature": (lambda c: c["build_config"].update(zz={"input_shape": [None, 1]}), FileFormatError,
                              r"build config for features \['zz'\]"),
    "build_entry": (lambda c: c["build_config"].update(f={"input_shape": [None, 1], "run": "x"}), FileFormatError,
                    "the build config of feature 'f'"),
    "build_huge": (lambda c: c.update(build_config={"f": {"input_shape": [None, 2 ** 40]}}), FileFormatError,
                   "is not a shape of at most"),
    "preprocessor_not_layer": (lambda c: c["config"]["features"]["r"]["config"].update(preprocessor="Dense"),
                               FileFormatError, "preprocessor must be a Layer"),
    "nested_build_disagrees": (lambda c: _preprocessor("f")(c).update(build_config={"input_shape": [None, 3]}),
                               FileFormatError, "disagrees"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_feature_space_entries_are_refused(tmp_path, case):
    change, error, message = HOSTILE[case]
    path = str(tmp_path / "fs.keras")
    adapted(tk, "concat").save(path)
    rewrite(path, change)
    with pytest.raises(error, match=message):
        tk.models.load_model(path)


# -- with real Keras 3 ---------------------------------------------------------
@pytest.mark.keras
@pytest.mark.parametrize("output_mode", ["concat", "dict"])
@pytest.mark.parametrize("writer", ["keras", "tinykeras"])
def test_space_saved_by_one_loads_in_the_other(tmp_path, writer, output_mode):
    keras = keras_with_lookups()
    source, reader = (keras, tk) if writer == "keras" else (tk, keras)
    fs = adapted(source, output_mode)
    path = str(tmp_path / f"{writer}.keras")
    fs.save(path)
    again = reader.models.load_model(path)
    assert isinstance(again, reader.utils.FeatureSpace)
    assert max_difference(encoded(again), encoded(fs)) <= 1e-6


@pytest.mark.keras
def test_both_write_the_same_config(tmp_path):
    """Equal but for Keras's object ids and dtype spellings (``from_keras`` reads both the same)."""
    from tinykeras.saving.keras_config import from_keras
    keras = keras_with_lookups()
    configs = []
    for lib in (keras, tk):
        path = str(tmp_path / f"{lib.__name__}.keras")
        adapted(lib, "dict").save(path)
        configs.append(config_of(path))
    assert configs[1]["build_config"] == configs[0]["build_config"]
    assert from_keras(configs[1]) == from_keras(configs[0])
