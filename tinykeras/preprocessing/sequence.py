"""``keras.preprocessing.sequence``: ``pad_sequences`` (the ``keras.utils`` one).

>>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
[[2, 3], [0, 4]]
"""
from tinykeras.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
