"""Convolution layers: output shapes for every padding/stride/dilation
combination Keras allows, Keras 3 weight layouts, config round trips,
values against a direct-loop reference, gradients (``run_layer_test``),
errors naming the layer, and Keras 3 with the same weights (optional)."""
import itertools
import json

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.testing import run_layer_test

from test_conv_ops import ref_conv, same_pads

RNG = np.random.default_rng(1)
LAYERS = tk.layers


def _length(n, k, s, d, padding):
    if padding in ("same", "causal"):
        return -(-n // s)
    return (n - (k - 1) * d - 1) // s + 1


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_conv_output_shapes_for_every_allowed_combination(rank):
    cls = {1: LAYERS.Conv1D, 2: LAYERS.Conv2D, 3: LAYERS.Conv3D}[rank]
    spatial = (7, 6, 5)[:rank]
    x = np.zeros((1,) + spatial + (2,), dtype="float32")
    paddings = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
    for k, s, d, padding in itertools.product((1, 2, 3), (1, 2, 3), (1, 2), paddings):
        if s > 1 and d > 1:
            with pytest.raises(ValueError, match="strides > 1"):
                cls(3, k, strides=s, dilation_rate=d)
            continue
        layer = cls(3, k, strides=s, padding=padding, dilation_rate=d)
        expected = (1,) + tuple(_length(n, k, s, d, padding) for n in spatial) + (3,)
        if min(expected[1:-1]) <= 0:
            with pytest.raises(ValueError, match=layer.name):
                layer(x)
            continue
        assert layer(x).shape == expected, (k, s, d, padding)
        assert layer.compute_output_shape(x.shape) == expected


@pytest.mark.parametrize("cls,kwargs,input_shape,weight_shapes,output_shape", [
    (LAYERS.Conv2D, dict(filters=4, kernel_size=3), (2, 5, 6, 3), [(3, 3, 3, 4), (4,)], (2, 3, 4, 4)),
    (LAYERS.Conv2D, dict(filters=4, kernel_size=(3, 1), groups=2, use_bias=False), (2, 5, 6, 6),
     [(3, 1, 3, 4)], (2, 3, 6, 4)),
    (LAYERS.Conv1D, dict(filters=2, kernel_size=2, strides=2, padding="same"), (2, 5, 3), [(2, 3, 2), (2,)],
     (2, 3, 2)),
    (LAYERS.Conv3D, dict(filters=2, kernel_size=2), (1, 3, 4, 3, 2), [(2, 2, 2, 2, 2), (2,)], (1, 2, 3, 2, 2)),
    (LAYERS.Conv2DTranspose, dict(filters=4, kernel_size=3, strides=2), (2, 3, 4, 2), [(3, 3, 4, 2), (4,)],
     (2, 7, 9, 4)),
    (LAYERS.Conv1DTranspose, dict(filters=3, kernel_size=3, strides=2, padding="same", output_padding=1),
     (2, 4, 2), [(3, 3, 2), (3,)], (2, 8, 3)),
    (LAYERS.Conv3DTranspose, dict(filters=2, kernel_size=2, strides=2), (1, 2, 2, 3, 2), [(2, 2, 2, 2, 2), (2,)],
     (1, 4, 4, 6, 2)),
    (LAYERS.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=2), (2, 5, 6, 3), [(3, 3, 3, 2), (6,)],
     (2, 3, 4, 6)),
    (LAYERS.DepthwiseConv1D, dict(kernel_size=3, padding="same"), (2, 5, 3), [(3, 3, 1), (3,)], (2, 5, 3)),
    (LAYERS.SeparableConv2D, dict(filters=4, kernel_size=3, depth_multiplier=2), (2, 5, 6, 3),
     [(3, 3, 3, 2), (1, 1, 6, 4), (4,)], (2, 3, 4, 4)),
    (LAYERS.SeparableConv1D, dict(filters=2, kernel_size=2, strides=2), (2, 5, 3), [(2, 3, 1), (1, 3, 2), (2,)],
     (2, 2, 2)),
])
def test_layer_contract(cls, kwargs, input_shape, weight_shapes, output_shape):
    layer = run_layer_test(cls, kwargs, input_shape=input_shape, expected_output_shape=output_shape,
                           expected_num_trainable_weights=len(weight_shapes),
                           expected_num_non_trainable_weights=0, rtol=1e-5, atol=1e-5)
    assert [tuple(w.shape) for w in layer.get_weights()] == weight_shapes


