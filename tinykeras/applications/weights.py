"""Pretrained weights for ``tk.applications``: the ``weights=`` argument.

* ``weights=None``: random initialization.
* ``weights="imagenet"``: on first use, download the weight file that Keras
  publishes (the same URL, file name and checksum as
  ``keras.applications``) into ``~/.tinykeras/models/`` (or
  ``$TINYKERAS_HOME/models``) with :func:`tk.utils.get_file`, which checks
  its hash; convert it once (this needs ``h5py``) to
  ``<name>.weights.safetensors`` next to it, with a ``.sha256`` file beside
  it; later calls load the converted file, and never need ``h5py``.  A
  download whose checksum does not match is deleted and raises a
  ValueError; a converted file whose checksum does not match, or that was
  converted from a file with another checksum than the one now expected,
  is discarded and converted again.
* ``weights="path/to/file.weights.safetensors"``: a tinykeras weights file
  (``model.save_weights`` or ``python -m tinykeras convert``);
  ``.h5``/``.keras`` paths are converted on the fly (``h5py`` needed).

Keras publishes no checksum for the MobileNet and MobileNetV2 files, so
those downloads are not verified (as in Keras).

>>> import tinykeras as tk
>>> spec = imagenet_spec("vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
...                      "6d6bbae143d832006294945121d1f1fc")
>>> spec.origin
'https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5'
"""
import os
from dataclasses import dataclass

from ..utils import data_utils

BASE_URL = "https://storage.googleapis.com/tensorflow/keras-applications/"
SUFFIX = ".weights.safetensors"
KERAS_SUFFIXES = (".h5", ".hdf5", ".keras")


@dataclass(frozen=True)
class WeightsSpec:
    """Where a published weight file is: ``fname``, ``folder`` under
    :data:`BASE_URL` (or a full ``url``), and its md5/sha256 ``file_hash``."""
    fname: str
    folder: str = ""
    file_hash: str = None
    url: str = None

    @property
    def origin(self):
        return self.url or f"{BASE_URL}{self.folder}/{self.fname}"


def imagenet_spec(folder, fname, file_hash=None):
    """The spec of a file at ``BASE_URL/<folder>/<fname>``."""
    return WeightsSpec(fname=fname, folder=folder, file_hash=file_hash)


def tf_kernels_spec(folder, stem, hashes, include_top):
    """The spec of Keras's usual pair of files,
    ``<stem>_weights_tf_dim_ordering_tf_kernels[_notop].h5``, whose md5s
    are ``hashes`` (with the top, without).

    >>> tf_kernels_spec("xception", "xception", ("a", "b"), include_top=False).fname
    'xception_weights_tf_dim_ordering_tf_kernels_notop.h5'
    """
    suffix = "" if include_top else "_notop"
    return imagenet_spec(folder, f"{stem}_weights_tf_dim_ordering_tf_kernels{suffix}.h5",
                         hashes[0 if include_top else 1])


