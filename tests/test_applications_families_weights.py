"""``weights="imagenet"`` for DenseNet, ResNetV2, Xception,
InceptionResNetV2 and NASNet on a loopback HTTP server (the fixture of
test_applications_weights): each family asks for Keras's URL, file name
and md5; a fake file is refused by that checksum; with the file's own
checksum, DenseNet121's is downloaded, converted, cached and loaded."""
import hashlib
import os
import sys

import pytest

import tinykeras as tk
from test_applications_families import no_random_init  # noqa: F401
from test_applications_weights import randomize, same_weights, server, write_legacy_h5  # noqa: F401

h5py = pytest.importorskip("h5py")
A = tk.applications

# builder, small arguments, the module holding its HASHES, key, Keras's folder/file, Keras's md5
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
]


def published_md5(module, key, include_top):
    if module == "nasnet":
        return A.nasnet.FILES[key][1 if include_top else 3]
    hashes = getattr(A, module).HASHES
    return (hashes if key is None else hashes[key])[0 if include_top else 1]


@pytest.mark.parametrize("name,kwargs,module,key,path,md5", FILES, ids=[f[0] for f in FILES])
def test_keras_url_and_checksum(server, no_random_init, name, kwargs, module, key, path, md5):
    assert published_md5(module, key, kwargs.get("include_top", True)) == md5
    os.makedirs(server.root / os.path.dirname(path))
    (server.root / path).write_bytes(b"not the published file")
    with pytest.raises(ValueError, match="hash"):
        getattr(A, name)(weights="imagenet", **kwargs)
    assert server.requests == ["/" + path]
    assert not server.cache.exists() or not any(server.cache.iterdir())  # the bad download was deleted


def test_download_convert_cache_and_load(server, monkeypatch):
    kwargs = dict(include_top=False, input_shape=(32, 32, 3))
    publisher = randomize(A.DenseNet121(weights=None, **kwargs))
    fname = "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"
    (server.root / "densenet").mkdir()
    write_legacy_h5(publisher, server.root / "densenet" / fname)
    md5 = hashlib.md5((server.root / "densenet" / fname).read_bytes()).hexdigest()
    monkeypatch.setitem(A.densenet.HASHES, "densenet121", ("unused", md5))
    first = A.DenseNet121(weights="imagenet", **kwargs)
    assert same_weights(first, publisher) and server.requests == [f"/densenet/{fname}"]
    assert (server.cache / fname.replace(".h5", ".weights.safetensors")).exists()
    monkeypatch.setitem(sys.modules, "h5py", None)  # the cached conversion needs no h5py
    second = A.DenseNet121(weights="imagenet", **kwargs)
    assert same_weights(second, publisher) and len(server.requests) == 1