@pytest.mark.parametrize("padding,strides,dilation", [("valid", 1, 1), ("same", 2, 1), ("same", 1, 2)])
def test_conv2d_values_against_direct_loops(padding, strides, dilation):
    layer = LAYERS.Conv2D(3, (3, 2), strides=strides, padding=padding, dilation_rate=dilation,
                          activation="relu", bias_initializer="random_normal")
    x = RNG.standard_normal((2, 7, 6, 2)).astype("float32")
    y = layer(x).numpy()
    kernel, bias = layer.get_weights()
    pads = same_pads((7, 6), (3, 2), (strides,) * 2, (dilation,) * 2) if padding == "same" else [(0, 0)] * 2
    expected = np.maximum(ref_conv(x, kernel, (strides,) * 2, pads, (dilation,) * 2) + bias, 0)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_channels_first_matches_channels_last():
    x = RNG.standard_normal((2, 6, 5, 3)).astype("float32")
    last = LAYERS.Conv2D(4, 3, padding="same", strides=2)
    first = LAYERS.Conv2D(4, 3, padding="same", strides=2, data_format="channels_first")
    y_last = last(x).numpy()
    first(x.transpose(0, 3, 1, 2))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(), y_last.transpose(0, 3, 1, 2), rtol=1e-5)
    assert first.compute_output_shape((None, 3, 6, 5)) == (None, 4, 3, 3)


def test_causal_conv1d_does_not_look_ahead():
    layer = LAYERS.Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = RNG.standard_normal((1, 8, 1)).astype("float32")
    y = layer(x).numpy()
    x2 = x.copy()
    x2[0, 5:] += 10.0
    np.testing.assert_allclose(layer(x2).numpy()[0, :5], y[0, :5], rtol=1e-6)


def test_regularizers_constraints_and_initializers():
    layer = LAYERS.Conv2D(2, 3, kernel_regularizer="l2", bias_regularizer=tk.regularizers.L1(0.5),
                          kernel_initializer="ones", bias_initializer="ones", kernel_constraint="non_neg",
                          activity_regularizer="l1")
    x = np.ones((1, 4, 4, 1), dtype="float32")
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), 10.0)
    assert len(layer.losses) == 3
    config = json.loads(json.dumps(layer.get_config()))
    clone = LAYERS.Conv2D.from_config(config)
    assert clone.get_config() == layer.get_config()
    assert type(clone.kernel_constraint).__name__ == "NonNeg"


