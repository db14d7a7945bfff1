"""tk.applications: architectures (parameter counts, tiny forward passes),
argument errors, preprocess_input / decode_predictions, the activation
layers they need, and the transfer-learning semantics (freezing, BN
inference mode, recompiling, summary counts).

Each architecture is built once (``weights=None``) and run once on the
smallest input it accepts, batch 1."""
import gc
import hashlib
import json

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.applications import imagenet_utils

A = tk.applications


def _forward(model, shape):
    x = np.random.RandomState(0).uniform(0, 255, (1,) + shape).astype("float32")
    return model.predict(x, verbose=0)


def _probabilities(y, classes=1000):
    assert y.shape == (1, classes) and np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(), 1.0, rtol=1e-4)


# -- parameter counts and forward passes ---------------------------------------

def test_vgg16_counts_and_runs():
    model = A.VGG16(weights=None)  # 224x224 with the top: 553 MB of float32
    assert model.count_params() == 138_357_544
    assert [l.name for l in model.layers][:4] == ["input_layer", "block1_conv1", "block1_conv2", "block1_pool"]
    assert [l.name for l in model.layers][-3:] == ["fc1", "fc2", "predictions"]
    _probabilities(_forward(model, (224, 224, 3)))
    del model
    gc.collect()


def test_vgg19_without_top_runs_on_32x32():
    model = A.VGG19(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="max")
    # 143,667,240 minus the top (fc1 25088x4096, fc2 4096x4096, predictions 4096x1000, biases)
    assert model.count_params() == 143_667_240 - 123_642_856
    assert model.get_layer("block5_conv4").kernel.shape == (3, 3, 512, 512)
    assert _forward(model, (32, 32, 3)).shape == (1, 512)


@pytest.mark.parametrize("builder,count", [(A.ResNet50, 25_636_712), (A.ResNet101, 44_707_176),
                                           (A.ResNet152, 60_419_944)],
                         ids=["ResNet50", "ResNet101", "ResNet152"])
def test_resnet_counts_and_runs(builder, count):
    model = builder(weights=None, input_shape=(32, 32, 3))  # the count does not depend on the size
    assert model.count_params() == count
    assert model.get_layer("conv2_block1_0_bn").epsilon == pytest.approx(1.001e-5)
    _probabilities(_forward(model, (32, 32, 3)))


def test_inception_v3_counts_and_runs():
    model = A.InceptionV3(weights=None, input_shape=(75, 75, 3))
    assert model.count_params() == 23_851_784
    names = [l.name for l in model.layers]
    assert {"mixed0", "mixed9_1", "mixed10", "avg_pool", "predictions"} <= set(names)
    bn = next(l for l in model.layers if isinstance(l, tk.layers.BatchNormalization))
    assert not bn.scale and [w.name for w in bn.weights] == ["beta", "moving_mean", "moving_variance"]
    _probabilities(_forward(model, (75, 75, 3)))


@pytest.mark.parametrize("builder,count,name", [(A.MobileNet, 4_253_864, "mobilenet_1.00_32"),
                                                (A.MobileNetV2, 3_538_984, "mobilenetv2_1.00_32")],
                         ids=["MobileNet", "MobileNetV2"])
def test_mobilenets_count_and_run(builder, count, name):
    model = builder(weights=None, input_shape=(32, 32, 3))
    assert model.count_params() == count and model.name == name
    assert any(isinstance(l, tk.layers.ReLU) and l.max_value == 6.0 for l in model.layers)
    _probabilities(_forward(model, (32, 32, 3)))


def test_headless_pooling_input_tensor_and_classes():
    inputs = tk.Input((32, 32, 3))
    x = tk.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    model = A.MobileNetV2(weights=None, alpha=0.35, input_tensor=x, include_top=False, pooling="avg")
    assert model.inputs[0] is inputs and model.output_shape == (None, 1280)
    small = A.MobileNet(weights=None, alpha=0.25, input_shape=(32, 32, 3), classes=7,
                        classifier_activation=None)
    assert small.output_shape == (None, 7) and small.get_layer("conv_preds").kernel.shape == (1, 1, 256, 7)


# -- bad arguments -----------------------------------------------------------------

