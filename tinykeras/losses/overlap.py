"""Keras 3's newer losses: region overlap (Dice, Tversky), metric learning
(Circle) and noise-robust classification (CategoricalGeneralizedCrossEntropy),
as functions and as ``LossFunctionWrapper`` classes.

>>> import tinykeras as tk
>>> round(tk.losses.dice([[1.0, 0.0]], [[1.0, 0.0]]).item(), 5)
0.0
"""
import numpy as np

from .. import backend, ops
from .labels import check, expects
from .loss import LossFunctionWrapper

_SB = "sum_over_batch_size"
# Circle loss masks pairs out with this instead of -inf: logsumexp of a row
# with no pair is then a huge negative number and softplus of it is 0, as
# Keras's -inf gives, with finite gradients.
_NO_PAIR = -1e30


def _float_pair(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    if not y_pred.dtype.startswith("float"):
        y_pred = y_pred.astype(backend.floatx())
    return ops.convert_to_tensor(y_true, dtype=y_pred.dtype), y_pred


@expects("same")
def dice(y_true, y_pred, axis=None):
    """``1 - 2 sum(t * p) / (sum(t) + sum(p) + eps)`` over ``axis`` (all axes by default).

    >>> round(dice([[1.0, 1.0], [0.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]).item(), 5)
    0.5
    """
    check(dice, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _float_pair(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + backend.epsilon()
    return 1.0 - 2.0 * intersection / total


@expects("same")
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha FP + beta FN + eps)`` with soft counts over ``axis``
    (Keras's formula: ``FP = sum((1 - p) t)``, ``FN = sum(p (1 - t))``).

    >>> round(tversky([[1.0, 0.0]], [[1.0, 1.0]], alpha=0.0, beta=1.0).item(), 5)
    0.5
    """
    check(tversky, y_true, y_pred, kwargs=locals())
    y_true, y_pred = _float_pair(y_true, y_pred)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    fp = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    fn = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - intersection / (intersection + fp * alpha + fn * beta + backend.epsilon())


def _label_vector(labels):
    labels = np.asarray(labels.numpy() if hasattr(labels, "numpy") else labels)
    return labels.reshape(-1).astype("int64")


def pos_neg_masks(query_labels, key_labels, remove_diagonal=True):
    """Boolean ``(positive, negative)`` pair masks of two label vectors (host NumPy).

    >>> [m.astype(int).tolist() for m in pos_neg_masks([0, 0, 1], [0, 0, 1])]
    [[[0, 1, 0], [1, 0, 0], [0, 0, 0]], [[0, 0, 1], [0, 0, 1], [1, 1, 0]]]
    """
    q, k = _label_vector(query_labels), _label_vector(key_labels)
    positive = q[:, None] == k[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~np.eye(q.size, k.size, dtype=bool)
    return positive, negative


@expects("ids")
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss of L2-normalized embeddings ``y_pred`` with integer labels
    ``y_true``, one value per sample; samples with a zero loss are masked out
    of the mean, as in Keras.

    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
    >>> circle([0, 0, 1], emb, gamma=1.0).numpy().round(4).tolist()
    [0.5458999872207642, 0.5458999872207642, 0.0]
    """
    check(circle, y_true, y_pred, kwargs=locals())
    y_pred = ops.convert_to_tensor(y_pred)
    ref_embeddings = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings)
    ref_labels = y_true if ref_labels is None else ref_labels
    positive, negative = pos_neg_masks(y_true, ref_labels, remove_diagonal)
    dtype = y_pred.dtype
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(ref_embeddings)), 0.0)
    pos_weights = ops.maximum((margin + distances) * positive.astype(dtype), 0.0)
    neg_weights = ops.maximum((1.0 + margin - distances) * negative.astype(dtype), 0.0)
    pos_wdists = -gamma * pos_weights * (margin - distances)
    neg_wdists = gamma * neg_weights * ((1.0 - margin) - distances)
    p_loss = ops.logsumexp(ops.where(positive, pos_wdists, _NO_PAIR), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_wdists, _NO_PAIR), axis=1)
    loss = ops.softplus(p_loss + n_loss)
    loss._keras_mask = loss > 0
    return loss


@expects("sparse")
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p**q) / q`` where ``p`` is the probability of the true class
    (integer class ids, as Keras).

    >>> round(categorical_generalized_cross_entropy([1], [[0.75, 0.25]], q=0.5).item(), 5)
    1.0
    """
    check(categorical_generalized_cross_entropy, y_true, y_pred, kwargs=locals())
    y_pred = ops.convert_to_tensor(y_pred)
    ids = _label_vector(y_true).reshape(np.shape(y_true)[:1] or (-1,))
    one_hot = ops.one_hot(ids, y_pred.shape[-1], dtype=y_pred.dtype)
    p = ops.sum(y_pred * one_hot, axis=-1)
    return (1.0 - ops.power(p, q)) / q


class Dice(LossFunctionWrapper):
    """Dice loss ``1 - 2|t p| / (|t| + |p|)`` over ``axis`` (all axes when None).

    >>> round(Dice()([[1.0, 0.0]], [[0.5, 0.5]]).item(), 5)
    0.5
    """

    def __init__(self, reduction=_SB, name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss: Dice with false positives weighted by ``alpha`` and false
    negatives by ``beta``.

    >>> round(Tversky()([[1.0, 0.0]], [[0.5, 0.5]]).item(), 5)
    0.5
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction=_SB, name="tversky", axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis


class Circle(LossFunctionWrapper):
    """Circle loss between integer labels and L2-normalized embeddings
    (follow the embedding layer with ``UnitNormalization``).

    >>> import numpy as np
    >>> emb = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], "float32")
    >>> round(Circle(gamma=1.0)([0, 0, 1], emb).item(), 4)  # the zero of sample 3 is masked out
    0.5459
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction=_SB, name="circle",
                 dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)   # labels and embeddings differ in rank


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross entropy ``(1 - p**q) / q`` with integer labels;
    ``q`` in (0, 1) moves it from crossentropy (q -> 0) towards MAE (q -> 1).

    >>> round(CategoricalGeneralizedCrossEntropy()([0, 1], [[0.25, 0.75], [0.0, 1.0]]).item(), 5)
    0.5
    """

    def __init__(self, q=0.5, reduction=_SB, name="categorical_generalized_cross_entropy",
                 dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: q must be in the interval "
                             f"(0, 1), got {q}")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
        self.q = q

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)   # class ids have one axis fewer
