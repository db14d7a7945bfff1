"""Keras 3 files both ways: ``.keras`` archives, ``.weights.h5`` and the
JSON of ``to_json``/``model_from_json``, for every architecture of the
parity tests, with no template model.  With real Keras (``keras`` marker):
files written by one load in the other and predict the same (<= 1e-5), and
training resumes from the saved optimizer state on either side."""
import json
import sys
import zipfile

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import UnsafeContentError
import keras_zoo as zoo

pytest.importorskip("h5py")


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def _close(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p, q, rtol=0, atol=1e-5)


# -- tinykeras alone -------------------------------------------------------
@pytest.mark.parametrize("build", zoo.ARCHITECTURES, ids=zoo.IDS)
def test_keras_archive_round_trip(build, tmp_path):
    model, x = build(tk)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
    assert config["module"] in ("keras", "keras.src.models.functional")
    layers = [entry for entry in config["config"]["layers"] if entry["module"] == "keras.layers"]
    assert layers[-1]["config"]["dtype"]["class_name"] == "DTypePolicy"
    _close(_predict(tk.models.load_model(path), x), _predict(model, x))
    fresh = build(tk)[0]  # other automatic names: loads by structure
    fresh.load_weights(path)
    _close(_predict(fresh, x), _predict(model, x))


def test_weights_h5_into_a_fresh_copy_and_a_real_mismatch(tmp_path):
    model, x = zoo.convnet_bn(tk)
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    fresh = zoo.convnet_bn(tk)[0]
    assert fresh.load_weights(path).ok
    _close(_predict(fresh, x), _predict(model, x))
    other = tk.Sequential([tk.Input((8, 8, 3)), tk.layers.Conv2D(4, 3, padding="same"), tk.layers.Flatten(),
                           tk.layers.Dense(2)])
    with pytest.raises(tk.saving.WeightsMismatchError,
                       match=r"in the file but not in the "
                             r"model: .*'layers/batch_normalization/vars/0'.*'layers/dense/vars/0' \(sequential\w*/dense\w*/kernel\): "
                             r"the model expects shape \[256, 2\], the file has shape \[6, 2\]"):
        other.load_weights(path)


def test_compiled_archive_restores_the_optimizer(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 6)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")
    model = zoo.mlp(tk)[0]
    model.compile(tk.optimizers.Adam(0.01), "mse", metrics=["mae"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = tk.models.load_model(path)
    assert int(again.optimizer.iterations.numpy()) == 2
    for m in (model, again):
        m.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    _close(again.get_weights(), model.get_weights())


def test_checkpoints_in_keras_formats(tmp_path):
    model, x = zoo.mlp(tk)
    model.compile("adam", "mse")
    y = np.zeros((len(x), 3), "float32")
    best, weights = str(tmp_path / "best.keras"), str(tmp_path / "best.weights.h5")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        tk.callbacks.ModelCheckpoint(best, monitor="loss", save_best_only=True),
        tk.callbacks.ModelCheckpoint(weights, monitor="loss", save_weights_only=True)])
    _close(_predict(tk.models.load_model(best), x), _predict(model, x))
    fresh = zoo.mlp(tk)[0]
    fresh.load_weights(weights)
    _close(_predict(fresh, x), _predict(model, x))


def test_lambda_is_refused_whatever_safe_mode(tmp_path):
    model, _ = zoo.mlp(tk)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    config["config"]["layers"][0] = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                                     "config": {"name": "l", "function": {"class_name": "__lambda__",
                                                                          "config": {"code": "AAAA"}}}}
    members["config.json"] = json.dumps(config).encode()
    bad = str(tmp_path / "lambda.keras")
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    for safe_mode in (True, False):
        with pytest.raises(UnsafeContentError, match="Lambda"):
            tk.models.load_model(bad, safe_mode=safe_mode)


def test_without_h5py_the_error_names_the_extra(tmp_path, monkeypatch):
    model, _ = zoo.mlp(tk)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"tinykeras\[keras\]"):
        model.save(str(tmp_path / "m.keras"))
    with pytest.raises(ImportError, match=r"tinykeras\[keras\]"):
        model.save_weights(str(tmp_path / "m.weights.h5"))


