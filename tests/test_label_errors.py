"""Wrong labels for a loss or metric: an error that names the loss, both
shapes and the likely fix, raised by ``losses/labels.py`` before any
arithmetic (issue 13)."""
import functools
import traceback

import numpy as np
import pytest

import tinykeras as keras
from tinykeras import losses, metrics

rng = np.random.default_rng(0)
X = rng.random((32, 4)).astype("float32")
IDS = rng.integers(0, 3, 32)
ONE_HOT = np.eye(3, dtype="float32")[IDS]
PROBS = np.full((32, 3), 1 / 3, dtype="float32")


def _fit(loss, y, units=3, activation="softmax", metrics_=None):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation)])
    model.compile("adam", loss, metrics=metrics_)
    model.fit(X, y, epochs=1, verbose=0)


def _raised_by_label_check(excinfo):
    return traceback.extract_tb(excinfo.tb)[-1].filename.endswith("labels.py")


def test_sparse_crossentropy_given_one_hot_labels_says_they_look_one_hot():
    with pytest.raises(ValueError) as e:
        _fit("sparse_categorical_crossentropy", ONE_HOT)
    msg = str(e.value)
    assert msg.startswith("sparse_categorical_crossentropy: labels of shape (32, 3) look one-hot")
    assert "predictions (32, 3)" in msg and "class ids of shape (32,)" in msg
    assert "Use categorical_crossentropy" in msg and "np.argmax" in msg
    assert _raised_by_label_check(e)


def test_binary_crossentropy_on_a_softmax_output_suggests_the_categorical_losses():
    with pytest.raises(ValueError) as e:
        _fit("binary_crossentropy", IDS)
    msg = str(e.value)
    assert msg.startswith("binary_crossentropy: labels of shape (32,) do not fit predictions of "
                          "shape (32, 3)")
    assert "sparse_categorical_crossentropy" in msg and "categorical_crossentropy" in msg
    assert "Dense(1, activation='sigmoid')" in msg
    assert _raised_by_label_check(e)


def test_categorical_crossentropy_given_class_ids_suggests_sparse_or_to_categorical():
    with pytest.raises(ValueError, match=r"categorical_crossentropy: labels of shape \(32,\) do not "
                       r"fit predictions of shape \(32, 3\).*sparse_categorical_crossentropy.*"
                       r"to_categorical\(y, 3\)"):
        _fit(keras.losses.CategoricalCrossentropy(), IDS)


def test_regression_loss_with_too_many_output_units_names_both_widths():
    with pytest.raises(ValueError, match=r"mean_squared_error: labels of shape \(32, 2\) do not fit "
                       r"predictions of shape \(32, 3\).*last layer gives 3 values per sample but "
                       r"the labels have 2"):
        _fit("mse", np.zeros((32, 2), "float32"), activation=None)


def test_batch_size_mismatch_is_named():
    with pytest.raises(ValueError, match=r"labels of shape \(5,\) do not fit predictions of shape "
                       r"\(4, 3\).*5 labels for 4 predictions"):
        losses.sparse_categorical_crossentropy(np.zeros(5), np.full((4, 3), 1 / 3))


def test_string_labels_are_a_type_error_naming_the_loss():
    with pytest.raises(TypeError, match=r"sparse_categorical_crossentropy: labels must be numbers, "
                       r"got dtype <U3.*StringLookup"):
        losses.SparseCategoricalCrossentropy()(np.array(["cat", "dog"]), np.full((2, 2), 0.5))


def test_sparse_class_ids_out_of_range_and_fractional():
    with pytest.raises(ValueError, match=r"class ids must be between 0 and 2 \(the predictions have "
                       r"3 classes\), got values from 0 to 5. Give the last layer 6 units"):
        _fit("sparse_categorical_crossentropy", np.arange(32) % 6)
    with pytest.raises(ValueError, match=r"labels must be integer class ids, got 0.5"):
        losses.sparse_categorical_crossentropy([0.5, 1.0], np.full((2, 3), 1 / 3))
    # ignore_class entries are not class ids and are allowed
    out = losses.sparse_categorical_crossentropy([-1, 1], np.full((2, 3), 1 / 3), ignore_class=-1)
    assert np.allclose(out.numpy(), [0.0, np.log(3.0)], atol=1e-6)


def test_binary_crossentropy_labels_outside_0_1_point_to_class_ids():
    with pytest.raises(ValueError, match=r"binary_crossentropy: labels must be between 0 and 1, got "
                       r"values from 0 to 2.*sparse_categorical_crossentropy"):
        _fit("binary_crossentropy", (np.arange(32) % 3).reshape(32, 1), units=1, activation="sigmoid")


