"""What labels each loss and metric expects, and the one check that says so.

Every built-in loss and metric function declares its labels with
``@expects(kind)``; ``check_labels`` runs before any arithmetic (the
function's first line, ``LossFunctionWrapper`` and ``MeanMetricWrapper`` call it),
so a wrong label shape or dtype is a ValueError/TypeError that names the
loss, both shapes and the likely fix.  The kinds:

* ``"same"``: labels shaped like the predictions (regression, hinge, KL, ...);
* ``"binary"``: shaped like the predictions, values in [0, 1];
* ``"one_hot"``: one-hot (or soft) rows shaped like the predictions;
* ``"sparse"``: integer class ids, one axis fewer than the predictions;
* ``"ids"``: one integer label per prediction row, any value (metric learning);
* ``"sequence"``: integer label sequences ``(batch, max_length)`` next to
  logits ``(batch, steps, classes)`` (CTC).

A trailing axis of 1 on either side is ignored, as Keras's
``squeeze_or_expand_to_same_rank`` does.

>>> import numpy as np
>>> check_labels("sparse_categorical_crossentropy", "sparse", np.eye(3)[[0, 2]], np.zeros((2, 3)))
Traceback (most recent call last):
ValueError: sparse_categorical_crossentropy: labels of shape (2, 3) look one-hot ...
"""
import numpy as np

KINDS = ("same", "binary", "one_hot", "sparse", "ids", "sequence")
_WHAT = {"same": "labels of the same shape as the predictions",
         "binary": "0/1 labels of the same shape as the predictions",
         "one_hot": "one-hot labels (one column per class) of the same shape as the predictions",
         "sparse": "integer class ids, one per prediction row",
         "ids": "one integer label per prediction row",
         "sequence": "integer label sequences (batch, max_length), 0-padded, for logits (batch, steps, classes)"}


def expects(kind):
    """Declare that a loss/metric function ``fn(y_true, y_pred, **kwargs)`` takes
    labels of ``kind`` (``fn.label_kind``); ``fn`` itself begins with
    ``check(fn, y_true, y_pred, kwargs=locals())``, so the declaration adds
    no wrapper on the way to the kernels.

    >>> @expects("same")
    ... def err(y_true, y_pred):
    ...     check(err, y_true, y_pred)
    ...     return y_pred - y_true
    >>> err([1.0, 2.0], [[1.0, 2.0]])
    Traceback (most recent call last):
    ValueError: err: labels of shape (2,) do not fit predictions of shape (1, 2); ...
    """
    if kind not in KINDS:
        raise ValueError(f"expects: kind must be one of {KINDS}, got {kind!r}")

    def decorate(fn):
        fn.label_kind = kind
        return fn
    return decorate


def check(fn, y_true, y_pred, name=None, kwargs=None):
    """``check_labels`` for a declared function ``fn`` (nothing for undeclared
    ones, e.g. a user's own loss), under the loss/metric's ``name``.

    >>> from tinykeras.losses import categorical_crossentropy as cce
    >>> check(cce, [0, 2], np.zeros((2, 3)), name="loss")
    Traceback (most recent call last):
    ValueError: loss (categorical_crossentropy): labels of shape (2,) do not fit predictions of shape (2, 3); ...
    """
    kind = getattr(fn, "label_kind", None)
    if kind is not None:
        fn_name = getattr(fn, "__name__", "")
        label = fn_name if name in (None, fn_name) else f"{name} ({fn_name})"
        check_labels(label, kind, y_true, y_pred, kwargs, fn_name)


def _array_info(x):
    """``(shape, numpy dtype)`` of a Tensor, array, list or number, without copying a Tensor."""
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        try:
            return tuple(x.shape), np.dtype(str(x.dtype))
        except TypeError:           # a dtype NumPy does not name (another library's tensor)
            pass
    try:
        a = np.asarray(x)
    except ValueError:
        raise ValueError("the rows have different lengths (a ragged list); pad them to one "
                         "length, e.g. keras.utils.pad_sequences") from None
    return a.shape, a.dtype


def _host(x):
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _to_rank(t, p):
    """``t`` with a trailing 1 dropped or added to reach ``p``'s rank, as
    Keras's ``squeeze_or_expand_to_same_rank`` (labels (1,) fit (1, 1))."""
    if len(t) == len(p) + 1 and t[-1:] == (1,):
        return t[:-1]
    return t + (1,) if len(p) == len(t) + 1 and p[-1:] == (1,) else t


def _same_shape(t, p):
    return t == () or _to_rank(t, p) == p