# -- against real Keras 3 --------------------------------------------------
@pytest.mark.keras
@pytest.mark.parametrize("build", zoo.ARCHITECTURES, ids=zoo.IDS)
def test_every_architecture_both_ways_and_through_onnx(build, tmp_path):
    """Issue 16's matrix, per architecture: Keras's ``.keras``, ``.weights.h5``
    and JSON load here with no template and predict as Keras does; ours load
    in Keras the same way; the model read from Keras's file runs in ONNX Runtime."""
    keras = zoo.keras_or_skip()
    pytest.importorskip("onnxruntime")
    from onnx_check import run_onnx
    theirs, x = build(keras)
    theirs.save(str(tmp_path / "k.keras"))
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    want = _predict(theirs, x)
    loaded = tk.models.load_model(str(tmp_path / "k.keras"))
    _close(_predict(loaded, x), want)
    ours = build(tk)[0]
    ours.load_weights(str(tmp_path / "k.weights.h5"))
    _close(_predict(ours, x), want)
    from_json = tk.models.model_from_json(theirs.to_json())
    from_json.set_weights([np.asarray(w) for w in theirs.get_weights()])
    _close(_predict(from_json, x), want)
    _close(run_onnx(loaded, *(x if isinstance(x, list) else [x])), want)

    model = build(tk)[0]  # weights of its own
    model.save(str(tmp_path / "m.keras"))
    model.save_weights(str(tmp_path / "m.weights.h5"))
    want = _predict(model, x)
    _close(_predict(keras.models.load_model(str(tmp_path / "m.keras")), x), want)
    theirs = build(keras)[0]
    theirs.load_weights(str(tmp_path / "m.weights.h5"))
    _close(_predict(theirs, x), want)
    from_json = keras.models.model_from_json(model.to_json())
    from_json.set_weights(model.get_weights())
    _close(_predict(from_json, x), want)


@pytest.mark.keras
def test_training_continues_across_libraries_from_the_optimizer_state(tmp_path):
    """Train here, save .keras, continue in Keras (and back): the same
    weights as continuing on the same side."""
    keras = zoo.keras_or_skip()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.normal(size=(32, 3)).astype("float32")
    for lib, other in ((tk, keras), (keras, tk)):
        model = zoo.mlp(lib)[0]
        model.compile(lib.optimizers.Adam(0.01), "mse", metrics=["mae"])
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        path = str(tmp_path / f"{lib.__name__}.keras")
        model.save(path)
        moved = other.models.load_model(path)
        assert int(np.asarray(moved.optimizer.iterations.numpy())) == 4
        for m in (model, moved):
            m.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        _close([np.asarray(w) for w in moved.get_weights()], [np.asarray(w) for w in model.get_weights()])


def test_keras_operation_nodes_are_never_taken_for_layers_of_the_same_name():
    """Keras writes ``x * 2`` as a ``Multiply`` entry of module ``keras.src.ops.numpy``:
    the multiply op, not the Multiply merge layer."""
    tensor = {"class_name": "__keras_tensor__", "config": {"shape": [None, 4], "dtype": "float32",
                                                           "keras_history": ["x", 0, 0]}}
    config = {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": None,
              "config": {"name": "f", "trainable": True, "input_layers": [["x", 0, 0]],
                         "output_layers": [["multiply", 0, 0]], "layers": [
                  {"module": "keras.layers", "class_name": "InputLayer", "name": "x", "inbound_nodes": [],
                   "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"}},
                  {"module": "keras.src.ops.numpy", "class_name": "Multiply", "registered_name": "Multiply",
                   "name": "multiply", "config": {"name": "multiply"},
                   "inbound_nodes": [{"args": [tensor, 2], "kwargs": {}}]}]}}
    model = tk.models.model_from_json(json.dumps(config))
    assert [type(op).__name__ for op in model.operations] == ["InputLayer", "OpCall"]
    np.testing.assert_array_equal(model.predict(np.ones((1, 4), "float32"), verbose=0), [[2, 2, 2, 2]])
