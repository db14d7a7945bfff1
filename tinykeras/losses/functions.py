"""Per-sample loss functions (Keras 3 formulas), written with ``tk.ops``.

Each returns one value per sample (the last axis reduced), so the Loss
classes can weight and reduce them, and metrics can average them.

>>> import tinykeras as tk
>>> tk.losses.mean_squared_error([[0.0, 2.0]], [[1.0, 1.0]]).numpy().tolist()
[1.0]
"""
import math
import warnings

import numpy as np

from .. import backend, ops
from .labels import check, expects
from .loss import squeeze_or_expand_to_same_rank


def _pair(y_true, y_pred, align=True):
    """Tensors with ``y_true`` in ``y_pred``'s dtype (ranks aligned if ``align``)."""
    y_pred = ops.convert_to_tensor(y_pred)
    if not y_pred.dtype.startswith("float"):
        y_pred = y_pred.astype(backend.floatx())
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred) if align else (y_true, y_pred)


def l2_normalize(x, axis=-1, epsilon=None):
    """``x / max(||x||, epsilon)`` along ``axis`` (Keras's ``ops.normalize``;
    ``epsilon`` defaults to ``backend.epsilon()``).

    >>> l2_normalize([3.0, 4.0]).numpy().round(4).tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    x = ops.convert_to_tensor(x)
    inv_norm = 1.0 / ops.sqrt(ops.sum(x * x, axis=axis, keepdims=True))
    return x * ops.minimum(inv_norm, 1.0 / (epsilon or backend.epsilon()))


@expects("same")
def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred)**2, axis=-1)``.

    >>> mean_squared_error([1.0, 0.0], [0.0, 0.0]).item()
    0.5
    """
    check(mean_squared_error, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@expects("same")
def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|, axis=-1)``.

    >>> mean_absolute_error([1.0, -1.0], [0.0, 0.0]).item()
    1.0
    """
    check(mean_absolute_error, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


@expects("same")
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|, axis=-1)``.

    >>> mean_absolute_percentage_error([2.0, 4.0], [1.0, 4.0]).item()
    25.0
    """
    check(mean_absolute_percentage_error, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), backend.epsilon()))
    return ops.mean(diff, axis=-1) * 100.0


@expects("same")
def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2, axis=-1)``.

    >>> round(mean_squared_logarithmic_error([math.e - 1], [0.0]).item(), 4)
    1.0
    """
    check(mean_squared_logarithmic_error, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    eps = backend.epsilon()
    diff = ops.log(ops.maximum(y_pred, eps) + 1.0) - ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(diff), axis=-1)


@expects("same")
def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (-1: same direction).

    >>> round(cosine_similarity([[1.0, 1.0]], [[2.0, 2.0]]).item(), 5)
    -1.0
    """
    check(cosine_similarity, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _pair(y_true, y_pred)
    return -ops.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), axis=axis)


