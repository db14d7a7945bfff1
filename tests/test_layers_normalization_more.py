"""GroupNormalization, UnitNormalization, RMSNormalization and
ActivityRegularization: the standard layer checks, hand-computed values,
saving, and real Keras (outputs, one training step, config)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.testing import run_layer_test

L = tk.layers
RNG = np.random.default_rng(5)


@pytest.mark.parametrize("cls, kwargs, shape, trainable", [
    (L.GroupNormalization, {"groups": 2}, (2, 4), 2),
    (L.GroupNormalization, {"groups": 3, "center": False}, (2, 3, 6), 1),
    (L.GroupNormalization, {"groups": -1, "axis": 1}, (2, 4, 3), 2),
    (L.GroupNormalization, {"groups": 2, "scale": False, "center": False}, (2, 2, 2, 4), 0),
    (L.UnitNormalization, {}, (3, 4), 0),
    (L.UnitNormalization, {"axis": [1, 2]}, (2, 3, 4), 0),
    (L.RMSNormalization, {}, (3, 4), 1),
    (L.RMSNormalization, {"axis": [1, 2], "epsilon": 1e-3}, (2, 3, 4), 1),
    (L.ActivityRegularization, {"l1": 0.1, "l2": 0.01}, (3, 4), 0),
])
def test_layer_test(cls, kwargs, shape, trainable):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=shape,
                   expected_num_trainable_weights=trainable, expected_num_non_trainable_weights=0,
                   expected_num_losses=1 if cls is L.ActivityRegularization else None)


def test_group_norm_by_hand():
    x = RNG.normal(2.0, 3.0, size=(2, 5, 6)).astype(np.float32)
    gn = L.GroupNormalization(groups=3, epsilon=1e-3)
    out = gn(x).numpy()
    g = x.reshape(2, 5, 3, 2).astype(np.float64)
    mean, var = g.mean(axis=(1, 3), keepdims=True), g.var(axis=(1, 3), keepdims=True)
    np.testing.assert_allclose(out, ((g - mean) / np.sqrt(var + 1e-3)).reshape(x.shape), atol=1e-5)
    assert [w.name for w in gn.weights] == ["gamma", "beta"] and gn.gamma.shape == (6,)


def test_unit_and_rms_by_hand():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_allclose(L.UnitNormalization()(x).numpy(),
                               x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-6)
    rms = L.RMSNormalization(epsilon=1e-6)
    np.testing.assert_allclose(rms(x).numpy(), x / np.sqrt((x ** 2).mean(1, keepdims=True) + 1e-6),
                               rtol=1e-5)
    assert [w.name for w in rms.weights] == ["scale"] and rms.axis == [-1]


def test_activity_regularization_adds_loss_in_fit():
    layer = L.ActivityRegularization(l1=0.5, l2=0.25)
    x = RNG.normal(size=(4, 3)).astype(np.float32)
    layer(x)
    expected = (0.5 * np.abs(x).sum() + 0.25 * (x ** 2).sum()) / 4
    assert float(layer.losses[0]) == pytest.approx(expected, rel=1e-5)
    model = tk.Sequential([tk.Input((3,)), L.Dense(2), L.ActivityRegularization(l2=100.0)])
    model.compile("sgd", "mse")
    plain = tk.Sequential([tk.Input((3,)), L.Dense(2)])
    plain.compile("sgd", "mse")
    plain.set_weights(model.get_weights())
    y = np.zeros((4, 2), np.float32)
    assert model.evaluate(x, y, verbose=0) > plain.evaluate(x, y, verbose=0) + 1.0
    assert "activity_regularizer" not in layer.get_config()


def test_errors():
    with pytest.raises(ValueError, match="invalid value for argument `groups`"):
        L.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="must be a multiple of the number of groups"):
        L.GroupNormalization(groups=4)(np.zeros((2, 6), np.float32))
    with pytest.raises(ValueError, match="cannot be more than the number of channels"):
        L.GroupNormalization()(np.zeros((2, 6), np.float32))
    with pytest.raises(TypeError, match="expected an int or a list/tuple"):
        L.UnitNormalization(axis="x")


def test_saved_and_loaded(tmp_path):
    model = tk.Sequential([tk.Input((4, 6)), L.GroupNormalization(groups=3), L.RMSNormalization(),
                           L.UnitNormalization(), L.ActivityRegularization(l1=0.01), L.Flatten(),
                           L.Dense(2)])
    for w in model.weights:
        w.assign(RNG.uniform(0.5, 1.5, size=w.shape).astype(np.float32))
    x = RNG.normal(size=(3, 4, 6)).astype(np.float32)
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = tk.models.load_model(path)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    printed = []
    model.summary(print_fn=printed.append)
    line = next(line for line in "\n".join(printed).splitlines() if "group_normalization" in line)
    assert "(None, 4, 6)" in line and line.split()[-2] == "12"
    assert "(GroupNormalization)" in "".join(printed) and "(RMSNormalization)" in "".join(printed)


# -- real Keras 3 (torch backend), when installed -------------------------------
CASES = [
    ("GroupNormalization", {"groups": 2}, (5, 3, 4)),
    ("GroupNormalization", {"groups": -1, "epsilon": 1e-2}, (5, 2, 3)),
    ("GroupNormalization", {"groups": 3, "axis": 1, "center": False}, (5, 6, 2)),
    ("UnitNormalization", {}, (5, 6)), ("UnitNormalization", {"axis": [1, 2]}, (5, 2, 3)),
    ("RMSNormalization", {}, (5, 6)), ("RMSNormalization", {"axis": [1, 2]}, (5, 2, 3)),
    ("ActivityRegularization", {"l1": 0.01, "l2": 0.02}, (5, 6)),
]


def _model(lib, name, kwargs, shape):
    layer = getattr(lib.layers, name)(**kwargs)
    model = lib.Sequential([lib.Input(shape[1:]), lib.layers.Dense(shape[-1]), layer,
                            lib.layers.Flatten(), lib.layers.Dense(2)])
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    return model, layer


@pytest.mark.keras
@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_keras(name, kwargs, shape):
    keras = real_keras()
    x = RNG.normal(1.0, 2.0, size=shape).astype(np.float32)
    y = RNG.normal(size=(shape[0], 2)).astype(np.float32)
    k_model, k_layer = _model(keras, name, kwargs, shape)
    t_model, t_layer = _model(tk, name, kwargs, shape)
    weights = [RNG.uniform(0.5, 1.5, size=w.shape).astype(np.float32) for w in k_model.get_weights()]
    k_model.set_weights(weights)
    t_model.set_weights(weights)
    np.testing.assert_allclose(t_model.predict(x, verbose=0), k_model.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)
    k_model.fit(x, y, batch_size=shape[0], epochs=1, shuffle=False, verbose=0)
    t_model.fit(x, y, batch_size=shape[0], epochs=1, shuffle=False, verbose=0)
    for t_w, k_w in zip(t_model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(t_w, k_w, rtol=1e-4, atol=1e-5)
    assert [w.name for w in t_layer.weights] == [w.name for w in k_layer.weights]
    k_config, t_config = k_layer.get_config(), t_layer.get_config()
    for key in set(k_config) - {"name", "dtype"}:
        assert t_config[key] == k_config[key], key
    assert set(k_config) == set(t_config)
