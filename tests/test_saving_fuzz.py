"""Hypothesis fuzzing of model files: mutate a valid file (header bytes,
truncation, JSON fields of the header, the architecture and the compile
config, tensor offsets) and require that loading either succeeds or raises
a ``FileFormatError`` (the documented family), never anything else.

``TINYKERAS_FUZZ_EXAMPLES=5000`` runs a longer, randomized campaign.
"""
import json
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

import tinykeras as tk  # noqa: E402
from tinykeras.saving import FileFormatError  # noqa: E402
from tinykeras.saving import inspect as tk_inspect  # noqa: E402
from hostile import craft  # noqa: E402

LONG = os.environ.get("TINYKERAS_FUZZ_EXAMPLES")
SETTINGS = settings(max_examples=int(LONG or 60), deadline=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) |
                    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=4),
                    max_leaves=12)


class Blob(bytes):
    def __repr__(self):
        return f"<a valid model file of {len(self)} bytes>"


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    x = tk.Input((4,), name="x")
    h = tk.layers.Dense(3, activation="relu", name="h")(x)
    h = tk.layers.BatchNormalization(name="bn")(h)
    out = tk.layers.Add(name="add")([tk.layers.Dense(3, name="skip")(x), h])
    model = tk.Model(x, tk.layers.Dense(2, name="out")(out), name="fuzzed")
    model.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse")
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), epochs=1, verbose=0)
    path = str(tmp_path_factory.mktemp("fuzz") / "valid.safetensors")
    model.save(path)
    tk.models.load_model(path)  # the starting point is valid
    return Blob(open(path, "rb").read())


def _load(tmp_path, blob):
    path = craft.write(str(tmp_path / "mutant.safetensors"), blob)
    try:
        tk.models.load_model(path)
    except FileFormatError:
        pass
    assert tk_inspect.main([path]) in (0, 1)


def _paths(value, prefix=()):
    """Every path (tuple of keys and indices) into a JSON value."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _replace(value, path, new, delete=False):
    if not path:
        return new
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


@SETTINGS
@given(data=st.data())
def test_header_bytes(tmp_path, valid, data):
    n = 8 + int.from_bytes(valid[:8], "little")
    blob = bytearray(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        blob[data.draw(st.integers(0, n - 1))] = data.draw(st.integers(0, 255))
    _load(tmp_path, bytes(blob))


@SETTINGS
@given(data=st.data())
def test_truncation_and_insertion(tmp_path, valid, data):
    cut = data.draw(st.integers(0, len(valid)))
    extra = data.draw(st.binary(max_size=16))
    _load(tmp_path, valid[:cut] + extra + (valid[cut:] if data.draw(st.booleans()) else b""))


@SETTINGS
@given(data=st.data(), target=st.sampled_from(["header", "architecture", "compile_config"]))
def test_json_fields(tmp_path, valid, data, target):
    header, payload = craft.split(valid)
    meta = header["__metadata__"]
    tree = header if target == "header" else json.loads(meta[target])
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(tree)))
        delete = bool(path) and data.draw(st.booleans())
        tree = _replace(tree, path, data.draw(JSON), delete=delete)
    if target == "header":
        blob = craft.join(json.dumps(tree), payload)
    else:
        meta[target] = json.dumps(tree)
        blob = craft.join(header, payload)
    _load(tmp_path, blob)


@SETTINGS
@given(data=st.data())
def test_offsets_and_shapes(tmp_path, valid, data):
    header, payload = craft.split(valid)
    names = sorted(k for k in header if k != "__metadata__")
    for _ in range(data.draw(st.integers(1, 3))):
        entry = header[data.draw(st.sampled_from(names))]
        field = data.draw(st.sampled_from(["data_offsets", "shape"]))
        if entry[field]:
            i = data.draw(st.integers(0, len(entry[field]) - 1))
            entry[field][i] += data.draw(st.integers(-16, 16))
        if field == "shape" and data.draw(st.booleans()):
            entry["shape"] = entry["shape"][::-1]
    _load(tmp_path, craft.join(header, payload))
