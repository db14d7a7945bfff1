"""Probabilistic and hinge metrics: means of Keras's crossentropy, KL,
Poisson and hinge loss functions.

>>> import tinykeras as tk
>>> m = tk.metrics.BinaryCrossentropy()
>>> m.update_state([[1.0], [0.0]], [[0.5], [0.5]])
>>> round(float(m.result()), 4)
0.6931
"""
from .. import losses
from .base import MeanMetricWrapper, wrapper_class

_MOD = __name__
KLDivergence = wrapper_class(
    "KLDivergence", losses.kl_divergence, "kl_divergence", "down",
    """Mean Kullback-Leibler divergence.

    >>> m = KLDivergence(); m.update_state([[0.5, 0.5]], [[0.5, 0.5]]); float(m.result())
    0.0
    """, _MOD)
Poisson = wrapper_class(
    "Poisson", losses.poisson, "poisson", "down",
    """Mean Poisson loss.

    >>> m = Poisson(); m.update_state([[0.0]], [[1.0]]); float(m.result())
    1.0
    """, _MOD)
Hinge = wrapper_class(
    "Hinge", losses.hinge, "hinge", "down",
    """Mean hinge loss.

    >>> m = Hinge(); m.update_state([[1.0]], [[0.5]]); float(m.result())
    0.5
    """, _MOD)
SquaredHinge = wrapper_class(
    "SquaredHinge", losses.squared_hinge, "squared_hinge", "down",
    """Mean squared hinge loss.

    >>> m = SquaredHinge(); m.update_state([[1.0]], [[0.5]]); float(m.result())
    0.25
    """, _MOD)
CategoricalHinge = wrapper_class(
    "CategoricalHinge", losses.categorical_hinge, "categorical_hinge", "down",
    """Mean categorical hinge loss.

    >>> m = CategoricalHinge(); m.update_state([[0.0, 1.0]], [[0.0, 1.0]]); float(m.result())
    0.0
    """, _MOD)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy: ``BinaryCrossentropy(name, dtype, from_logits=False,
    label_smoothing=0)``.

    >>> m = BinaryCrossentropy(from_logits=True); m.update_state([[1.0]], [[0.0]])
    >>> round(float(m.result()), 4)
    0.6931
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy: ``CategoricalCrossentropy(name, dtype,
    from_logits=False, label_smoothing=0, axis=-1)``.

    >>> m = CategoricalCrossentropy(); m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
    >>> round(float(m.result()), 4)
    0.6931
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical crossentropy: ``SparseCategoricalCrossentropy(name,
    dtype, from_logits=False, ignore_class=None, axis=-1)``.

    >>> m = SparseCategoricalCrossentropy(); m.update_state([1], [[0.5, 0.5]])
    >>> round(float(m.result()), 4)
    0.6931
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis
