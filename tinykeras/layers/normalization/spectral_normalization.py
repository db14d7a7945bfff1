"""``SpectralNormalization``: keep the spectral norm of a wrapped layer's kernel near 1.

``SpectralNormalization(layer, power_iterations=1)`` wraps a layer with a
``kernel`` (``Dense``, ``Conv2D``...) or ``embeddings``.  In training, each
call first runs ``power_iterations`` steps of the power method on the kernel
(reshaped to ``(-1, kernel.shape[-1])``) from the non-trainable ``vector_u``,
then *assigns* ``kernel / sigma`` to the kernel and the new ``u`` to
``vector_u`` (outside the gradient, as Keras 3 does: the gradient is the
wrapped layer's, at the normalized kernel).  At inference the layer runs
the kernel as it is.  Weights in Keras's order: ``kernel``, ``vector_u``,
then the wrapped layer's others (``bias``).

>>> import numpy as np, tinykeras as tk
>>> sn = tk.layers.SpectralNormalization(tk.layers.Dense(3), power_iterations=100)
>>> sn(np.ones((2, 4), "float32"), training=True).shape, [w.name for w in sn.weights]
((2, 3), ['kernel', 'vector_u', 'bias'])
>>> round(float(np.linalg.svd(sn.kernel.numpy(), compute_uv=False)[0]), 2)   # the largest singular value
1.0
"""
from ... import initializers, ops
from ...core.autograd import no_grad
from ..input_spec import InputSpec
from ..rnn.wrappers import Wrapper


class SpectralNormalization(Wrapper):
    """Keras 3's ``SpectralNormalization(layer, power_iterations=1, **kwargs)``."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = getattr(self.layer, "kernel", None)
        kernel = getattr(self.layer, "embeddings", None) if kernel is None else kernel
        if kernel is None:
            raise ValueError(f"SpectralNormalization {self.name!r}: {type(self.layer).__name__} object has no "
                             "attribute 'kernel' nor 'embeddings'")
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]), name="vector_u", trainable=False,
                                        initializer=initializers.TruncatedNormal(stddev=0.02),
                                        dtype=kernel.dtype)

    def call(self, inputs, training=False):
        if training:
            with no_grad():
                if not bool(ops.all(ops.equal(self.kernel, 0)).item()):
                    vector_u, kernel = self.normalized_weights()
                    self.vector_u.assign(vector_u)
                    self.kernel.assign(kernel)
        return ops.cast(self.layer(inputs), inputs.dtype)

    def normalized_weights(self):
        """``(new vector_u, kernel / sigma)`` after the power iterations (nothing is assigned)."""
        weights = ops.reshape(self.kernel, (-1, self.kernel_shape[-1]))
        vector_u = self.vector_u.value
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(ops.matmul(vector_u, ops.transpose(weights)), axis=None)
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=None)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        return vector_u, ops.reshape(self.kernel / sigma, self.kernel_shape)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
