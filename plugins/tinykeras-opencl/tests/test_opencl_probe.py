"""Choosing a device whose compiler works: every candidate builds and runs a
tiny kernel first; one that fails is passed over with a warning, an explicit
choice that fails is an error, and when none works ``set_backend("opencl")``
says at once which devices were tried and how to get a working driver.

A "broken" device is the real one made to fail its build for real: its
driver is given a build option no compiler accepts (or, in a subprocess,
PoCL's own ``POCL_EXTRA_BUILD_FLAGS``), as the pip PoCL fails on CPUs
that LLVM 14 does not know."""
import os
import pathlib
import subprocess
import sys
import types

import pytest

import tinykeras as tk
import tinykeras_opencl as tko
from tinykeras.testing import isolated_registry
from tinykeras_opencl import device as device_mod

pytestmark = pytest.mark.opencl
ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh(monkeypatch, dev):
    """No device opened yet (restored afterwards); the real device listed twice,
    as platform 7 first, then as itself."""
    p, d = _numbers(dev.cl_device)
    monkeypatch.setattr(device_mod, "_current", None)
    monkeypatch.delenv(device_mod.ENV_VAR, raising=False)
    real = device_mod._all_devices
    monkeypatch.setattr(device_mod, "_all_devices",
                        lambda: [(7, 0, dev.cl_device.platform, dev.cl_device)] + real())
    return dev.cl_device, f"{p}:{d}"


def _numbers(cl_device):
    return next((p, d) for p, d, _, found in device_mod._all_devices() if found == cl_device)


def _break_builds(monkeypatch, how_many):
    """Make the first ``how_many`` builds fail in the driver's compiler."""
    real, calls = device_mod.build_options, []

    def options(cl_device):
        calls.append(cl_device)
        return ["-tk-no-such-option"] if len(calls) <= how_many else real(cl_device)
    monkeypatch.setattr(device_mod, "build_options", options)
    return calls


def test_the_device_in_use_passed_the_probe(dev):
    assert tko.probe(dev.cl_device) is None
    assert "driver" in device_mod.driver(dev.cl_device)


def test_a_device_whose_build_fails_is_passed_over_with_a_warning(fresh, monkeypatch):
    cl_device, _ = fresh
    _break_builds(monkeypatch, 1)
    with pytest.warns(RuntimeWarning, match=r"7:0 .*passed over: the driver's OpenCL compiler "
                                            r"failed: .*tk-no-such-option.*trying the next one"):
        chosen = tko.get_device()
    assert chosen.cl_device == cl_device
    x = tko.asarray([1.0, -2.0])
    assert tko.to_numpy(tko.kernel("relu")(x)).tolist() == [1.0, 0.0]


def test_no_working_device_fails_set_backend_at_once_naming_each_device(fresh, monkeypatch):
    cl_device, spec = fresh
    _break_builds(monkeypatch, 99)
    with isolated_registry(), pytest.warns(RuntimeWarning, match="passed over"):
        with pytest.raises(tko.NoWorkingDeviceError) as info:
            tk.backend.set_backend("opencl")
    message = str(info.value)
    version = " ".join(cl_device.platform.version.split())
    for line in (f"7:0 {cl_device.name.strip()!r} on", f"{spec} {cl_device.name.strip()!r} on"):
        assert line in message
    assert version in message and f"driver {cl_device.driver_version.strip()}" in message
    assert "compiler failed" in message and "pocl-opencl-icd" in message
    assert isinstance(info.value, tko.NoDeviceError) and tk.backend.backend() == "numpy"


def test_an_explicit_device_that_fails_is_an_error_not_a_fallback(fresh, monkeypatch, recwarn):
    _, spec = fresh
    calls = _break_builds(monkeypatch, 1)
    monkeypatch.setenv(device_mod.ENV_VAR, spec)
    with pytest.raises(tko.NoWorkingDeviceError, match=rf"chosen by '{spec}'.*{device_mod.ENV_VAR}"):
        tko.get_device()
    assert len(calls) == 1 and not [w for w in recwarn if "passed over" in str(w.message)]


def test_a_build_failure_after_the_probe_names_the_plugin_that_owns_the_source(dev):
    def third_party_source():
        return "__kernel void k() { undefined_function(); }"
    third_party_source.__module__ = "tinykeras_example.opencl"   # as if it were written there
    with pytest.raises(tko.KernelBuildError, match="undefined_function") as info:
        dev.kernel(("test", "third-party"), third_party_source, "k")
    assert "the plugin 'tinykeras-example'" in str(info.value)
    assert "tinykeras-opencl" not in str(info.value).split("--- source ---")[0]
    own = types.FunctionType(third_party_source.__code__, {}, "own")
    own.__module__ = "tinykeras_opencl.elementwise"
    with pytest.raises(tko.KernelBuildError, match="comes from tinykeras-opencl"):
        dev.kernel(("test", "own"), own, "k")


def test_python_m_tinykeras_opencl_probes_every_device(dev):
    out = subprocess.run([sys.executable, "-m", "tinykeras_opencl"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{dev.name}  [" in out.stdout and ": works" in out.stdout


def test_with_a_broken_driver_the_gpu_tutorial_ends_with_the_device_error(tmp_path):
    found = device_mod._all_devices()
    if any("Portable Computing Language" not in plat.name for _, _, plat, _ in found):
        pytest.skip("breaks every compiler through PoCL's POCL_EXTRA_BUILD_FLAGS: PoCL only")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    env.update(POCL_EXTRA_BUILD_FLAGS="-tk-no-such-option", TINYKERAS_BACKEND="opencl")
    out = subprocess.run([sys.executable, str(ROOT / "tutorials" / "07_gpu_opencl.py")], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 77, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    tried = lines[-1 - len(found):-1]
    assert lines[-2 - len(found)] == ("no usable OpenCL device: the driver's compiler failed on "
                                      "every device tried:")
    for line, (p, d, _, cl_device) in zip(tried, found):
        assert line.startswith(f"  {p}:{d} {cl_device.name.strip()!r} on {device_mod.driver(cl_device)}")
        assert line.endswith("the driver's OpenCL compiler failed: Invalid build option: -tk-no-such-option")
    assert lines[-1] == device_mod.FIX_HINT and "pocl-opencl-icd" in lines[-1]
    assert "Traceback" not in out.stderr and "bug" not in out.stdout + out.stderr
    check = subprocess.run([sys.executable, "-m", "tinykeras_opencl"], env=env, capture_output=True,
                           text=True)
    assert check.returncode == 2 and "pocl-opencl-icd" in check.stdout
