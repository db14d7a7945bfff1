"""Weights files, training state, and crash safety.

* ``save_weights``/``load_weights`` by structure (Keras 3's object paths,
  so a fresh copy with other automatic names loads), mismatch reports,
  ``skip_mismatch``, float16/bfloat16 upcasts;
* resuming: one epoch, save, load, one more epoch equals two epochs straight;
* atomic writes: an interrupted save (an exception, or SIGKILL at any
  moment) leaves the previous file loadable and cleans its temporaries;
* compatibility with the reference ``safetensors`` library both ways.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import WeightsMismatchError, safetensors_io
from hostile import craft


def _mlp(units=4, name="mlp"):
    return tk.Sequential([tk.Input((3,)), tk.layers.Dense(units, activation="relu", name="hidden"),
                          tk.layers.BatchNormalization(name="bn"), tk.layers.Dense(2, name="out")],
                         name=name)


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def test_weights_round_trip_by_path(tmp_path):
    model, other = _mlp(), _mlp()
    path = str(tmp_path / "m.weights.safetensors")
    model.save_weights(path)
    report = other.load_weights(path)
    assert report.ok and len(report.loaded) == 8
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), _weights(other)))
    assert sorted(safetensors_io.read_header(path).tensors) == sorted(
        [f"layers/dense/vars/{i}" for i in range(2)] + [f"layers/dense_1/vars/{i}" for i in range(2)]
        + [f"layers/batch_normalization/vars/{i}" for i in range(4)])


def test_a_fresh_copy_with_other_automatic_names_loads(tmp_path):
    def build():  # auto-named: the second build gets dense_2, dense_3...
        return tk.Sequential([tk.Input((3,)), tk.layers.Dense(4), tk.layers.Dense(2)])
    first, second = build(), build()
    assert first.layers[0].name != second.layers[0].name
    path = str(tmp_path / "m.weights.safetensors")
    first.save_weights(path)
    assert second.load_weights(path).ok
    assert all(np.array_equal(a, b) for a, b in zip(_weights(first), _weights(second)))


def test_format_1_files_by_layer_name_still_load(tmp_path):
    model = _mlp()
    tensors = {p: v.numpy() for p, v in tk.saving.object_paths.name_paths(model)}
    assert "hidden/kernel" in tensors and "bn/moving_variance" in tensors
    path = str(tmp_path / "old.weights.safetensors")
    safetensors_io.write_file(path, tensors, {"format": "tinykeras", "format_version": "1"})
    fresh = _mlp()
    fresh.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), _weights(fresh)))


def test_weights_suffix_and_built_model_required(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.safetensors"):
        _mlp().save_weights(str(tmp_path / "m.safetensors"))
    unbuilt = tk.Sequential([tk.layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        unbuilt.save_weights(str(tmp_path / "m.weights.safetensors"))


def test_mismatch_report_and_skip_mismatch(tmp_path):
    path = str(tmp_path / "m.weights.safetensors")
    _mlp(units=4).save_weights(path)
    other = _mlp(units=5)
    before = _weights(other)
    with pytest.raises(WeightsMismatchError) as info:
        other.load_weights(path)
    message = str(info.value)
    assert "'layers/dense/vars/0' (mlp/hidden/kernel): the model expects shape [3, 5], the file has shape [3, 4]" in message
    assert "'layers/dense_1/vars/0'" in message
    assert all(np.array_equal(a, b) for a, b in zip(before, _weights(other)))  # nothing loaded
    with pytest.warns(UserWarning, match="skipped"):
        report = other.load_weights(path, skip_mismatch=True)
    assert sorted(report.loaded) == ["layers/dense_1/vars/1"] and len(report.mismatched) == 7


def test_missing_and_unexpected_are_listed(tmp_path):
    path = str(tmp_path / "m.weights.safetensors")
    tk.Sequential([tk.Input((3,)), tk.layers.Dense(2), tk.layers.Dense(2)]).save_weights(path)
    other = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="a"), tk.layers.LayerNormalization(name="b")],
                          name="other")
    expected = (r"2 missing from the file: 'layers/layer_normalization/vars/0' \(other/b/gamma\), "
                r"'layers/layer_normalization/vars/1' \(other/b/beta\); "
                "2 in the file but not in the model: 'layers/dense_1/vars/0', 'layers/dense_1/vars/1'")
    with pytest.raises(WeightsMismatchError, match=expected):
        other.load_weights(path)


@pytest.mark.parametrize("kind", ["F16", "BF16"])
def test_half_precision_weights_are_upcast(tmp_path, kind):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2, name="d")])
    values = np.array([[0.5, -1.25], [2.0, 0.125], [3.0, -0.75]], "float32")  # exact in both
    src = str(tmp_path / "m.weights.safetensors")
    model.save_weights(src)
    stored = values.astype("float16") if kind == "F16" else craft.to_bfloat16_bits(values)
    path = craft.set_tensor(src, str(tmp_path / "half.weights.safetensors"), "layers/dense/vars/0", stored)
    model.load_weights(path)
    assert model.layers[0].kernel.dtype == "float32"
    assert np.array_equal(model.layers[0].kernel.numpy(), values)


def test_files_agree_with_the_reference_library(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = _mlp()
    path = str(tmp_path / "m.safetensors")
    model.save(path)
    ours = safetensors_io.read_tensors(path, safetensors_io.read_header(path))
    theirs = safetensors_numpy.load_file(path)
    assert sorted(ours) == sorted(theirs) and all(np.array_equal(ours[k], theirs[k]) for k in ours)
    other = str(tmp_path / "ref.weights.safetensors")
    safetensors_numpy.save_file(theirs, other, metadata={"format": "tinykeras"})
    fresh = _mlp()
    fresh.load_weights(other)
    assert all(np.array_equal(a, b) for a, b in zip(_weights(model), _weights(fresh)))


# -- training state --------------------------------------------------------
def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    return x, (x @ rng.normal(size=(3, 2))).astype("float32")


def _compiled(optimizer):
    tk.utils.set_random_seed(7)
    model = _mlp()
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("make_optimizer", [lambda: tk.optimizers.Adam(0.01),
                                            lambda: tk.optimizers.SGD(0.05, momentum=0.9)],
                         ids=["adam", "sgd_momentum"])
def test_training_resumes_exactly(tmp_path, make_optimizer):
    x, y = _data()
    straight = _compiled(make_optimizer())
    straight.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)

    first = _compiled(make_optimizer())
    first.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    path = str(tmp_path / "ckpt.safetensors")
    first.save(path)
    resumed = tk.models.load_model(path)
    assert int(resumed.optimizer.iterations.numpy()) == 4
    resumed.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(_weights(straight), _weights(resumed)):
        np.testing.assert_array_equal(a, b)


def test_compile_false_skips_training_state(tmp_path):
    x, y = _data()
    model = _compiled(tk.optimizers.Adam(0.01))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(str(tmp_path / "m.safetensors"))
    assert not tk.models.load_model(str(tmp_path / "m.safetensors"), compile=False).compiled
    header = safetensors_io.read_header(str(tmp_path / "m.safetensors"))
    assert header.metadata["optimizer_iterations"] == "4"
    assert "optimizer/vars/0" in header.tensors


def test_optimizer_state_must_match(tmp_path):
    x, y = _data()
    model = _compiled(tk.optimizers.Adam(0.01))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = str(tmp_path / "m.safetensors")
    model.save(path)
    broken = craft.set_tensor(path, str(tmp_path / "b.safetensors"), "optimizer/vars/2",
                              None)
    with pytest.raises(WeightsMismatchError, match="optimizer state"):
        tk.models.load_model(broken)
    assert not tk.models.load_model(broken, compile=False).compiled


# -- crash safety ----------------------------------------------------------
def test_failed_save_keeps_the_old_file(tmp_path):
    path = str(tmp_path / "m.safetensors")
    _mlp().save(path)
    before = open(path, "rb").read()

    def explode(f):
        f.write(b"partial")
        raise RuntimeError("disk on fire")
    with pytest.raises(RuntimeError):
        safetensors_io.atomic_write(path, explode)
    assert open(path, "rb").read() == before and craft.temporaries(tmp_path) == []


def test_overwrite_false(tmp_path):
    path = str(tmp_path / "m.safetensors")
    _mlp().save(path)
    with pytest.raises(FileExistsError):
        _mlp().save(path, overwrite=False)


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    stale = tmp_path / f".tmp-tinykeras-{dead}-abc-m.safetensors"
    alive = tmp_path / f".tmp-tinykeras-{os.getppid()}-abc-m.safetensors"
    stale.write_bytes(b"half a file")
    alive.write_bytes(b"someone is writing this")
    _mlp().save(str(tmp_path / "m.safetensors"))
    assert not stale.exists() and alive.exists()


SAVER = textwrap.dedent("""
    import sys, numpy as np, tinykeras as tk
    model = tk.Sequential([tk.Input((512,))] + [tk.layers.Dense(1024, name=f"d{i}") for i in range(4)])
    print("ready", flush=True)
    version = 0
    while True:
        version += 1
        for w in model.weights:
            w.assign(np.full(w.shape, version, "float32"))
        model.save(sys.argv[1])
        print("saved", version, flush=True)
""")


@pytest.mark.slow
def test_sigkill_during_saves_never_breaks_the_file(tmp_path):
    """A process saving a ~14 MB model in a loop is killed at several moments;
    every time the file loads and holds one whole version of the weights."""
    path = str(tmp_path / "big.safetensors")
    script = tmp_path / "saver.py"
    script.write_text(SAVER)
    for delay in (0.0, 0.013, 0.041, 0.097, 0.23):
        proc = subprocess.Popen([sys.executable, str(script), path], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout.readline().startswith("ready")
            if not os.path.exists(path):
                assert proc.stdout.readline().startswith("saved")
            time.sleep(delay)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        model = tk.models.load_model(path)
        values = {float(v) for w in model.get_weights() for v in np.unique(w)}
        assert len(values) == 1, f"a mix of versions after a kill at +{delay}s: {sorted(values)}"
    tk.saving.clean_stale_temporaries(str(tmp_path))
    assert craft.temporaries(tmp_path) == []
