"""tk.applications' families that preprocess inside the model: MobileNetV3,
EfficientNet (B0-B7), EfficientNetV2 (B0-B3, S, M, L) and ConvNeXt.

* Every builder: Keras 3.15's parameter count and its exact layer names
  and classes (a digest of ``[[name, class], ...]`` recorded from Keras,
  each model built right after ``clear_session()``); the big ones are
  built without allocating their weights (``unallocated``).
* The smallest of each family runs at 32x32; ``weights="imagenet"`` goes
  through download -> checksum -> convert -> cache on a loopback server.
* With Keras installed: the recorded constants against live Keras (the
  cheaper models) and predictions on Keras's weights (max differences of
  the headless outputs at 33x35, relative to their largest value:
  MobileNetV3Small 2e-7, EfficientNetB0 5e-7, EfficientNetV2B0 8e-7,
  ConvNeXtTiny 1e-6).  Deep members at random weights are chaotic
  (EfficientNetV2S: a 1e-7 change of the input moves Keras's own output by
  2e-4 of its scale), so the comparison uses each family's smallest.
"""
import hashlib
import json
import re

import numpy as np
import pytest

import tinykeras as tk
from file_server import server  # noqa: F401  (the `server` fixture)
from tinykeras import variables

A = tk.applications
# Keras 3.15: (parameters with the top, without it, digest of the layer names and classes with the top)
KERAS = {
    "MobileNetV3Small": (2_554_968, 939_120, "4c6ac474f410a2c7"),
    "MobileNetV3Large": (5_507_432, 2_996_352, "89f3b08771ad1817"),
    "EfficientNetB0": (5_330_571, 4_049_571, "16cca18362822582"),
    "EfficientNetB1": (7_856_239, 6_575_239, "60645fd2d1ed42eb"),
    "EfficientNetB2": (9_177_569, 7_768_569, "60645fd2d1ed42eb"),
    "EfficientNetB3": (12_320_535, 10_783_535, "b732666cc7f0bee6"),
    "EfficientNetB4": (19_466_823, 17_673_823, "4ad6da59e1a73b34"),
    "EfficientNetB5": (30_562_527, 28_513_527, "9091b837351946b5"),
    "EfficientNetB6": (43_265_143, 40_960_143, "87521466ad64a738"),
    "EfficientNetB7": (66_658_687, 64_097_687, "947b1b09714566c9"),
    "EfficientNetV2B0": (7_200_312, 5_919_312, "c1a87faab6d3dd9b"),
    "EfficientNetV2B1": (8_212_124, 6_931_124, "db0e8e4592fc9f2e"),
    "EfficientNetV2B2": (10_178_374, 8_769_374, "c74401f2c5ff12f7"),
    "EfficientNetV2B3": (14_467_622, 12_930_622, "834c38bb8287361b"),
    "EfficientNetV2S": (21_612_360, 20_331_360, "27e3a2823d99571d"),
    "EfficientNetV2M": (54_431_388, 53_150_388, "125f983fb325832c"),
    "EfficientNetV2L": (119_027_848, 117_746_848, "d662dce0f9ba8879"),
    "ConvNeXtTiny": (28_589_128, 27_820_128, "f7526dec707ce12e"),
    "ConvNeXtSmall": (50_223_688, 49_454_688, "ff3a2f7e665223c5"),
    "ConvNeXtBase": (88_591_464, 87_566_464, "3e4c04d520836d23"),
    "ConvNeXtLarge": (197_767_336, 196_230_336, "1a8dd91753afc985"),
    "ConvNeXtXLarge": (350_196_968, 348_147_968, "72d7d1ee20aa28c5"),
}
SMALLEST = {"mobilenet_v3": "MobileNetV3Small", "efficientnet": "EfficientNetB0",
            "efficientnet_v2": "EfficientNetV2B0", "convnext": "ConvNeXtTiny"}
CHEAP_IN_KERAS = ["MobileNetV3Small", "EfficientNetB0", "EfficientNetV2B0"]



@pytest.fixture(autouse=True)
def _fresh_names():
    """Leave the name counters as a fresh session has them (other tests expect ``input_layer``)."""
    yield
    tk.backend.clear_session()

