"""IMDB movie reviews for sentiment classification, downloaded on first use.

25,000 training and 25,000 test reviews labelled 1 (positive) or 0
(negative), each a list of word indices: word ``i`` is the ``i``-th most
frequent word, shifted by ``index_from`` (3) so that 0 is padding, 1 the
start mark and 2 "out of vocabulary".  Same file (``imdb.npz``, sha256
checked), arguments and results as ``keras.datasets.imdb``.

The reviews are stored as ``dtype=object`` arrays, i.e. pickles: they are
read with :mod:`tinykeras.datasets.safe_pickle`, which builds only lists,
numbers and NumPy arrays and never runs code from the file.

Licence: Andrew Maas et al., "Learning Word Vectors for Sentiment
Analysis" (ACL 2011), https://ai.stanford.edu/~amaas/data/sentiment/.
"""
import numpy as np

from tinykeras.datasets import common, safe_pickle
from tinykeras.utils.data_utils import get_file

BASE_URL = common.KERAS_DATASETS_URL
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads IMDB, like ``keras.datasets.imdb.load_data``.

    Args:
        path: name of the file in the cache folder.
        num_words: keep the ``num_words`` most frequent words (indices
            below ``num_words``); the others become ``oov_char``.  None keeps
            all (except, as in Keras, the single largest index).
        skip_top: the ``skip_top`` most frequent indices also become
            ``oov_char``.
        maxlen: drop the reviews of ``maxlen`` words or more (start mark
            included); ``ValueError`` if none is left.
        seed: seed of the shuffle (train and test are shuffled).
        start_char: index put at the start of each review (None: none).
        oov_char: index of dropped words (None: remove them instead).
        index_from: added to every word index.
        **kwargs: Keras ignores unknown arguments; tinykeras raises
            ``TypeError`` naming them.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` are object arrays of
        lists of ints, ``y`` int arrays of 0/1.

    Example:

    >>> (x_train, y_train), _ = load_data(num_words=10000)  # doctest: +SKIP
    >>> x_train.shape, x_train[0][:3]  # doctest: +SKIP
    ((25000,), [1, 14, 22])
    """
    if kwargs:
        raise TypeError(f"imdb.load_data() got unexpected keyword arguments: {sorted(kwargs)}")
    path = get_file(fname=path, origin=f"{BASE_URL}imdb.npz", file_hash=FILE_HASH)
    arrays = safe_pickle.load_npz(path)
    rng = np.random.RandomState(seed)
    x_train, labels_train = common.shuffle(rng, arrays["x_train"], arrays["y_train"])
    x_test, labels_test = common.shuffle(rng, arrays["x_test"], arrays["y_test"])
    x_train = common.encode(x_train, start_char, index_from)
    x_test = common.encode(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = common.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = common.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                             "no sequence was kept. Increase maxlen.")
    xs = common.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return ((np.array(xs[:n], dtype="object"), labels[:n]),
            (np.array(xs[n:], dtype="object"), labels[n:]))


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: index}`` dict of IMDB (indices before ``index_from``).

    Example (decode a review):

    >>> (x_train, _), _ = load_data()  # doctest: +SKIP
    >>> words = {i + 3: w for w, i in get_word_index().items()}  # doctest: +SKIP
    >>> " ".join(words.get(i, "?") for i in x_train[0][1:5])  # doctest: +SKIP
    'this film was just'
    """
    return common.load_word_index(path, f"{BASE_URL}imdb_word_index.json", WORD_INDEX_HASH)
