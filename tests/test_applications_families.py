"""tk.applications, issue 19 part a: DenseNet, ResNetV2, Xception,
InceptionResNetV2 and NASNet against Keras 3.15.

Keras's parameter counts, layer counts, weight counts and layer names
(a digest of the names in model order, automatic names reduced to their
class's snake case) are recorded below, so the checks run without Keras;
with Keras installed, the cheaper models are compared live, and each
family's smallest member gets Keras's weights and must give Keras's
predictions."""
import hashlib
import re

import numpy as np
import pytest

import tinykeras as tk
from keras_zoo import keras_or_skip
from tinykeras.global_state import snake_case

A = tk.applications

# keras.applications.<name>(weights=None) in Keras 3.15 (torch backend):
# (count_params(), len(layers), len(weights), layer_digest)
KERAS = {
    "DenseNet121": (8062504, 429, 606, "3cc4dc1efebc27fb"),
    "DenseNet169": (14307880, 597, 846, "ae1997a137aa7dae"),
    "DenseNet201": (20242984, 709, 1006, "93e3877597d30104"),
    "ResNet50V2": (25613800, 192, 272, "6afe8babfd68ecbc"),
    "ResNet101V2": (44675560, 379, 544, "1f6f391fbc339ac7"),
    "ResNet152V2": (60380648, 566, 816, "b632282e24472510"),
    "Xception": (22910480, 134, 236, "7af4a8e49f83d1da"),
    "InceptionResNetV2": (55873736, 782, 898, "cd59abf5c87acb46"),
    "NASNetMobile": (5326716, 771, 1126, "99b5d9d524f00007"),
    "NASNetLarge": (88949818, 1041, 1546, "9d20cd022cfe89fc"),
}
CHEAP = ["DenseNet121", "ResNet50V2", "Xception", "NASNetMobile"]
# each family's smallest member, at a small input, with the top
SMALLEST = {"densenet": ("DenseNet121", (32, 32, 3)), "resnet_v2": ("ResNet50V2", (32, 32, 3)),
            "xception": ("Xception", (71, 71, 3)), "inception_resnet_v2": ("InceptionResNetV2", (75, 75, 3)),
            "nasnet": ("NASNetMobile", (32, 32, 3))}


def keras_builder(keras, name):
    """``keras.applications.<name>``; NASNetMobile through ``nasnet.NASNet`` with its arguments,
    because Keras refuses NASNetMobile itself on the torch backend."""
    if name != "NASNetMobile":
        return getattr(keras.applications, name)
    from keras.src.applications import nasnet

    def mobile(input_shape=(224, 224, 3), **kwargs):
        return nasnet.NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                             skip_reduction=False, filter_multiplier=2, default_size=224,
                             name="nasnet_mobile", **kwargs)
    return mobile


def _zero_init(monkeypatch):
    from tinykeras import initializers

    def zeros(self, shape, *args):
        return np.zeros(initializers._shape(shape), initializers._dtype(args[-1]))
    for method in ("_truncated", "_uniform", "_normal"):
        monkeypatch.setattr(initializers.RandomInitializer, method, zeros)


@pytest.fixture
def no_random_init(monkeypatch):
    """Zeros instead of random draws: counting the parameters of the big
    models then costs the graph, not 90M truncated-normal samples."""
    _zero_init(monkeypatch)


def layer_digest(model):
    """sha256 of the layer names in order; an automatic name (``add_7``) counts as its class's (``add``)."""
    names = []
    for layer in model.layers:
        auto = snake_case(type(layer).__name__)
        names.append(auto if re.fullmatch(re.escape(auto) + r"(_\d+)?", layer.name) else layer.name)
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


def signature(model):
    return model.count_params(), len(model.layers), len(model.weights), layer_digest(model)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_counts_and_layer_names_are_keras(name, no_random_init):
    model = getattr(A, name)(weights=None)  # the default input; nothing runs
    assert signature(model) == KERAS[name]
    assert model.layers[-1].name == "predictions" and model.layers[-1].kernel.shape[1] == 1000


@pytest.mark.keras
@pytest.mark.parametrize("name", CHEAP)
def test_recorded_constants_are_live_keras(name):
    keras = keras_or_skip()
    assert signature(keras_builder(keras, name)(weights=None)) == KERAS[name]


def _keras_and_ours(keras, name, shape):
    """A Keras model with random weights (and BN statistics), and ours with the same weights;
    logits (no softmax), which show differences that a 1000-way softmax would hide."""
    kmodel = keras_builder(keras, name)(weights=None, input_shape=shape, classifier_activation=None)
    rng = np.random.RandomState(0)
    weights = []
    for v, w in zip(kmodel.weights, kmodel.get_weights()):
        if "moving_variance" in v.path:
            w = rng.uniform(0.5, 1.5, w.shape).astype("float32")
        elif "moving_mean" in v.path:
            w = rng.normal(0, 0.1, w.shape).astype("float32")
        weights.append(w)
    kmodel.set_weights(weights)
    ours = getattr(A, name)(weights=None, input_shape=shape, classifier_activation=None)
    ours.set_weights(kmodel.get_weights())
    return kmodel, ours