def layer_digest(model):
    """What ``KERAS`` records: the first 16 hex digits of sha256 of the JSON list."""
    names = [[layer.name, type(layer).__name__] for layer in model.layers]
    return hashlib.sha256(json.dumps(names).encode()).hexdigest()[:16]


@pytest.fixture
def unallocated(monkeypatch):
    """Variables initialized with ``np.zeros`` (pages the OS maps only when
    written, and nothing writes them): the model's structure and shapes
    without the memory or time of initializing its weights."""
    original = variables.Variable.__init__

    def init(self, initializer, shape=None, dtype=None, *args, **kwargs):
        if callable(initializer) and shape is not None:
            initializer = np.zeros(tuple(shape), np.dtype(dtype or "float32"))
        original(self, initializer, shape, dtype, *args, **kwargs)
    monkeypatch.setattr(variables.Variable, "__init__", init)


def build(name, **kwargs):
    tk.backend.clear_session()  # automatic names (re_lu_3...) as in a fresh Keras session
    return getattr(A, name)(weights=None, **kwargs)


@pytest.mark.parametrize("name", list(KERAS))
def test_parameter_count_and_layer_names_equal_keras(name, unallocated):
    model = build(name)
    assert model.count_params() == KERAS[name][0]
    assert layer_digest(model) == KERAS[name][2]
    headless = build(name, include_top=False, pooling="max")
    assert headless.count_params() == KERAS[name][1] and headless.output_shape[:1] == (None,)


@pytest.mark.parametrize("module", list(SMALLEST))
def test_smallest_of_each_family_runs_at_32x32(module):
    lib = getattr(A, module)
    model = build(SMALLEST[module], input_shape=(32, 32, 3))
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    assert lib.preprocess_input(x) is x  # the model preprocesses, as in Keras
    y = model.predict(lib.preprocess_input(x), verbose=0)
    assert y.shape == (2, 1000) and np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-4)
    preds = np.zeros((1, 1000))
    preds[0, 281] = 1.0
    assert lib.decode_predictions(preds, top=1)[0][0][:2] == ("n02123045", "tabby")


def test_mobilenet_v3_arguments():
    small = build("MobileNetV3Small", alpha=0.75, minimalistic=True, input_shape=(32, 32, 3), classes=7,
                  include_preprocessing=False, dropout_rate=0.0, classifier_activation=None)
    types = {type(l).__name__ for l in small.layers}
    assert "Rescaling" not in types and "Dropout" not in types and small.output_shape == (None, 7)
    assert not any("squeeze_excite" in l.name for l in small.layers)  # minimalistic: no SE, no hard swish
    assert small.get_layer("expanded_conv_3_depthwise").kernel_size == (3, 3)
    inputs = tk.Input((48, 40, 3))
    model = A.MobileNetV3Large(weights=None, input_tensor=inputs, include_top=False, pooling="avg")
    assert model.inputs[0] is inputs and model.output_shape == (None, 960)
    for kwargs, message in [(dict(input_shape=(16, 16, 3)), "at least 32x32"),
                            (dict(weights="imagenet", alpha=0.5), "alpha can be one of"),
                            (dict(weights="imagenet", alpha=0.75, minimalistic=True), "minimalistic"),
                            (dict(weights="imagenet", classes=10), "`classes` should be 1000"),
                            (dict(input_tensor=inputs, input_shape=(48, 48, 3)), "input_tensor.shape")]:
        with pytest.raises(ValueError, match=message):
            A.MobileNetV3Small(**{"weights": None, **kwargs})


def test_efficientnet_imagenet_stem_and_stochastic_depth():
    model = A.EfficientNetB0(weights=None, include_top=False, input_shape=(32, 32, 3))
    drops = [l for l in model.layers if l.name.endswith("_drop")]
    assert [l.name for l in drops][:2] == ["block2b_drop", "block3b_drop"]
    assert drops[0].rate == pytest.approx(0.2 * 2 / 16) and drops[0].noise_shape == (None, 1, 1, 1)
    assert model.get_layer("normalization").weights[2].dtype == "int32"  # Keras's count
    with pytest.raises(ValueError, match="must be > 0"):
        A.efficientnet.EfficientNet(1.0, 1.0, 224, blocks_args=((3, 0, 32, 16, 1, 1),), weights=None)


