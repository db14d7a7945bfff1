"""``TextVectorization``: strings to token ids (or multi-hot / count vectors).

A small, pure-Python version of Keras's layer: standardize (lower-case and
strip punctuation), split on whitespace (or into characters), add n-grams,
then look each token up in a vocabulary that is given (a list of strings)
or learned with ``adapt(texts)``.  In ``"int"`` mode id 0 is padding and id
1 the out-of-vocabulary token ``"[UNK]"``; ``"multi_hot"`` and ``"count"``
give one float column per vocabulary entry (``"[UNK]"`` first), and
``"tf_idf"`` weighs the counts by inverse document frequencies.  The
vocabulary lives in a ``StringLookup`` (the lookup core all three layers
share).  A vocabulary file is read when the layer is made; the config
holds the tokens (a model file never names a file to read), except in a
``.keras`` archive, where an adapted vocabulary is in ``assets/`` (as Keras).

>>> layer = TextVectorization(output_sequence_length=4)
>>> layer.adapt(["the cat sat", "the dog sat down", "The cat!"])
>>> layer.get_vocabulary()
['', '[UNK]', 'the', 'sat', 'cat', 'down', 'dog']
>>> layer(["The cat sat on the mat."]).numpy().tolist()
[[2, 4, 3, 1]]
"""
import re

import numpy as np

from ... import backend
from ...core.tensor import Tensor
from ..layer import Layer
from .lookup import StringLookup
from .preprocessing_utils import adapt_batches, check_output_mode

DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
_STANDARDIZE = {None: lambda s: s, "lower": str.lower,
                "strip_punctuation": lambda s: re.sub(DEFAULT_STRIP_REGEX, "", s),
                "lower_and_strip_punctuation": lambda s: re.sub(DEFAULT_STRIP_REGEX, "", s.lower())}
_SPLIT = {None: lambda s: [s], "whitespace": str.split, "character": list}
_MODES = ("int", "multi_hot", "count", "tf_idf")


class TextVectorization(Layer):
    """``TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
    split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
    pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
    ragged=False, encoding="utf-8")``, as Keras 3.

    ``standardize`` and ``split`` may also be Python callables (``str -> str``
    and ``str -> list of str``); such a layer cannot be saved.  Inputs are a
    string, a list of strings or an array of strings (``(N,)`` or ``(N, 1)``).
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(**kwargs)
        where = f"TextVectorization {self.name!r}"
        output_mode = check_output_mode(where, output_mode, _MODES)
        if ragged:
            raise ValueError(f"{where}: ragged=True is not supported (tinykeras has no ragged tensors)")
        for arg, value, table in (("standardize", standardize, _STANDARDIZE), ("split", split, _SPLIT)):
            if not callable(value) and value not in table:
                raise ValueError(f"{where}: `{arg}` must be one of {sorted(map(str, table))} or a callable; "
                                 f"received {arg}={value!r}")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 1):
            raise ValueError(f"{where}: max_tokens must be an integer > 1 or None, got {max_tokens!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"{where}: output_sequence_length is only valid with output_mode='int'")
        self.max_tokens, self.standardize, self.split = max_tokens, standardize, split
        self.ngrams = (tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else
                       (tuple(ngrams) if ngrams is not None else None))
        self._ngrams_arg = ngrams
        self.output_mode, self.output_sequence_length = output_mode, output_sequence_length
        self.pad_to_max_tokens, self.encoding, self.sparse, self.ragged = pad_to_max_tokens, encoding, sparse, ragged
        self.autocast = False
        self.built = True
        # Not tracked as a sub-layer (it has no weights; its state is in this layer's config).
        object.__setattr__(self, "_lookup_layer", StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights, mask_token="",
            output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, encoding=encoding,
            vocabulary_size=vocabulary_size, name=f"{self.name}_lookup"))

    # -- vocabulary (the lookup layer's) ------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list of strings, or a file with one a line;
        the special tokens ``""`` and ``"[UNK]"`` may lead it), and with
        ``output_mode="tf_idf"`` its ``idf_weights``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data``: the most frequent tokens first,
        ties in reverse alphabetical order (as Keras), at most ``max_tokens``
        including the special tokens (and, for ``"tf_idf"``, the document
        frequencies: each text is a document).

        ``data`` is what Keras takes: a list or array of strings, or any
        iterable of batches of strings (a generator, a ``tk.utils`` dataset:
        ``ds.map(lambda x, y: x)`` for one of ``(texts, labels)``), of which
        ``steps`` batches are read if given.

        >>> layer = TextVectorization()
        >>> layer.adapt(batch for batch in [["a b"], ["b c", "b"]])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'b', 'c', 'a']
        """
        where = f"TextVectorization {self.name!r}.adapt()"
        self._lookup_layer._learn(self._tokenize(text) for batch in adapt_batches(data, steps, where)
                                  for text in self._texts(batch))

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
        rows = [self._tokenize(text) for text in self._texts(inputs)]
        flat = np.empty(sum(map(len, rows)), object)
        flat[:] = [t for r in rows for t in r]
        ids = self._lookup_layer._lookup(flat)
        width = self.output_sequence_length if self.output_mode == "int" and self.output_sequence_length \
            else max(map(len, rows), default=0)
        out = np.full((len(rows), width), 0 if self.output_mode == "int" else -1, np.int64)
        start = 0
        for row, r in zip(out, rows):
            n = min(len(r), width)
            row[:n] = ids[start:start + n]
            start += len(r)
        out = Tensor(out) if self.output_mode == "int" else self._lookup_layer._encode(out)
        return out[0] if scalar else out

    def _output_dtype(self):
        return "int64" if self.output_mode == "int" else backend.floatx()

    def compute_output_shape(self, input_shape):
        width = self.output_sequence_length if self.output_mode == "int" else \
            (self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size())
        return (input_shape[0] if input_shape else None, width)

    def _keras_assets(self):
        """Keras's assets and named datasets: the lookup layer's (see ``IndexLookup``)."""
        return self._lookup_layer._keras_assets()

    def _keras_arrays(self):
        return self._lookup_layer._keras_arrays()

    def _load_keras_state(self, files, stored, read):
        self._lookup_layer._load_keras_state(files, stored, read)

    def get_config(self):
        from ...saving.keras_assets import in_assets  # saving imports layers
        lookup = self._lookup_layer
        archived = in_assets(self) and not lookup._has_input_vocabulary  # Keras: in assets/, not the config
        idf = None if lookup.idf_weights is None or archived else \
            lookup.idf_weights[lookup._token_start_index():lookup.vocabulary_size()].tolist()
        return {**super().get_config(), "max_tokens": self.max_tokens, "standardize": self.standardize,
                "split": self.split, "ngrams": self._ngrams_arg, "output_mode": self.output_mode,
                "output_sequence_length": self.output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": self.sparse, "ragged": self.ragged,
                "vocabulary": None if archived else self.get_vocabulary(include_special_tokens=False) or None,
                "idf_weights": idf, "encoding": self.encoding}
