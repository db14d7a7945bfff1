"""``tk.applications``: Keras's classic image models, and ours.

Same builders, arguments, layer names and weight order as
``keras.applications``, so the published ImageNet weights load unchanged
(``weights="imagenet"`` downloads and converts them once; see
:mod:`.weights`):

=============  ===========  ========================  ==================
builder        parameters   module                    preprocess mode
=============  ===========  ========================  ==================
VGG16          138,357,544  ``vgg16``                 caffe
VGG19          143,667,240  ``vgg19``                 caffe
ResNet50       25,636,712   ``resnet50``/``resnet``   caffe
ResNet101      44,707,176   ``resnet``                caffe
ResNet152      60,419,944   ``resnet``                caffe
InceptionV3    23,851,784   ``inception_v3``          tf
MobileNet      4,253,864    ``mobilenet``             tf
MobileNetV2    3,538,984    ``mobilenet_v2``          tf
DenseNet121    8,062,504    ``densenet``              torch
DenseNet169    14,307,880   ``densenet``              torch
DenseNet201    20,242,984   ``densenet``              torch
ResNet50V2     25,613,800   ``resnet_v2``             tf
ResNet101V2    44,675,560   ``resnet_v2``             tf
ResNet152V2    60,380,648   ``resnet_v2``             tf
Xception       22,910,480   ``xception``              tf
InceptionRes.  55,873,736   ``inception_resnet_v2``   tf
NASNetMobile   5,326,716    ``nasnet``                tf
NASNetLarge    88,949,818   ``nasnet``                tf
=============  ===========  ========================  ==================

The newer families rescale inside the model (their ``preprocess_input``
passes data through): :mod:`.mobilenet_v3` (MobileNetV3Small/Large),
:mod:`.efficientnet` (EfficientNetB0-B7), :mod:`.efficientnet_v2`
(EfficientNetV2B0-B3, S, M, L) and :mod:`.convnext` (ConvNeXtTiny, Small,
Base, Large, XLarge).

Also: :func:`DigitsConvNet`, a small convnet that ships pretrained on the
digits 0-4 of ``tk.datasets.digits`` (for transfer learning offline),
:mod:`.torch_weights` (PyTorch state dicts in safetensors files) and
``python -m tinykeras convert`` (:mod:`.convert`, Keras files).

>>> import tinykeras as tk
>>> model = tk.applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(32, 32, 3),
...                                     include_top=False, pooling="avg")
>>> model.output_shape
(None, 1280)
"""
from . import (imagenet_utils, inception_v3, mobilenet, mobilenet_v2, resnet, resnet50, torch_weights,
               vgg16, vgg19)
from . import convnext, efficientnet, efficientnet_v2, mobilenet_v3
from .convnext import ConvNeXtBase, ConvNeXtLarge, ConvNeXtSmall, ConvNeXtTiny, ConvNeXtXLarge
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4,
                           EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3,
                              EfficientNetV2L, EfficientNetV2M, EfficientNetV2S)
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from . import densenet, inception_resnet_v2, nasnet, resnet_v2, xception
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .inception_resnet_v2 import InceptionResNetV2
from .nasnet import NASNetLarge, NASNetMobile
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .xception import Xception
from .digits import DigitsConvNet
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .resnet import ResNet50, ResNet101, ResNet152
from .vgg import VGG16, VGG19

ARCHITECTURES = ("VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "InceptionV3", "MobileNet",
                 "MobileNetV2", "DigitsConvNet")
ARCHITECTURES += ("MobileNetV3Small", "MobileNetV3Large") + tuple(f"EfficientNetB{i}" for i in range(8)) + tuple(
    f"EfficientNetV2{v}" for v in ("B0", "B1", "B2", "B3", "S", "M", "L")) + tuple(
    f"ConvNeXt{v}" for v in ("Tiny", "Small", "Base", "Large", "XLarge"))
ARCHITECTURES += ("DenseNet121", "DenseNet169", "DenseNet201", "ResNet50V2", "ResNet101V2", "ResNet152V2",
                  "Xception", "InceptionResNetV2", "NASNetMobile", "NASNetLarge")

__all__ = list(ARCHITECTURES) + ["imagenet_utils", "inception_v3", "mobilenet", "mobilenet_v2", "resnet",
                                 "resnet50", "torch_weights", "vgg16", "vgg19"]
__all__ += ["convnext", "efficientnet", "efficientnet_v2", "mobilenet_v3"]
__all__ += ["densenet", "inception_resnet_v2", "nasnet", "resnet_v2", "xception"]
