"""``weights="imagenet"`` for DenseNet, ResNetV2, Xception,
InceptionResNetV2, NASNet and ConvNeXt on a loopback HTTP server (the
fixture of test_applications_weights): each family asks for Keras's URL,
file name and checksum (md5, or sha256 for ConvNeXt); a fake file is
refused by that checksum, with an error naming it; with the file's own
checksum, DenseNet121's and a small ConvNeXt's are downloaded, converted,
cached and loaded."""
import hashlib
import os
import re
import sys

import pytest

import tinykeras as tk
from test_applications_families import no_random_init  # noqa: F401
from test_applications_weights import randomize, same_weights, server, write_legacy_h5  # noqa: F401

h5py = pytest.importorskip("h5py")
A = tk.applications

# builder, small arguments, the module holding its HASHES, key, Keras's folder/file, Keras's md5 or sha256
FILES = [
    ("DenseNet121", dict(include_top=False, input_shape=(32, 32, 3)), "densenet", "densenet121",
     "densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5", "30ee3e1110167f948a6b9946edeeb738"),
    ("DenseNet201", dict(), "densenet", "densenet201",
     "densenet/densenet201_weights_tf_dim_ordering_tf_kernels.h5", "1ceb130c1ea1b78c3bf6114dbdfd8807"),
    ("ResNet50V2", dict(include_top=False, input_shape=(32, 32, 3)), "resnet", "resnet50v2",
     "resnet/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5", "fac2f116257151a9d068a22e544a4917"),
    ("ResNet152V2", dict(), "resnet", "resnet152v2",
     "resnet/resnet152v2_weights_tf_dim_ordering_tf_kernels.h5", "a49b44d1979771252814e80f8ec446f9"),
    ("Xception", dict(include_top=False, input_shape=(71, 71, 3)), "xception", None,
     "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5", "b0042744bf5b25fce3cb969f33bebb97"),
    ("InceptionResNetV2", dict(), "inception_resnet_v2", None,
     "inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5",
     "e693bd0210a403b3192acc6073ad2e96"),
    ("NASNetMobile", dict(include_top=False), "nasnet", 224, "nasnet/NASNet-mobile-no-top.h5",
     "1ed92395b5b598bdda52abe5c0dbfd63"),
    ("NASNetLarge", dict(), "nasnet", 331, "nasnet/NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
    ("ConvNeXtTiny", dict(include_top=False, input_shape=(32, 32, 3)), "convnext", "convnext_tiny",
     "convnext/convnext_tiny_notop.h5", "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    ("ConvNeXtSmall", dict(), "convnext", "convnext_small",
     "convnext/convnext_small.h5", "ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c"),
]


def refused(url, file_hash):
    """The error of a download whose checksum is not ``file_hash`` (Keras's words), as a regex."""
    algorithm = "sha256" if len(file_hash) == 64 else "md5"
    return (f"the {algorithm} hash of the file downloaded from {re.escape(url)} does not match the "
            f"expected value {file_hash}. The file was deleted")


def published_hash(module, key, include_top):
    if module == "nasnet":
        return A.nasnet.FILES[key][1 if include_top else 3]
    hashes = getattr(A, module).HASHES
    return (hashes if key is None else hashes[key])[0 if include_top else 1]


@pytest.mark.parametrize("name,kwargs,module,key,path,file_hash", FILES, ids=[f[0] for f in FILES])
def test_keras_url_and_checksum(server, no_random_init, name, kwargs, module, key, path, file_hash):
    assert published_hash(module, key, kwargs.get("include_top", True)) == file_hash
    os.makedirs(server.root / os.path.dirname(path))
    (server.root / path).write_bytes(b"not the published file")
    with pytest.raises(ValueError, match=refused(server.url + path, file_hash)):
        getattr(A, name)(weights="imagenet", **kwargs)
    assert server.requests == ["/" + path]
    assert not server.cache.exists() or not any(server.cache.iterdir())  # the bad download was deleted


def small_convnext_tiny(weights):
    """ConvNeXt's graph with one block of 4 or 8 channels per stage, named as Tiny."""
    return A.convnext.ConvNeXt([1, 1, 1, 1], [4, 8, 8, 8], name="convnext_tiny", include_top=False,
                               input_shape=(32, 32, 3), weights=weights, weights_name="convnext_tiny")


# builder of weights=..., Keras's folder and file, the HASHES to set, its key, the algorithm, other settings
DOWNLOADS = {
    "densenet121-md5": (lambda weights: A.DenseNet121(weights=weights, include_top=False, input_shape=(32, 32, 3)),
                        "densenet", "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
                        A.densenet.HASHES, "densenet121", hashlib.md5, []),
    "convnext-sha256": (small_convnext_tiny, "convnext", "convnext_tiny_notop.h5", A.convnext.HASHES,
                        "convnext_tiny", hashlib.sha256,  # Tiny's check of the architecture, made small
                        [(A.convnext.MODEL_CONFIGS, "tiny", {"depths": [1, 1, 1, 1],
                                                             "projection_dims": [4, 8, 8, 8]})]),
}


@pytest.mark.parametrize("case", DOWNLOADS.values(), ids=DOWNLOADS.keys())
def test_download_convert_cache_and_load(server, monkeypatch, case):
    build, folder, fname, hashes, key, algorithm, settings = case
    for table, name, value in settings:
        monkeypatch.setitem(table, name, value)
    publisher = randomize(build(None))
    (server.root / folder).mkdir()
    write_legacy_h5(publisher, server.root / folder / fname)
    digest = algorithm((server.root / folder / fname).read_bytes()).hexdigest()
    monkeypatch.setitem(hashes, key, ("unused", digest))
    first = build("imagenet")
    assert same_weights(first, publisher) and server.requests == [f"/{folder}/{fname}"]
    converted = server.cache / fname.replace(".h5", ".weights.safetensors")
    assert converted.exists()
    monkeypatch.setitem(sys.modules, "h5py", None)  # the cached conversion needs no h5py
    second = build("imagenet")
    assert same_weights(second, publisher) and len(server.requests) == 1
    # another expected checksum (say, Keras published new weights): the conversion of the old
    # file is discarded, the cached download is outdated, fetched again, and refused
    monkeypatch.setitem(sys.modules, "h5py", h5py)
    monkeypatch.setitem(hashes, key, ("unused", "0" * len(digest)))
    with pytest.raises(ValueError, match=refused(f"{server.url}{folder}/{fname}", "0" * len(digest))):
        build("imagenet")
    assert len(server.requests) == 2 and not (server.cache / fname).exists() and not converted.exists()
