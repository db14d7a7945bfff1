"""IMDB, Reuters, CIFAR-10/100, Boston and California housing.

Each test builds small files in the real formats (``.npz`` with ragged
object arrays, Python-2 pickled CIFAR batches in a ``.tar.gz``), serves
them on 127.0.0.1 and checks download -> checksum -> cache, the results,
and (where Keras is installed) that Keras 3 asks for the same URL, file
name and hash and returns the same arrays from the same file.  Hostile
pickles must be refused without running anything.
"""
import io
import json
import os
import pickle
import struct
import tarfile
import warnings

import numpy as np
import pytest

from file_server import server, sha256  # noqa: F401  (the `server` fixture)
from tinykeras import backend
from tinykeras.datasets import (boston_housing, california_housing, cifar, cifar10, cifar100, imdb,
                                reuters, safe_pickle)

RNG = np.random.RandomState(0)


def ragged(n, low=1, high=40):
    """An object array of ``n`` lists of word indices of different lengths."""
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in RNG.randint(low, high, 2 + i % 7)]
    return out


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


class Py2Pickler(pickle._Pickler):
    """Writes ``str`` and ``bytes`` as Python 2 strings, as the CIFAR files are."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_string(self, obj):
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = dispatch[bytes] = save_string


def py2_pickle(obj):
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(obj)
    # Python 2's NumPy lived in numpy.core, as in the real files.
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def cifar_batch(n, label_keys):
    batch = {"batch_label": "training batch", "data": RNG.randint(0, 256, (n, 3072)).astype(np.uint8),
             "filenames": [f"img_{i}.png" for i in range(n)]}
    for key, classes in label_keys.items():
        batch[key] = [int(c) for c in RNG.randint(0, classes, n)]
    return batch


def tar_gz(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def make_files():
    """name -> (module, {served file: bytes}, {hash attribute: served file}, raw data)."""
    imdb_arrays = {"x_train": ragged(9), "y_train": RNG.randint(0, 2, 9),
                   "x_test": ragged(6), "y_test": RNG.randint(0, 2, 6)}
    reuters_arrays = {"x": ragged(12), "y": RNG.randint(0, 46, 12)}
    boston = {"x": RNG.rand(21, 13) * 100, "y": RNG.rand(21) * 50}
    california = {"x": RNG.rand(700, 8).astype("float32"), "y": (RNG.rand(700) * 5e5).astype("float32")}
    c10 = {f"data_batch_{i}": cifar_batch(3, {"labels": 10}) for i in range(1, 6)}
    c10["test_batch"] = cifar_batch(4, {"labels": 10})
    c10["batches.meta"] = {"label_names": ["airplane"] * 10, "num_vis": 3072}
    c100 = {name: cifar_batch(n, {"fine_labels": 100, "coarse_labels": 20})
            for name, n in (("train", 5), ("test", 3))}
    return {
        "imdb": (imdb, {"imdb.npz": npz_bytes(**imdb_arrays),
                        "imdb_word_index.json": json.dumps({"the": 1, "and": 2}).encode()},
                 {"FILE_HASH": "imdb.npz", "WORD_INDEX_HASH": "imdb_word_index.json"}, imdb_arrays),
        "reuters": (reuters, {"reuters.npz": npz_bytes(**reuters_arrays),
                              "reuters_word_index.json": json.dumps({"the": 1}).encode()},
                    {"FILE_HASH": "reuters.npz", "WORD_INDEX_HASH": "reuters_word_index.json"},
                    reuters_arrays),
        "boston_housing": (boston_housing, {"boston_housing.npz": npz_bytes(**boston)},
                           {"FILE_HASH": "boston_housing.npz"}, boston),
        "california_housing": (california_housing, {"california_housing.npz": npz_bytes(**california)},
                               {"FILE_HASH": "california_housing.npz"}, california),
        "cifar10": (cifar10, {"cifar-10-python.tar.gz": tar_gz(
            {f"cifar-10-batches-py/{k}": py2_pickle(v) for k, v in c10.items()})},
            {"FILE_HASH": "cifar-10-python.tar.gz"}, c10),
        "cifar100": (cifar100, {"cifar-100-python.tar.gz": tar_gz(
            {f"cifar-100-python/{k}": py2_pickle(v) for k, v in c100.items()})},
            {"FILE_HASH": "cifar-100-python.tar.gz"}, c100),
    }


FILES = make_files()


def serve(name, server, monkeypatch):  # noqa: F811
    """Serve the files of data set ``name``; point its module at the server."""
    module, files, hashes, raw = FILES[name]
    for fname, data in files.items():
        (server.folder / fname).write_bytes(data)
    for attribute, fname in hashes.items():
        monkeypatch.setattr(module, attribute, sha256(files[fname]))
    if hasattr(module, "BASE_URL"):
        monkeypatch.setattr(module, "BASE_URL", server.url)
    else:
        monkeypatch.setattr(module, "ORIGIN", server.url + next(iter(files)))
    return module, raw


def same(a, b):
    if isinstance(a, (tuple, list)) and not isinstance(a, np.ndarray):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return (a.dtype == b.dtype and a.shape == b.shape
                and all(same(x, y) for x, y in zip(a.ravel(), b.ravel())) if a.dtype == object
                else a.dtype == b.dtype and np.array_equal(a, b))
    return a == b


# -- download -> checksum -> cache ------------------------------------------------


@pytest.mark.parametrize("name", sorted(FILES))
def test_downloads_once_then_loads_offline(name, server, monkeypatch):  # noqa: F811
    module, _ = serve(name, server, monkeypatch)
    first = module.load_data()
    assert len(server.requests) == 1
    server.stop()  # offline from now on: the cache answers
    assert same(module.load_data(), first)


@pytest.mark.parametrize("name", sorted(FILES))
def test_wrong_checksum_is_refused_and_deleted(name, server, monkeypatch):  # noqa: F811
    module, _ = serve(name, server, monkeypatch)
    monkeypatch.setattr(module, "FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match="sha256 hash .* does not match"):
        module.load_data()
    home = server.folder.parent / "home" / "datasets"
    assert [f for f in os.listdir(home) if not os.path.isdir(home / f)] == []


def test_word_indices(server, monkeypatch):  # noqa: F811
    serve("imdb", server, monkeypatch)
    serve("reuters", server, monkeypatch)
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    assert reuters.get_word_index() == {"the": 1}
    assert server.requests == ["/imdb_word_index.json", "/reuters_word_index.json"]
    assert reuters.get_label_names()[:4] == ("cocoa", "grain", "veg-oil", "earn")
    assert len(reuters.get_label_names()) == 46


# -- results ---------------------------------------------------------------------


def test_imdb_encoding_shuffle_and_vocabulary(server, monkeypatch):  # noqa: F811
    _, raw = serve("imdb", server, monkeypatch)
    (x_train, y_train), (x_test, y_test) = imdb.load_data(seed=113)
    assert x_train.dtype == object and x_train.shape == (9,) and x_test.shape == (6,)
    order = np.arange(9)
    rng = np.random.RandomState(113)
    rng.shuffle(order)
    biggest = max(max(x) for x in np.concatenate([raw["x_train"], raw["x_test"]])) + 3
    for i, j in enumerate(order):
        expected = [1] + [w + 3 if w + 3 < biggest else 2 for w in raw["x_train"][j]]
        assert x_train[i] == expected and y_train[i] == raw["y_train"][j]
    (x_train, _), _ = imdb.load_data(num_words=20, skip_top=5, start_char=None, oov_char=None,
                                     index_from=0)
    assert all(5 <= w < 20 for x in x_train for w in x)
    (x_short, y_short), (t_short, _) = imdb.load_data(maxlen=6)
    assert all(len(x) < 6 for x in list(x_short) + list(t_short)) and len(x_short) == len(y_short)
    with pytest.raises(ValueError, match="Increase maxlen"):
        imdb.load_data(maxlen=1)
    with pytest.raises(TypeError, match="nb_words"):
        imdb.load_data(nb_words=10)


def test_reuters_split_and_labels(server, monkeypatch):  # noqa: F811
    serve("reuters", server, monkeypatch)
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=0.25)
    assert (len(x_train), len(x_test)) == (9, 3) and y_train.dtype == np.int64
    assert all(x[0] == 1 for x in x_train)
    (x_train, _), _ = reuters.load_data(num_words=10, oov_char=9)
    assert max(max(x) for x in x_train) == 9


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cifar_shapes_dtypes_and_pixels(data_format, server, monkeypatch):  # noqa: F811
    _, raw10 = serve("cifar10", server, monkeypatch)
    _, raw100 = serve("cifar100", server, monkeypatch)
    monkeypatch.setitem(backend._defaults, "image_data_format", data_format)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    image_shape = (32, 32, 3) if data_format == "channels_last" else (3, 32, 32)
    assert x_train.shape == (15,) + image_shape and x_test.shape == (4,) + image_shape
    assert (x_train.dtype, y_train.dtype, y_test.dtype) == (np.uint8,) * 3
    assert y_train.shape == (15, 1) and y_train[3:6, 0].tolist() == raw10["data_batch_2"]["labels"]
    # Pixel (row 5, column 7) of the first test image, red/green/blue planes.
    pixel = raw10["test_batch"]["data"][0].reshape(3, 32, 32)[:, 5, 7]
    got = x_test[0, 5, 7] if data_format == "channels_last" else x_test[0, :, 5, 7]
    assert got.tolist() == pixel.tolist()
    (_, y_fine), _ = cifar100.load_data()
    (x_train, y_coarse), (x_test, _) = cifar100.load_data(label_mode="coarse")
    assert y_fine[:, 0].tolist() == raw100["train"]["fine_labels"] and y_fine.dtype == np.int64
    assert y_coarse[:, 0].tolist() == raw100["train"]["coarse_labels"]
    assert x_train.shape == (5,) + image_shape and len(server.requests) == 2
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_housing_splits(server, monkeypatch):  # noqa: F811
    _, raw = serve("boston_housing", server, monkeypatch)
    serve("california_housing", server, monkeypatch)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=3)
    assert x_train.shape == (16, 13) and x_test.shape == (5, 13) and y_train.dtype == np.float64
    order = np.arange(21)
    np.random.RandomState(3).shuffle(order)
    assert np.array_equal(x_test, raw["x"][order[16:]]) and np.array_equal(y_train, raw["y"][order[:16]])
    (x_small, _), (t_small, _) = california_housing.load_data(version="small", test_split=0.5)
    assert x_small.shape == (300, 8) and t_small.shape == (300, 8) and x_small.dtype == np.float32
    (x_large, _), _ = california_housing.load_data()
    assert x_large.shape == (560, 8)
    for bad in (lambda: boston_housing.load_data(test_split=1.0),
                lambda: california_housing.load_data(version="tiny")):
        with pytest.raises(ValueError):
            bad()


# -- no code runs from a data file ------------------------------------------------


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_hostile_npz_and_pickles_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    x = np.empty(2, dtype=object)
    x[0], x[1] = [1, 2], Exploit(marker)
    path = tmp_path / "imdb.npz"
    path.write_bytes(npz_bytes(x_train=x, y_train=np.zeros(2)))
    with pytest.raises(pickle.UnpicklingError, match="system"):
        safe_pickle.load_npz(path)
    batch = tmp_path / "data_batch_1"
    batch.write_bytes(pickle.dumps({b"data": Exploit(marker)}))
    with pytest.raises(pickle.UnpicklingError, match="system"):
        cifar.load_batch(batch)
    # An ndarray subclass (here a masked array) is not a plain array either.
    batch.write_bytes(pickle.dumps({b"data": np.ma.masked_array([1, 2])}))
    with pytest.raises(pickle.UnpicklingError):
        cifar.load_batch(batch)
    batch.write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(ValueError, match="not a CIFAR batch"):
        cifar.load_batch(batch)
    assert not marker.exists()


# -- the same as Keras 3 -----------------------------------------------------------


def _keras_datasets():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.importorskip("keras")
        import keras.src.datasets as kd
    return kd


CALLS = [("imdb", "load_data", {}), ("imdb", "load_data", {"num_words": 25, "skip_top": 4, "maxlen": 7}),
         ("imdb", "load_data", {"start_char": None, "oov_char": None, "index_from": 0, "seed": 5}),
         ("imdb", "get_word_index", {}),
         ("reuters", "load_data", {"test_split": 0.3, "num_words": 30, "maxlen": 8}),
         ("reuters", "load_data", {"start_char": 7, "index_from": 10, "oov_char": None}),
         ("reuters", "get_word_index", {}), ("reuters", "get_label_names", {}),
         ("boston_housing", "load_data", {}), ("boston_housing", "load_data", {"test_split": 0.1, "seed": 1}),
         ("california_housing", "load_data", {"version": "small", "seed": 7}),
         ("california_housing", "load_data", {}),
         ("cifar100", "load_data", {}), ("cifar100", "load_data", {"label_mode": "coarse"}),
         ("cifar10", "load_data", {})]


class Recorded(Exception):
    pass


def local_get_file(folder, calls, stop=False):
    """A get_file that records its arguments and returns the local copy."""
    def get_file(fname=None, origin=None, file_hash=None, extract=False, **kwargs):
        calls.append((fname, origin, file_hash, extract))
        if stop:
            raise Recorded
        served = folder / os.path.basename(origin)
        if not extract:
            return str(served)
        target = folder / "extracted"
        with tarfile.open(served) as tar:
            tar.extractall(target, filter="data")
        return str(target)
    return get_file


@pytest.mark.keras
@pytest.mark.parametrize("name,function,kwargs", CALLS, ids=[f"{c[0]}.{c[1]}-{i}" for i, c in enumerate(CALLS)])
def test_same_files_and_results_as_keras(name, function, kwargs, tmp_path, monkeypatch):
    kd = _keras_datasets()
    import importlib
    theirs_module = importlib.import_module(f"keras.src.datasets.{name}")
    ours_module, files, _, _ = FILES[name]
    for fname, data in files.items():
        (tmp_path / fname).write_bytes(data)
    ours_calls, theirs_calls = [], []
    # Keras's cifar10 expects 10,000 images per batch, too big for a test
    # file: compare only what it asks for, and its batch reader.
    stop = name == "cifar10"
    monkeypatch.setattr(theirs_module, "get_file", local_get_file(tmp_path, theirs_calls, stop))
    monkeypatch.setattr(ours_module, "get_file", local_get_file(tmp_path, ours_calls, stop))
    if name in ("imdb", "reuters"):
        monkeypatch.setattr("tinykeras.datasets.common.get_file", local_get_file(tmp_path, ours_calls))
    try:
        theirs = getattr(theirs_module, function)(**kwargs)
        ours = getattr(ours_module, function)(**kwargs)
    except Recorded:
        with pytest.raises(Recorded):
            getattr(ours_module, function)(**kwargs)
        ours = theirs = None
    assert ours_calls == theirs_calls and (theirs_calls or function == "get_label_names")
    assert same(ours, theirs)
    if stop:
        folder = tmp_path / "batches"
        with tarfile.open(tmp_path / "cifar-10-python.tar.gz") as tar:
            tar.extractall(folder, filter="data")
        for batch in ("data_batch_1", "test_batch"):
            path = folder / "cifar-10-batches-py" / batch
            assert same(cifar.load_batch(path), kd.cifar.load_batch(path))


# -- keras.io-style programs on the loaded data, with tinykeras and with Keras -------


def imdb_program(keras):
    """Load IMDB, pad the reviews, train a bag-of-embeddings classifier."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=30, maxlen=9)
    x_train = keras.preprocessing.sequence.pad_sequences(x_train, maxlen=8)
    x_test = keras.preprocessing.sequence.pad_sequences(x_test, maxlen=8)
    model = keras.Sequential([keras.Input((8,), dtype="int32"), keras.layers.Embedding(30, 4),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    return model, (x_train, y_train.astype("float32")), (x_test, y_test.astype("float32"))


def cifar10_program(keras):
    """Load CIFAR-10, scale it, one-hot the labels, train a small convnet."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    x_train, x_test = x_train.astype("float32") / 255, x_test.astype("float32") / 255
    y_train, y_test = keras.utils.to_categorical(y_train, 10), keras.utils.to_categorical(y_test, 10)
    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(2, 3, strides=4, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    return model, (x_train, y_train), (x_test, y_test)


@pytest.mark.parametrize("program,loss", [(imdb_program, "binary_crossentropy"),
                                          (cifar10_program, "categorical_crossentropy")])
def test_programs_train_on_the_loaded_data(program, loss, server, monkeypatch):  # noqa: F811
    import tinykeras
    serve("imdb", server, monkeypatch)
    serve("cifar10", server, monkeypatch)
    model, train, test = program(tinykeras)
    model.compile(optimizer=tinykeras.optimizers.SGD(0.1), loss=loss)
    history = model.fit(*train, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert np.isfinite(model.evaluate(*test, verbose=0))
    try:
        _keras_datasets()
    except pytest.skip.Exception:
        return
    import keras
    # The same program with Keras, on the same files and with the same weights.
    tmp = server.folder
    if program is cifar10_program:  # Keras's reader wants 10,000 images a batch
        monkeypatch.setattr(keras.datasets.cifar10, "load_data", tinykeras.datasets.cifar10.load_data)
    else:
        monkeypatch.setattr("keras.src.datasets.imdb.get_file", local_get_file(tmp, []))
    theirs_model, theirs_train, theirs_test = program(keras)
    assert same(theirs_train, train) and same(theirs_test, test)
    assert theirs_model.count_params() == model.count_params()
    fresh, _, _ = program(tinykeras)
    fresh.set_weights(theirs_model.get_weights())
    for m, lib in ((fresh, tinykeras), (theirs_model, keras)):
        m.compile(optimizer=lib.optimizers.SGD(0.1), loss=loss)
    ours_history = fresh.fit(*train, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    theirs_history = theirs_model.fit(*theirs_train, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(ours_history["loss"], theirs_history["loss"], rtol=1e-4)
    np.testing.assert_allclose(fresh.evaluate(*test, verbose=0), theirs_model.evaluate(*theirs_test, verbose=0),
                               rtol=1e-4)