@expects("same")
def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of ``0.5 e**2`` if ``|e| <= delta`` else ``delta |e| - 0.5 delta**2``.

    >>> huber([0.0, 0.0], [0.5, 3.0]).item()
    1.3125
    """
    check(huber, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _pair(y_true, y_pred)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = ops.square(error) * 0.5
    linear = abs_error * delta - 0.5 * delta * delta
    return ops.mean(ops.where(abs_error <= delta, quadratic, linear), axis=-1)


@expects("same")
def log_cosh(y_true, y_pred):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``, computed stably.

    >>> round(log_cosh([0.0], [1.0]).item(), 4)
    0.4338
    """
    check(log_cosh, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return ops.mean(x + ops.softplus(x * -2.0) - math.log(2.0), axis=-1)


@expects("same")
def kl_divergence(y_true, y_pred):
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[eps, 1]``.

    >>> round(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).item(), 4)
    0.1438
    """
    check(kl_divergence, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    eps = backend.epsilon()
    y_true, y_pred = ops.clip(y_true, eps, 1.0), ops.clip(y_pred, eps, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@expects("same")
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``.

    >>> poisson([0.0], [1.0]).item()
    1.0
    """
    check(poisson, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    return ops.mean(y_pred - y_true * ops.log(y_pred + backend.epsilon()), axis=-1)


def _hinge_labels(y_true):
    """Labels in {0, 1} become {-1, 1}; other labels are kept (as Keras)."""
    t = np.asarray(y_true)
    return y_true * 2.0 - 1.0 if np.all((t == 0) | (t == 1)) else y_true


@expects("same")
def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``; 0/1 labels are mapped to -1/1.

    >>> hinge([1.0, 0.0], [0.5, -2.0]).item()
    0.25
    """
    check(hinge, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    return ops.mean(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


@expects("same")
def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0)**2, axis=-1)``; 0/1 labels are mapped to -1/1.

    >>> squared_hinge([1.0, 0.0], [0.5, -2.0]).item()
    0.125
    """
    check(squared_hinge, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    return ops.mean(ops.square(ops.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


@expects("one_hot")
def categorical_hinge(y_true, y_pred):
    """``max(max((1 - t) * p) - sum(t * p) + 1, 0)`` over the last axis.

    >>> categorical_hinge([[0.0, 1.0]], [[0.25, 0.5]]).item()
    0.75
    """
    check(categorical_hinge, y_true, y_pred)
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


def _smooth(y_true, label_smoothing, num_classes):
    return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes


def _warn_single_class(name, y_pred):
    if y_pred.shape and y_pred.shape[-1] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider "
                      "using 'binary_crossentropy' if you only have 2 classes.", SyntaxWarning,
                      stacklevel=3)


@expects("binary")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of the elementwise binary crossentropy; labels are
    smoothed towards 0.5 by ``label_smoothing``.

    >>> round(binary_crossentropy([[1.0, 0.0]], [[0.9, 0.1]]).item(), 4)
    0.1054
    """
    check(binary_crossentropy, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, 2.0)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@expects("binary")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy scaled by ``(1 - p_t)**gamma`` (and by ``alpha``/``1 - alpha``
    when ``apply_class_balancing``), averaged over ``axis``.

    >>> round(binary_focal_crossentropy([[1.0]], [[0.9]]).item(), 6)
    0.001054
    """
    check(binary_focal_crossentropy, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, 2.0)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


@expects("one_hot")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and predicted
    probabilities (or logits); labels are smoothed by ``label_smoothing``.

    >>> round(categorical_crossentropy([[0.0, 1.0]], [[0.2, 0.8]]).item(), 4)
    0.2231
    """
    check(categorical_crossentropy, y_true, y_pred, kwargs=locals())
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    _warn_single_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, float(y_true.shape[-1]))
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@expects("one_hot")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """``sum(alpha * (1 - p)**gamma * -t * log(p), axis)``: crossentropy that
    down-weights well-classified examples.

    >>> round(categorical_focal_crossentropy([[0.0, 1.0]], [[0.2, 0.8]]).item(), 6)
    0.002231
    """
    check(categorical_focal_crossentropy, y_true, y_pred, kwargs=locals())
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _pair(y_true, y_pred, align=False)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth(y_true, label_smoothing, float(y_true.shape[-1]))
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    eps = backend.epsilon()
    output = ops.clip(output, eps, 1.0 - eps)
    focal = ops.power(1.0 - output, gamma) * alpha * (-y_true * ops.log(output))
    return ops.sum(focal, axis=axis)


@expects("sparse")
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy with integer labels.  With ``from_logits=True`` it runs the
    fused softmax-crossentropy kernel of the backend.  Entries whose label is
    ``ignore_class`` contribute 0 and are masked out of the mean.

    >>> round(sparse_categorical_crossentropy([1], [[0.2, 0.8]]).item(), 4)
    0.2231
    """
    check(sparse_categorical_crossentropy, y_true, y_pred, kwargs=locals())
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    valid = None
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = ops.where(valid, y_true, 0)
        y_pred = ops.where(ops.expand_dims(valid, axis), y_pred, 0.0)
    res = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        res = ops.where(valid.reshape(res.shape), res, 0.0)
        res._keras_mask = valid.reshape(res.shape)
    return res
