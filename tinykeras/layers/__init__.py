"""``tk.layers``: every layer, with Keras 3's names.

>>> import tinykeras as tk
>>> tk.layers.Dense(4).units
4
"""
from .core.dense import Dense
from .core.input_layer import Input, InputLayer
from .operation import Operation
from .symbolic import KerasTensor
from .input_spec import InputSpec
from .layer import Layer
from .core.activation import Activation
from .core.dropout import AlphaDropout, Dropout, GaussianDropout, GaussianNoise
from .core.embedding import Embedding
from .core.einsum_dense import EinsumDense
from .core.reversible_embedding import ReversibleEmbedding
from .core.identity import Identity
from .core.lambda_layer import Lambda
from .core.rescaling import Rescaling
from .core.reshaping import Flatten, Permute, RepeatVector, Reshape
from .normalization.batch_normalization import BatchNormalization
from .normalization.layer_normalization import LayerNormalization
from .normalization.group_normalization import GroupNormalization
from .normalization.spectral_normalization import SpectralNormalization
from .normalization.unit_normalization import RMSNormalization, UnitNormalization
from .merging.base_merge import Merge
from .merging.concatenate import Concatenate, concatenate
from .merging.dot import Dot, dot
from .merging.elementwise import (Add, Average, Maximum, Minimum, Multiply, Subtract, add, average,
                                  maximum, minimum, multiply, subtract)
from .convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,
                            Convolution1D, Convolution1DTranspose, Convolution2D, Convolution2DTranspose,
                            Convolution3D, Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D,
                            SeparableConv1D, SeparableConv2D, SeparableConvolution1D, SeparableConvolution2D)
from .pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
                      AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D, AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
                      MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D,
                        ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from .regularization import ActivityRegularization, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from .preprocessing import (AugMix, AutoContrast, CenterCrop, ContrastLimitedAdaptiveHistogramEqualization, CutMix,
                            Equalization, MaxNumBoundingBoxes, MixUp, RandAugment, RandomBrightness,
                            RandomColorDegeneration, RandomColorJitter, RandomContrast, RandomCrop,
                            RandomElasticTransform, RandomErasing, RandomFlip, RandomGaussianBlur, RandomGrayscale,
                            RandomHue, RandomInvert, RandomPerspective, RandomPosterization, RandomRotation,
                            RandomSaturation, RandomSharpness, RandomShear, RandomTranslation, RandomZoom, Resizing,
                            Solarization)
from .rnn import (GRU, LSTM, RNN, Bidirectional, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, GRUCell, LSTMCell, SimpleRNN,
                  SimpleRNNCell, StackedRNNCells, TimeDistributed, Wrapper)
from .activations import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .attention import AdditiveAttention, Attention, GroupQueryAttention, MultiHeadAttention
from .core.masking import Masking
from .preprocessing.text_vectorization import TextVectorization
from .preprocessing.normalization import Normalization
from .preprocessing.category_encoding import CategoryEncoding
from .preprocessing.discretization import Discretization
from .preprocessing.hashing import HashedCrossing, Hashing
from .preprocessing.lookup import IntegerLookup, StringLookup
from .preprocessing.audio import MelSpectrogram, STFTSpectrogram
from .preprocessing.pipeline import Pipeline


def serialize(layer):
    """Keras 3's config dict of ``layer`` (``module``, ``class_name``, ``config``, ...).

    >>> cfg = serialize(Dense(2))
    >>> cfg["module"], cfg["class_name"], cfg["config"]["units"]
    ('keras.layers', 'Dense', 2)
    """
    from ..saving.layer_config import serialize_layer   # saving imports layers: break the cycle
    return serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """The layer a :func:`serialize` config (tinykeras's or Keras's) describes;
    classes come from the safe registry or ``custom_objects`` only.

    >>> deserialize(serialize(Dense(3))).units
    3
    """
    from ..saving.layer_config import deserialize_layer   # saving imports layers: break the cycle
    return deserialize_layer(config, custom_objects)