@pytest.mark.parametrize("make,match", [
    (lambda: LAYERS.Conv2D(4, 3, groups=3), "divisible by the number of groups"),
    (lambda: LAYERS.Conv2D(0, 3), "filters"),
    (lambda: LAYERS.Conv2D(2, 0), "kernel_size"),
    (lambda: LAYERS.Conv2D(2, 3, padding="causal"), "padding"),
    (lambda: LAYERS.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: LAYERS.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("layer,shape,match", [
    (LAYERS.Conv2D(2, 5, name="big_kernel"), (1, 3, 3, 1), r"big_kernel.*\(1, 3, 3, 1\)"),
    (LAYERS.Conv2D(4, 3, groups=2, name="grouped"), (1, 5, 5, 3), r"grouped.*3 channels.*\(1, 5, 5, 3\)"),
    (LAYERS.Conv2D(2, 3, name="rank_check"), (1, 5, 5), r"rank_check.*rank 4.*\(1, 5, 5\)"),
    (LAYERS.Conv1D(2, 4, strides=2, name="short"), (1, 2, 1), r"short.*\(1, 2, 1\)"),
    (LAYERS.SeparableConv2D(2, 4, name="sep"), (1, 3, 9, 2), r"sep.*negative"),
])
def test_bad_inputs_name_the_layer_and_shapes(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer(np.ones(shape, dtype="float32"))


def test_conv_in_a_model_trains_and_summary_names():
    model = tk.Sequential([tk.Input((6, 6, 1)), LAYERS.Conv2D(3, 3, activation="relu"),
                           LAYERS.MaxPooling2D(), LAYERS.Flatten(), LAYERS.Dense(2)])
    assert [type(layer).__name__ for layer in model.layers][:2] == ["Conv2D", "MaxPooling2D"]
    assert model.layers[0].name.startswith("conv2d")
    assert model.count_params() == 3 * 3 * 3 + 3 + 12 * 2 + 2
    x = RNG.standard_normal((8, 6, 6, 1)).astype("float32")
    model.compile(optimizer="adam", loss=tk.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, np.arange(8) % 2, epochs=3, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- against Keras 3 with the same weights (optional) ---------------------------

@pytest.fixture(scope="module")
def keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Conv2D", (4, 3), dict(strides=2, padding="same", activation="relu"), (2, 7, 8, 3)),
    ("Conv2D", (4, (3, 2)), dict(groups=2, dilation_rate=(2, 1)), (2, 7, 8, 4)),
    ("Conv1D", (3, 3), dict(padding="causal", dilation_rate=2), (2, 9, 2)),
    ("Conv3D", (2, 2), dict(strides=(1, 2, 2)), (1, 4, 5, 6, 2)),
    ("Conv2D", (4, 3), dict(data_format="channels_first", padding="same"), (2, 3, 7, 8)),
    ("Conv2DTranspose", (4, 3), dict(strides=2, padding="same"), (2, 5, 6, 3)),
    ("Conv2DTranspose", (4, 3), dict(strides=2, output_padding=1), (2, 5, 6, 3)),
    ("Conv1DTranspose", (2, 4), dict(strides=3), (2, 5, 3)),
    ("Conv3DTranspose", (2, 2), dict(strides=2, padding="same"), (1, 3, 3, 3, 2)),
    ("DepthwiseConv2D", (3,), dict(depth_multiplier=2, padding="same", strides=2), (2, 7, 8, 3)),
    ("DepthwiseConv1D", (3,), dict(depth_multiplier=2), (2, 7, 3)),
    ("SeparableConv2D", (5, 3), dict(depth_multiplier=2, padding="same"), (2, 7, 8, 3)),
    ("SeparableConv1D", (5, 3), dict(strides=2), (2, 7, 3)),
])
@pytest.mark.keras
def test_matches_keras_with_the_same_weights(keras, name, args, kwargs, shape):
    x = RNG.standard_normal(shape).astype("float32")
    ours, theirs = getattr(LAYERS, name)(*args, **kwargs), getattr(keras.layers, name)(*args, **kwargs)
    expected = keras.ops.convert_to_numpy(theirs(x))
    ours(x)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), expected, rtol=1e-4, atol=1e-4)
    assert set(theirs.get_config()) - set(ours.get_config()) <= {"dtype"}


@pytest.mark.parametrize("make", [lambda: tk.layers.Conv2D(2, 3), lambda: tk.layers.MaxPooling2D(),
                                  lambda: tk.layers.DepthwiseConv2D(3),
                                  lambda: tk.layers.Conv2DTranspose(2, 3, strides=2)])
def test_an_empty_batch_gives_an_empty_output(make):
    layer = make()
    full = layer(np.ones((1, 8, 8, 1), "float32"))
    empty = layer(np.zeros((0, 8, 8, 1), "float32"))
    assert empty.shape == (0,) + full.shape[1:]
