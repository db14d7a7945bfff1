"""``TextVectorization``: strings to token ids (or multi-hot / count vectors).

A small, pure-Python version of Keras's layer: standardize (lower-case and
strip punctuation), split on whitespace (or into characters), add n-grams,
then look each token up in a vocabulary that is given (a list of strings)
or learned with ``adapt(texts)``.  In ``"int"`` mode id 0 is padding and id
1 the out-of-vocabulary token ``"[UNK]"``; ``"multi_hot"`` and ``"count"``
give one float column per vocabulary entry (``"[UNK]"`` first).
Vocabulary files and URLs are not supported (a model file never names a
file to read).

>>> layer = TextVectorization(output_sequence_length=4)
>>> layer.adapt(["the cat sat", "the dog sat down", "The cat!"])
>>> layer.get_vocabulary()
['', '[UNK]', 'the', 'sat', 'cat', 'down', 'dog']
>>> layer(["The cat sat on the mat."]).numpy().tolist()
[[2, 4, 3, 1]]
"""
import itertools
import re
from collections import Counter

import numpy as np

from ...core.tensor import Tensor
from ..layer import Layer

DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
MASK_TOKEN, OOV_TOKEN = "", "[UNK]"
_STANDARDIZE = {None: lambda s: s, "lower": str.lower,
                "strip_punctuation": lambda s: re.sub(DEFAULT_STRIP_REGEX, "", s),
                "lower_and_strip_punctuation": lambda s: re.sub(DEFAULT_STRIP_REGEX, "", s.lower())}
_SPLIT = {None: lambda s: [s], "whitespace": str.split, "character": list}
_MODES = ("int", "multi_hot", "count")


