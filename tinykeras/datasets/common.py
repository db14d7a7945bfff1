"""What the downloaded data sets share: Keras's download folder, the
shuffled train/test split, the word-index files and the word-sequence
encoding of IMDB and Reuters (all as in ``keras/src/datasets``).

>>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
>>> (x_train, y_train), (x_test, y_test) = shuffle_split(x, y, test_split=0.4, seed=113)
>>> y_train.tolist(), y_test.tolist()
([1, 0, 3], [2, 4])
>>> encode([[5, 1]], start_char=1, index_from=3)
[[1, 8, 4]]
"""
import json

import numpy as np

from tinykeras.utils.data_utils import get_file

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def check_test_split(test_split):
    """Raises ``ValueError`` unless ``0 <= test_split < 1``."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. "
                         "It must be between 0 and 1 (exclusive of 1).")


def shuffle(rng, *arrays):
    """The arrays in one random order drawn from ``rng`` (a ``RandomState``)."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [a[indices] for a in arrays]


def shuffle_split(x, y, test_split, seed):
    """Shuffle with ``RandomState(seed)``, then the last ``test_split`` is the test set."""
    x, y = shuffle(np.random.RandomState(seed), x, y)
    n_train = int(len(x) * (1 - test_split))
    return (np.array(x[:n_train]), np.array(y[:n_train])), (np.array(x[n_train:]), np.array(y[n_train:]))


def load_word_index(fname, origin, file_hash):
    """Download (once) and read a JSON ``{word: index}`` file."""
    path = get_file(fname, origin=origin, file_hash=file_hash)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def encode(sequences, start_char, index_from):
    """Shift word indices by ``index_from`` and prepend ``start_char`` (if not None)."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    return [[w + index_from for w in x] for x in sequences]


def remove_long(maxlen, sequences, labels):
    """Keep the sequences shorter than ``maxlen`` (strictly, as Keras)."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Words outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped if None).

    Without ``num_words`` the limit is the largest index, so (as in Keras)
    that one word also counts as out of vocabulary.
    """
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]
