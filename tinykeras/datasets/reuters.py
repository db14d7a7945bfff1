"""Reuters newswires for topic classification, downloaded on first use.

11,228 newswires labelled over 46 topics, each a list of word indices
encoded as in :mod:`tinykeras.datasets.imdb` (0 padding, 1 start, 2 out of
vocabulary, words from ``index_from``).  Same file (``reuters.npz``, sha256
checked), arguments and results as ``keras.datasets.reuters``; read with
:mod:`tinykeras.datasets.safe_pickle` (no code runs from the file).

Licence: the Reuters-21578 collection (Distribution 1.0), free for research
use, https://archive.ics.uci.edu/dataset/137.
"""
import numpy as np

from tinykeras.datasets import common, safe_pickle
from tinykeras.utils.data_utils import get_file

BASE_URL = common.KERAS_DATASETS_URL
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Loads Reuters, like ``keras.datasets.reuters.load_data``.

    Args:
        path: name of the file in the cache folder.
        num_words, skip_top, maxlen, seed, start_char, oov_char,
            index_from: as in :func:`tinykeras.datasets.imdb.load_data`
            (here ``maxlen`` may leave nothing, and the whole set is
            shuffled once).
        test_split: the last fraction of the shuffled newswires is the
            test set.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` are object arrays of
        lists of ints, ``y`` int arrays of topics 0..45 (see
        :func:`get_label_names`).

    Example:

    >>> (x_train, y_train), (x_test, y_test) = load_data(num_words=10000)  # doctest: +SKIP
    >>> len(x_train), len(x_test), get_label_names()[y_train[0]]  # doctest: +SKIP
    (8982, 2246, 'earn')
    """
    path = get_file(path, origin=f"{BASE_URL}reuters.npz", file_hash=FILE_HASH)
    arrays = safe_pickle.load_npz(path)
    xs, labels = common.shuffle(np.random.RandomState(seed), arrays["x"], arrays["y"])
    xs = common.encode(xs, start_char, index_from)
    if maxlen:
        xs, labels = common.remove_long(maxlen, xs, labels)
    xs = common.limit_vocabulary(xs, num_words, skip_top, oov_char)
    n = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:n], dtype="object"), np.array(labels[:n])),
            (np.array(xs[n:], dtype="object"), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: index}`` dict of Reuters (indices before ``index_from``).

    >>> get_word_index()["the"]  # doctest: +SKIP
    1
    """
    return common.load_word_index(path, f"{BASE_URL}reuters_word_index.json", WORD_INDEX_HASH)


def get_label_names():
    """The 46 topic names, in label order (a tuple, as Keras).

    >>> get_label_names()[:3], len(get_label_names())
    (('cocoa', 'grain', 'veg-oil'), 46)
    """
    return LABEL_NAMES
