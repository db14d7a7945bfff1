"""Pooling layers and the other spatial layers (``ZeroPadding``, ``Cropping``,
``UpSampling``, ``SpatialDropout``): shapes, values, configs, gradients,
masks, errors, and Keras 3 when it is installed."""
import itertools

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.testing import run_layer_test

from test_conv_ops import ref_pool

RNG = np.random.default_rng(2)
L = tk.layers


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("kind", ["Max", "Average"])
def test_pool_shapes_and_values_for_every_combination(rank, kind):
    cls = getattr(L, f"{kind}Pooling{rank}D")
    spatial = (7, 6, 5)[:rank]
    x = RNG.permutation(np.prod(spatial) * 2).reshape((1,) + spatial + (2,)).astype("float32")
    for pool, strides, padding in itertools.product((1, 2, 3), (None, 1, 2), ("valid", "same")):
        layer = cls(pool, strides, padding)
        s = pool if strides is None else strides
        expected = ref_pool(x, (pool,) * rank, (s,) * rank, padding, "max" if kind == "Max" else "mean")
        y = layer(x)
        assert y.shape == expected.shape == layer.compute_output_shape(x.shape)
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls,kwargs,shape,out", [
    (L.MaxPooling2D, {}, (2, 5, 6, 3), (2, 2, 3, 3)),
    (L.MaxPooling1D, dict(pool_size=3, strides=2, padding="same"), (2, 7, 3), (2, 4, 3)),
    (L.MaxPooling3D, dict(pool_size=2, padding="same"), (1, 3, 4, 5, 2), (1, 2, 2, 3, 2)),
    (L.AveragePooling2D, dict(pool_size=(3, 2), strides=(2, 1), padding="same"), (2, 5, 6, 3), (2, 3, 6, 3)),
    (L.AveragePooling1D, dict(pool_size=2), (2, 6, 3), (2, 3, 3)),
    (L.AveragePooling3D, dict(pool_size=2), (1, 4, 4, 2, 2), (1, 2, 2, 1, 2)),
    (L.MaxPooling2D, dict(data_format="channels_first"), (2, 3, 4, 6), (2, 3, 2, 3)),
    (L.GlobalAveragePooling1D, {}, (2, 5, 3), (2, 3)),
    (L.GlobalAveragePooling2D, dict(keepdims=True), (2, 4, 5, 3), (2, 1, 1, 3)),
    (L.GlobalAveragePooling3D, {}, (1, 2, 3, 4, 2), (1, 2)),
    (L.GlobalMaxPooling1D, dict(data_format="channels_first"), (2, 3, 5), (2, 3)),
    (L.GlobalMaxPooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (L.GlobalMaxPooling3D, dict(keepdims=True), (1, 2, 3, 4, 2), (1, 1, 1, 1, 2)),
    (L.ZeroPadding1D, dict(padding=(1, 2)), (2, 4, 3), (2, 7, 3)),
    (L.ZeroPadding2D, dict(padding=((1, 0), (2, 3))), (2, 4, 5, 3), (2, 5, 10, 3)),
    (L.ZeroPadding2D, dict(padding=1, data_format="channels_first"), (2, 3, 4, 5), (2, 3, 6, 7)),
    (L.ZeroPadding3D, dict(padding=(1, 0, 2)), (1, 2, 3, 4, 2), (1, 4, 3, 8, 2)),
    (L.Cropping1D, dict(cropping=(1, 2)), (2, 5, 3), (2, 2, 3)),
    (L.Cropping2D, dict(cropping=((1, 0), (2, 1))), (2, 4, 5, 3), (2, 3, 2, 3)),
    (L.Cropping3D, dict(cropping=1), (1, 4, 3, 4, 2), (1, 2, 1, 2, 2)),
    (L.UpSampling1D, dict(size=3), (2, 4, 3), (2, 12, 3)),
    (L.UpSampling2D, dict(size=(2, 3)), (2, 4, 5, 3), (2, 8, 15, 3)),
    (L.UpSampling2D, dict(interpolation="bilinear"), (2, 3, 4, 2), (2, 6, 8, 2)),
    (L.UpSampling3D, dict(size=2, data_format="channels_first"), (1, 2, 2, 3, 2), (1, 2, 4, 6, 4)),
])
def test_layer_contract(cls, kwargs, shape, out):
    x = RNG.permutation(int(np.prod(shape))).reshape(shape).astype("float32") / 7.0  # no ties
    run_layer_test(cls, kwargs, input_data=x, expected_output_shape=out, expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0)


def test_reshaping_values():
    x = np.arange(12, dtype="float32").reshape(1, 2, 3, 2)
    padded = L.ZeroPadding2D(((1, 0), (0, 1)))(x).numpy()
    np.testing.assert_array_equal(padded[0, 1:, :3], x[0])
    assert padded[0, 0].sum() == 0 and padded[0, :, 3].sum() == 0
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (1, 1)))(x).numpy(), x[:, 1:, 1:2])
    np.testing.assert_array_equal(L.UpSampling2D((2, 1))(x).numpy(), np.repeat(x, 2, axis=1))
    np.testing.assert_array_equal(L.UpSampling1D(2)(x[:, 0]).numpy(), np.repeat(x[:, 0], 2, axis=1))
    up = L.UpSampling2D(2, interpolation="bilinear")(np.array([[[[0.0], [4.0]]]], dtype="float32")).numpy()
    np.testing.assert_allclose(up[0, 0, :, 0], [0.0, 1.0, 3.0, 4.0])


