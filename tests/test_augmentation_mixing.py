"""MixUp, CutMix, RandomErasing, Equalization and CLAHE: NumPy values,
labels mixed like the images, inference, ``run_layer_test``, and Keras's
layers on the same transformation (or, for the deterministic ones, input)."""
import numpy as np
import pytest

import tinykeras as tk
from augmentation_keras import check_same_transformation
from keras_zoo import keras_or_skip

L = tk.layers
RNG = np.random.default_rng(9)
X = (RNG.random((4, 8, 8, 3)) * 255).astype("float32")
Y = np.eye(4, dtype="float32")


def test_mixup_mixes_images_labels_and_keeps_both_boxes():
    layer = L.MixUp(alpha=0.4, seed=2)
    t = layer.get_random_transformation(X)
    w, order = t["mix_weight"].reshape(-1, 1, 1, 1), t["permutation_order"]
    np.testing.assert_allclose(layer.transform_images(X, t).numpy(), w * X + (1 - w) * X[order], rtol=1e-6)
    np.testing.assert_allclose(layer.transform_labels(Y, t).numpy(), w[:, :, 0, 0] * Y + (1 - w[:, :, 0, 0]) * Y[order])
    out = L.MixUp(seed=5)({"images": X, "labels": Y})
    assert np.allclose(out["labels"].numpy().sum(axis=1), 1.0) and not np.allclose(out["labels"].numpy(), Y)
    boxes = {"boxes": RNG.random((4, 2, 4)).astype("float32"), "labels": np.ones((4, 2), "int32")}
    mixed = L.MixUp(seed=1, bounding_box_format="xyxy")({"images": X, "bounding_boxes": boxes})["bounding_boxes"]
    assert mixed["boxes"].shape == (4, 4, 4) and mixed["labels"].shape == (4, 4)
    np.testing.assert_array_equal(L.MixUp()(X, training=False).numpy(), X)


def test_cutmix_pastes_boxes_and_weights_labels_by_area():
    layer = L.CutMix(seed=4)
    t = layer.get_random_transformation(X)
    masks, order = t["batch_masks"], t["permutation_order"]
    np.testing.assert_array_equal(layer.transform_images(X, t).numpy(), np.where(masks, X[order], X))
    kept = 1.0 - masks[..., 0].mean(axis=(1, 2))                 # the fraction of each image kept
    assert np.abs(t["mix_weight"] - kept).max() < 0.35          # Keras weighs by the box's real-valued area
    lam = t["mix_weight"][:, None]
    np.testing.assert_allclose(layer.transform_labels(Y, t).numpy(), lam * Y + (1 - lam) * Y[order], rtol=1e-6)
    np.testing.assert_array_equal(L.CutMix()(X[0]).numpy(), X[0])             # a single image: unchanged


def test_random_erasing_fills_one_box_per_image():
    layer = L.RandomErasing(factor=(1.0, 1.0), scale=(0.1, 0.3), fill_value=7.0, seed=3)
    out = layer(X).numpy()
    changed = (out != X).any(axis=-1)
    assert (out[changed] == 7.0).all() and changed.any(axis=(1, 2)).all()
    rows, cols = changed.any(axis=2), changed.any(axis=1)
    assert (changed.sum(axis=(1, 2)) == rows.sum(axis=1) * cols.sum(axis=1)).all()   # a rectangle
    noise = L.RandomErasing(factor=(1.0, 1.0), value_range=(0, 1), seed=3)(X / 255).numpy()
    assert noise.min() >= 0 and noise.max() <= 1
    np.testing.assert_array_equal(L.RandomErasing(factor=(0.0, 0.0))(X).numpy(), X)


def test_equalization_and_clahe_values():
    x = np.array([0.0, 0.0, 10.0, 20.0], "float32").reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(L.Equalization()(x).numpy().ravel(), [0, 0, 128, 255])
    flat = np.full((1, 4, 4, 1), 9.0, "float32")
    np.testing.assert_array_equal(L.Equalization()(flat).numpy(), flat)
    np.testing.assert_array_equal(L.Equalization()(x, training=False).numpy(), x)
    ramp = np.arange(64, dtype="float32").reshape(1, 8, 8, 1) * 4                 # already flat histogram
    np.testing.assert_allclose(L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(1, 1), clip_limit=0)(
        ramp, training=False).numpy(), ramp * 255 / 252, rtol=1e-5)                 # stretched to 0..255
    dark = (RNG.random((1, 8, 8, 1)) * 40).astype("float32")
    spread = L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))(dark).numpy()
    assert spread.std() > dark.std()                                               # contrast goes up


@pytest.mark.parametrize("cls,kwargs", [
    (L.MixUp, dict(alpha=0.2)), (L.RandomErasing, dict(factor=(0.0, 0.0))), (L.Equalization, dict(bins=32)),
    (L.ContrastLimitedAdaptiveHistogramEqualization, dict(tile_grid_size=(2, 2))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_run_layer_test(cls, kwargs):
    x = X[:1] if cls is L.MixUp else X[:2]          # one image mixes with itself: the same output every call
    tk.testing.run_layer_test(cls, kwargs, input_data=x, expected_num_trainable_weights=0, check_gradients=False)


def test_bad_arguments():
    for make in (lambda: L.CutMix(2.0), lambda: L.RandomErasing(fill_value=(1, 2)), lambda: L.Equalization(bins=1),
                 lambda: L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2))):
        with pytest.raises(ValueError, match="CutMix|RandomErasing|Equalization"):
            make()


# -- against Keras 3 (optional) -------------------------------------------------

@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs", [("MixUp", {}), ("CutMix", {}), ("RandomErasing", {}),
                                         ("RandomErasing", dict(fill_value=3.0, value_range=(0, 100)))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_same_transformation_matches_keras(name, kwargs, data_format):
    check_same_transformation(name, dict(kwargs, data_format=data_format), X,
                              labels=None if name == "RandomErasing" else Y, atol=1e-6)


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs", [
    ("Equalization", {}), ("Equalization", dict(bins=16, value_range=(0, 1))),
    ("ContrastLimitedAdaptiveHistogramEqualization", dict(tile_grid_size=(2, 2), clip_limit=16.0)),  # limit 1
    ("ContrastLimitedAdaptiveHistogramEqualization", dict(tile_grid_size=(3, 2), clip_limit=0)),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_histogram_layers_match_keras(name, kwargs, data_format):
    keras = keras_or_skip()
    x = X / 255 if kwargs.get("value_range") == (0, 1) else np.round(X / 17) * 17
    x = np.ascontiguousarray(x if data_format == "channels_last" else x.transpose(0, 3, 1, 2))
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs, data_format=data_format)(x))
    got = getattr(L, name)(**kwargs, data_format=data_format)(x).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4 * float(x.max()))


def test_run_layer_test_cutmix():
    """CutMix on one image cuts from itself: the same output every call."""
    tk.testing.run_layer_test(L.CutMix, {}, input_data=X[:1], expected_output=X[:1],
                              expected_num_trainable_weights=0, check_gradients=False)