def _publish(server, model, folder, fname):
    """Write ``model``'s weights as Keras's legacy HDF5 under the server's ``folder``."""
    from test_applications_weights import write_legacy_h5
    (server.folder / folder).mkdir(parents=True, exist_ok=True)
    path = server.folder / folder / fname
    write_legacy_h5(model, path)
    return hashlib.md5(path.read_bytes()).hexdigest()


@pytest.mark.filterwarnings("ignore:`input_shape` is undefined")  # MobileNetV3's 224x224 weights at 32x32
@pytest.mark.parametrize("name,module,folder,fname,key", [
    ("EfficientNetB0", "efficientnet", "", "efficientnetb0_notop.h5", "b0"),
    ("EfficientNetV2B0", "efficientnet_v2", "efficientnet_v2", "efficientnetv2-b0_notop.h5", "b0"),
    ("MobileNetV3Small", "mobilenet_v3", "mobilenet_v3",
     "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5", "small_224_1.0_float"),
])
def test_imagenet_weights_download_checksum_convert_cache(server, monkeypatch, name, module, folder, fname,
                                                          key):
    pytest.importorskip("h5py")
    kwargs = dict(include_top=False, input_shape=(32, 32, 3))
    publisher = getattr(A, name)(weights=None, **kwargs)
    rng = np.random.RandomState(0)
    publisher.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in publisher.get_weights()])
    md5 = _publish(server, publisher, folder, fname)
    lib = getattr(A, module)
    monkeypatch.setattr(A.weights, "BASE_URL", server.url)
    monkeypatch.setattr(A.efficientnet, "BASE_WEIGHTS_PATH", server.url)
    monkeypatch.setitem(lib.HASHES, key, ("0" * 32, "0" * 32))
    with pytest.raises(ValueError, match="hash"):
        getattr(A, name)(weights="imagenet", **kwargs)
    monkeypatch.setitem(lib.HASHES, key, (md5, md5))
    for _ in range(2):  # downloaded and converted once, then from the cache
        model = getattr(A, name)(weights="imagenet", **kwargs)
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), publisher.get_weights()))
    assert server.requests == [f"/{folder + '/' if folder else ''}{fname}"] * 2  # the bad hash, then once
    converted = list((server.folder.parent / "home" / "models").glob("*.weights.safetensors"))
    assert [p.name for p in converted] == [fname.replace(".h5", ".weights.safetensors")]


# -- against real Keras ---------------------------------------------------------------------------

@pytest.mark.keras
@pytest.mark.parametrize("name", CHEAP_IN_KERAS)
def test_recorded_constants_match_live_keras(name):
    from keras_zoo import keras_or_skip
    keras = keras_or_skip()
    keras.backend.clear_session()
    kmodel = getattr(keras.applications, name)(weights=None)
    assert kmodel.count_params() == KERAS[name][0] and layer_digest(kmodel) == KERAS[name][2]
    ours = build(name)
    assert [l.name for l in ours.layers] == [l.name for l in kmodel.layers]


@pytest.mark.keras
@pytest.mark.parametrize("module", list(SMALLEST))
def test_same_predictions_as_keras_on_keras_weights(module):
    from keras_zoo import keras_or_skip
    keras = keras_or_skip()
    name, kwargs = SMALLEST[module], dict(include_top=False, input_shape=(33, 35, 3))
    kmodel = getattr(keras.applications, name)(weights=None, **kwargs)
    rng = np.random.RandomState(0)
    weights = []
    for v, w in zip(kmodel.weights, kmodel.get_weights()):  # statistics that are not identities
        if re.search(r"variance", v.path):
            w = rng.uniform(0.5, 1.5, w.shape).astype(w.dtype)
        elif re.search(r"mean", v.path):
            w = w + rng.normal(0, 0.1, w.shape).astype(w.dtype)
        weights.append(w)
    kmodel.set_weights(weights)
    ours = build(name, **kwargs)
    ours.set_weights(kmodel.get_weights())
    x = rng.uniform(0, 255, (2, 33, 35, 3)).astype("float32")
    expected = keras.ops.convert_to_numpy(kmodel(x))
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-4, atol=2e-5 * np.abs(expected).max())


@pytest.mark.parametrize("module", ["mobilenet_v3", "efficientnet", "efficientnet_v2", "convnext",
                                    "convnext_layers"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"tinykeras.applications.{module}"),
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted and result.failed == 0
