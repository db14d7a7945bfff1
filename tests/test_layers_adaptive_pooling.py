"""AdaptiveAverage/MaxPooling1D/2D/3D: the layer checks, the bins by hand,
and real Keras (outputs and one training step, both data formats)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.layers.pooling.adaptive import adaptive_bins
from tinykeras.testing import run_layer_test

L = tk.layers
RNG = np.random.default_rng(8)


@pytest.mark.parametrize("cls, kwargs, shape, out", [
    (L.AdaptiveAveragePooling1D, {"output_size": 3}, (2, 7, 2), (2, 3, 2)),
    (L.AdaptiveMaxPooling1D, {"output_size": 4}, (2, 6, 3), (2, 4, 3)),
    (L.AdaptiveAveragePooling2D, {"output_size": (2, 3)}, (2, 5, 7, 2), (2, 2, 3, 2)),
    (L.AdaptiveMaxPooling2D, {"output_size": 2, "data_format": "channels_first"}, (2, 3, 5, 4),
     (2, 3, 2, 2)),
    (L.AdaptiveAveragePooling3D, {"output_size": (2, 1, 2)}, (1, 3, 4, 5, 2), (1, 2, 1, 2, 2)),
    (L.AdaptiveMaxPooling3D, {"output_size": 2}, (1, 4, 3, 5, 1), (1, 2, 2, 2, 1)),
])
def test_layer_test(cls, kwargs, shape, out):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)


def test_bins_and_values_by_hand():
    assert adaptive_bins(7, 3) == [(0, 3), (2, 5), (4, 7)]
    assert adaptive_bins(4, 4) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    x = RNG.normal(size=(2, 5, 7, 3)).astype(np.float32)
    got = L.AdaptiveMaxPooling2D((2, 3))(x).numpy()
    for i, (h0, h1) in enumerate(adaptive_bins(5, 2)):
        for j, (w0, w1) in enumerate(adaptive_bins(7, 3)):
            np.testing.assert_allclose(got[:, i, j], x[:, h0:h1, w0:w1].max(axis=(1, 2)))
    with pytest.raises(TypeError, match=r"`output_size` must be an integer or \(height, width\)"):
        L.AdaptiveAveragePooling2D((1, 2, 3))


@pytest.mark.keras
@pytest.mark.parametrize("name, size, shape, data_format", [
    ("AdaptiveAveragePooling1D", 3, (4, 7, 2), "channels_last"),
    ("AdaptiveMaxPooling1D", 2, (4, 5, 3), "channels_first"),
    ("AdaptiveAveragePooling2D", (2, 3), (4, 5, 7, 2), "channels_last"),
    ("AdaptiveMaxPooling2D", (3, 2), (4, 2, 7, 5), "channels_first"),
    ("AdaptiveAveragePooling3D", 2, (2, 3, 5, 4, 2), "channels_last"),
    ("AdaptiveMaxPooling3D", (2, 3, 1), (2, 4, 5, 3, 2), "channels_last"),
])
def test_matches_keras(name, size, shape, data_format):
    keras = real_keras()
    x = RNG.normal(size=shape).astype(np.float32)
    y = RNG.normal(size=(shape[0], 1)).astype(np.float32)
    models = []
    for lib in (keras, tk):
        layer = getattr(lib.layers, name)(size, data_format=data_format)
        model = lib.Sequential([lib.Input(shape[1:]), layer, lib.layers.Flatten(), lib.layers.Dense(1)])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    np.testing.assert_allclose(models[1].layers[0](x).numpy(),
                               keras.ops.convert_to_numpy(models[0].layers[0](x)), rtol=1e-6, atol=1e-6)
    for model in models:
        model.fit(x, y, batch_size=shape[0], epochs=1, shuffle=False, verbose=0)
    for got, expected in zip(models[1].get_weights(), models[0].get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    k_config, t_config = models[0].layers[0].get_config(), models[1].layers[0].get_config()
    assert {k: v for k, v in t_config.items() if k not in ("name", "dtype")} == \
        {k: v for k, v in k_config.items() if k not in ("name", "dtype")}
