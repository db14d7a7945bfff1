"""Image preprocessing and augmentation layers: shapes, values, inference
vs training, seeds, configs, errors, and Keras 3 when it is installed."""
import json

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.ops import image_ops

RNG = np.random.default_rng(3)
L = tk.layers
IMAGES = (RNG.random((2, 7, 9, 3)) * 255).astype("float32")

RANDOM_LAYERS = [
    (L.RandomFlip, dict(mode="horizontal_and_vertical")),
    (L.RandomRotation, dict(factor=0.2)),
    (L.RandomZoom, dict(height_factor=0.3, width_factor=(-0.2, 0.1))),
    (L.RandomTranslation, dict(height_factor=0.2, width_factor=0.2, fill_mode="constant")),
    (L.RandomContrast, dict(factor=0.5)),
]


@pytest.mark.parametrize("cls,kwargs", RANDOM_LAYERS)
def test_random_layers_only_act_when_training_and_repeat_with_a_seed(cls, kwargs):
    layer, images = cls(seed=7, **kwargs), np.concatenate([IMAGES] * 4)     # 8 images: some change
    np.testing.assert_array_equal(cls(seed=7, **kwargs)(images).numpy(),       # called directly: trains, as Keras
                                  cls(seed=7, **kwargs)(images, training=True).numpy())
    np.testing.assert_array_equal(layer(images, training=False).numpy(), images)
    first = layer(images, training=True).numpy()
    assert first.shape == images.shape and first.dtype == np.float32
    assert not np.allclose(first, images)
    np.testing.assert_array_equal(cls(seed=7, **kwargs)(images, training=True).numpy(), first)
    assert not np.allclose(layer(images, training=True).numpy(), first)   # the generator moves on
    single = cls(seed=1, **kwargs)(IMAGES[0], training=True)                # unbatched images work too
    assert single.shape == IMAGES[0].shape
    config = json.loads(json.dumps(layer.get_config()))
    assert cls.from_config(config).get_config() == layer.get_config()


def test_random_layers_inside_fit_and_predict():
    model = tk.Sequential([tk.Input((7, 9, 3)), L.RandomFlip("horizontal", seed=0), L.RandomRotation(0.1, seed=0),
                           L.Flatten(), L.Dense(2)])
    x = np.stack([IMAGES[0]] * 4)
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, second)          # inference is deterministic
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((4, 2), "float32"), epochs=1, verbose=0)


def test_flip_values():
    x = np.arange(6, dtype="float32").reshape(1, 2, 3, 1)
    seen = set()
    for seed in range(12):
        y = L.RandomFlip(seed=seed)(x, training=True).numpy()
        for flip_v in (False, True):
            for flip_h in (False, True):
                candidate = x[:, ::-1] if flip_v else x
                candidate = candidate[:, :, ::-1] if flip_h else candidate
                if np.array_equal(y, candidate):
                    seen.add((flip_v, flip_h))
    assert seen == {(False, False), (True, True)}          # Keras 3 flips both axes together


def test_rotation_by_a_quarter_turn_is_exact():
    x = RNG.random((1, 5, 5, 2)).astype("float32")
    y = L.RandomRotation((0.25, 0.25), interpolation="nearest")(x, training=True).numpy()
    np.testing.assert_allclose(y[0], np.rot90(x[0]), atol=1e-6)             # counter-clockwise
    y = L.RandomRotation((0.25, 0.25))(x, training=True).numpy()
    np.testing.assert_allclose(y[0], np.rot90(x[0]), atol=1e-5)


def test_translation_and_zoom_values():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    shifted = L.RandomTranslation((0.25, 0.25), (-0.25, -0.25), fill_mode="constant", fill_value=-1.0,
                                  interpolation="nearest")(x, training=True).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(shifted[1:, :3], x[0, :3, 1:, 0])           # one row down, one column left
    assert (shifted[0] == -1).all() and (shifted[:, 3] == -1).all()
    zoomed = L.RandomZoom((-0.5, -0.5), interpolation="bilinear")(x, training=True).numpy()[0, :, :, 0]
    np.testing.assert_allclose(zoomed.mean(), x.mean(), atol=1e-5)           # zoom in about the center
    assert zoomed.max() < x.max() and zoomed.min() > x.min()


@pytest.mark.parametrize("mode,expected", [("reflect", [1, 0, 0, 1, 2, 3, 3, 2]), ("wrap", [2, 3, 0, 1, 2, 3, 0, 1]),
                                           ("nearest", [0, 0, 0, 1, 2, 3, 3, 3])])
def test_fill_modes(mode, expected):
    index, valid = image_ops._fill_index(np.arange(-2, 6), 4, mode)
    assert index.tolist() == expected and valid is None


