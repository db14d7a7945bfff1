"""``keras.preprocessing``: what Keras 3 still keeps there, as aliases.

* ``keras.preprocessing.sequence.pad_sequences``
* ``keras.preprocessing.image``: ``load_img``, ``save_img``, ``img_to_array``,
  ``array_to_img``, ``smart_resize``
* ``image_dataset_from_directory``, ``text_dataset_from_directory``,
  ``timeseries_dataset_from_array`` (the ``keras.utils`` functions).

Keras 3 removed ``keras.preprocessing.text`` (``Tokenizer``...) and the old
``ImageDataGenerator``; use ``keras.layers.TextVectorization`` and the
preprocessing layers instead.  So does tinykeras: those names raise
``AttributeError``.

>>> import tinykeras as keras
>>> keras.preprocessing.sequence.pad_sequences([[1, 2]], maxlen=4).tolist()
[[0, 0, 1, 2]]
"""
from tinykeras.preprocessing import image, sequence

_FROM_UTILS = ("image_dataset_from_directory", "text_dataset_from_directory",
               "timeseries_dataset_from_array")


def __getattr__(name):
    """The dataset builders live in ``tinykeras.utils``; load them on first use."""
    if name in _FROM_UTILS:
        from tinykeras import utils
        return getattr(utils, name)
    raise AttributeError(f"module 'tinykeras.preprocessing' has no attribute {name!r}")


__all__ = ["image", "sequence", *_FROM_UTILS]
