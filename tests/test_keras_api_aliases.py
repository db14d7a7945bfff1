"""Keras 3's small API: keras.preprocessing, ops.convert_to_numpy,
utils.to_categorical/normalize, the keras.backend helpers and the top-level
names (Loss, Metric, Optimizer, Initializer, Regularizer, Layer, Variable,
name_scope, version).  Each point runs as a short Keras-3-style program;
where Keras is installed, the same program runs with it and must agree.
"""
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("keras")


@pytest.fixture(params=["tinykeras", pytest.param("keras", marks=pytest.mark.keras)])
def keras(request):
    """Each test runs with tinykeras, then with real Keras 3 (if installed)."""
    return tk if request.param == "tinykeras" else _keras()


def numpy(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# -- keras.preprocessing ----------------------------------------------------------


def test_pad_sequences_program(keras):
    from tinykeras.preprocessing.sequence import pad_sequences  # the import path works too
    assert pad_sequences is tk.utils.pad_sequences
    seqs = [[1, 2, 3], [4, 5], [6], []]
    out = keras.preprocessing.sequence.pad_sequences(seqs, maxlen=2, padding="post", truncating="pre")
    assert out.tolist() == [[2, 3], [4, 5], [6, 0], [0, 0]] and out.dtype == np.int32
    floats = keras.preprocessing.sequence.pad_sequences([[0.5], [1.5, 2.5]], dtype="float32", value=-1.0)
    assert floats.tolist() == [[-1.0, 0.5], [1.5, 2.5]]


def test_image_files_program(keras, tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.RandomState(0)
    pixels = rng.randint(0, 256, (6, 10, 3)).astype("uint8")
    path = str(tmp_path / "photo.png")
    keras.preprocessing.image.save_img(path, pixels, scale=False)
    image = keras.preprocessing.image.load_img(path)
    array = keras.preprocessing.image.img_to_array(image)
    assert array.dtype == np.float32 and np.array_equal(array, pixels)
    grey = keras.utils.img_to_array(keras.utils.load_img(path, color_mode="grayscale"))
    assert grey.shape == (6, 10, 1)
    small = keras.utils.img_to_array(keras.utils.load_img(path, target_size=(3, 4), keep_aspect_ratio=True))
    first = keras.utils.img_to_array(keras.utils.load_img(path, target_size=(3, 5), interpolation="bilinear"))
    channels_first = keras.utils.img_to_array(image, data_format="channels_first")
    assert small.shape == (3, 4, 3) and channels_first.shape == (3, 6, 10)
    stretched = keras.utils.img_to_array(keras.utils.array_to_img(np.array([[[0.0], [0.5]], [[1.0], [0.25]]])))
    assert stretched[:, :, 0].tolist() == [[0.0, 127.0], [255.0, 63.0]]
    with pytest.raises(ValueError, match="color_mode"):
        keras.utils.load_img(path, color_mode="cmyk")
    # The same numbers in both libraries (PIL does the resampling).
    return_values = (array, grey, small, first)
    if keras is not tk:
        ours = [tk.utils.img_to_array(tk.utils.load_img(path, **kw)) for kw in
                ({}, {"color_mode": "grayscale"}, {"target_size": (3, 4), "keep_aspect_ratio": True},
                 {"target_size": (3, 5), "interpolation": "bilinear"})]
        for a, b in zip(ours, return_values):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("shape,size,dtype,interpolation,data_format", [
    ((2, 7, 5, 3), (4, 4), "float32", "bilinear", "channels_last"),
    ((9, 5, 3), (3, 6), "float32", "nearest", "channels_last"),
    ((9, 5, 3), (3, 6), "uint8", "bilinear", "channels_last"),
    ((2, 3, 9, 5), (4, 3), "float32", "bilinear", "channels_first"),
])
def test_smart_resize_matches_keras(shape, size, dtype, interpolation, data_format):
    rng = np.random.RandomState(1)
    x = (rng.rand(*shape) * 255).astype(dtype)
    ours = tk.preprocessing.image.smart_resize(x, size, interpolation, data_format)
    assert ours.dtype == x.dtype and isinstance(ours, np.ndarray)
    # A constant image stays constant, whatever the crop and sampling.
    flat = tk.preprocessing.image.smart_resize(np.full(shape, 7, dtype), size, interpolation, data_format)
    np.testing.assert_allclose(flat, 7)
    try:
        keras = _keras()
    except pytest.skip.Exception:
        return
    theirs = keras.preprocessing.image.smart_resize(x, size, interpolation, data_format)
    assert theirs.shape == ours.shape and theirs.dtype == ours.dtype
    # uint8: at an exact .5 the two float roundings may fall either side.
    np.testing.assert_allclose(ours.astype(float), theirs.astype(float), atol=1 if dtype == "uint8" else 1e-3)


def test_preprocessing_has_what_keras_3_kept():
    keras_names = {"image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
                   "timeseries_dataset_from_array"}
    assert set(tk.preprocessing.__all__) == keras_names
    assert set(tk.preprocessing.image.__all__) == {"array_to_img", "img_to_array", "load_img", "save_img",
                                                   "smart_resize"}
    with pytest.raises(AttributeError, match="text"):
        tk.preprocessing.text  # noqa: B018  (removed in Keras 3)


# -- ops.convert_to_numpy, utils.to_categorical / normalize ------------------------


def test_convert_to_numpy_program(keras):
    x = keras.ops.convert_to_tensor([[1.0, 2.0]])
    v = keras.Variable(np.ones((2,), "float32"))
    a = keras.ops.convert_to_numpy(x * 2)
    assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.tolist() == [[2.0, 4.0]]
    assert keras.ops.convert_to_numpy(v).tolist() == [1.0, 1.0]
    stacked = keras.ops.convert_to_numpy([keras.ops.ones((2,)), keras.ops.zeros((2,))])
    assert stacked.shape == (2, 2) and stacked.tolist() == [[1, 1], [0, 0]]
    assert keras.ops.convert_to_numpy([1, 2]).tolist() == [1, 2]
    with pytest.raises(ValueError, match="symbolic"):
        keras.ops.convert_to_numpy(keras.Input((3,)))


def test_to_categorical_and_normalize_program(keras):
    labels = np.array([[2], [0], [1], [2]])
    one_hot = keras.utils.to_categorical(labels, num_classes=4)
    assert one_hot.dtype == np.float64 and one_hot.shape == (4, 4)
    assert one_hot.argmax(-1).tolist() == [2, 0, 1, 2]
    assert keras.utils.to_categorical([0, 3]).shape == (2, 4)
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    np.testing.assert_allclose(keras.utils.normalize(x), [[0.6, 0.8], [0, 0], [0.5 ** 0.5, -(0.5 ** 0.5)]])
    np.testing.assert_allclose(keras.utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0], [0.5, -0.5]])
    assert keras.utils.normalize(np.array([[1, 1]])).dtype == np.float64
    assert keras.utils.normalize(np.ones((2, 2), "float32")).dtype == np.float32
    with pytest.raises(ValueError):  # Keras's corner: axis=0 expands the norm on the last axis
        keras.utils.normalize(np.ones((2, 3)), axis=0)
    tensor = keras.utils.normalize([[3.0, 4.0]])
    np.testing.assert_allclose(numpy(tensor), [[0.6, 0.8]], rtol=1e-6)


