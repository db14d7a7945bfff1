"""Keras 3's CTC (Connectionist Temporal Classification) loss, as a function
and as a ``LossFunctionWrapper`` class, on top of ``ops.ctc_loss``.

>>> import numpy as np, tinykeras as tk
>>> logits = np.zeros((1, 2, 2), "float32")     # 2 steps, blank (0) and class 1
>>> round(tk.losses.ctc([[1]], logits).item(), 4)
0.2877
"""
from .. import ops
from .labels import check, expects
from .loss import LossFunctionWrapper


@expects("sequence")
def ctc(y_true, y_pred):
    """Per-sample CTC loss of integer labels ``y_true`` ``(batch, max_length)``
    (0 is the blank and pads the labels) and logits ``y_pred`` ``(batch, steps,
    classes)`` (not softmaxed); every sample uses all ``steps``.

    >>> import numpy as np
    >>> ctc([[1, 0]], np.zeros((1, 2, 2), "float32")).shape
    (1,)
    """
    check(ctc, y_true, y_pred)
    y_pred = ops.convert_to_tensor(y_pred)
    batch, steps = y_pred.shape[:2]
    label_length = ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1)
    return ops.ctc_loss(y_true, y_pred, label_length, ops.full((batch,), steps, "int32"), mask_index=0)


class CTC(LossFunctionWrapper):
    """``CTC(reduction="sum_over_batch_size", name="ctc", dtype=None)``: :func:`ctc` averaged.

    >>> import numpy as np
    >>> round(CTC()([[1]], np.zeros((1, 2, 2), "float32")).item(), 4)
    0.2877
    """

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}
