"""``IndexLookup``: the vocabulary core of ``StringLookup``, ``IntegerLookup``
and ``TextVectorization`` (as in Keras), in pure Python.

Ids, for a vocabulary ``[t0, t1, ...]``: with ``output_mode="int"`` and a
``mask_token``, id 0 is the mask; then come ``num_oov_indices`` ids for
out-of-vocabulary values, then the tokens.  ``adapt()`` counts the tokens
(most frequent first, ties from the highest token down, as Keras), and
``output_mode="tf_idf"`` also learns the inverse document frequencies.
The vocabulary (with its special tokens) and the idf weights are kept in the
config, so a saved layer comes back with them; in a ``.keras`` archive an
adapted layer keeps them where Keras does (``assets/<path>/vocabulary.txt``
and the ``idf_weights`` dataset, :mod:`tinykeras.saving.keras_assets`).

>>> from tinykeras.layers import StringLookup
>>> layer = StringLookup()
>>> layer.adapt([["b", "a"], ["b", "c"]])
>>> layer.get_vocabulary()
['[UNK]', 'b', 'c', 'a']
>>> layer([["a", "z"]]).numpy().tolist()
[[3, 0]]
"""
import os
from collections import Counter

import numpy as np

from .... import backend
from ....core.tensor import Tensor
from ...layer import Layer
from ..preprocessing_utils import (OUTPUT_MODES, adapt_batches, check_output_mode, encode_categorical,
                                   encoded_shape, host, refuse_sparse)
from ..hashing.hash_functions import as_hash_bytes, fingerprint64, siphash64