def test_to_categorical_of_a_tensor_is_a_tensor():
    out = tk.utils.to_categorical(tk.ops.convert_to_tensor([[1], [0]]))
    assert isinstance(out, tk.Tensor) and out.numpy().tolist() == [[0, 1], [1, 0]]


# -- keras.backend helpers -----------------------------------------------------------


DTYPES = [None, bool, int, float, "bool", "uint8", "uint16", "uint32", "int8", "int16", "int32",
          "int64", "float16", "bfloat16", "float32", "float64", "complex64", "string"]


def _outcome(fn, *args):
    try:
        return fn(*args)
    except ValueError:
        return ValueError


def test_result_type_and_dtype_helpers_match_keras():
    b = tk.backend
    assert b.result_type() == "float32" and b.result_type("int8", "uint8") == "int16"
    assert b.result_type("float16", int) == "float16" and b.result_type("float64") == "float32"
    assert b.standardize_dtype(np.float16) == "float16" and b.standardize_dtype(None) == "float32"
    with pytest.raises(ValueError, match="Invalid dtype"):
        b.standardize_dtype("float128")
    with pytest.raises(ValueError):
        b.result_type("string", "int8")
    keras = _keras()
    kb = keras.backend
    for x in DTYPES + [np.int8, np.dtype("float64"), "float"]:
        for name in ("standardize_dtype", "is_float_dtype", "is_int_dtype"):
            assert _outcome(getattr(b, name), x) == _outcome(getattr(kb, name), x), (name, x)
    for x in DTYPES:
        assert _outcome(b.result_type, x) == _outcome(kb.result_type, x), x
        for y in DTYPES:
            assert _outcome(b.result_type, x, y) == _outcome(kb.result_type, x, y), (x, y)
    assert b.result_type(int, "uint8", "int8") == kb.result_type(int, "uint8", "int8")


