"""Data sets, get_file and label utilities.

MNIST and Fashion-MNIST are downloaded from a local HTTP server on
127.0.0.1 that serves small fake files in the real formats; the cache
lives under ``tmp_path``. No test uses the network.
"""

import gzip
import hashlib
import io
import os
import tarfile

import numpy as np
import pytest

from file_server import server, sha256  # noqa: F401  (the `server` fixture)
from tinykeras.datasets import digits, fashion_mnist, mnist
from tinykeras.utils import get_file, set_random_seed, to_categorical
from tinykeras.utils import numerical_utils
from tinykeras.utils.data_utils import hash_file


# -- digits (bundled) ----------------------------------------------------


def test_digits_shapes_dtypes_and_values():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16
    assert set(y_train.tolist()) == set(range(10))
    assert set(y_test.tolist()) == set(range(10))


def test_digits_split_is_deterministic_and_pinned():
    (x1, y1), (t1, u1) = digits.load_data()
    (x2, y2), (t2, u2) = digits.load_data(seed=113)
    assert np.array_equal(x1, x2) and np.array_equal(u1, u2)
    # Pinned: RandomState(113) gives the same shuffle in every NumPy.
    assert y1[:10].tolist() == [1, 0, 9, 1, 1, 2, 3, 0, 0, 1]
    assert np.bincount(u1).tolist() == [28, 40, 35, 33, 35, 35, 45, 41, 32, 36]


def test_digits_other_seed_and_split():
    (x_a, y_a), _ = digits.load_data(seed=1)
    (x_b, y_b), (x_test, _) = digits.load_data(test_split=0.5)
    assert not np.array_equal(y_a, digits.load_data()[0][1])
    assert len(y_b) == 898 and len(x_test) == 899
    # Train and test together are exactly the 1,797 bundled images.
    everything = np.concatenate([x_b, x_test]).reshape(1797, 64)
    original = np.loadtxt(digits.DATA_PATH, delimiter=",", dtype=np.uint8)
    key = lambda rows: sorted(map(bytes, rows))  # noqa: E731
    assert key(everything) == key(original[:, :64])


def test_digits_rejects_bad_split():
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=1.0)


# -- MNIST -----------------------------------------------------------------


def fake_mnist(seed=0):
    rng = np.random.RandomState(seed)
    arrays = {
        "x_train": rng.randint(0, 256, (5, 28, 28)).astype(np.uint8),
        "y_train": np.array([5, 0, 4, 1, 9], np.uint8),
        "x_test": rng.randint(0, 256, (2, 28, 28)).astype(np.uint8),
        "y_test": np.array([7, 2], np.uint8),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue(), arrays


@pytest.fixture
def mnist_server(server, monkeypatch):
    data, arrays = fake_mnist()
    (server.folder / "mnist.npz").write_bytes(data)
    monkeypatch.setattr(mnist, "BASE_URL", server.url)
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(data))
    server.arrays = arrays
    server.cached = server.folder.parent / "home" / "datasets" / "mnist.npz"
    return server


def test_mnist_downloads_once_then_loads_offline(mnist_server):
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    assert mnist_server.requests == ["/mnist.npz"]
    assert mnist_server.cached.exists()
    assert np.array_equal(x_train, mnist_server.arrays["x_train"])
    assert y_train.tolist() == [5, 0, 4, 1, 9] and y_test.tolist() == [7, 2]
    assert x_test.shape == (2, 28, 28) and x_test.dtype == np.uint8

    mnist_server.stop()
    (x_again, _), _ = mnist.load_data()
    assert np.array_equal(x_again, x_train)
    assert mnist_server.requests == ["/mnist.npz"]
    assert os.listdir(mnist_server.cached.parent) == ["mnist.npz"]  # no temp


def test_mnist_wrong_hash_raises_and_deletes(mnist_server, monkeypatch):
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match="sha256 hash .* does not match"):
        mnist.load_data()
    assert not mnist_server.cached.exists()
    assert os.listdir(mnist_server.cached.parent) == []


def test_mnist_corrupted_cache_is_downloaded_again(mnist_server):
    mnist.load_data()
    mnist_server.cached.write_bytes(b"garbage")
    (x_train, _), _ = mnist.load_data()
    assert np.array_equal(x_train, mnist_server.arrays["x_train"])
    assert len(mnist_server.requests) == 2


def test_mnist_corrupted_cache_and_bad_server_file(mnist_server):
    mnist.load_data()
    mnist_server.cached.write_bytes(b"garbage")
    (mnist_server.folder / "mnist.npz").write_bytes(b"also garbage")
    with pytest.raises(ValueError, match="does not match"):
        mnist.load_data()
    assert not mnist_server.cached.exists()


def test_mnist_corrupted_cache_offline(mnist_server):
    mnist.load_data()
    mnist_server.cached.write_bytes(b"garbage")
    mnist_server.stop()
    with pytest.raises(OSError, match="URL fetch failure on http://127.0.0.1"):
        mnist.load_data()
    assert not mnist_server.cached.exists()


def test_mnist_custom_file_name(mnist_server):
    mnist.load_data(path="my_mnist.npz")
    assert (mnist_server.cached.parent / "my_mnist.npz").exists()
    assert mnist_server.requests == ["/mnist.npz"]


# -- Fashion-MNIST ---------------------------------------------------------


