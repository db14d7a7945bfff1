"""``tk.layers``: every layer, with Keras 3's names.

>>> import tinykeras as tk
>>> tk.layers.Dense(4).units
4
"""
from .core.dense import Dense
from .core.input_layer import Input, InputLayer
from .input_spec import InputSpec
from .layer import Layer
from .core.activation import Activation
from .core.dropout import AlphaDropout, Dropout, GaussianDropout, GaussianNoise
from .core.embedding import Embedding
from .core.identity import Identity
from .core.lambda_layer import Lambda
from .core.rescaling import Rescaling
from .core.reshaping import Flatten, Permute, RepeatVector, Reshape
from .normalization.batch_normalization import BatchNormalization
from .normalization.layer_normalization import LayerNormalization
from .merging.base_merge import Merge
from .merging.concatenate import Concatenate, concatenate
from .merging.dot import Dot, dot
from .merging.elementwise import (Add, Average, Maximum, Minimum, Multiply, Subtract, add, average,
                                  maximum, minimum, multiply, subtract)
