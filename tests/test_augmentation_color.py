"""Keras 3's colour augmentation layers (one base: draw a transformation,
then apply it): NumPy formulas, inference, seeds, dict inputs, configs,
saving, ``run_layer_test``; and, with Keras installed, the same
transformation fed to Keras's ``transform_images`` gives the same images."""
import json

import numpy as np
import pytest

import tinykeras as tk
from augmentation_keras import check_same_transformation, to_keras
from keras_zoo import keras_or_skip

L = tk.layers
RNG = np.random.default_rng(5)
X = (RNG.random((2, 8, 8, 3)) * 255).astype("float32")

# deterministic settings: the same output on every call
FIXED = [
    (L.RandomBrightness, dict(factor=(0.2, 0.2))),
    (L.RandomContrast, dict(factor=(-0.5, 0.5))),
    (L.RandomColorDegeneration, dict(factor=(0.3, 0.3))),
    (L.RandomGrayscale, dict(factor=1.0)),
    (L.RandomHue, dict(factor=(0.0, 0.0))),
    (L.RandomSaturation, dict(factor=(0.7, 0.7))),
    (L.RandomSharpness, dict(factor=(0.9, 0.9))),
    (L.RandomInvert, dict(factor=(1.0, 1.0))),
    (L.RandomPosterization, dict(factor=(3, 3))),
    (L.Solarization, dict(addition_factor=(0.0, 0.0), threshold_factor=(0.0, 0.0))),
    (L.AutoContrast, dict()),
    (L.RandomGaussianBlur, dict(factor=(1.0, 1.0), kernel_size=3, sigma=(0.8, 0.8))),
    (L.RandomColorJitter, dict(brightness_factor=(0.1, 0.1), contrast_factor=(-0.5, 0.5),
                               saturation_factor=(0.6, 0.6), hue_factor=(0.0, 0.0))),
]
# random settings (each layer changes images, differently per draw)
RANDOM = [
    (L.RandomBrightness, dict(factor=0.5)), (L.RandomContrast, dict(factor=0.5)),
    (L.RandomColorDegeneration, dict(factor=0.8)), (L.RandomGrayscale, dict(factor=0.5)),
    (L.RandomHue, dict(factor=0.5)), (L.RandomSaturation, dict(factor=(0.2, 0.9))),
    (L.RandomSharpness, dict(factor=0.9)), (L.RandomInvert, dict(factor=0.8)),
    (L.RandomPosterization, dict(factor=(1, 8))), (L.Solarization, dict(addition_factor=0.5, threshold_factor=0.5)),
    (L.RandomGaussianBlur, dict(factor=0.8, sigma=(0.3, 1.5))),
    (L.RandomColorJitter, dict(brightness_factor=0.3, contrast_factor=0.3, saturation_factor=0.5, hue_factor=0.3)),
]


@pytest.mark.parametrize("cls,kwargs", FIXED, ids=lambda v: getattr(v, "__name__", ""))
def test_run_layer_test(cls, kwargs):
    tk.testing.run_layer_test(cls, kwargs, input_data=X, expected_output_shape=X.shape,
                              expected_num_trainable_weights=0, check_gradients=False)


@pytest.mark.parametrize("cls,kwargs", RANDOM, ids=lambda v: getattr(v, "__name__", ""))
def test_training_inference_seeds_and_inputs(cls, kwargs):
    layer = cls(seed=11, **kwargs)
    np.testing.assert_array_equal(layer(X, training=False).numpy(), X)           # inference: unchanged
    draws = [layer(np.repeat(X, 4, axis=0)).numpy() for _ in range(2)]            # called directly: augments
    assert not np.allclose(draws[0], np.repeat(X, 4, axis=0)) and not np.allclose(draws[0], draws[1])
    again = cls(seed=11, **kwargs)(np.repeat(X, 4, axis=0)).numpy()              # a seed repeats the draws
    np.testing.assert_array_equal(again, draws[0])
    single = cls(seed=2, **kwargs)(X[0])
    assert single.shape == X[0].shape
    labels = np.eye(2, dtype="float32")
    out = cls(seed=3, **kwargs)({"images": X, "labels": labels})
    np.testing.assert_array_equal(out["images"].numpy(), cls(seed=3, **kwargs)(X).numpy())
    np.testing.assert_array_equal(out["labels"].numpy(), labels)
    config = json.loads(json.dumps(layer.get_config()))
    assert cls.from_config(config).get_config() == layer.get_config()