class IndexLookup(Layer):
    """Maps tokens to ids (or ids back to tokens with ``invert=True``).

    Subclasses give ``vocabulary_dtype`` and say how values are read
    (``_token``: one input value as the Python token, ``_token_array``: an
    input as an array of tokens).
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        frozen = kwargs.pop("vocabulary_size", None)
        kwargs.pop("has_input_vocabulary", None)
        super().__init__(name=name, **kwargs)
        where = self._where = f"{type(self).__name__} {self.name!r}"
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{where}: if set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: if pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"{where}: `num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{where}: `oov_method` must be one of ('floormod', 'farmhash'). "
                             f"Received: oov_method={oov_method!r}")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"{where}: `salt` can only be used when `oov_method='farmhash'`. "
                                 f"Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"{where}: the `salt` argument can only be a tuple of 2 integers, or a "
                                 f"single integer. Received: salt={salt}.")
        output_mode = check_output_mode(where, output_mode, OUTPUT_MODES + ("tf_idf",))
        if invert and output_mode != "int":
            raise ValueError(f"{where}: `output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        refuse_sparse(where, sparse, output_mode)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{where}: `idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f"{where}: when specifying the `vocabulary` argument, in TF-IDF output mode, "
                             "the `idf_weights` argument must also be provided.")
        self.invert, self.max_tokens, self.num_oov_indices = invert, max_tokens, num_oov_indices
        self.mask_token, self.oov_token, self.output_mode = mask_token, oov_token, output_mode
        self.sparse, self.pad_to_max_tokens, self.vocabulary_dtype = sparse, pad_to_max_tokens, vocabulary_dtype
        self.oov_method, self.salt = oov_method, salt
        self._has_input_vocabulary = vocabulary is not None
        self._frozen_vocab_size = frozen
        self._tokens, self._index, self.idf_weights = [], {}, None
        self.autocast = False
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- ids of the special tokens ---------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _specials(self):
        return [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices

    # -- vocabulary --------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary; with the special tokens, a token's position is its id."""
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self):
        """The number of ids, special tokens included."""
        return self._token_start_index() + len(self._tokens)

    def _read_vocabulary_file(self, path):
        if not os.path.isfile(path):
            raise ValueError(f"{self._where}: vocabulary file {path} does not exist.")
        with open(path, encoding=getattr(self, "encoding", "utf-8")) as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Use ``vocabulary`` (a list, array or Tensor of tokens, or the path of
        a text file with one token a line); ``idf_weights`` (one per token)
        is needed, and only allowed, with ``output_mode="tf_idf"``.  The
        special tokens may lead the vocabulary, in their order, or be left out."""
        where = self._where
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{where}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{where}: `idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, bytes)):
            if self.output_mode == "tf_idf":
                raise ValueError(f"{where}: output_mode `'tf_idf'` does not support loading a vocabulary "
                                 "from file.")
            vocabulary = self._read_vocabulary_file(vocabulary)
        if isinstance(vocabulary, (list, tuple)) and all(isinstance(t, (str, bytes, int)) for t in vocabulary):
            values = vocabulary  # not through NumPy, which pads every string to the longest one
        else:
            values = host(vocabulary).ravel().tolist()
        tokens = [self._token(t) for t in values]
        if not tokens:
            raise ValueError(f"{where}: cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        specials = self._specials()
        found_specials = tokens[:len(specials)] == specials
        if found_specials:
            tokens = tokens[len(specials):]
        repeated = sorted((t for t, n in Counter(tokens).items() if n > 1), key=str)
        if repeated:
            raise ValueError(f"{where}: the passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        for kind, token, check in (("mask", self.mask_token, True), ("OOV", self.oov_token, self.invert)):
            if check and token is not None and token in tokens:
                raise ValueError(f"{where}: found reserved {kind} token at unexpected location in "
                                 "`vocabulary`. Note that passed `vocabulary` does not need to include the "
                                 "OOV and mask tokens. Either remove all mask and OOV tokens, or include "
                                 f"them only at the start of the vocabulary in precisely this order: "
                                 f"{specials}. Received: {kind.lower()}_token={token!r} at vocabulary index "
                                 f"{len(specials) * found_specials + tokens.index(token)}")
        size = len(specials) + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{where}: attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {size}; `max_tokens` is {self.max_tokens}.")
        if idf_weights is not None:
            idf = host(idf_weights, backend.floatx())
            if idf.ndim != 1 or len(idf) != len(tokens) + len(specials) * found_specials:
                raise ValueError(f"{where}: `idf_weights` must be a 1-D array as long as the vocabulary "
                                 f"({len(tokens) + len(specials) * found_specials}); received shape {idf.shape}")
            self._set_idf(idf, 0 if found_specials else len(specials))
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        self._tokens = tokens
        start = self._token_start_index()
        self._index = {t: i + start for i, t in enumerate(tokens)}
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(f"{self._where}: when using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, the vocabulary size cannot be changed after the "
                               f"layer is called. Old vocab size is {self._frozen_vocab_size}, new vocab size "
                               f"is {size}")
        self._frozen_vocab_size = size

    def _set_idf(self, idf, front):
        """``idf`` padded at the front (``front`` entries: their mean, as Keras)
        and, with ``pad_to_max_tokens``, at the back with zeros."""
        back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens and self.max_tokens else 0
        mean = float(np.mean(idf)) if len(idf) else 0.0
        self.idf_weights = np.pad(idf, (front, back), constant_values=(mean, 0)).astype(backend.floatx())

    # -- adapt -------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data``: an array, list or Tensor (a
        vector is a column of one-token documents), or an iterable of batches
        (a generator, a ``tk.utils`` dataset), at most ``steps`` of them."""
        whole = isinstance(data, (np.ndarray, Tensor, list, tuple)) or not hasattr(data, "__iter__")

        def documents():
            for batch in adapt_batches(data, steps, f"{self._where}.adapt()"):
                batch = self._token_array(batch)
                if batch.ndim <= 1:  # Keras: one document per value of an array, one per batch of a dataset
                    batch = batch.reshape(-1, 1) if whole else batch.reshape(1, -1)
                yield from batch.reshape(len(batch), -1).tolist()
        self._learn(documents())

    def _learn(self, documents):
        """Set the vocabulary (and idf weights) from ``documents``, lists of tokens."""
        if self._has_input_vocabulary:
            raise ValueError(f"{self._where}: cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        counts, doc_counts, num_documents = Counter(), Counter(), 0
        for document in documents:
            counts.update(document)
            if self.output_mode == "tf_idf":
                doc_counts.update(set(document))
                num_documents += 1
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if not counts:
            return
        order = sorted(counts, key=lambda t: (counts[t], self._sort_key(t)), reverse=True)
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        if self.output_mode == "tf_idf":
            df = np.array([doc_counts[t] for t in order], np.float64)
            idf = np.log(1 + num_documents / (1 + df)).astype(backend.floatx())
            self._set_idf(idf, self._token_start_index())
        self._set_tokens(order)

    def _sort_key(self, token):
        return token

    # -- lookups -----------------------------------------------------------------
    def _oov_ids(self, values):
        """Ids for out-of-vocabulary ``values`` (a list)."""
        start, n = self._oov_start_index(), self.num_oov_indices
        if n == 1:
            return [start] * len(values)
        if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
            return [start + int(v) % n for v in values]
        hashes = [fingerprint64(as_hash_bytes(v)) if self.salt is None else siphash64(as_hash_bytes(v), self.salt)
                  for v in values]
        return [start + h % n for h in hashes]

    def _lookup(self, values):
        flat = values.ravel().tolist()
        ids = [self._index.get(v, -1) for v in flat]
        missing = [i for i, k in enumerate(ids) if k < 0 and not (self.mask_token is not None
                                                                  and flat[i] == self.mask_token)]
        if missing and self.num_oov_indices == 0:
            raise ValueError(f"{self._where}: when `num_oov_indices=0` all inputs should be in vocabulary, "
                             f"found OOV values {sorted({flat[i] for i in missing}, key=str)[:10]}, consider "
                             "setting `num_oov_indices=1`.")
        for i, k in zip(missing, self._oov_ids([flat[i] for i in missing])):
            ids[i] = k
        if self.mask_token is not None:  # 0 in "int" mode, dropped (-1) by the encodings
            mask_id = 0 if self.output_mode == "int" else -1
            ids = [mask_id if v == self.mask_token else k for v, k in zip(flat, ids)]
        return np.asarray(ids, np.int64).reshape(values.shape)

    def _invert(self, ids):
        vocab = self.get_vocabulary()
        start = self._token_start_index()
        out = [vocab[i] if start <= i < len(vocab) else self.oov_token for i in ids.ravel().tolist()]
        if self.mask_token is not None:
            out = [self.mask_token if i == 0 else t for i, t in zip(ids.ravel().tolist(), out)]
        return out

    def call(self, inputs):
        if self.invert:
            return self._inverted_output(self._invert(host(inputs, np.int64)), np.shape(host(inputs)))
        if self.output_mode != "int" and not self.pad_to_max_tokens and not self._tokens:
            raise RuntimeError(f"{self._where}: when using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's vocabulary before calling "
                               "it. Either pass a `vocabulary` argument to the layer, or call `adapt` with "
                               "some sample data.")
        ids = self._lookup(self._token_array(host(inputs)))
        return Tensor(ids) if self.output_mode == "int" else self._encode(ids)

    def _encode(self, ids):
        """Ids (-1 for nothing) encoded for a mode other than ``"int"``."""
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        out = encode_categorical(ids, "count" if self.output_mode == "tf_idf" else self.output_mode, depth,
                                 self._output_dtype())
        if self.output_mode == "tf_idf":
            out = out * self.idf_weights[:depth].astype(out.dtype)
        return Tensor(np.asarray(out, order="C"))

    def _output_dtype(self):
        return "int64" if self.output_mode == "int" else backend.floatx()

    def compute_output_shape(self, input_shape):
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(input_shape, "count" if self.output_mode == "tf_idf" else self.output_mode, depth)

    # -- Keras's state in a .keras archive (tinykeras.saving.keras_assets) ------------
    def _keras_assets(self):
        """``vocabulary.txt``, unless the vocabulary was given (and so is in the config)."""
        from ....saving.keras_assets import vocabulary_text  # saving imports layers
        return {} if self._has_input_vocabulary else \
            {"vocabulary.txt": vocabulary_text(self.get_vocabulary(), self._where)}

    def _keras_arrays(self):
        """The ``idf_weights`` dataset, in ``"tf_idf"`` mode."""
        tf_idf = self.output_mode == "tf_idf" and self.idf_weights is not None
        return {"idf_weights": self.idf_weights} if tf_idf else {}

    def _load_keras_state(self, files, stored, read):
        """What :meth:`_keras_assets` and :meth:`_keras_arrays` wrote (or Keras's ``save_assets`` and
        ``save_own_variables``): the idf weights' shape is checked against the
        vocabulary before they are read."""
        from ....saving.keras_assets import read_lines  # saving imports layers
        unknown = sorted(set(files) - {"vocabulary.txt"}) + sorted(set(stored) - {"idf_weights"})
        if unknown:
            raise ValueError(f"unexpected saved state {unknown} (a lookup layer saves vocabulary.txt and "
                             "idf_weights)")
        tokens = None
        if "vocabulary.txt" in files and not self._has_input_vocabulary:  # else Keras ignores it too
            tokens = read_lines(files["vocabulary.txt"], "vocabulary.txt")  # set_vocabulary() reads each token
            specials = self._specials()
            if [self._token(t) for t in tokens[:len(specials) + 1]] == specials:
                tokens = None  # an empty layer, as saved before adapt()
        idf = None
        if "idf_weights" in stored:
            size = len(tokens) if tokens is not None else len(self.idf_weights) if self.idf_weights is not None \
                else None
            lengths = {size, self.max_tokens if self.pad_to_max_tokens and tokens is not None else None}
            info = stored["idf_weights"]
            if self.output_mode != "tf_idf" or len(info.shape) != 1 or info.shape[0] not in lengths or \
                    info.dtype not in ("F16", "F32", "F64"):
                raise ValueError(f"idf_weights of shape {list(info.shape)} and dtype {info.dtype} do not fit "
                                 f"output_mode={self.output_mode!r} and a vocabulary of {size} tokens")
            idf = np.asarray(read(["idf_weights"])["idf_weights"], backend.floatx())
        if tokens is not None:
            if self.output_mode == "tf_idf" and idf is None:
                raise ValueError("output_mode='tf_idf' needs the idf_weights dataset beside vocabulary.txt")
            self.set_vocabulary(tokens, None if idf is None else idf[:len(tokens)])
        elif idf is not None:
            self.idf_weights = idf

    def get_config(self):
        from ....saving.keras_assets import in_assets  # saving imports layers
        archived = in_assets(self) and not self._has_input_vocabulary  # Keras: in assets/, not the config
        vocabulary = self.get_vocabulary() if self._tokens and not archived else None
        idf = None if self.idf_weights is None or archived else \
            self.idf_weights[:self.vocabulary_size()].tolist()
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode, "sparse": self.sparse,
                "pad_to_max_tokens": self.pad_to_max_tokens, "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": idf, "vocabulary": vocabulary, "vocabulary_size": self._frozen_vocab_size,
                "oov_method": self.oov_method, "salt": self.salt}