@pytest.mark.slow
@pytest.mark.keras
@pytest.mark.parametrize("family", sorted(SMALLEST))
def test_same_predictions_as_keras(family):
    keras = keras_or_skip()
    name, shape = SMALLEST[family]
    kmodel, ours = _keras_and_ours(keras, name, shape)
    assert layer_digest(ours) == layer_digest(kmodel)
    module = getattr(A, family)
    x = module.preprocess_input(np.random.RandomState(1).uniform(0, 255, (2,) + shape).astype("float32"))
    expected = keras.ops.convert_to_numpy(kmodel(x))
    got = ours.predict(x, verbose=0)
    # measured max |difference| (logits of size 0.3-18): DenseNet121 3.9e-7, ResNet50V2 7.0e-7,
    # Xception 2.7e-7, InceptionResNetV2 5.4e-7, NASNetMobile 1.5e-5 (7.7e-7 of its largest logit)
    scale = np.abs(expected).max()
    assert scale > 0.1  # logits of a real size, not a degenerate network
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4 * scale)


@pytest.mark.parametrize("family", sorted(SMALLEST))
def test_smallest_members_run_headless_and_with_their_top(family, monkeypatch):
    name, shape = SMALLEST[family]
    inputs = tk.Input(shape)
    base = getattr(A, name)(weights=None, include_top=False, input_tensor=inputs, pooling="max")
    assert base.inputs[0] is inputs and isinstance(base.layers[-1], tk.layers.GlobalMaxPooling2D)
    x = getattr(A, family).preprocess_input(np.random.RandomState(2).uniform(0, 255, (2,) + shape))
    features = base.predict(x, verbose=0)
    assert np.all(np.isfinite(features)) and np.ptp(features, axis=0).max() > 0  # two images, two outputs
    _zero_init(monkeypatch)  # the top's model is only inspected
    top = getattr(A, name)(weights=None, input_shape=shape, classes=5, classifier_activation=None)
    assert top.output_shape == (None, 5) and top.get_layer("predictions").kernel.shape == (features.shape[1], 5)


def test_custom_scale_layer_passes_the_layer_test_and_saves(tmp_path):
    from tinykeras.applications.inception_resnet_v2 import CustomScaleLayer
    from tinykeras.testing import run_layer_test
    rng = np.random.RandomState(4)
    x, residual = rng.normal(size=(2, 3, 3, 4)).astype("float32"), rng.normal(size=(2, 3, 3, 4)).astype("float32")
    run_layer_test(CustomScaleLayer, {"scale": 0.17}, input_data=[x, residual],
                   expected_output=x + 0.17 * residual, expected_output_shape=(2, 3, 3, 4),
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)
    a, b = tk.Input((3, 3, 4)), tk.Input((3, 3, 4))
    model = tk.Model([a, b], CustomScaleLayer(0.5, name="scale")([a, b]))
    path = str(tmp_path / "scale.safetensors")
    model.save(path)
    loaded = tk.models.load_model(path)
    assert loaded.get_layer("scale").scale == 0.5
    np.testing.assert_allclose(loaded.predict([x, residual], verbose=0), x + 0.5 * residual, rtol=1e-6)
    with pytest.raises(ValueError, match="CustomScaleLayer"):
        CustomScaleLayer(0.5)(x)


def test_preprocess_modes_and_decode():
    rgb = np.random.RandomState(3).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    torch_mode = (rgb / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    np.testing.assert_allclose(A.densenet.preprocess_input(rgb.copy()), torch_mode, rtol=1e-5, atol=1e-6)
    for module in (A.resnet_v2, A.xception, A.inception_resnet_v2, A.nasnet):
        np.testing.assert_allclose(module.preprocess_input(rgb.copy()), rgb / 127.5 - 1, atol=1e-6)
    preds = np.zeros((1, 1000), "float32")
    preds[0, 281] = 1.0
    for module in (A.densenet, A.resnet_v2, A.xception, A.inception_resnet_v2, A.nasnet):
        assert module.decode_predictions(preds, top=1)[0][0][:2] == ("n02123045", "tabby")


@pytest.mark.parametrize("call,message", [
    (lambda: A.DenseNet121(weights=None, include_top=False, input_shape=(31, 31, 3)), "at least 32x32"),
    (lambda: A.ResNet50V2(weights="imagenet", classes=10), "`classes` should be 1000"),
    (lambda: A.DenseNet169(weights="imagenet", input_shape=(32, 32, 3)), "input_shape` should be"),
    (lambda: A.ResNet101V2(weights=None, include_top=False, pooling="sum"), "pooling"),
], ids=["densenet-too-small", "resnetv2-classes", "densenet-top-shape", "resnetv2-pooling"])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("module", ["densenet", "resnet_v2", "xception", "inception_resnet_v2", "nasnet"])
def test_docstring_examples(module):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(f"tinykeras.applications.{module}"))
    assert result.attempted and result.failed == 0
