"""Discretization: bins, adapt() (Keras's quantile summaries, batch by
batch), output modes, run_layer_test, saving, and real Keras (its
Discretization runs on the torch backend; its adapt() needs TensorFlow, so
the Keras side is fed with update_state/finalize_state, which adapt() calls)."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.testing import run_layer_test

X = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]], "float32")
RNG = np.random.default_rng(5)
BIG = RNG.normal(size=(300, 3)).astype("float32")


def test_values_and_modes():
    layer = tk.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    out = layer(X)
    assert out.dtype == "int32"
    np.testing.assert_array_equal(out.numpy(), np.digitize(X, [0.0, 1.0, 2.0]))
    assert out.numpy().tolist() == [[0, 2, 3, 1], [1, 3, 2, 1]]           # Keras's docstring
    count = tk.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0], output_mode="count")(X)
    np.testing.assert_array_equal(count.numpy(), [[1, 1, 1, 1], [0, 2, 1, 1]])
    one_hot = tk.layers.Discretization(bin_boundaries=[0.5], output_mode="one_hot")(np.array([[0.1], [0.9]]))
    np.testing.assert_array_equal(one_hot.numpy(), [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        tk.layers.Discretization()
    with pytest.raises(ValueError, match="should not be set"):
        tk.layers.Discretization(num_bins=2, bin_boundaries=[0.0])
    with pytest.raises(ValueError, match="call `adapt"):
        tk.layers.Discretization(num_bins=3)(X)
    with pytest.raises(ValueError, match="initialized with `bin_boundaries`"):
        tk.layers.Discretization(bin_boundaries=[0.0]).adapt(X)


def test_adapt_quantiles():
    layer = tk.layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(X)
    assert layer.bin_boundaries == pytest.approx([0.0, 0.5, 1.3], rel=1e-6)
    big = tk.layers.Discretization(num_bins=4, epsilon=0.001)
    big.adapt(BIG)
    np.testing.assert_allclose(big.bin_boundaries, np.quantile(BIG, [0.25, 0.5, 0.75]), atol=0.02)
    batched = tk.layers.Discretization(num_bins=4, epsilon=0.001)
    batched.adapt(BIG[i:i + 100] for i in range(0, 300, 100))
    np.testing.assert_allclose(batched.bin_boundaries, big.bin_boundaries, atol=0.03)
    ids = big(BIG).numpy()
    assert abs(np.bincount(ids.ravel(), minlength=4) / ids.size - 0.25).max() < 0.02


@pytest.mark.parametrize("kwargs, shape", [({"bin_boundaries": [-0.5, 0.0, 0.5]}, (4, 3)),
                                           ({"bin_boundaries": [0.0], "output_mode": "multi_hot"}, (4, 2))])
def test_layer_test(kwargs, shape):
    run_layer_test(tk.layers.Discretization, kwargs, input_shape=(4, 3), expected_output_shape=shape,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   check_gradients=False, run_training_check=False)


def test_adapted_boundaries_are_saved(tmp_path):
    layer = tk.layers.Discretization(num_bins=3)
    layer.adapt(BIG)
    model = tk.Sequential([tk.Input((3,)), layer, tk.layers.CategoryEncoding(3, output_mode="count")])
    model.save(tmp_path / "m.keras")
    again = tk.models.load_model(tmp_path / "m.keras")
    assert again.layers[0].bin_boundaries == layer.bin_boundaries and again.layers[0].num_bins == 3
    np.testing.assert_array_equal(again.predict(BIG[:5], verbose=0), model.predict(BIG[:5], verbose=0))


@pytest.mark.keras
def test_matches_keras():
    keras = real_keras()
    for kwargs in ({"num_bins": 5, "epsilon": 0.01}, {"num_bins": 3, "epsilon": 0.1, "output_mode": "count"}):
        ours, theirs = tk.layers.Discretization(**kwargs), keras.layers.Discretization(**kwargs)
        theirs.reset_state()
        for i in range(0, 300, 120):          # batch by batch, as adapt() on a dataset
            theirs.update_state(BIG[i:i + 120])
        theirs.finalize_state()
        ours.adapt(BIG[i:i + 120] for i in range(0, 300, 120))
        np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
        np.testing.assert_array_equal(ours(BIG).numpy(), np.asarray(theirs(BIG).cpu()))
        assert ours.get_config() == {**theirs.get_config(), "name": ours.name}