def test_names_get_uid_and_clear_session_program(keras):
    keras.backend.clear_session()
    names = [keras.layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    assert keras.backend.get_uid("dense") == 4  # shares the count with layer names
    assert keras.layers.Dense(1).name == "dense_4"
    assert [keras.backend.get_uid("thing") for _ in range(2)] == [1, 2]
    assert [keras.optimizers.Adam().name for _ in range(2)] == ["adam", "adam_1"]
    keras.utils.clear_session()
    assert keras.layers.Dense(1).name == "dense" and keras.backend.get_uid("thing") == 1


def test_backend_settings_and_is_keras_tensor(keras):
    assert (keras.backend.floatx(), keras.backend.epsilon(), keras.backend.image_data_format()) == (
        "float32", 1e-7, "channels_last")
    keras.backend.set_epsilon(1e-5)
    keras.backend.set_image_data_format("channels_first")
    try:
        assert keras.backend.epsilon() == 1e-5 and keras.backend.image_data_format() == "channels_first"
    finally:
        keras.backend.set_epsilon(1e-7)
        keras.backend.set_image_data_format("channels_last")
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2)(inputs)
    assert keras.backend.is_keras_tensor(inputs) and keras.utils.is_keras_tensor(outputs)
    assert not keras.backend.is_keras_tensor(keras.ops.ones((3,)))
    assert not keras.backend.is_keras_tensor(np.ones(3))


# -- top-level names -----------------------------------------------------------------


def test_top_level_classes_are_the_base_classes(keras):
    assert issubclass(keras.losses.MeanSquaredError, keras.Loss)
    assert issubclass(keras.metrics.Mean, keras.Metric)
    assert issubclass(keras.optimizers.SGD, keras.Optimizer)
    assert issubclass(keras.initializers.Zeros, keras.Initializer)
    assert issubclass(keras.regularizers.L2, keras.Regularizer)
    assert issubclass(keras.layers.Dense, keras.Layer)
    assert isinstance(keras.version(), str) and keras.version() == keras.__version__


def test_name_scope_program(keras):
    with keras.name_scope("encoder"):
        v = keras.Variable(np.zeros(2, "float32"), name="w")
        with keras.name_scope("block"):
            dense = keras.layers.Dense(2)
            dense.build((None, 3))
    assert v.path == "encoder/w" and v.name == "w"
    assert dense.kernel.path == f"encoder/block/{dense.name}/kernel"
    outside = keras.Variable(np.zeros(2, "float32"), name="u")
    assert outside.path == "u"
    with pytest.raises(ValueError, match="/"):
        keras.name_scope("a/b")


def custom_objects_program(keras):
    """A Keras-3-style program: a custom Loss, Metric, Initializer and Regularizer."""
    class HalfSquared(keras.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1) * 0.5

    class Ramp(keras.Initializer):
        def __call__(self, shape, dtype=None):
            return keras.ops.reshape(keras.ops.arange(int(np.prod(shape)), dtype="float32"), shape) * 0.1

    class L1(keras.Regularizer):
        def __call__(self, x):
            return 0.01 * keras.ops.sum(keras.ops.abs(x))

        def get_config(self):
            return {}

    class PredictionSum(keras.Metric):
        def __init__(self, name="prediction_sum", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total.assign(self.total + keras.ops.sum(y_pred))

        def result(self):
            return self.total

    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(2, kernel_initializer=Ramp(), kernel_regularizer=L1()),
                              keras.layers.Dense(1, kernel_initializer=Ramp())])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=HalfSquared(), metrics=[PredictionSum()])
    x = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    return history.history, [numpy(w) for w in model.get_weights()]


def test_custom_objects_program_matches_keras():
    history, weights = custom_objects_program(tk)
    assert history["loss"][-1] < history["loss"][0]
    assert set(history) == {"loss", "prediction_sum"}
    keras = _keras()
    theirs_history, theirs_weights = custom_objects_program(keras)
    for key in history:
        np.testing.assert_allclose(history[key], theirs_history[key], rtol=1e-4, atol=1e-5)
    for a, b in zip(weights, theirs_weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