def idx_gz(array):
    """A gzipped IDX file: magic, dimension sizes, then the bytes."""
    magic = bytes([0, 0, 8, array.ndim])
    sizes = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(magic + sizes + array.tobytes())


def test_fashion_mnist_downloads_then_loads_offline(server, monkeypatch):
    rng = np.random.RandomState(1)
    arrays = {
        "train-labels-idx1-ubyte.gz": np.array([9, 0, 0], np.uint8),
        "train-images-idx3-ubyte.gz": rng.randint(0, 256, (3, 28, 28)).astype(np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.array([9, 2], np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.randint(0, 256, (2, 28, 28)).astype(np.uint8),
    }
    md5s = {}
    for name, array in arrays.items():
        data = idx_gz(array)
        (server.folder / name).write_bytes(data)
        md5s[name] = hashlib.md5(data).hexdigest()
    monkeypatch.setattr(fashion_mnist, "BASE_URL", server.url)
    monkeypatch.setattr(fashion_mnist, "FILES", md5s)

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (3, 28, 28) and x_test.shape == (2, 28, 28)
    assert y_train.tolist() == [9, 0, 0] and y_test.tolist() == [9, 2]
    assert np.array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    assert len(server.requests) == 4
    cache = server.folder.parent / "home" / "datasets" / "fashion-mnist"
    assert sorted(os.listdir(cache)) == sorted(arrays)

    server.stop()
    (x_again, _), (_, y_again) = fashion_mnist.load_data()
    assert np.array_equal(x_again, x_train) and y_again.tolist() == [9, 2]

    # A wrong MD5 on a cached file: deleted, and the re-download fails.
    monkeypatch.setitem(md5s, "t10k-labels-idx1-ubyte.gz", "f" * 32)
    with pytest.raises(OSError, match="t10k-labels-idx1-ubyte.gz"):
        fashion_mnist.load_data()
    assert not (cache / "t10k-labels-idx1-ubyte.gz").exists()


def test_real_hash_tables_are_well_formed():
    assert len(mnist.FILE_HASH) == 64  # sha256
    assert mnist.BASE_URL == fashion_mnist.BASE_URL
    assert all(len(md5) == 32 for md5 in fashion_mnist.FILES.values())


# -- get_file --------------------------------------------------------------


def test_get_file_name_from_url_and_md5(server):
    (server.folder / "notes.txt").write_bytes(b"hello")
    path = get_file(origin=server.url + "notes.txt",
                    file_hash=hashlib.md5(b"hello").hexdigest())
    assert path == str(server.folder.parent / "home" / "datasets" / "notes.txt")
    assert hash_file(path) == sha256(b"hello")


def test_get_file_cache_dir_subdir_and_force_download(server, tmp_path):
    (server.folder / "a.bin").write_bytes(b"1")
    kwargs = dict(cache_dir=str(tmp_path / "c"), cache_subdir="sub")
    path = get_file("b.bin", server.url + "a.bin", **kwargs)
    assert path == str(tmp_path / "c" / "sub" / "b.bin")
    get_file("b.bin", server.url + "a.bin", **kwargs)
    assert len(server.requests) == 1
    get_file("b.bin", server.url + "a.bin", force_download=True, **kwargs)
    assert len(server.requests) == 2


def test_get_file_http_error_names_the_url(server):
    url = server.url + "missing.bin"
    with pytest.raises(OSError, match=f"URL fetch failure on {url}: 404"):
        get_file(origin=url)
    assert os.listdir(server.folder.parent / "home" / "datasets") == []


def test_get_file_interrupted_download_leaves_nothing(server):
    url = server.url + "truncated.bin"
    with pytest.raises(OSError, match=f"URL fetch failure on {url}"):
        get_file(origin=url)
    assert os.listdir(server.folder.parent / "home" / "datasets") == []


def test_get_file_extracts_tar_archives(server):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("inner/data.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"42"))
    (server.folder / "bundle.tar.gz").write_bytes(buffer.getvalue())
    folder = get_file("bundle.tar.gz", server.url + "bundle.tar.gz", extract=True)
    assert folder.endswith(os.path.join("datasets", "bundle_extracted"))
    with open(os.path.join(folder, "inner", "data.txt")) as f:
        assert f.read() == "42"


def test_get_file_rejects_paths_as_fname():
    with pytest.raises(ValueError, match="fname"):
        get_file(os.path.join("a", "b.txt"), "http://127.0.0.1:9/b.txt")


# -- to_categorical and set_random_seed ----------------------------------


def test_to_categorical():
    one_hot = to_categorical([0, 2, 1, 2])
    assert one_hot.dtype == np.float64 and one_hot.shape == (4, 3)  # float64, as Keras 3
    assert one_hot.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]
    # A trailing axis of size 1 is dropped, as in Keras.
    assert to_categorical(np.array([[1], [3]]), 5).shape == (2, 5)
    assert to_categorical(np.array([[1, 2], [0, 1]])).shape == (2, 2, 3)


def test_set_random_seed_seeds_everything(monkeypatch):
    import random

    seen = []
    monkeypatch.setattr(numerical_utils, "_seed_hooks", [seen.append])
    set_random_seed(7)
    first = (random.random(), np.random.rand())
    set_random_seed(7)
    assert (random.random(), np.random.rand()) == first
    assert seen == [7, 7]
    with pytest.raises(ValueError, match="integer"):
        set_random_seed(1.5)
