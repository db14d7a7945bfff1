"""Geometric augmentation layers on the shared base (RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomShear, RandomCrop): NumPy values,
masks that follow the images, dict and unbatched inputs, ``run_layer_test``,
and the same transformation fed to Keras's ``transform_images``."""
import numpy as np
import pytest

import tinykeras as tk
from augmentation_keras import check_same_transformation, to_keras
from keras_zoo import keras_or_skip

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


def test_bounding_boxes_move_with_the_images():
    boxes = {"boxes": np.array([[[1.0, 2.0, 3.0, 5.0]]] * 3, "float32"), "labels": np.ones((3, 1), "int32")}
    shift = {"translations": np.array([[2.0, 1.0]] * 3, "float32"), "input_shape": X.shape}
    layer = L.RandomTranslation(0.5, 0.5, bounding_box_format="xyxy")
    layer._image_size = (8, 7)
    moved = layer.transform_bounding_boxes(boxes, shift)
    np.testing.assert_array_equal(moved["boxes"].numpy(), [[[3.0, 3.0, 5.0, 6.0]]] * 3)      # right 2, down 1
    out = L.RandomCrop(4, 4, seed=0, bounding_box_format="xyxy")({"images": X, "bounding_boxes": boxes})
    top, left = L.RandomCrop(4, 4, seed=0).get_random_transformation(X)
    expected = np.clip(boxes["boxes"] - [left, top, left, top], 0, 4)
    np.testing.assert_allclose(out["bounding_boxes"]["boxes"].numpy(), expected, atol=1e-6)
    flipped = L.RandomFlip("horizontal", bounding_box_format="rel_xyxy")(
        {"images": X[0], "bounding_boxes": {"boxes": np.array([[0.1, 0.2, 0.3, 0.5]], "float32"),
                                            "labels": np.array([4])}})["bounding_boxes"]
    assert flipped["boxes"].shape == (1, 4) and flipped["labels"].numpy().tolist() == [4]
    assert np.allclose(flipped["boxes"].numpy(), [[0.1, 0.2, 0.3, 0.5]]) or \
        np.allclose(flipped["boxes"].numpy(), [[0.7, 0.2, 0.9, 0.5]])
    gone = {"translations": np.array([[20.0, 0.0]] * 3, "float32"), "input_shape": X.shape}
    assert (layer.transform_bounding_boxes(boxes, gone)["labels"].numpy() == -1).all()       # pushed out: -1
    for layer in (L.RandomPerspective(bounding_box_format="xyxy"), L.RandAugment(bounding_box_format="xyxy")):
        with pytest.raises(NotImplementedError, match="bounding boxes"):
            layer({"images": X, "bounding_boxes": boxes})


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


def test_perspective_and_elastic_replay_and_masks():
    masks = (RNG.random((3, 8, 7, 1)) > 0.5).astype("float32")
    images = np.concatenate([masks] * 3, axis=-1) * 200.0
    for layer in (L.RandomPerspective(scale=0.8, interpolation="nearest", seed=2),
                  L.RandomElasticTransform(scale=(1.0, 1.0), interpolation="nearest", seed=2)):
        t = layer.get_random_transformation(images)
        again = layer.transform_images(images, t).numpy()
        np.testing.assert_array_equal(again, layer.transform_images(images, t).numpy())   # replayable
        moved = layer.transform_segmentation_masks(masks, t).numpy()
        np.testing.assert_array_equal(again[..., :1] / 200.0, moved)                        # the same warp
        assert not np.array_equal(moved, masks)
    assert L.RandomElasticTransform(factor=(0.0, 0.0)).get_random_transformation(X) is None
    np.testing.assert_array_equal(L.RandomElasticTransform(factor=(0.0, 0.0))(X).numpy(), X)
    np.testing.assert_allclose(L.RandomPerspective(scale=0.0)(X).numpy(), X, atol=1e-4)