class TextVectorization(Layer):
    """``TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
    split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
    pad_to_max_tokens=False, vocabulary=None)``.

    ``standardize`` and ``split`` may also be Python callables (``str -> str``
    and ``str -> list of str``); such a layer cannot be saved.  Inputs are a
    string, a list of strings or an array of strings (``(N,)`` or ``(N, 1)``).
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        where = f"TextVectorization {self.name!r}"
        if output_mode not in _MODES:
            raise ValueError(f"{where}: output_mode must be one of {_MODES} in tinykeras (no 'tf_idf'); "
                             f"received output_mode={output_mode!r}")
        if sparse or ragged or idf_weights is not None:
            raise ValueError(f"{where}: sparse, ragged and idf_weights are not supported by tinykeras")
        for arg, value, table in (("standardize", standardize, _STANDARDIZE), ("split", split, _SPLIT)):
            if not callable(value) and value not in table:
                raise ValueError(f"{where}: `{arg}` must be one of {sorted(map(str, table))} or a callable; "
                                 f"received {arg}={value!r}")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 1):
            raise ValueError(f"{where}: max_tokens must be an integer > 1 or None, got {max_tokens!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"{where}: output_sequence_length is only valid with output_mode='int'")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: pad_to_max_tokens=True needs max_tokens")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = (tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else
                       (tuple(ngrams) if ngrams is not None else None))
        self._ngrams_arg = ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.encoding = pad_to_max_tokens, encoding
        self.autocast = False
        self.built = True
        self._tokens = []
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # -- vocabulary -------------------------------------------------------------
    def _specials(self):
        return [MASK_TOKEN, OOV_TOKEN] if self.output_mode == "int" else [OOV_TOKEN]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list of strings; the special tokens ``""`` and
        ``"[UNK]"`` may lead it, else they are added)."""
        if isinstance(vocabulary, (str, bytes)) or idf_weights is not None:
            raise ValueError(f"TextVectorization {self.name!r}: the vocabulary must be a list of strings "
                             f"(vocabulary files are not supported), got {vocabulary!r}")
        tokens = [t.decode(self.encoding) if isinstance(t, bytes) else str(t) for t in np.asarray(vocabulary).ravel()]
        specials = self._specials()
        if tokens[:len(specials)] == specials:
            tokens = tokens[len(specials):]
        repeated = sorted({t for t, n in Counter(tokens).items() if n > 1} | (set(tokens) & set(specials)))
        if repeated:
            raise ValueError(f"TextVectorization {self.name!r}: the vocabulary repeats tokens or contains a "
                             f"special token elsewhere than at its start: {repeated[:10]}")
        if self.max_tokens is not None and len(tokens) + len(specials) > self.max_tokens:
            raise ValueError(f"TextVectorization {self.name!r}: a vocabulary of {len(tokens) + len(specials)} "
                             f"tokens (with {specials}) is larger than max_tokens={self.max_tokens}")
        self._tokens = tokens
        self._index = {t: i + len(specials) for i, t in enumerate(tokens)}

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data``: the most frequent tokens first,
        ties in reverse alphabetical order (as Keras), at most ``max_tokens``
        including the special tokens.

        ``data`` is what Keras takes: a list or array of strings, or any
        iterable of batches of strings (a generator, a ``tk.utils`` dataset:
        ``ds.map(lambda x, y: x)`` for one of ``(texts, labels)``), of which
        ``steps`` batches are read if given.

        >>> layer = TextVectorization()
        >>> layer.adapt(batch for batch in [["a b"], ["b c", "b"]])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'b', 'c', 'a']
        """
        if isinstance(data, (str, bytes, list, tuple, np.ndarray, Tensor)) or not hasattr(data, "__iter__"):
            texts = self._texts(data)
        else:
            texts = [text for batch in itertools.islice(data, steps) for text in self._batch_texts(batch)]
        counts = Counter(tok for text in texts for tok in self._tokenize(text))
        order = sorted(counts, key=lambda t: (counts[t], t.encode(self.encoding)), reverse=True)
        if self.max_tokens is not None:
            order = order[:self.max_tokens - len(self._specials())]
        self.set_vocabulary(order)

    def get_vocabulary(self, include_special_tokens=True):
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self):
        return len(self._specials()) + len(self._tokens)

    def _batch_texts(self, batch):
        if isinstance(batch, (tuple, dict)):
            raise ValueError(f"TextVectorization {self.name!r}: adapt() takes batches of strings, but this "
                             f"dataset yields {type(batch).__name__}s (e.g. (texts, labels)): adapt on "
                             "ds.map(lambda x, y: x)")
        return self._texts(batch)

    # -- text to ids ------------------------------------------------------------
    def _texts(self, data):
        if isinstance(data, Tensor):
            data = data.numpy()
        if isinstance(data, (str, bytes)):
            data = [data]
        arr = np.asarray(data, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"TextVectorization {self.name!r}: expects a string, or a batch of strings of "
                             f"shape (N,) or (N, 1); received shape {arr.shape}")
        return [t.decode(self.encoding) if isinstance(t, bytes) else str(t) for t in arr]

    def _tokenize(self, text):
        standardize = self.standardize if callable(self.standardize) else _STANDARDIZE[self.standardize]
        split = self.split if callable(self.split) else _SPLIT[self.split]
        tokens = list(split(standardize(text)))
        if not self.ngrams:
            return tokens
        return [" ".join(tokens[i:i + n]) for n in self.ngrams for i in range(len(tokens) - n + 1)]

    def call(self, inputs):
        scalar = isinstance(inputs, (str, bytes)) or (isinstance(inputs, np.ndarray) and inputs.ndim == 0)
        oov = self._specials().index(OOV_TOKEN)
        ids = [[self._index.get(t, oov) for t in self._tokenize(text)] for text in self._texts(inputs)]
        if self.output_mode == "int":
            width = self.output_sequence_length or max((len(r) for r in ids), default=0)
            out = np.zeros((len(ids), width), np.int64)
            for row, r in zip(out, ids):
                row[:min(len(r), width)] = r[:width]
        else:
            width = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
            out = np.zeros((len(ids), width), np.float32)
            for row, r in zip(out, ids):
                np.add.at(row, r, 1.0)
            if self.output_mode == "multi_hot":
                out = np.minimum(out, 1.0)
        return Tensor(out[0] if scalar else out)

    def compute_output_shape(self, input_shape):
        width = self.output_sequence_length if self.output_mode == "int" else \
            (self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size())
        return (input_shape[0] if input_shape else None, width)

    def get_config(self):
        return {**super().get_config(), "max_tokens": self.max_tokens, "standardize": self.standardize,
                "split": self.split, "ngrams": self._ngrams_arg, "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary": list(self._tokens) or None,
                "encoding": self.encoding}