def test_accuracy_metric_given_one_hot_for_sparse_is_named():
    m = metrics.SparseCategoricalAccuracy()
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: labels of shape \(32, 3\) "
                       r"look one-hot.*Use categorical_accuracy"):
        m.update_state(ONE_HOT, PROBS)


def test_a_renamed_metric_shows_both_names():
    m = metrics.resolve("accuracy", ONE_HOT, PROBS)        # CategoricalAccuracy named "accuracy"
    with pytest.raises(ValueError, match=r"^accuracy \(categorical_accuracy\): labels of shape "
                       r"\(32,\)"):
        m.update_state(IDS, PROBS)


def test_correct_labels_still_pass_through_unchanged():
    assert np.isclose(losses.SparseCategoricalCrossentropy()(IDS, PROBS).item(), np.log(3), atol=1e-6)
    assert np.isclose(losses.CategoricalCrossentropy()(ONE_HOT, PROBS).item(), np.log(3), atol=1e-6)
    assert losses.MeanSquaredError()(np.ones((4, 1)), np.ones(4)).item() == 0.0   # trailing 1
    assert np.isclose(losses.BinaryCrossentropy()(np.ones(1), np.full((1, 1), 0.5)).item(), np.log(2))  # batch of 1


LOSS_FUNCTIONS = [f for f in losses.ALL_OBJECTS if callable(f) and not isinstance(f, type)]
METRICS = [c for c in metrics.ALL_OBJECTS if isinstance(c, type) and c.__name__ not in
           ("Metric", "Mean", "Sum", "MeanMetricWrapper")]
# The arguments that metrics without defaults need.
REQUIRED = {"IoU": {"num_classes": 3, "target_class_ids": [0]}, "MeanIoU": {"num_classes": 3},
            "OneHotIoU": {"num_classes": 3, "target_class_ids": [0]},
            "OneHotMeanIoU": {"num_classes": 3}, "PrecisionAtRecall": {"recall": 0.5},
            "RecallAtPrecision": {"precision": 0.5}, "SensitivityAtSpecificity": {"specificity": 0.5},
            "SpecificityAtSensitivity": {"sensitivity": 0.5}}


@pytest.mark.parametrize("fn", LOSS_FUNCTIONS, ids=lambda f: f.__name__)
def test_every_loss_function_and_class_names_itself_on_wrong_label_shape(fn):
    y_pred = np.full((4, 3), 1 / 3, "float32")
    extra = {"q": 0.5} if fn.__name__ == "categorical_generalized_cross_entropy" else {}  # (required)
    for loss, name in ((functools.partial(fn, **extra), fn.__name__),
                       (losses.LossFunctionWrapper(fn, **extra), fn.__name__)):
        with pytest.raises(ValueError, match=rf"^{name}: labels of shape \(4, 5\) do not fit "
                           r"predictions of shape \(4, 3\)") as e:
            loss(np.zeros((4, 5), "float32"), y_pred)
        assert _raised_by_label_check(e)
        with pytest.raises(TypeError, match=rf"^{name}: labels must be numbers"):
            loss(np.array([["a"] * 3] * 4), y_pred)


LOSS_CLASSES = [c for c in losses.ALL_OBJECTS if isinstance(c, type) and c.__name__ not in
                ("Loss", "LossFunctionWrapper")]


def _names_itself_on_wrong_label_shape_and_dtype(name, call):
    """``call(y_true, y_pred)`` with labels of the wrong shape, then of strings."""
    y_pred = np.full((4, 3), 0.25, "float32")
    with pytest.raises(ValueError, match=rf"^{name}\b.*labels of shape \(4, 5\) do not fit "
                       r"predictions of shape \(4, 3\)") as e:
        call(np.zeros((4, 5), "float32"), y_pred)
    assert _raised_by_label_check(e)
    with pytest.raises(TypeError, match=rf"^{name}\b.*labels must be numbers, got dtype <U1"):
        call(np.array([["a"] * 3] * 4), y_pred)


@pytest.mark.parametrize("cls", LOSS_CLASSES, ids=lambda c: c.__name__)
def test_every_loss_class_names_itself_on_wrong_label_shape_and_dtype(cls):
    loss = cls()
    _names_itself_on_wrong_label_shape_and_dtype(loss.name, loss)


@pytest.mark.parametrize("cls", METRICS, ids=lambda c: c.__name__)
def test_every_metric_names_itself_on_wrong_label_shape_and_dtype(cls):
    metric = cls(**REQUIRED.get(cls.__name__, {}))
    _names_itself_on_wrong_label_shape_and_dtype(metric.name, metric.update_state)
