"""CategoryEncoding: one-hot, multi-hot and (weighted) counts, shapes in
models, errors, and real Keras."""
import numpy as np
import pytest

import tinykeras as tk
from keras_compare import real_keras
from tinykeras.testing import run_layer_test

IDS = np.array([[0, 1, 1], [3, 2, 3]], dtype="int32")


@pytest.mark.parametrize("kwargs, data, shape", [
    ({"num_tokens": 4}, IDS, (2, 4)), ({"num_tokens": 5, "output_mode": "count"}, IDS, (2, 5)),
    ({"num_tokens": 4, "output_mode": "one_hot"}, IDS, (2, 3, 4)),
    ({"num_tokens": 4, "output_mode": "one_hot"}, IDS[:, :1], (2, 4)),
])
def test_layer_test(kwargs, data, shape):
    run_layer_test(tk.layers.CategoryEncoding, kwargs, input_data=data, expected_output_shape=shape,
                   expected_num_trainable_weights=0, expected_num_non_trainable_weights=0,
                   check_gradients=False, run_training_check=False)


def test_values():
    count = tk.layers.CategoryEncoding(4, output_mode="count")
    np.testing.assert_array_equal(count(IDS).numpy(), [[1, 2, 0, 0], [0, 0, 1, 2]])
    weighted = count(IDS, count_weights=np.array([[0.5, 1.0, 2.0], [1.0, 1.0, 0.25]]))
    np.testing.assert_allclose(weighted.numpy(), [[0.5, 3.0, 0, 0], [0, 0, 1.0, 1.25]])
    np.testing.assert_array_equal(tk.layers.CategoryEncoding(4)(np.array([1, 3])).numpy(), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"must be in the range 0 <= values < num_tokens"):
        count(np.array([[4]]))
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        tk.layers.CategoryEncoding(4)(IDS, count_weights=np.ones((2, 3)))
    with pytest.raises(ValueError, match="num_tokens must be set"):
        tk.layers.CategoryEncoding()


def test_in_a_model():
    model = tk.Sequential([tk.Input((3,), dtype="int32"), tk.layers.CategoryEncoding(4),
                           tk.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(IDS, np.ones((2, 1)), verbose=0)
    assert model.output_shape == (None, 1) and model.layers[1].kernel.shape == (4, 1)


@pytest.mark.keras
@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_matches_keras(mode):
    keras = real_keras()
    rng = np.random.default_rng(2)
    for data in (rng.integers(0, 6, (5, 4)), rng.integers(0, 6, (5, 1)), rng.integers(0, 6, (7,))):
        k = keras.layers.CategoryEncoding(6, output_mode=mode)
        t = tk.layers.CategoryEncoding(6, output_mode=mode)
        expected = keras.ops.convert_to_numpy(k(data))
        np.testing.assert_array_equal(t(data).numpy(), expected)
        assert t.compute_output_shape(data.shape) == k.compute_output_shape(data.shape)
    assert {k: v for k, v in t.get_config().items() if k not in ("name", "dtype")} == \
        {k: v for k, v in k.get_config().items() if k not in ("name", "dtype")}