def check_weights_argument(weights, include_top, classes):
    """Keras's checks on ``weights`` and ``classes`` (ValueError)."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike))
                                               and os.path.exists(weights))):
        raise ValueError("The `weights` argument should be either `None` (random initialization), "
                         "'imagenet' (pre-training on ImageNet), or the path to the weights file "
                         f"to be loaded.  Received: weights={weights}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` should "
                         f"be 1000.  Received classes={classes}")


def load(model, weights, spec=None):
    """Load ``weights`` (None, ``"imagenet"`` with its ``spec``, or a path) into ``model``."""
    if weights is None:
        return model
    if weights == "imagenet":
        if spec is None:
            raise ValueError(f"No ImageNet weights are published for {model.name!r} with these arguments")
        load_published(model, spec)
    else:
        load_file(model, weights)
    return model


def load_file(model, path):
    """Load a tinykeras weights file, or convert and load a Keras one."""
    path = os.fspath(path)
    if path.endswith(KERAS_SUFFIXES):
        from . import convert, keras_h5
        arrays = convert.arrays_for_model(model, keras_h5.read(path), path)
        assign(model, arrays)
    else:
        load_weights_file(model, path)


def load_weights_file(model, path):
    """``model.load_weights(path)``; but if the file's paths differ only by
    automatic layer names (``conv2d_94`` for ``conv2d``, as when a second
    InceptionV3 is built) and the file records its ``weight_order``, load
    by that order, checking the count and every shape."""
    import json
    from ..saving import load_weights, safetensors_io
    from ..saving.weights_file import weight_paths
    header = safetensors_io.read_header(path)
    expected = weight_paths(model)
    order = header.metadata.get("weight_order")
    if order is None or {p for p, _ in expected} == set(header.tensors):
        load_weights(model, path)
        return
    order = json.loads(order)
    problems = [] if len(order) == len(expected) else [
        f"the model has {len(expected)} weights, the file {len(order)}"]
    if not problems:
        problems = [f"{p}: the model expects shape {tuple(v.shape)}, the file's {name!r} has "
                    f"{header.tensors[name].shape}" for (p, v), name in zip(expected, order)
                    if name not in header.tensors or header.tensors[name].shape != tuple(v.shape)]
    if problems:
        raise ValueError(f"{path} does not fit model {model.name!r} (weights of another "
                         f"architecture?): " + "; ".join(problems[:10]))
    arrays = safetensors_io.read_tensors(path, header, order)
    for (_, variable), name in zip(expected, order):
        variable.assign(arrays[name].astype(variable.dtype, copy=False))


def assign(model, arrays):
    """Set ``model``'s weights from ``{weight path: array}`` (all must be there)."""
    from ..saving.weights_file import weight_paths
    for path, variable in weight_paths(model):
        variable.assign(arrays[path])


def converted_path(spec, cache_dir=None):
    """Where the converted copy of ``spec``'s file is cached."""
    folder = data_utils._cache_folder(cache_dir, "models")
    return os.path.join(folder, os.path.splitext(spec.fname)[0] + SUFFIX)


def load_published(model, spec, cache_dir=None):
    """Download (once), verify, convert (once) and load ``spec``'s weights.

    Returns the path of the converted file it loaded.
    """
    target = converted_path(spec, cache_dir)
    if not _valid(target, spec):
        from . import convert, keras_h5
        source = data_utils.get_file(spec.fname, spec.origin, file_hash=spec.file_hash,
                                     cache_subdir="models", cache_dir=cache_dir)
        arrays = convert.arrays_for_model(model, keras_h5.read(source), source)
        _write(target, arrays, spec, model)
    load_weights_file(model, target)
    return target


def _valid(target, spec):
    """Whether the converted file and its ``.sha256`` agree, and it was
    converted from the file ``spec`` expects; if not, both are removed."""
    sidecar = target + ".sha256"
    if os.path.exists(target) and os.path.exists(sidecar):
        with open(sidecar, encoding="ascii", errors="replace") as f:
            expected = f.read().split()[:1]
        if not expected or data_utils.hash_file(target, "sha256") != expected[0]:
            print(f"The converted weights {target} do not match their checksum; they were deleted "
                  "and will be converted again.")
        elif spec.file_hash and _source_hash(target) != spec.file_hash.lower():
            print(f"The converted weights {target} come from another file than the one with checksum "
                  f"{spec.file_hash}; they were deleted and will be converted again.")
        else:
            return True
    for p in (target, sidecar):
        if os.path.exists(p):
            os.remove(p)
    return False


def _source_hash(target):
    from ..saving import safetensors_io
    return str(safetensors_io.read_header(target).metadata.get("source_hash", "")).lower()


def _write(target, arrays, spec, model):
    import json
    from .. import __version__
    from ..saving import safetensors_io
    from ..saving.weights_file import FORMAT_VERSION, weight_paths
    metadata = {"format": "tinykeras", "format_version": FORMAT_VERSION, "tinykeras_version": __version__,
                "content": "weights", "converted_from": spec.origin,
                "source_hash": spec.file_hash or "", "weight_order": json.dumps([p for p, _ in weight_paths(model)])}
    safetensors_io.write_file(target, arrays, metadata)
    digest = data_utils.hash_file(target, "sha256")
    safetensors_io.atomic_write(target + ".sha256",
                                lambda f: f.write(f"{digest}  {os.path.basename(target)}\n".encode()))
