"""Downloading files into a local cache, like ``keras.utils.get_file``.

The first call downloads ``origin`` into ``~/.tinykeras/<cache_subdir>/``
(the root can be moved with the ``TINYKERAS_HOME`` environment variable),
checks its hash, and returns the local path; later calls find the file in
the cache and never touch the network.

The download is atomic: bytes go to a temporary ``.part`` file in the
same folder, renamed to the final name only once complete, so an
interrupted download never leaves a half-written file in the cache. A
file that then fails the hash check is deleted.
"""

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from tinykeras.utils.progbar import Progbar


def tinykeras_home():
    """The cache root: ``$TINYKERAS_HOME``, else ``~/.tinykeras`` (see ``_config``)."""
    from .. import _config
    return os.path.expanduser(_config.home())


def hash_file(path, algorithm="sha256", chunk_size=65535):
    """Returns the hex digest of a file (``"sha256"`` or ``"md5"``).

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> hash_file(f.name, "md5")
    '900150983cd24fb0d6963f7d28e17f72'
    """
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _resolve_algorithm(algorithm, file_hash):
    """Keras's "auto": a 64-digit hash is sha256, anything else md5."""
    if algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"Unsupported hash algorithm: {algorithm!r}")
    return algorithm


def validate_file(path, file_hash, algorithm="auto"):
    """Whether the file at ``path`` has the hash ``file_hash``."""
    algorithm = _resolve_algorithm(algorithm, file_hash)
    return hash_file(path, algorithm) == str(file_hash).lower()


def _download(origin, target):
    """Downloads ``origin`` to ``target`` through a temporary file."""
    print(f"Downloading data from {origin}")
    partial = f"{target}.{os.getpid()}.part"
    try:
        with open(partial, "wb") as out:
            with urllib.request.urlopen(origin, timeout=60) as response:
                size = response.headers.get("Content-Length")
                bar = Progbar(int(size) if size else None)
                done = 0
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    done += len(block)
                    bar.update(done)
                if not size:
                    bar.update(done, finalize=True)
                elif done < int(size):
                    raise OSError(f"the connection closed after {done} of "
                                  f"{size} bytes")
        os.replace(partial, target)
    except urllib.error.HTTPError as e:
        raise OSError(
            f"URL fetch failure on {origin}: {e.code} -- {e.msg}"
        ) from e
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        reason = getattr(e, "reason", e)
        raise OSError(
            f"URL fetch failure on {origin}: {reason} (are you offline? "
            f"You can also place the file by hand at {target})"
        ) from e
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def _extract(archive, destination):
    """Extracts a tar or zip archive; returns False if it is neither."""
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tar:
            if hasattr(tarfile, "data_filter"):  # refuses ../ and links out
                tar.extractall(destination, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tar.extractall(destination)
        return True
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(destination)  # zipfile already drops ../ parts
        return True
    return False


def _cache_folder(cache_dir, cache_subdir):
    """Creates and returns the cache folder (in /tmp if not writable)."""
    root = os.path.expanduser(cache_dir or tinykeras_home())
    folder = os.path.join(root, cache_subdir)
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    folder = os.path.join(tempfile.gettempdir(), ".tinykeras", cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def get_file(
    fname=None,
    origin=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    cache_dir=None,
    force_download=False,
):
    """Downloads a file from a URL unless it is already in the cache.

    Args:
        fname: local file name; defaults to the last part of ``origin``.
        origin: the URL to download from.
        file_hash: expected sha256 or md5 hex digest; checked after a
            download, and a cached file that fails it is deleted and
            downloaded again.
        cache_subdir: folder inside the cache (an absolute path is used
            as it is).
        hash_algorithm: ``"sha256"``, ``"md5"`` or ``"auto"`` (guess from
            the hash length).
        extract: extract a tar/zip archive next to it and return the
            extraction folder instead.
        cache_dir: the cache root; defaults to ``tinykeras_home()``.
        force_download: download even when the file is cached.

    Returns:
        The local path of the file (or of the extracted folder).

    Raises:
        ValueError: the downloaded file does not match ``file_hash`` (the
            bad file is deleted).
        OSError: the download failed (e.g. offline); the message has the URL.

    Example:

    >>> path = get_file(origin="https://example.com/data.csv")  # doctest: +SKIP
    """
    if origin is None:
        raise ValueError(
            'Please specify the "origin" argument (URL of the file to download).'
        )
    given_name = os.fspath(fname) if fname else None
    fname = given_name or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(
            f"Can't parse the file name from the origin provided: "
            f"'{origin}'. Please specify the `fname` argument."
        )
    if os.sep in fname:
        raise ValueError(
            "Paths are not accepted as the `fname` argument; use "
            f"`cache_dir` to choose the folder. Received: fname={fname}"
        )

    folder = _cache_folder(cache_dir, cache_subdir)
    target = os.path.join(folder, fname)
    if extract:
        # Keras 3 naming: fname="x.tar.gz" -> "x.tar.gz" + "x_extracted/";
        # fname="x" or no fname -> "x_archive" + "x/".
        if given_name and "." in fname:
            extraction_dir = os.path.join(folder, fname.split(".")[0] + "_extracted")
        else:
            extraction_dir = target
            target = target + "_archive"

    download = force_download or not os.path.exists(target)
    if not download and file_hash is not None:
        if not validate_file(target, file_hash, hash_algorithm):
            print(
                "A local file was found, but it seems to be incomplete or "
                f"outdated because its hash does not match {file_hash}, so "
                "it was deleted and will be downloaded again."
            )
            os.remove(target)
            download = True
    if download:
        _download(origin, target)
        if file_hash is not None and not validate_file(
            target, file_hash, hash_algorithm
        ):
            os.remove(target)
            algorithm = _resolve_algorithm(hash_algorithm, file_hash)
            raise ValueError(
                f"Incomplete or corrupted file detected: the {algorithm} "
                f"hash of the file downloaded from {origin} does not match "
                f"the expected value {file_hash}. The file was deleted."
            )

    if extract:
        if download or not os.path.isdir(extraction_dir):
            shutil.rmtree(extraction_dir, ignore_errors=True)
            if not _extract(target, extraction_dir):
                raise ValueError(f"{target} is not a tar or zip archive.")
        return extraction_dir
    return target
