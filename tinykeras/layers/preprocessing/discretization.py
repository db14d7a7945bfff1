"""``Discretization``: continuous values to bin ids, with the boundaries given
or learned (approximate quantiles) by ``adapt()``.

>>> import numpy as np, tinykeras as tk
>>> layer = tk.layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
>>> layer(np.array([[-1.5, 1.0, 3.4, 0.5]])).numpy().tolist()
[[0, 2, 3, 1]]
>>> layer = tk.layers.Discretization(num_bins=4, epsilon=0.01)
>>> layer.adapt(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))
>>> layer.bin_boundaries
[0.0, 0.5, 1.2999999523162842]
"""
import numpy as np

from ... import backend
from ...core.tensor import Tensor
from ..layer import Layer
from .preprocessing_utils import (adapt_batches, check_output_mode, encode_categorical, encoded_shape,
                                  host, refuse_sparse)


class Discretization(Layer):
    """``Discretization(bin_boundaries=None, num_bins=None, epsilon=0.01,
    output_mode="int", sparse=False, dtype=None, name=None)``, as Keras 3.

    A value ``x`` goes to bin ``i`` where ``bin_boundaries[i-1] <= x <
    bin_boundaries[i]`` (``np.digitize``).  ``"int"`` gives int32 ids; the
    other modes encode them as ``CategoryEncoding`` does, with
    ``len(bin_boundaries) + 1`` columns.  ``adapt(data)`` computes
    ``num_bins - 1`` boundaries with Keras's quantile summaries (same
    numbers); they are saved in the config.  Not differentiable.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = f"Discretization {self.name!r}"
        output_mode = check_output_mode(where, output_mode)
        refuse_sparse(where, sparse, output_mode)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{where}: `num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{where}: both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{where}: you need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")
        self.autocast = False
        self.built = True

    def _output_dtype(self):
        return "int32" if self.output_mode == "int" else self.dtype

    def adapt(self, data, steps=None):
        """Learn ``num_bins - 1`` boundaries (approximate quantiles within
        ``epsilon``) from ``data``: an array, or an iterable of batches."""
        if self.num_bins is None:
            raise ValueError(f"Discretization {self.name!r}: cannot adapt a Discretization layer that has "
                             "been initialized with `bin_boundaries`, use `num_bins` instead.")
        self.summary = np.array([[], []], dtype="float32")
        for batch in adapt_batches(data, steps, f"Discretization {self.name!r}.adapt()"):
            summary = summarize(batch.astype("float32"), self.epsilon)
            self.summary = compress_summary(_merge(summary, self.summary), self.epsilon)
        self.bin_boundaries = compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization {self.name!r}: you need to either pass the `bin_boundaries` "
                             "argument at construction time or call `adapt(dataset)` before you can "
                             "start using the `Discretization` layer.")
        ids = np.digitize(host(inputs, backend.floatx()), np.asarray(self.bin_boundaries, backend.floatx()))
        out = encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1, self._output_dtype())
        return Tensor(np.asarray(out, order="C"))

    def compute_output_shape(self, input_shape):
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        return encoded_shape(input_shape, self.output_mode, depth)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("trainable", None)
        boundaries = config.pop("bin_boundaries", None)
        if boundaries is not None and config.get("num_bins") is not None:  # adapted: both are set
            layer = cls(**config)
            layer.bin_boundaries = [float(b) for b in boundaries]
            return layer
        return cls(bin_boundaries=boundaries, **config)


def summarize(values, epsilon):
    """Keras's summary of ``values``: about ``1/epsilon`` sorted values and
    their weights, as a ``(2, n)`` array."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _merge(prev_summary, next_summary):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    return np.take(merged, np.argsort(merged[0]), axis=1)


def compress_summary(summary, epsilon):
    """Interpolate a summary down to ``1/epsilon`` weighted values."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")