def test_numpy_formulas():
    gray = X @ np.array([0.2989, 0.587, 0.114], "float32")
    np.testing.assert_allclose(L.RandomBrightness((0.2, 0.2))(X).numpy(), np.clip(X + 51, 0, 255), rtol=1e-6)
    np.testing.assert_allclose(L.RandomGrayscale(1.0)(X).numpy(), np.repeat(gray[..., None], 3, -1), rtol=1e-5)
    np.testing.assert_allclose(L.RandomColorDegeneration((0.25, 0.25))(X).numpy(),
                               np.clip(X + 0.25 * (gray[..., None] - X), 0, 255), rtol=1e-5)
    np.testing.assert_array_equal(L.RandomInvert((1.0, 1.0))(X).numpy(), 255 - X)
    np.testing.assert_array_equal(L.RandomPosterization((2, 2))(X).numpy(), np.floor(X / 64) * 64)
    solar = np.clip(X + 25.5, 0, 255)
    given = {"additions": np.full((2, 1, 1, 1), 25.5, "float32"), "thresholds": np.full((2, 1, 1, 1), 102.0, "float32")}
    np.testing.assert_allclose(L.Solarization().transform_images(X, given).numpy(),
                               np.where(solar < 102, solar, 255 - solar), rtol=1e-6)
    drawn = L.Solarization((0.1, 0.2), (0.4, 0.5)).get_random_transformation(np.repeat(X, 50, 0))
    assert drawn["additions"].shape == (100, 1, 1, 1) and drawn["additions"].max() <= 0.2 * 255
    assert drawn["thresholds"].min() >= 0.4 and drawn["thresholds"].max() <= 0.5 * 255   # Keras's bounds
    low, high = X.min(axis=(1, 2), keepdims=True), X.max(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(L.AutoContrast()(X, training=False).numpy(), (X - low) * 255 / (high - low),
                               rtol=1e-4, atol=1e-3)
    flat = np.full((1, 2, 2, 3), 7.0, "float32")
    np.testing.assert_array_equal(L.AutoContrast()(flat).numpy(), flat)          # a constant channel is kept
    halves = L.RandomSaturation((0.5, 0.5))(X / 255.0, training=True).numpy()    # factor 1: unchanged
    np.testing.assert_allclose(halves, X / 255.0, atol=1e-5)
    unit = L.RandomHue((0.0, 0.0), value_range=(0, 1))(X / 255.0).numpy()
    np.testing.assert_allclose(unit, X / 255.0, atol=1e-5)


def test_channels_first_and_bounding_boxes_pass_through():
    first = np.transpose(X, (0, 3, 1, 2))
    for cls, kwargs in FIXED:
        ours = cls(data_format="channels_first", **kwargs)(first).numpy()
        np.testing.assert_allclose(ours, np.transpose(cls(**kwargs)(X).numpy(), (0, 3, 1, 2)), rtol=1e-5, atol=1e-3)
    boxes = {"boxes": np.array([[[1.0, 2.0, 5.0, 6.0]], [[0.0, 0.0, 3.0, 3.0]]], "float32"),
             "labels": np.array([[1], [0]], "int32")}
    out = L.RandomHue(0.3, bounding_box_format="xyxy")({"images": X, "bounding_boxes": boxes})
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), boxes["boxes"])
    with pytest.raises(ValueError, match="bounding box format"):
        L.RandomHue(0.3)({"images": X, "bounding_boxes": boxes})


def test_saving_and_fit(tmp_path):
    model = tk.Sequential([tk.Input((8, 8, 3)), L.RandomBrightness(0.2, seed=1), L.RandomColorJitter(
        contrast_factor=0.2, hue_factor=0.1), L.AutoContrast(), L.Flatten(), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X, np.zeros((2, 2), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "aug.keras")
    loaded = tk.saving.load_model(tmp_path / "aug.keras")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert [type(layer).__name__ for layer in loaded.layers][:3] == ["RandomBrightness", "RandomColorJitter",
                                                                     "AutoContrast"]
    assert loaded.layers[1].get_config() == model.layers[1].get_config()


@pytest.mark.parametrize("make", [
    lambda: L.RandomBrightness(1.5), lambda: L.RandomHue(-0.2), lambda: L.RandomGrayscale(2.0),
    lambda: L.RandomPosterization(9), lambda: L.Solarization(addition_factor=1.5),
    lambda: L.RandomGaussianBlur(kernel_size=4), lambda: L.RandomBrightness(0.1, value_range=(0, 1, 2)),
    lambda: L.RandomSaturation("a"),
])
def test_bad_arguments_name_the_layer(make):
    with pytest.raises(ValueError, match=r"Random|Solarization"):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"RandomInvert.*rank 3.*\(2, 8\)"):
        L.RandomInvert()(np.ones((2, 8), "float32"))
    with pytest.raises(ValueError, match="keys"):
        L.RandomInvert()({"images": X, "pictures": X})


# -- against Keras 3 (optional) -------------------------------------------------

KERAS_CASES = [
    ("RandomBrightness", dict(factor=0.5)), ("RandomContrast", dict(factor=0.5)),
    ("RandomColorDegeneration", dict(factor=0.5)), ("RandomGrayscale", dict(factor=0.5)),
    ("RandomHue", dict(factor=0.5)), ("RandomHue", dict(factor=0.7, value_range=(0, 1))),
    ("RandomSaturation", dict(factor=0.8)), ("RandomSharpness", dict(factor=0.8)),
    ("RandomInvert", dict(factor=0.5)), ("RandomPosterization", dict(factor=(1, 8))),
    ("Solarization", dict(addition_factor=0.5, threshold_factor=0.5)), ("AutoContrast", dict()),
    ("RandomGaussianBlur", dict(factor=0.7, kernel_size=5, sigma=(0.5, 1.5))),
]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs", KERAS_CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_same_transformation_matches_keras(name, kwargs, data_format):
    if data_format == "channels_first" and name in ("AutoContrast", "Solarization", "RandomBrightness",
                                                    "RandomContrast"):
        pytest.skip("Keras reduces over axes (1, 2) whatever the data format")
    if name not in ("AutoContrast", "Solarization", "RandomBrightness", "RandomContrast"):
        kwargs = dict(kwargs, data_format=data_format)
    check_same_transformation(name, kwargs, X / 255.0 if kwargs.get("value_range") == (0, 1) else X, trials=3)


@pytest.mark.keras
def test_color_jitter_matches_keras_steps():
    keras = keras_or_skip()
    kwargs = dict(brightness_factor=0.3, contrast_factor=0.3, saturation_factor=0.5, hue_factor=0.3)
    ours = L.RandomColorJitter(**kwargs)
    t = ours.get_random_transformation(X)
    expected = keras.ops.convert_to_tensor(X)
    for step, cls in (("brightness", "RandomBrightness"), ("contrast", "RandomContrast"),
                      ("saturation", "RandomSaturation"), ("hue", "RandomHue")):
        layer = getattr(keras.layers, cls)(factor=kwargs[f"{step}_factor"])
        expected = layer.transform_images(expected, to_keras(keras, t[step]))
    np.testing.assert_allclose(ours.transform_images(X, t).numpy(), keras.ops.convert_to_numpy(expected),
                               atol=5e-4)
    assert set(keras.layers.RandomColorJitter(**kwargs).get_config()) - set(ours.get_config()) <= {"dtype"}


@pytest.mark.keras
def test_direct_calls_match_keras_with_fixed_factors():
    keras = keras_or_skip()
    for name, kwargs in [("RandomBrightness", dict(factor=(0.3, 0.3))), ("RandomInvert", dict(factor=(1.0, 1.0))),
                         ("RandomPosterization", dict(factor=(4, 4))), ("RandomSharpness", dict(factor=(0.2, 0.2)))]:
        expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(X, training=True))
        np.testing.assert_allclose(getattr(L, name)(**kwargs)(X, training=True).numpy(), expected, atol=5e-4)
        np.testing.assert_array_equal(getattr(L, name)(**kwargs)(X, training=False).numpy(),
                                      keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(
                                          X, training=False)))