def test_global_average_pooling_1d_respects_the_mask():
    x = np.array([[[1.0], [3.0], [100.0]]], dtype="float32")
    mask = tk.Tensor(np.array([[True, True, False]]))
    assert L.GlobalAveragePooling1D()(x, mask=mask).numpy().tolist() == [[2.0]]
    embedded = L.Embedding(5, 2, mask_zero=True)(np.array([[1, 2, 0, 0]]))
    pooled = L.GlobalAveragePooling1D()(embedded).numpy()
    np.testing.assert_allclose(pooled, embedded.numpy()[:, :2].mean(axis=1), rtol=1e-6)


@pytest.mark.parametrize("layer,shape,match", [
    (L.MaxPooling2D(3, name="wide_pool"), (1, 2, 2, 1), r"wide_pool.*\(1, 2, 2, 1\)"),
    (L.AveragePooling1D(2, name="avg"), (1, 4, 2, 2), r"avg.*ndim=3"),
    (L.Cropping2D(2, name="crop"), (1, 4, 5, 1), r"crop.*length 4"),
    (L.GlobalMaxPooling2D(name="gmp"), (2, 3), r"gmp.*ndim=4"),
])
def test_bad_inputs_name_the_layer(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(np.ones(shape, dtype="float32"))


@pytest.mark.parametrize("make", [lambda: L.MaxPooling2D(0), lambda: L.MaxPooling2D(2, padding="full"),
                                  lambda: L.ZeroPadding2D(((1, 2, 3), (0, 0))), lambda: L.Cropping1D((-1, 0)),
                                  lambda: L.UpSampling1D(2, interpolation="bilinear"),
                                  lambda: L.AveragePooling2D(2, data_format="NHWC")])
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize("cls,shape,axes", [(L.SpatialDropout1D, (4, 6, 5), (1,)),
                                            (L.SpatialDropout2D, (4, 3, 5, 6), (1, 2)),
                                            (L.SpatialDropout3D, (2, 3, 2, 2, 6), (1, 2, 3))])
def test_spatial_dropout_drops_whole_feature_maps(cls, shape, axes):
    x = np.ones(shape, dtype="float32")
    layer = cls(0.5, seed=3)
    np.testing.assert_array_equal(layer(x).numpy(), x)             # inference: identity
    y = layer(x, training=True).numpy()
    assert set(np.unique(y).tolist()) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    assert (y.min(axis=axes) == y.max(axis=axes)).all()              # constant over the spatial axes
    again = cls(0.5, seed=3)(x, training=True).numpy()
    np.testing.assert_array_equal(y, again)                          # the seed repeats the draw
    config = layer.get_config()
    assert cls.from_config(config).get_config() == config and "noise_shape" not in config


def test_spatial_dropout_2d_channels_first():
    y = L.SpatialDropout2D(0.5, data_format="channels_first", seed=0)(np.ones((3, 4, 5, 5), "float32"),
                                                                     training=True).numpy()
    assert (y.min(axis=(2, 3)) == y.max(axis=(2, 3))).all()


# -- against Keras 3 (optional) -------------------------------------------------

@pytest.fixture(scope="module")
def keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPooling2D", (), {}, (2, 7, 8, 3)), ("MaxPooling2D", (3, 2, "same"), {}, (2, 7, 8, 3)),
    ("AveragePooling2D", (2,), {}, (2, 7, 8, 3)), ("AveragePooling2D", (3, 2, "same"), {}, (2, 7, 9, 3)),
    ("MaxPooling1D", (3, 2, "same"), {}, (2, 7, 3)), ("AveragePooling3D", (2,), {}, (1, 4, 5, 6, 2)),
    ("MaxPooling2D", (2,), dict(data_format="channels_first"), (2, 3, 7, 8)),
    ("GlobalAveragePooling2D", (), dict(keepdims=True), (2, 4, 5, 3)),
    ("GlobalMaxPooling1D", (), {}, (2, 4, 3)), ("GlobalMaxPooling3D", (), {}, (1, 3, 4, 5, 2)),
    ("ZeroPadding2D", (((1, 0), (2, 3)),), {}, (2, 4, 5, 3)), ("ZeroPadding1D", ((1, 2),), {}, (2, 4, 3)),
    ("Cropping2D", (((1, 0), (2, 1)),), {}, (2, 4, 5, 3)), ("Cropping1D", ((1, 2),), {}, (2, 5, 3)),
    ("UpSampling2D", ((2, 3),), {}, (2, 4, 5, 3)), ("UpSampling2D", (2,), dict(interpolation="bilinear"), (2, 4, 5, 3)),
    ("UpSampling1D", (3,), {}, (2, 4, 3)), ("UpSampling3D", (2,), {}, (1, 2, 3, 2, 2)),
])
@pytest.mark.keras
def test_matches_keras(keras, name, args, kwargs, shape):
    x = RNG.standard_normal(shape).astype("float32")
    ours, theirs = getattr(L, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)
    np.testing.assert_allclose(ours(x).numpy(), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-5)
    assert set(theirs.get_config()) - set(ours.get_config()) <= {"dtype"}
