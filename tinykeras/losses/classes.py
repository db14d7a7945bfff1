"""The Loss classes: each a ``LossFunctionWrapper`` around one function of
``functions.py`` with Keras 3's signature, defaults and name.

>>> import tinykeras as tk
>>> tk.losses.Huber(delta=0.5)([[0.0]], [[2.0]]).item()
0.875
"""
from . import functions as F
from .loss import LossFunctionWrapper

_SB = "sum_over_batch_size"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors.

    >>> MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]).item()
    0.5
    """

    def __init__(self, reduction=_SB, name="mean_squared_error", dtype=None):
        super().__init__(F.mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors.

    >>> MeanAbsoluteError()([[0.0, 1.0]], [[1.0, 1.0]]).item()
    0.5
    """

    def __init__(self, reduction=_SB, name="mean_absolute_error", dtype=None):
        super().__init__(F.mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error.

    >>> MeanAbsolutePercentageError()([[2.0]], [[1.0]]).item()
    50.0
    """

    def __init__(self, reduction=_SB, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(F.mean_absolute_percentage_error, reduction=reduction, name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared error of ``log(1 + x)``.

    >>> MeanSquaredLogarithmicError()([[0.0]], [[0.0]]).item()
    0.0
    """

    def __init__(self, reduction=_SB, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(F.mean_squared_logarithmic_error, reduction=reduction, name=name,
                         dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along ``axis``.

    >>> round(CosineSimilarity()([[1.0, 0.0]], [[1.0, 0.0]]).item(), 5)
    -1.0
    """

    def __init__(self, axis=-1, reduction=_SB, name="cosine_similarity", dtype=None):
        super().__init__(F.cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)


class Huber(LossFunctionWrapper):
    """Quadratic for errors up to ``delta``, linear beyond.

    >>> Huber()([[0.0]], [[3.0]]).item()
    2.5
    """

    def __init__(self, delta=1.0, reduction=_SB, name="huber_loss", dtype=None):
        super().__init__(F.huber, reduction=reduction, name=name, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Mean of ``log(cosh(error))``.

    >>> LogCosh()([[0.0]], [[0.0]]).item()
    0.0
    """

    def __init__(self, reduction=_SB, name="log_cosh", dtype=None):
        super().__init__(F.log_cosh, reduction=reduction, name=name, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """Hinge loss (labels -1/1, or 0/1 mapped to -1/1).

    >>> Hinge()([[1.0]], [[0.25]]).item()
    0.75
    """

    def __init__(self, reduction=_SB, name="hinge", dtype=None):
        super().__init__(F.hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss.

    >>> SquaredHinge()([[1.0]], [[0.5]]).item()
    0.25
    """

    def __init__(self, reduction=_SB, name="squared_hinge", dtype=None):
        super().__init__(F.squared_hinge, reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss.

    >>> CategoricalHinge()([[0.0, 1.0]], [[0.0, 1.0]]).item()
    0.0
    """

    def __init__(self, reduction=_SB, name="categorical_hinge", dtype=None):
        super().__init__(F.categorical_hinge, reduction=reduction, name=name, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence ``sum(t * log(t / p))``.

    >>> KLDivergence()([[0.5, 0.5]], [[0.5, 0.5]]).item()
    0.0
    """

    def __init__(self, reduction=_SB, name="kl_divergence", dtype=None):
        super().__init__(F.kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss ``mean(p - t * log(p))``.

    >>> Poisson()([[0.0]], [[2.0]]).item()
    2.0
    """

    def __init__(self, reduction=_SB, name="poisson", dtype=None):
        super().__init__(F.poisson, reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy for 0/1 labels and probabilities (or logits).

    >>> round(BinaryCrossentropy(from_logits=True)([[1.0]], [[0.0]]).item(), 4)
    0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SB,
                 name="binary_crossentropy", dtype=None):
        super().__init__(F.binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Focal binary crossentropy (``gamma`` focusing, optional class balancing).

    >>> round(BinaryFocalCrossentropy(gamma=0.0)([[1.0]], [[0.5]]).item(), 4)
    0.6931
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction=_SB, name="binary_focal_crossentropy",
                 dtype=None):
        super().__init__(F.binary_focal_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for one-hot labels.

    >>> round(CategoricalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]]).item(), 4)
    0.6931
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_SB,
                 name="categorical_crossentropy", dtype=None):
        super().__init__(F.categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Focal crossentropy for one-hot labels.

    >>> round(CategoricalFocalCrossentropy(alpha=1.0, gamma=0.0)([[0.0, 1.0]], [[0.5, 0.5]]).item(), 4)
    0.6931
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=_SB, name="categorical_focal_crossentropy", dtype=None):
        super().__init__(F.categorical_focal_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.alpha, self.gamma = alpha, gamma


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer labels (``ignore_class`` entries are masked out).

    >>> round(SparseCategoricalCrossentropy(from_logits=True)([0], [[0.0, 0.0]]).item(), 4)
    0.6931
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction=_SB, axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(F.sparse_categorical_crossentropy, reduction=reduction, name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis
