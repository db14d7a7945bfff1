"""``keras.ops.nn``: neural-network ops, the same functions as in ``tk.ops``.

>>> from tinykeras.ops.nn import *
>>> relu([-1.0, 2.0]).numpy().tolist()
[0.0, 2.0]
"""
import sys as _sys

from .namespaces import export as _export

NAMES = """
    adaptive_average_pool adaptive_max_pool average_pool batch_normalization binary_crossentropy
    categorical_crossentropy celu conv conv_transpose ctc_decode ctc_loss depth_to_space
    depthwise_conv dot_product_attention elu fold gelu glu hard_shrink hard_sigmoid hard_silu
    hard_swish hard_tanh layer_normalization leaky_relu log_sigmoid log_softmax max_pool moments
    multi_hot normalize one_hot polar psnr relu relu6 rms_normalization selu separable_conv
    sigmoid silu soft_shrink softmax softplus softsign space_to_depth
    sparse_categorical_crossentropy sparse_plus sparse_sigmoid sparsemax squareplus swish
    tanh_shrink threshold unfold
"""
_export(__name__, NAMES, _sys.modules["tinykeras.ops"])
