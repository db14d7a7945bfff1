"""Header fuzzing with an oracle: every bit the loader reads is consumed or refused.

A real model file (functional, with initializers, a regularizer, dtype
policies, op nodes, compiled with Adam and a metric, trained one step) is
mutated a few hundred times, one random bit flip or byte replacement in its
header each (a fixed seed, so the cases are the same on every run).  A
mutant must either raise a ``FileFormatError`` naming the file, or load into
a model that, saved again, writes back exactly the mutated header: the same
metadata, architecture and compile configuration (float32 values compared at
float32 precision) and the same tensor names, dtypes and shapes.  A mutant
that loads and writes back something else was misread: a misspelt key
fell back to a default, or a value was ignored (issue 17, class 5).

Only ``tinykeras_version`` is informational (the writer's version, shown by
``inspect``), so mutations confined to its value are allowed to vanish.
"""
import json
import random

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import FileFormatError, model_file
from hostile import craft

CASES = 300
SEED = 17


def _model():
    x = tk.Input((4,), name="x")
    h = tk.layers.Dense(3, activation="relu", kernel_initializer=tk.initializers.HeNormal(seed=1),
                        kernel_regularizer=tk.regularizers.L2(0.01), name="h")(x)
    h = tk.layers.BatchNormalization(name="bn")(h)
    skip = tk.layers.Dense(3, use_bias=False, name="skip")(x)
    out = tk.layers.Dense(2, name="out")(tk.layers.Add(name="add")([skip, h * 0.5]))
    model = tk.Model(x, out, name="fuzzed")
    model.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    model.fit(np.ones((4, 4), "float32"), np.ones((4, 2), "float32"), epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("header_fuzz") / "valid.safetensors")
    _model().save(path)
    blob = open(path, "rb").read()
    assert _written_back(path) == _as_stored(blob)  # the oracle holds for the valid file
    return blob


def _same(a, b):
    """JSON values equal, floats at float32 precision (Variables hold float32)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
            not isinstance(a, bool) and not isinstance(b, bool) and \
            np.float32(a) == np.float32(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _canonical(metadata, tensors):
    meta = {k: (json.loads(v) if k in ("architecture", "compile_config") else v)
            for k, v in metadata.items() if k != "tinykeras_version"}
    return meta, {name: (dtype, list(shape)) for name, (dtype, shape) in tensors.items()}


def _as_stored(blob):
    header, _ = craft.split(blob)
    metadata = header.pop("__metadata__", {})
    return _canonical(metadata, {n: (e["dtype"], e["shape"]) for n, e in header.items()})


def _written_back(path):
    model = tk.models.load_model(path)
    metadata, tensors = model_file.pack(model)
    from tinykeras.saving.safetensors_io import NAMES
    return _canonical(metadata, {n: (NAMES[a.dtype.name], a.shape) for n, a in tensors.items()})


def _mutants(valid):
    rng = random.Random(SEED)
    n = int.from_bytes(valid[:8], "little")
    for i in range(CASES):
        blob = bytearray(valid)
        at = 8 + rng.randrange(n)
        if i % 2:
            blob[at] ^= 1 << rng.randrange(8)
        else:
            blob[at] = rng.randrange(32, 127)  # printable: more mutants stay valid JSON
        if blob != valid:
            yield i, at, bytes(blob)


def test_every_mutation_is_consumed_or_refused(tmp_path, valid):
    misread, loaded, refused = [], 0, 0
    for i, at, blob in _mutants(valid):
        path = craft.write(str(tmp_path / f"mutant{i}.safetensors"), blob)
        try:
            back = _written_back(path)
        except FileFormatError as exc:
            assert str(exc).startswith(path), f"mutant {i}: the error does not name the file: {exc}"
            refused += 1
            continue
        loaded += 1
        if not _same(list(back), list(_as_stored(blob))):
            context = valid[max(at - 30, 0):at + 10]
            misread.append(f"mutant {i} (byte {at}: {valid[at:at + 1]!r} -> {blob[at:at + 1]!r} "
                           f"in ...{context!r}...) loaded but was not read as written")
    assert not misread, f"{len(misread)} of {loaded} loading mutants were misread:\n" + "\n".join(misread)
    assert refused > CASES // 2  # the fuzzer reaches the checks (most mutants are invalid)