@pytest.mark.parametrize("call,message", [
    (lambda: A.VGG16(weights="imagenet", input_shape=(100, 100, 3)), "input_shape` should be"),
    (lambda: A.ResNet50(weights=None, input_shape=(None, None, 3)), "static `input_shape`"),
    (lambda: A.ResNet50(weights=None, include_top=False, input_shape=(16, 16, 3)), "at least 32x32"),
    (lambda: A.InceptionV3(weights=None, include_top=False, input_shape=(64, 64, 3)), "at least 75x75"),
    (lambda: A.VGG16(weights="imagenet", classes=10), "`classes` should be 1000"),
    (lambda: A.MobileNetV2(weights="imagenet", classes=10), "`classes` should be 1000"),
    (lambda: A.ResNet50(weights="no/such/file.safetensors"), "The `weights` argument"),
    (lambda: A.VGG19(weights="imagenet", classifier_activation="relu"), "activations are allowed"),
    (lambda: A.MobileNetV2(weights="imagenet", alpha=0.4), "alpha"),
    (lambda: A.MobileNet(weights="imagenet", depth_multiplier=2), "depth multiplier"),
    (lambda: A.ResNet50(weights=None, include_top=False, pooling="mean"), "pooling"),
    (lambda: A.VGG16(weights=None, input_tensor=np.zeros((1, 32, 32, 3))), "symbolic"),
    (lambda: A.DigitsConvNet(classes=10), "`classes` should be 5"),
], ids=["top-shape", "top-static", "too-small", "inception-too-small", "vgg-classes",
        "mobilenet-classes", "missing-file", "activation", "alpha", "depth-multiplier", "pooling",
        "input-tensor", "digits-classes"])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_weights_file_of_another_architecture(tmp_path):
    path = str(tmp_path / "mobilenetv2.weights.safetensors")
    A.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3), include_top=False).save_weights(path)
    with pytest.raises(ValueError, match="conv_dw_1"):
        A.MobileNet(weights=path, alpha=0.25, input_shape=(32, 32, 3), include_top=False)
    same = A.MobileNetV2(weights=path, alpha=0.35, input_shape=(32, 32, 3), include_top=False)
    assert same.count_params() > 0


# -- preprocess_input / decode_predictions ----------------------------------------

def test_preprocess_modes_match_keras_formulas():
    rgb = np.random.RandomState(1).uniform(0, 255, (2, 4, 4, 3)).astype("float32")
    caffe = A.vgg16.preprocess_input(rgb.copy())
    np.testing.assert_allclose(caffe, rgb[..., ::-1] - [103.939, 116.779, 123.68], atol=1e-4)
    np.testing.assert_allclose(A.resnet50.preprocess_input(rgb.copy()), caffe)
    np.testing.assert_allclose(A.mobilenet_v2.preprocess_input(rgb.copy()), rgb / 127.5 - 1, atol=1e-6)
    torch_mode = imagenet_utils.preprocess_input(rgb.copy(), mode="torch")
    np.testing.assert_allclose(torch_mode, (rgb / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225],
                               rtol=1e-5)
    chw = imagenet_utils.preprocess_input(np.moveaxis(rgb, -1, 1).copy(), data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(chw, 1, -1), caffe, atol=1e-4)
    tensor = A.inception_v3.preprocess_input(tk.ops.convert_to_tensor(rgb))
    np.testing.assert_allclose(tensor.numpy(), rgb / 127.5 - 1, atol=1e-6)
    tensor = imagenet_utils.preprocess_input(tk.ops.convert_to_tensor(rgb), mode="caffe")
    np.testing.assert_allclose(tensor.numpy(), caffe, atol=1e-4)
    assert imagenet_utils.preprocess_input(np.full((1, 1, 1, 3), 255, "uint8"), mode="tf").dtype == np.float32
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(rgb, mode="bgr")


def test_decode_predictions_with_the_shipped_class_index():
    with open(imagenet_utils.CLASS_INDEX_PATH, "rb") as f:
        assert hashlib.md5(f.read()).hexdigest() == "c2c37ea517e94d9795004a39431a14cb"  # = keras's file
    index = json.load(open(imagenet_utils.CLASS_INDEX_PATH))
    assert len(index) == 1000 and index["281"] == ["n02123045", "tabby"]
    preds = np.zeros((2, 1000), "float32")
    preds[0, [281, 285, 7]] = [0.6, 0.3, 0.1]
    preds[1, 999] = 1.0
    top = A.resnet50.decode_predictions(preds, top=3)
    assert [r[:2] for r in top[0]] == [("n02123045", "tabby"), ("n02124075", "Egyptian_cat"), ("n01514668", "cock")]
    assert top[1][0][:2] == ("n15075141", "toilet_tissue") and len(top[1]) == 3
    with pytest.raises(ValueError, match="1000"):
        A.vgg16.decode_predictions(np.zeros((1, 10)))


# -- activation layers --------------------------------------------------------------

def test_relu_variants_and_checks():
    x = np.array([[-3.0, -0.5, 0.5, 2.0, 9.0]], "float32")
    np.testing.assert_allclose(tk.layers.ReLU()(x).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(tk.layers.ReLU(6.0)(x).numpy(), np.clip(x, 0, 6))
    y = tk.layers.ReLU(max_value=5.0, negative_slope=0.1, threshold=1.0)(x).numpy()
    np.testing.assert_allclose(y, np.where(x > 1, np.minimum(x, 5), 0.1 * (x - 1)), rtol=1e-6)
    np.testing.assert_allclose(tk.layers.LeakyReLU()(x).numpy(), np.where(x > 0, x, 0.3 * x), rtol=1e-6)
    np.testing.assert_allclose(tk.layers.ELU(0.5)(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-6)
    with pytest.warns(UserWarning, match="deprecated"):
        assert tk.layers.LeakyReLU(alpha=0.2).negative_slope == 0.2
    for bad in (dict(max_value=-1.0), dict(negative_slope=-0.1), dict(threshold=None)):
        with pytest.raises(ValueError):
            tk.layers.ReLU(**bad)
    with pytest.raises(ValueError):
        tk.layers.LeakyReLU(negative_slope=-1)
    config = tk.layers.ReLU(6.0, name="r6").get_config()
    assert config["max_value"] == 6.0 and tk.layers.ReLU.from_config(config).max_value == 6.0


def test_softmax_axis_and_mask():
    x = np.random.RandomState(2).normal(size=(2, 3, 4)).astype("float32")
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(tk.layers.Softmax(axis=1)(x).numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    both = tk.layers.Softmax(axis=(1, 2))(x).numpy()
    np.testing.assert_allclose(both.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    mask = np.array([[1, 1, 0, 0]] * 3 * 2, bool).reshape(2, 3, 4)
    masked = tk.layers.Softmax()(x, mask=mask).numpy()
    assert np.all(masked[..., 2:] == 0) and np.allclose(masked.sum(-1), 1.0)


def test_prelu_learns_and_round_trips(tmp_path):
    layer = tk.layers.PReLU(shared_axes=[1, 2], name="prelu")
    model = tk.Sequential([tk.Input((4, 4, 3)), layer, tk.layers.Flatten(), tk.layers.Dense(1)])
    assert layer.alpha.shape == (1, 1, 3) and not layer.alpha.numpy().any()
    x = -np.abs(np.random.RandomState(3).normal(size=(16, 4, 4, 3))).astype("float32")
    model.compile(optimizer=tk.optimizers.SGD(0.1), loss="mse")
    model.fit(x, np.ones((16, 1)), epochs=2, verbose=0)
    assert layer.alpha.numpy().any()  # the slope was trained
    path = str(tmp_path / "prelu.safetensors")
    model.save(path)
    loaded = tk.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
    assert loaded.get_layer("prelu").shared_axes == [1, 2]


# -- transfer learning semantics ------------------------------------------------------

def test_frozen_base_keeps_weights_and_bn_statistics_and_unfreezing_trains():
    base = A.DigitsConvNet(include_top=False)
    base.trainable = False
    inputs = tk.Input((8, 8, 1))
    outputs = tk.layers.Dense(5)(tk.layers.GlobalAveragePooling2D()(base(inputs)))
    model = tk.Model(inputs, outputs)
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 18
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Trainable params: 325" in text and "Non-trainable params: 23,744" in text
    x = np.random.RandomState(4).randint(0, 17, (32, 8, 8, 1)).astype("float32")
    y = np.arange(32) % 5
    before = [w.copy() for w in base.get_weights()]
    model.compile(optimizer=tk.optimizers.Adam(1e-2),
                  loss=tk.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)  # training=True, yet BN is frozen
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))
    base.trainable = True
    model.compile(optimizer=tk.optimizers.Adam(1e-3),
                  loss=tk.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    changed = [not np.array_equal(a, b) for a, b in zip(before, base.get_weights())]
    assert all(changed)  # kernels, gammas and betas trained; BN statistics updated (training=True)


# -- the modules' examples ---------------------------------------------------------------

@pytest.mark.parametrize("module", ["imagenet_utils", "vgg", "vgg16", "vgg19", "resnet", "resnet50",
                                    "inception_v3", "mobilenet", "mobilenet_v2", "digits", "weights",
                                    "convert", "torch_weights", "_common", "train_digits_base", "__init__"])
def test_docstring_examples(module):
    import doctest
    import importlib
    name = "tinykeras.applications" + ("" if module == "__init__" else "." + module)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_activation_layer_examples():
    import doctest
    from tinykeras.layers.activations import activation_layers, prelu
    assert doctest.testmod(activation_layers).failed == 0 and doctest.testmod(prelu).failed == 0
