"""Initializers: constants, Keras's fan rules and variance scaling (checked
through sample statistics), seeding, get/serialize, and real Keras's spreads."""
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import initializers as I


def test_constants_and_identity():
    assert I.Zeros()((2, 3)).tolist() == [[0.0] * 3] * 2
    ones = I.Ones()((2,), dtype="int32")
    assert ones.dtype == np.int32 and ones.tolist() == [1, 1]
    assert I.Constant(2.5)((3,)).tolist() == [2.5] * 3
    assert I.Identity(gain=3.0)((2, 3)).tolist() == [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0]]
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))
    out = I.GlorotUniform(seed=1)((3, 4))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32 and out.shape == (3, 4)
    assert I.HeNormal(seed=1)((3, 4), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("shape,fans", [
    ((7,), (7, 7)), ((5, 3), (5, 3)), ((3, 16, 32), (48, 96)),      # Conv1D: k * in, k * out
    ((3, 3, 16, 32), (144, 288)), ((2, 2, 2, 4, 8), (32, 64)), ((), (1, 1)),
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


@pytest.mark.parametrize("init,shape,std,bound", [
    (I.GlorotUniform(seed=0), (300, 200), np.sqrt(2 / 500), np.sqrt(6 / 500)),
    (I.GlorotNormal(seed=0), (300, 200), np.sqrt(2 / 500), 2 * np.sqrt(2 / 500) / 0.8796),
    (I.HeNormal(seed=0), (400, 100), np.sqrt(2 / 400), 2 * np.sqrt(2 / 400) / 0.8796),
    (I.HeUniform(seed=0), (400, 100), np.sqrt(2 / 400), np.sqrt(6 / 400)),
    (I.LecunNormal(seed=0), (3, 3, 16, 64), np.sqrt(1 / 144), 2 * np.sqrt(1 / 144) / 0.8796),
    (I.LecunUniform(seed=0), (250, 100), np.sqrt(1 / 250), np.sqrt(3 / 250)),
    (I.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=0), (100, 400), np.sqrt(2 / 400), None),
    (I.RandomNormal(mean=1.0, stddev=0.5, seed=0), (200, 200), 0.5, None),
    (I.TruncatedNormal(stddev=0.5, seed=0), (200, 200), 0.5 * 0.8796, 1.0),
    (I.RandomUniform(-0.3, 0.3, seed=0), (200, 200), 0.3 / np.sqrt(3), 0.3),
])
def test_distributions(init, shape, std, bound):
    w = init(shape)
    assert w.shape == shape
    assert np.std(w) == pytest.approx(std, rel=0.03)
    if bound is not None:
        assert np.abs(w - np.mean(w) * (std == 0.5)).max() <= bound + 1e-6


def test_orthogonal():
    for shape in ((6, 4), (4, 6), (3, 3, 8)):
        q = I.Orthogonal(gain=2.0, seed=0)(shape).reshape(-1, shape[-1])
        small = min(q.shape)
        gram = q.T @ q if q.shape[0] >= q.shape[1] else q @ q.T
        np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)
    with pytest.raises(ValueError):
        I.Orthogonal()((3,))


def test_seeding():
    a, b = I.GlorotUniform(seed=7), I.GlorotUniform(seed=7)
    np.testing.assert_array_equal(a((3, 3)), b((3, 3)))
    np.testing.assert_array_equal(a((3, 3)), a((3, 3)))  # seeded: same values every call
    unseeded = I.RandomNormal()
    assert not np.array_equal(unseeded((4,)), unseeded((4,)))
    I.reseed(123)
    first = I.RandomNormal()((5,))
    I.reseed(123)
    np.testing.assert_array_equal(first, I.RandomNormal()((5,)))
    from tinykeras.utils import numerical_utils
    numerical_utils.set_random_seed(5)
    again = I.HeNormal()((5,))
    numerical_utils.set_random_seed(5)
    np.testing.assert_array_equal(again, I.HeNormal()((5,)))
    with pytest.raises(ValueError):
        I.RandomNormal(seed="x")


def test_get_names_aliases_and_errors():
    for name, cls in [("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
                      ("he_normal", I.HeNormal), ("normal", I.RandomNormal), ("uniform", I.RandomUniform),
                      ("one", I.Ones), ("zero", I.Zeros), ("zeros", I.Zeros), ("orthogonal", I.Orthogonal),
                      ("truncated_normal", I.TruncatedNormal), ("identity", I.Identity),
                      ("variance_scaling", I.VarianceScaling), ("lecun_uniform", I.LecunUniform)]:
        assert type(I.get(name)) is cls, name
    assert I.get(None) is None
    inst = I.Constant(3.0)
    assert I.get(inst) is inst and isinstance(I.get(I.Ones), I.Ones)
    fn = lambda shape, dtype=None: np.full(shape, 7.0, dtype)  # noqa: E731
    assert I.get(fn) is fn
    assert I.get({"class_name": "RandomUniform", "config": {"minval": 1.0, "maxval": 2.0}}).minval == 1.0
    np.testing.assert_array_equal(I.get(np.arange(3.0))((3,)), [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="Valid names:.*glorot_uniform"):
        I.get("glorot_unifrom")
    with pytest.raises(ValueError):
        I.VarianceScaling(mode="fan_sideways")


def test_config_round_trip():
    for init in (I.VarianceScaling(0.5, "fan_avg", "uniform", seed=3), I.GlorotNormal(seed=2),
                 I.RandomNormal(0.1, 0.2, seed=1), I.Constant(4.0), I.Orthogonal(gain=0.5),
                 I.Identity(2.0), I.Zeros()):
        config = I.serialize(init)
        assert config["module"] == "keras.initializers" and config["class_name"] == type(init).__name__
        again = I.deserialize(config)
        assert type(again) is type(init) and again.get_config() == init.get_config()
    assert I.GlorotUniform().get_config() == {"seed": None, "input_axes": None, "output_axes": None}
    np.testing.assert_array_equal(I.HeUniform(seed=4).clone()((2, 2)), I.HeUniform(seed=4)((2, 2)))


def test_variable_from_initializer():
    v = tk.Variable(I.get("ones"), shape=(2, 2))
    assert v.numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.keras
@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
                                  "lecun_normal", "lecun_uniform", "random_normal", "random_uniform",
                                  "truncated_normal", "orthogonal"])
def test_same_spread_as_keras(name):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keras = pytest.importorskip("keras")
    for shape in ((64, 48), (3, 3, 8, 16)):
        expected = keras.ops.convert_to_numpy(keras.initializers.get(name)(shape))
        got = I.get(name)(shape)
        assert got.shape == expected.shape and got.dtype == expected.dtype
        assert np.std(got) == pytest.approx(np.std(expected), rel=0.08)
        if name not in ("random_normal", "orthogonal"):  # bounded: same support as Keras
            assert np.abs(got).max() <= np.abs(expected).max() * 1.25 + 1e-6
        assert I.get(name).get_config() == keras.initializers.get(name).get_config()
