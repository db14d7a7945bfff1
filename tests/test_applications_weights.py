"""Pretrained weights for tk.applications: Keras's HDF5 layouts (written
here with h5py), ``python -m tinykeras convert``, and the
``weights="imagenet"`` path (download with checksum, conversion, cache)
against an HTTP server on loopback.  Where Keras is installed, its own
files and its models' predictions are compared too (marked slow)."""
import functools
import hashlib
import http.server
import json
import os
import re
import sys
import threading
import types
import zipfile

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.__main__ import main as cli
from tinykeras.applications import keras_h5
from tinykeras.applications import weights as weights_lib
from tinykeras.saving import safetensors_io

h5py = pytest.importorskip("h5py")
A = tk.applications
SMALL_V2 = dict(alpha=0.35, input_shape=(96, 96, 3), include_top=False)
V2_FILE = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"


# -- writers of Keras's layouts (what Keras itself writes) ----------------------------

def write_legacy_h5(model, path):
    """The keras.applications layout: ``layer_names``, ``weight_names``, ``<layer>/<layer>/<w>:0``."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [l.name.encode() for l in model.layers]
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.2.4"
        for layer in model.layers:
            group = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            group.attrs["weight_names"] = [n.encode() for n in names]
            for name, w in zip(names, layer.weights):
                group.create_dataset(name, data=w.numpy())


def write_keras3_h5(model, target):
    """The Keras 3 ``.weights.h5`` layout: ``layers/<snake class>[_n]/vars/<i>``."""
    with h5py.File(target, "w") as f:
        layers, used = f.create_group("layers"), {}
        for layer in model.layers:
            group = layers.create_group(keras_h5.keras_key(type(layer).__name__, used)).create_group("vars")
            group.attrs["name"] = layer.name
            for i, w in enumerate(layer.weights):
                group.create_dataset(str(i), data=w.numpy())
        f.create_group("vars")


def randomize(model, seed=0):
    rng = np.random.RandomState(seed)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def tiny_model(extra_dense=False):
    """Unnamed layers on purpose: their automatic names change with every build."""
    inputs = tk.Input((6, 6, 2))
    x = tk.layers.Conv2D(3, 3)(inputs)
    x = tk.layers.BatchNormalization(scale=False)(x)
    x = tk.layers.Dense(4)(tk.layers.Flatten()(x))
    if extra_dense:
        x = tk.layers.Dense(2)(x)
    return tk.Model(inputs, x, name="tiny")


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


# -- the loopback server --------------------------------------------------------------

@pytest.fixture
def server(tmp_path, monkeypatch):
    root = tmp_path / "www"
    root.mkdir()
    requests = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("TINYKERAS_HOME", str(tmp_path / "home"))
    url = f"http://127.0.0.1:{httpd.server_port}/"
    monkeypatch.setattr(weights_lib, "BASE_URL", url)
    yield types.SimpleNamespace(root=root, url=url, requests=requests, cache=tmp_path / "home" / "models")
    httpd.shutdown()
    httpd.server_close()


def test_imagenet_weights_download_convert_then_load_from_cache(server, monkeypatch):
    publisher = randomize(A.MobileNetV2(weights=None, **SMALL_V2))
    (server.root / "mobilenet_v2").mkdir()
    write_legacy_h5(publisher, server.root / "mobilenet_v2" / V2_FILE)

    first = A.MobileNetV2(weights="imagenet", **SMALL_V2)
    assert same_weights(first, publisher) and server.requests == [f"/mobilenet_v2/{V2_FILE}"]
    converted = server.cache / V2_FILE.replace(".h5", ".weights.safetensors")
    assert converted.exists() and (server.cache / (converted.name + ".sha256")).exists()

    os.remove(server.cache / V2_FILE)                   # the download is no longer needed,
    monkeypatch.setitem(sys.modules, "h5py", None)      # and neither is h5py
    second = A.MobileNetV2(weights="imagenet", **SMALL_V2)
    assert same_weights(second, publisher) and len(server.requests) == 1

    data = bytearray(converted.read_bytes())            # a damaged cache is discarded
    data[-5] ^= 0xFF
    converted.write_bytes(bytes(data))
    monkeypatch.setitem(sys.modules, "h5py", h5py)
    third = A.MobileNetV2(weights="imagenet", **SMALL_V2)
    assert same_weights(third, publisher) and len(server.requests) == 2


def test_checksum_mismatch_discards_the_download(server):
    source = randomize(tiny_model(), seed=1)
    write_legacy_h5(source, server.root / "tiny.h5")
    md5 = hashlib.md5((server.root / "tiny.h5").read_bytes()).hexdigest()
    bad = weights_lib.WeightsSpec("tiny.h5", url=server.url + "tiny.h5", file_hash="0" * 32)
    with pytest.raises(ValueError, match="hash"):
        weights_lib.load_published(tiny_model(), bad)
    assert not (server.cache / "tiny.h5").exists()
    assert not (server.cache / "tiny.weights.safetensors").exists()

    good = weights_lib.WeightsSpec("tiny.h5", url=server.url + "tiny.h5", file_hash=md5)
    model = tiny_model()
    weights_lib.load_published(model, good)
    assert same_weights(model, source)
    # a corrupted cached download is detected, deleted and fetched again
    (server.cache / "tiny.h5").write_bytes(b"not the file")
    os.remove(server.cache / "tiny.weights.safetensors")
    weights_lib.load_published(tiny_model(), good)
    assert len(server.requests) == 3 and hashlib.md5((server.cache / "tiny.h5").read_bytes()).hexdigest() == md5


def test_cached_weights_load_into_a_rebuilt_model_with_other_automatic_names(server):
    source = randomize(tiny_model(), seed=2)
    write_legacy_h5(source, server.root / "tiny.h5")
    spec = weights_lib.WeightsSpec("tiny.h5", url=server.url + "tiny.h5")
    first, second = tiny_model(), tiny_model()
    assert first.layers[1].name != second.layers[1].name  # conv2d_7 vs conv2d_8...
    weights_lib.load_published(first, spec)
    weights_lib.load_published(second, spec)  # from the cache, by the recorded order
    assert same_weights(second, source) and len(server.requests) == 1


def test_weights_of_another_architecture_are_refused(server):
    write_legacy_h5(tiny_model(extra_dense=True), server.root / "other.h5")
    spec = weights_lib.WeightsSpec("other.h5", url=server.url + "other.h5")
    with pytest.raises(ValueError, match="layer count mismatch"):
        weights_lib.load_published(tiny_model(), spec)
    assert not (server.cache / "other.weights.safetensors").exists()


# -- reading Keras files and the converter ------------------------------------------------

def test_convert_cli_reads_all_three_layouts(tmp_path):
    source = randomize(A.DigitsConvNet(weights=None), seed=3)
    x = np.random.RandomState(0).uniform(0, 16, (4, 8, 8, 1)).astype("float32")
    expected = source.predict(x, verbose=0)
    legacy, modern, archive = (str(tmp_path / n) for n in ("d.h5", "d.weights.h5", "d.keras"))
    write_legacy_h5(source, legacy)
    write_keras3_h5(source, modern)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("config.json", json.dumps({"class_name": "Functional", "config": {"layers": [
            {"class_name": type(l).__name__, "config": {"name": l.name}} for l in source.layers]}}))
        zf.write(modern, "model.weights.h5")
    for src in (legacy, modern, archive):
        assert cli(["convert", src]) == 0
        dst = src.rsplit(".", 1)[0].replace(".weights", "") + ".weights.safetensors"
        fresh = A.DigitsConvNet(weights=None)
        fresh.load_weights(dst)
        np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-6)
        assert safetensors_io.read_header(dst).metadata["format"] == "tinykeras"
    direct = A.DigitsConvNet(weights=legacy)  # weights="file.h5" converts on the fly
    np.testing.assert_allclose(direct.predict(x, verbose=0), expected, rtol=1e-6)


def test_convert_cli_with_an_application(tmp_path, capsys):
    publisher = randomize(A.MobileNetV2(weights=None, **SMALL_V2), seed=4)
    src, dst = str(tmp_path / V2_FILE), str(tmp_path / "v2.weights.safetensors")
    write_legacy_h5(publisher, src)
    assert cli(["convert", src, dst, "--application", "MobileNetV2", "--no-top", "--alpha", "0.35"]) == 0
    assert same_weights(A.MobileNetV2(weights=dst, **SMALL_V2), publisher)
    assert cli(["convert", src, dst, "--application", "ResNet50", "--no-top"]) == 1
    assert "does not fit" in capsys.readouterr().err


def test_keras3_nested_model_and_bn_ambiguity(tmp_path):
    model = tiny_model()  # BatchNormalization(scale=False): 3 variables
    path = str(tmp_path / "t.weights.h5")
    write_keras3_h5(randomize(model, seed=5), path)
    with pytest.raises(ValueError, match="center or scale"):
        tk.applications.convert.convert_file(path)  # no model, no config: ambiguous
    fresh = tiny_model()
    weights = tk.applications.convert.arrays_for_model(fresh, keras_h5.read(path))
    tk.applications.weights.assign(fresh, weights)
    assert same_weights(fresh, model)


def test_converted_with_a_model_loads_despite_other_automatic_names(tmp_path):
    source = randomize(tiny_model(), seed=6)
    model_file, src, dst = (str(tmp_path / n) for n in ("tiny.safetensors", "tiny.h5", "tiny.weights.safetensors"))
    source.save(model_file)
    write_legacy_h5(source, src)
    assert cli(["convert", src, dst, "--model", model_file]) == 0
    rebuilt = tiny_model()
    weights_lib.load_file(rebuilt, dst)  # by the recorded order, every shape checked
    assert same_weights(rebuilt, source)
    with pytest.raises(ValueError, match="another architecture"):
        weights_lib.load_file(tiny_model(extra_dense=True), dst)


def test_missing_h5py_is_named(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "x.h5")
    write_legacy_h5(tiny_model(), path)
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="h5py"):
        keras_h5.read(path)
    assert cli(["convert", path]) == 1 and "h5py" in capsys.readouterr().err


def test_links_out_of_the_file_are_refused(tmp_path):
    path = str(tmp_path / "linked.h5")
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        group = f.create_group("dense")
        group.attrs["weight_names"] = [b"dense/kernel:0"]
        group["dense"] = h5py.ExternalLink("/etc/passwd", "/")
    with pytest.raises(ValueError, match="links are refused"):
        keras_h5.read(path)
    with pytest.raises(ValueError, match="not an HDF5"):
        keras_h5.read(__file__)


# -- against real Keras (optional, slow) ------------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.slow
@pytest.mark.keras
def test_files_written_by_keras(keras, tmp_path):
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, name="conv1")(inputs)
    x = keras.layers.BatchNormalization(scale=False, name="conv1_bn")(x)
    x = keras.layers.Dense(3, name="predictions")(keras.layers.Flatten(name="flatten")(x))
    kmodel = keras.Model(inputs, x)
    kmodel.set_weights([np.random.RandomState(i).uniform(0.5, 1.5, w.shape) for i, w in
                        enumerate(kmodel.get_weights())])
    data = np.random.RandomState(0).uniform(size=(2, 8, 8, 1)).astype("float32")
    expected = keras.ops.convert_to_numpy(kmodel(data))
    tinputs = tk.Input((8, 8, 1))
    t = tk.layers.Conv2D(4, 3, name="conv1")(tinputs)
    t = tk.layers.BatchNormalization(scale=False, name="conv1_bn")(t)
    ours = tk.Model(tinputs, tk.layers.Dense(3, name="predictions")(tk.layers.Flatten(name="flatten")(t)))
    ours_file = str(tmp_path / "ours.safetensors")
    ours.save(ours_file)
    for name in ("k.weights.h5", "k.keras", "k.h5"):
        path = str(tmp_path / name)
        kmodel.save_weights(path) if name.endswith(".weights.h5") else kmodel.save(path)
        weights_lib.load_file(ours, path)
        np.testing.assert_allclose(ours.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-5)
        # without a model the converter names the variables itself, except for the
        # BatchNormalization(scale=False) of a bare .weights.h5: that one needs --model
        needs_model = ["--model", ours_file] if name.endswith(".weights.h5") else []
        out = str(tmp_path / "out.weights.safetensors")
        assert cli(["convert", path, out] + needs_model) == 0
        ours.load_weights(out)
        np.testing.assert_allclose(ours.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,shape", [
    ("ResNet50", dict(input_shape=(32, 32, 3)), (32, 32, 3)),
    ("MobileNetV2", dict(alpha=0.35, input_shape=(96, 96, 3), include_top=False, pooling="avg"), (96, 96, 3)),
])
def test_same_predictions_as_keras_applications(keras, name, kwargs, shape):
    kmodel = getattr(keras.applications, name)(weights=None, **kwargs)
    rng = np.random.RandomState(0)
    kweights = [w if "variance" not in v.path else rng.uniform(0.5, 1.5, w.shape).astype("float32")
                for v, w in zip(kmodel.weights, kmodel.get_weights())]
    kweights = [w + rng.normal(0, 0.01, w.shape).astype("float32") if "mean" in v.path else w
                for v, w in zip(kmodel.weights, kweights)]
    kmodel.set_weights(kweights)
    ours = getattr(A, name)(weights=None, **kwargs)
    def names(model):  # automatic names (global_average_pooling2d_7) count per session
        return [re.sub(r"_\d+$", "", l.name) for l in model.layers][1:]
    assert names(ours) == names(kmodel)
    ours.set_weights(kmodel.get_weights())
    module = A.resnet50 if name == "ResNet50" else A.mobilenet_v2
    x = module.preprocess_input(rng.uniform(0, 255, (1,) + shape).astype("float32"))
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras.ops.convert_to_numpy(kmodel(x)),
                               rtol=2e-4, atol=2e-5)