def test_contrast_formula():
    layer = L.RandomContrast((0.0, 0.0))
    np.testing.assert_allclose(layer(IMAGES, training=True).numpy(), IMAGES, rtol=1e-5)
    layer = L.RandomContrast((-0.5, 0.5), value_range=(0, 255))   # a fixed factor of 1.5
    mean = IMAGES.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(layer(IMAGES, training=True).numpy(), np.clip((IMAGES - mean) * 1.5 + mean, 0, 255),
                               rtol=1e-4, atol=1e-3)
    assert L.RandomContrast(0.3).factor == (0.0, 0.3)                  # Keras 3's reading of one number


@pytest.mark.parametrize("size,interpolation", [((5, 7), "bilinear"), ((3, 2), "bilinear"), ((14, 18), "nearest"),
                                                ((7, 9), "bilinear")])
def test_resizing_shapes_and_gradients(size, interpolation):
    layer = L.Resizing(*size, interpolation=interpolation)
    y = layer(IMAGES)
    assert y.shape == (2,) + size + (3,) == layer.compute_output_shape(IMAGES.shape)
    if size == (7, 9):
        np.testing.assert_array_equal(y.numpy(), IMAGES)
    x = tk.Tensor(IMAGES[:1, :3, :4, :1].astype("float64"), requires_grad=True)
    tk.testing.check_gradients(lambda t: L.Resizing(*size, interpolation=interpolation, dtype="float64")(t),
                               [x])


def test_resizing_bilinear_values_and_aspect_ratio_options():
    x = np.array([0.0, 2.0], dtype="float32").reshape(1, 1, 2, 1)
    np.testing.assert_allclose(L.Resizing(1, 4)(x).numpy().ravel(), [0.0, 0.5, 1.5, 2.0])
    wide = np.ones((1, 4, 8, 1), dtype="float32")
    assert L.Resizing(2, 2, crop_to_aspect_ratio=True)(wide).shape == (1, 2, 2, 1)
    padded = L.Resizing(8, 8, pad_to_aspect_ratio=True, interpolation="nearest")(wide).numpy()
    assert padded[0, :2].sum() == 0 and padded[0, 2:6].min() == 1          # two zero rows on top
    assert L.Resizing(3, 4, data_format="channels_first")(np.ones((2, 3, 6, 8), "float32")).shape == (2, 3, 3, 4)


def test_center_crop():
    x = np.arange(2 * 6 * 7, dtype="float32").reshape(2, 6, 7, 1)
    np.testing.assert_array_equal(L.CenterCrop(2, 3)(x).numpy(), x[:, 2:4, 2:5])
    assert L.CenterCrop(8, 4)(x).shape == (2, 8, 4, 1)                     # too small: crop + resize
    assert L.CenterCrop(2, 3)(x[0]).shape == (2, 3, 1)


@pytest.mark.parametrize("make", [
    lambda: L.RandomFlip("diagonal"), lambda: L.RandomRotation(0.1, fill_mode="mirror"),
    lambda: L.RandomZoom(-1.5), lambda: L.RandomTranslation(1.5, 0.1), lambda: L.RandomContrast(1.5),
    lambda: L.Resizing(0, 3), lambda: L.Resizing(3, 3, interpolation="bicubic"),
])
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_bad_rank_names_the_layer():
    with pytest.raises(ValueError, match=r"resize_me.*\(4, 5\)"):
        L.Resizing(2, 2, name="resize_me")(np.ones((4, 5), "float32"))


# -- against Keras 3 (optional) -------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name,args,kwargs", [
    ("Resizing", (5, 7), {}), ("Resizing", (3, 2), {}), ("Resizing", (5, 7), dict(interpolation="nearest")),
    ("Resizing", (5, 7), dict(crop_to_aspect_ratio=True)), ("Resizing", (5, 7), dict(pad_to_aspect_ratio=True)),
    ("CenterCrop", (3, 4), {}), ("CenterCrop", (8, 4), {}),
    ("RandomRotation", ((0.1, 0.1),), dict(fill_mode="reflect")),
    ("RandomRotation", ((-0.3, -0.3),), dict(fill_mode="constant", fill_value=3.0)),
    ("RandomZoom", ((0.3, 0.3), (-0.2, -0.2)), dict(fill_mode="wrap")),
    ("RandomZoom", ((0.3, 0.3),), dict(fill_mode="nearest", interpolation="nearest")),
    ("RandomTranslation", ((0.2, 0.2), (-0.3, -0.3)), {}),
    ("RandomContrast", ((-0.5, 0.5),), {}),
])
@pytest.mark.keras
def test_matches_keras(keras, name, args, kwargs):
    ours, theirs = getattr(L, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)
    expected = keras.ops.convert_to_numpy(theirs(IMAGES, training=True))
    np.testing.assert_allclose(ours(IMAGES, training=True).numpy(), expected, rtol=1e-4, atol=2e-3)
    assert set(theirs.get_config()) - set(ours.get_config()) <= {"dtype", "bounding_box_format", "antialias"}
    assert ours.compute_output_shape(IMAGES.shape) == tuple(expected.shape)
