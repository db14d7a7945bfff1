"""``python -m tinykeras``: unknown commands are named, a closed pipe is quiet,
``inspect`` prints float32 settings at float32 precision (issue 13)."""
import subprocess
import sys

import numpy as np

import tinykeras as keras
from tinykeras.__main__ import main
from tinykeras.saving import inspect


def test_unknown_command_is_named(capsys):
    assert main(["bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tinykeras: unknown command 'bogus' (choose from inspect, plugins, ")
    assert "usage: tinykeras COMMAND" in err


def test_help_into_a_closed_pipe_has_no_traceback():
    proc = subprocess.Popen([sys.executable, "-m", "tinykeras", "--help"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()                      # what `| head` does once it has its lines
    assert proc.wait(timeout=120) == 141
    assert b"BrokenPipeError" not in proc.stderr.read()


def test_inspect_prints_float32_values_at_float32_precision(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(learning_rate=0.005), "mse")
    path = tmp_path / "m.safetensors"
    model.save(path)
    text = "\n".join(inspect.describe(str(path)))
    assert "Adam(learning_rate=0.005)" in text
    assert inspect._name(float(np.float32(0.1))) == "0.1"
    assert inspect._name(0.1) == "0.1" and inspect._name(1 / 3) == repr(1 / 3)   # float64 as is
