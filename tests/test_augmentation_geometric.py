"""Geometric augmentation layers on the shared base (RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomShear, RandomCrop): NumPy values,
masks that follow the images, dict and unbatched inputs, ``run_layer_test``,
and the same transformation fed to Keras's ``transform_images``."""
import numpy as np
import pytest

import tinykeras as tk
from augmentation_keras import check_same_transformation

L = tk.layers
RNG = np.random.default_rng(8)
X = (RNG.random((3, 8, 7, 3)) * 255).astype("float32")


def test_shear_values():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    layer = L.RandomShear(x_factor=(0.0, 0.0), y_factor=(0.0, 0.0))
    np.testing.assert_array_equal(layer(x).numpy(), x)
    given = {"shear_factor": np.array([[1.0, 0.0]], "float32")}              # out(x, y) = in(x + y, y)
    out = L.RandomShear(fill_mode="constant", fill_value=-1.0, interpolation="nearest").transform_images(x, given)
    expected = np.array([[x[0, r, c + r, 0] if c + r < 4 else -1 for c in range(4)] for r in range(4)])
    np.testing.assert_array_equal(out.numpy()[0, :, :, 0], expected)
    draws = L.RandomShear(x_factor=0.3, y_factor=(0.1, 0.2), seed=1).get_random_transformation(
        np.repeat(X, 20, 0))["shear_factor"]
    assert draws.shape == (60, 2) and np.abs(draws[:, 0]).max() <= 0.3
    assert ((np.abs(draws[:, 1]) >= 0.1) & (np.abs(draws[:, 1]) <= 0.2)).all()
    assert (np.sign(draws[:, 1]) < 0).any() and (np.sign(draws[:, 1]) > 0).any()   # the sign is random


def test_crop_training_and_inference():
    x = np.arange(2 * 6 * 5, dtype="float32").reshape(2, 6, 5, 1)
    crops = {tuple(L.RandomCrop(3, 2, seed=s)(x).numpy()[0, 0, :, 0]) for s in range(12)}
    windows = {tuple(x[0, r, c:c + 2, 0]) for r in range(4) for c in range(4)}
    assert len(crops) > 1 and crops <= windows
    out = L.RandomCrop(3, 2, seed=3)(x).numpy()
    top, left = L.RandomCrop(3, 2, seed=3).get_random_transformation(x)
    np.testing.assert_array_equal(out, x[:, top:top + 3, left:left + 2])      # one window for the batch
    np.testing.assert_array_equal(L.RandomCrop(2, 5)(x, training=False).numpy(), x[:, 2:4])   # the centre
    np.testing.assert_allclose(L.RandomCrop(4, 2)(x, training=False).numpy(),   # the centre 6x3, resized
                               tk.ops.image.resize(x[:, :, 1:4], (4, 2)).numpy(), rtol=1e-6)
    assert L.RandomCrop(8, 4)(x).shape == (2, 8, 4, 1)                       # too small: crop + resize
    model = tk.Sequential([tk.Input((6, 5, 1)), L.RandomCrop(4, 4)])
    assert model.output_shape == (None, 4, 4, 1) and model.predict(x, verbose=0).shape == (2, 4, 4, 1)
    assert L.RandomCrop(4, 4, data_format="channels_first")(np.ones((2, 1, 6, 5), "float32")).shape == (2, 1, 4, 4)


@pytest.mark.parametrize("layer", [
    L.RandomFlip(seed=1), L.RandomRotation(0.3, seed=1), L.RandomZoom(0.3, seed=1),
    L.RandomTranslation(0.3, 0.3, seed=1), L.RandomShear(0.4, 0.4, seed=1), L.RandomCrop(5, 4, seed=1),
], ids=lambda layer: type(layer).__name__)
def test_masks_follow_images(layer):
    masks = (RNG.random((3, 8, 7, 1)) > 0.5).astype("float32")
    images = np.concatenate([masks] * 3, axis=-1) * 200.0
    out = layer({"images": images, "segmentation_masks": masks, "labels": np.arange(3.0)})
    moved = out["segmentation_masks"].numpy()
    assert set(np.unique(moved)) <= {0.0, 1.0}                                 # nearest sampling
    t = layer.get_random_transformation(images)
    assert t is not None
    single = layer({"images": images[0], "segmentation_masks": masks[0]})   # a single image and mask
    assert single["images"].shape[-1] == 3 and single["segmentation_masks"].shape[-1] == 1
    np.testing.assert_array_equal(out["labels"].numpy(), np.arange(3.0))
    np.testing.assert_array_equal(layer(images, training=False).numpy(),
                                  images if not isinstance(layer, L.RandomCrop) else layer(images, training=False))


@pytest.mark.parametrize("cls,kwargs", [
    (L.RandomShear, dict(x_factor=(0.0, 0.0), fill_mode="constant")),        # the sign is random: no shear
    (L.RandomCrop, dict(height=5, width=4)),
    (L.RandomRotation, dict(factor=(0.1, 0.1))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_run_layer_test(cls, kwargs):
    x = X[:2] if cls is not L.RandomCrop else X[:2, :5, :4]                     # a crop of the full size: fixed
    tk.testing.run_layer_test(cls, kwargs, input_data=x, expected_num_trainable_weights=0, check_gradients=False)


def test_bounding_boxes_are_refused_clearly_by_geometric_layers():
    boxes = {"boxes": np.array([[[1.0, 1.0, 4.0, 4.0]]] * 3, "float32"), "labels": np.zeros((3, 1), "int32")}
    with pytest.raises(NotImplementedError, match="RandomShear.*bounding boxes"):
        L.RandomShear(0.2, bounding_box_format="xyxy")({"images": X, "bounding_boxes": boxes})
    out = L.RandomShear(0.2, bounding_box_format="xyxy")({"images": X, "bounding_boxes": boxes}, training=False)
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), boxes["boxes"])


@pytest.mark.parametrize("make", [
    lambda: L.RandomShear(1.5), lambda: L.RandomShear(0.1, interpolation="bicubic"),
    lambda: L.RandomCrop(0, 3), lambda: L.RandomCrop(2.5, 3), lambda: L.RandomFlip("diagonal"),
    lambda: L.RandomTranslation(0.1, 1.5), lambda: L.RandomZoom(0.1, fill_mode="mirror"),
])
def test_bad_arguments(make):
    with pytest.raises(ValueError, match="Random"):
        make()


# -- against Keras 3 (optional) -------------------------------------------------

@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs", [
    ("RandomFlip", {}), ("RandomFlip", dict(mode="vertical")), ("RandomRotation", dict(factor=0.3)),
    ("RandomRotation", dict(factor=0.3, fill_mode="constant", fill_value=2.0, interpolation="nearest")),
    ("RandomZoom", dict(height_factor=0.3, width_factor=(-0.5, 0.2), fill_mode="wrap")),
    ("RandomTranslation", dict(height_factor=0.3, width_factor=0.2, fill_mode="nearest")),
    ("RandomShear", dict(x_factor=0.5, y_factor=0.3)), ("RandomShear", dict(y_factor=0.9, fill_mode="wrap")),
    ("RandomCrop", dict(height=4, width=5)), ("RandomCrop", dict(height=10, width=4)),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_same_transformation_matches_keras(name, kwargs, data_format):
    check_same_transformation(name, dict(kwargs, data_format=data_format), X)