def test_max_num_bounding_boxes():
    boxes = {"boxes": RNG.random((3, 5, 4)).astype("float32"), "labels": np.arange(15).reshape(3, 5)}
    out = L.MaxNumBoundingBoxes(3, bounding_box_format="xyxy")({"images": X, "bounding_boxes": boxes})
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), boxes["boxes"][:, :3])
    np.testing.assert_array_equal(out["images"].numpy(), X)
    padded = L.MaxNumBoundingBoxes(7, fill_value=-2, bounding_box_format="xyxy")(
        {"images": X[0], "bounding_boxes": {k: v[0] for k, v in boxes.items()}}, training=False)["bounding_boxes"]
    assert padded["boxes"].shape == (7, 4) and (padded["boxes"].numpy()[5:] == -2).all()
    np.testing.assert_array_equal(padded["labels"].numpy(), [0, 1, 2, 3, 4, -2, -2])
    with pytest.raises(KeyError, match="unsupported keys"):
        L.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")(
            {"images": X, "bounding_boxes": dict(boxes, scores=np.ones((3, 5)))})


@pytest.mark.parametrize("cls,kwargs", [
    (L.RandomPerspective, dict(scale=0.0)), (L.RandomElasticTransform, dict(factor=(0.0, 0.0))),
    (L.MaxNumBoundingBoxes, dict(max_number=4)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_run_layer_test_of_the_warps(cls, kwargs):
    tk.testing.run_layer_test(cls, kwargs, input_data=X[:2], expected_num_trainable_weights=0, check_gradients=False,
                              rtol=1e-4, atol=1e-3)


@pytest.mark.keras
@pytest.mark.parametrize("kwargs", [dict(factor=0.8, scale=0.6),
                                    dict(scale=0.9, interpolation="nearest", fill_value=3.0,
                                         data_format="channels_first")])
def test_perspective_matches_keras(kwargs):
    check_same_transformation("RandomPerspective", kwargs, X, trials=3)


@pytest.mark.keras
def test_elastic_and_max_num_configs_match_keras():
    keras = keras_or_skip()
    for name, kwargs in (("RandomElasticTransform", dict(scale=0.5)), ("MaxNumBoundingBoxes", dict(max_number=3))):
        assert set(getattr(keras.layers, name)(**kwargs).get_config()) - set(
            getattr(L, name)(**kwargs).get_config()) <= {"dtype"}


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs,box_format", [
    ("RandomFlip", {}, "xyxy"), ("RandomFlip", dict(mode="vertical"), "rel_xyxy"),
    ("RandomTranslation", dict(height_factor=0.3, width_factor=0.3), "rel_xyxy"),
    ("RandomZoom", dict(height_factor=0.3), "xyxy"), ("RandomRotation", dict(factor=0.2), "xyxy"),
])
def test_bounding_boxes_match_keras(name, kwargs, box_format):
    keras = keras_or_skip()
    corners = np.sort(RNG.random((3, 2, 2, 2)) * [7, 8], axis=2)
    boxes = np.concatenate([corners[:, :, 0], corners[:, :, 1]], -1).astype("float32")
    boxes = boxes if box_format == "xyxy" else boxes / np.array([7, 8, 7, 8], "float32")
    ours = getattr(L, name)(**kwargs, bounding_box_format=box_format)
    theirs = getattr(keras.layers, name)(**kwargs, bounding_box_format=box_format)
    t = ours.get_random_transformation(X)
    ours._image_size = X.shape[1:3]
    got = ours.transform_bounding_boxes({"boxes": boxes, "labels": np.ones((3, 2), "int32")}, t)
    expected = theirs.transform_bounding_boxes({"boxes": keras.ops.convert_to_tensor(boxes),
                                                "labels": keras.ops.convert_to_tensor(np.ones((3, 2), "int32"))},
                                               to_keras(keras, t))
    np.testing.assert_allclose(got["boxes"].numpy(), keras.ops.convert_to_numpy(expected["boxes"]), atol=2e-6)