def check_labels(name, kind, y_true, y_pred, kwargs=None, fn_name=None):
    """Raise a ValueError/TypeError that teaches when ``y_true`` is not what a
    loss/metric of ``kind`` expects next to ``y_pred``.

    >>> check_labels("binary_crossentropy", "binary", np.zeros(4), np.zeros((4, 3)))
    Traceback (most recent call last):
    ValueError: binary_crossentropy: labels of shape (4,) do not fit predictions of shape (4, 3); ...
    >>> check_labels("mse", "same", np.zeros((4, 1)), np.zeros(4))  # fine: trailing 1 ignored
    """
    kwargs, fn_name = kwargs or {}, fn_name or name
    try:
        t, t_dtype = _array_info(y_true)
        p, p_dtype = _array_info(y_pred)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
    if t_dtype.kind not in "biuf":
        raise TypeError(f"{name}: labels must be numbers, got dtype {t_dtype}. Turn class names "
                        "into integer ids first, e.g. with keras.layers.StringLookup or "
                        "np.unique(y, return_inverse=True)[1].")
    if p_dtype.kind not in "biuf":
        raise TypeError(f"{name}: predictions must be numbers, got dtype {p_dtype}")
    if None in t or None in p:
        return
    if kind == "sparse":
        _check_sparse(name, fn_name, t, p, y_true, kwargs)
    elif kind == "ids":
        if not p or _to_rank(t, p[:1]) != p[:1]:
            raise ValueError(f"{name}: labels of shape {t} do not fit predictions of shape {p}; "
                             f"{fn_name} expects {_WHAT[kind]}, shape {p[:1]}.")
    elif kind == "sequence":
        if len(t) != 2 or len(p) != 3 or t[0] != p[0]:
            raise ValueError(f"{name}: labels of shape {t} do not fit predictions of shape {p}; "
                             f"{fn_name} expects {_WHAT[kind]}.")
    elif not _same_shape(t, p):
        raise ValueError(f"{name}: labels of shape {t} do not fit predictions of shape {p}; "
                         f"{fn_name} expects {_WHAT[kind]}. {_shape_hint(kind, t, p)}")
    elif kind == "binary":
        values = _host(y_true)
        if values.size and (values.min() < 0 or values.max() > 1):
            raise ValueError(f"{name}: labels must be between 0 and 1, got values from "
                             f"{values.min():g} to {values.max():g}. For integer class ids use "
                             "sparse_categorical_crossentropy with a softmax output of one unit "
                             "per class.")


def _shape_hint(kind, t, p):
    """The likely fix for labels of shape ``t`` next to predictions of shape ``p``."""
    class_ids = len(p) >= 2 and p[-1] > 1 and _to_rank(t, p[:-1]) == p[:-1]
    if class_ids and kind == "one_hot":
        return (f"They look like integer class ids: use sparse_categorical_crossentropy (and "
                f"sparse_categorical_accuracy) for those, or one-hot encode them with "
                f"keras.utils.to_categorical(y, {p[-1]}).")
    if class_ids and kind == "binary":
        return (f"They look like one class id per sample for a {p[-1]}-unit output: use "
                "sparse_categorical_crossentropy for class ids (or categorical_crossentropy with "
                "one-hot labels); for a yes/no problem end the model with "
                "Dense(1, activation='sigmoid').")
    if class_ids:
        return (f"The model gives {p[-1]} values per sample but there is one label per sample: "
                "to predict one number end the model with Dense(1); to pick one of "
                f"{p[-1]} classes use sparse_categorical_crossentropy.")
    if t[:1] != p[:1]:
        return (f"The first axis is the batch: {t[0] if t else 0} labels for "
                f"{p[0] if p else 0} predictions; give x and y the same number of samples.")
    if len(t) == len(p) and t[-1:] != p[-1:]:
        return (f"The model's last layer gives {p[-1]} values per sample but the labels have "
                f"{t[-1]}: change the units of the last layer to match the labels.")
    return "Reshape the labels (or the model's output) so the two agree."


def _check_sparse(name, loss, t, p, y_true, kwargs):
    axis = kwargs.get("axis", -1)
    axis = axis if isinstance(axis, int) and not isinstance(axis, bool) else -1
    if not p:
        raise ValueError(f"{name}: predictions must have a class axis, got shape {p}")
    classes = p[axis]
    expected = p[:axis % len(p)] + p[axis % len(p) + 1:]
    counterpart = loss.replace("sparse_", "", 1) if "sparse_" in loss else "categorical_crossentropy"
    if t == p and classes > 1:
        raise ValueError(
            f"{name}: labels of shape {t} look one-hot (one column per class, the same shape as "
            f"the predictions {p}), but {loss} expects integer class ids of shape {expected}. "
            f"Use {counterpart} for one-hot labels, or turn them into ids with "
            "np.argmax(y, axis=-1).")
    if not (t == expected or t == expected + (1,) or t == p):
        hint = (f"The first axis is the batch: {t[0] if t else 0} labels for {p[0]} predictions."
                if t[:1] != p[:1] else "Give one integer class id per prediction row.")
        raise ValueError(f"{name}: labels of shape {t} do not fit predictions of shape {p}; "
                         f"{loss} expects integer class ids of shape {expected}. {hint}")
    values = _host(y_true)
    ignore = kwargs.get("ignore_class")
    if ignore is not None:
        values = values[values != ignore]
    if not values.size:
        return
    if values.dtype.kind == "f" and not np.all(np.floor(values) == values):
        bad = values[np.floor(values) != values].flat[0]
        raise ValueError(f"{name}: labels must be integer class ids, got {bad:g}. Use "
                         f"{counterpart} for probabilities or one-hot labels.")
    if not kwargs.get("from_sorted_ids") and (values.min() < 0 or values.max() >= classes):
        raise ValueError(
            f"{name}: class ids must be between 0 and {classes - 1} (the predictions have "
            f"{classes} classes), got values from {values.min():g} to {values.max():g}. Give the "
            f"last layer {int(values.max()) + 1} units, or renumber the labels from 0.")
