"""Plugins: overriding kernels, precedence, conflicts, broken plugins and
entry-point loading (the last in subprocesses, with a real distribution on
``sys.path``).  Every test restores the registry (the ``clean_registry``
fixture)."""
import json
import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.numpy_plugin import numpy_backend
from tinykeras import Tensor, hookimpl
from tinykeras.core import registry

pytestmark = pytest.mark.usefixtures("clean_registry")


def add_plugin(offset, **marker):
    """A plugin whose ``add`` kernel adds ``offset`` too, so we can see who runs."""
    class Plugin:
        @hookimpl(**marker)
        def tinykeras_register_kernels(self, register):
            register("numpy", "add", lambda x, y: np.add(x, y) + np.asarray(offset, x.dtype))
    return Plugin()


def one_plus_one():
    return (Tensor([1.0]) + 1).item()


def test_plugin_overrides_the_reference_and_unregistering_restores_it():
    assert registry.register(add_plugin(100), name="fast") == "fast"
    assert one_plus_one() == 102.0
    assert tk.ops.add([1.0], [2.0]).numpy().tolist() == [103.0]
    assert registry.PROVIDERS[("numpy", "add")] == "fast"
    assert ("numpy", "add", "fast", "numpy") in registry.SHADOWED
    info = {p.name: p for p in tk.plugins.plugins()}["fast"]
    assert info.kernels == ["numpy:add"] and info.shadowed == ["numpy:add (over numpy)"]
    registry.unregister(name="fast")
    assert one_plus_one() == 2.0
    assert registry.kernel("add") is numpy_backend.KERNELS["add"] and registry.PROVIDERS[("numpy", "add")] == "numpy"


def test_tryfirst_beats_ordinary_plugins_whatever_the_order():
    registry.register(add_plugin(1000, tryfirst=True), name="first")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # different priorities: no conflict warning
        registry.register(add_plugin(10), name="ordinary")
    assert one_plus_one() == 1002.0
    registry.unregister(name="first")
    assert one_plus_one() == 12.0
    registry.unregister(name="ordinary")
    assert one_plus_one() == 2.0


def test_conflicting_kernels_at_the_same_priority_warn_naming_both():
    registry.register(add_plugin(10), name="alpha")
    with pytest.warns(RuntimeWarning, match="'beta' and 'alpha' both give kernel 'add'.*'beta' wins"):
        registry.register(add_plugin(20), name="beta")  # the most recently registered wins
    assert one_plus_one() == 22.0
    assert ("numpy", "add", "beta", "alpha") in registry.SHADOWED


def test_a_plugin_can_add_an_op_and_a_backend():
    class Toy:
        @hookimpl
        def tinykeras_register_ops(self, register):
            register(registry.OpDef("square_plus", 1, rule=lambda g, o, x: (2 * g * x,), sample="unary"))

        @hookimpl
        def tinykeras_register_backends(self, register):
            register("toy", describe=lambda: "a copy of NumPy")

        @hookimpl
        def tinykeras_register_kernels(self, register):
            register("numpy", "square_plus", lambda x: x * x + 1)
            register("toy", "square_plus", lambda x: x * x + 1)
            for op, fn in registry.KERNELS["numpy"].items():
                register("toy", op, fn)

    registry.register(Toy(), name="toy-plugin")
    x = Tensor([3.0], requires_grad=True)
    y = tk.core.apply("square_plus", (x,))
    y.sum().backward()
    assert y.item() == 10.0 and x.grad.item() == 6.0
    assert registry.ADDED_OPS["toy-plugin"] == ["square_plus"]
    tk.backend.set_backend("toy")
    assert tk.backend.backend() == "toy" and one_plus_one() == 2.0
    with pytest.warns(RuntimeWarning, match="backend 'toy' is gone; back to 'numpy'"):
        registry.unregister(name="toy-plugin")
    assert tk.backend.backend() == "numpy" and "square_plus" not in registry.OPS


def test_set_backend_refuses_unknown_and_incomplete_backends():
    class Partial:
        @hookimpl
        def tinykeras_register_kernels(self, register):
            register("half", "add", np.add)

    registry.register(Partial(), name="partial")
    with pytest.raises(ValueError, match="unknown backend 'nope'; available backends: half, .*numpy"):
        tk.backend.set_backend("nope")
    with pytest.raises(ValueError, match="backend 'half' lacks kernels for primitive ops: abs, argmax"):
        tk.backend.set_backend("half")
    assert tk.backend.backend() == "numpy"


class Raising:
    @hookimpl
    def tinykeras_register_kernels(self, register):
        register("numpy", "exp", lambda x: np.exp(x) + 1)  # must not survive: skipped as a whole
        raise ZeroDivisionError("oops in the hook")


def _kernels_plugin(op, fn):
    class Plugin:
        @hookimpl
        def tinykeras_register_kernels(self, register):
            register("numpy", "exp", lambda x: np.exp(x) + 1)
            register("numpy", op, fn)
    return Plugin()


class DeclaresAddAgain:
    @hookimpl
    def tinykeras_register_ops(self, register):
        register(registry.OpDef("add", 2, rule=lambda g, o, a, b: (g, g), sample="binary"))


class DeclaresTwice:
    @hookimpl
    def tinykeras_register_ops(self, register):
        register(registry.OpDef("twice", 1, sample="unary", differentiable=False))
        register(registry.OpDef("twice", 1, sample="unary", differentiable=False))


class WrongArgumentName:
    @hookimpl
    def tinykeras_register_kernels(self, reg):  # the hookspec says "register"
        reg("numpy", "exp", lambda x: np.exp(x) + 1)


@pytest.mark.parametrize("plugin, reason", [
    (Raising(), "tinykeras_register_kernels raised ZeroDivisionError: oops in the hook"),
    (_kernels_plugin("no_such_op", np.add), "kernel for unknown op 'no_such_op' on backend 'numpy'"),
    (_kernels_plugin("add", 42), "kernel 'add' is not callable"),
    (_kernels_plugin("add", lambda x: x), "kernel 'add' has the wrong signature"),
    (_kernels_plugin("sum", lambda x, axis: x), "kernel 'sum' has the wrong signature"),
    (DeclaresAddAgain(), "op 'add' is already declared by tinykeras"),
    (DeclaresTwice(), "op 'twice' is already declared by broken"),
    (WrongArgumentName(), r"PluginValidationError.*\n.*\nArgument\(s\) \{'reg'\} are declared in the hookimpl"),
], ids=["hook-raises", "unknown-op", "not-callable", "wrong-signature", "missing-param",
        "redeclares-core-op", "declares-twice", "wrong-hookimpl-args"])
def test_broken_plugins_are_skipped_and_reported(plugin, reason):
    with pytest.warns(RuntimeWarning, match="plugin 'broken' skipped") as record:
        assert registry.register(plugin, name="broken") is None
    assert any("broken" in str(w.message) for w in record)
    assert "broken" in registry.FAILED
    assert registry.FAILED["broken"].startswith("broken:") or "Error" in registry.FAILED["broken"]
    assert re.search(reason, registry.FAILED["broken"]), registry.FAILED["broken"]
    assert registry.pm.get_plugin("broken") is None
    # the core keeps working, with none of the broken plugin's kernels
    assert one_plus_one() == 2.0 and tk.ops.exp([0.0]).item() == 1.0
    assert "twice" not in registry.OPS and registry.kernel("add") is numpy_backend.KERNELS["add"]
    # a fixed plugin under the same name is accepted and clears the failure
    assert registry.register(add_plugin(5), name="broken") == "broken"
    assert "broken" not in registry.FAILED and one_plus_one() == 7.0


def op_plugin(offset):
    """Declares op ``twin`` (``x + offset``) with its NumPy kernel."""
    class Plugin:
        @hookimpl
        def tinykeras_register_ops(self, register):
            register(registry.OpDef("twin", 1, rule=lambda g, out, x: (g,), sample="unary"))

        @hookimpl
        def tinykeras_register_kernels(self, register):
            register("numpy", "twin", lambda x: x + np.asarray(offset, x.dtype))
    return Plugin()


def test_the_second_plugin_declaring_an_op_is_refused_not_the_first():
    assert registry.register(op_plugin(1), name="first") == "first"
    with pytest.warns(RuntimeWarning, match="'second' skipped: second: op 'twin' is already declared "
                                            "by first"):
        assert registry.register(op_plugin(2), name="second") is None
    assert registry.OPS["twin"].plugin == "first" and registry.PROVIDERS[("numpy", "twin")] == "first"
    assert tk.core.apply("twin", (Tensor([1.0]),)).item() == 2.0
    assert "first" not in registry.FAILED and registry.pm.get_plugin("second") is None
    registry.register(add_plugin(0), name="later")   # later rebuilds keep the verdict
    assert "second" in registry.FAILED and registry.OPS["twin"].plugin == "first"
    assert tk.core.apply("twin", (Tensor([1.0]),)).item() == 2.0


def test_a_broken_plugin_does_not_take_good_ones_down():
    registry.register(add_plugin(100), name="good")
    with pytest.warns(RuntimeWarning, match="'bad' skipped"):
        registry.register(Raising(), name="bad")
    assert one_plus_one() == 102.0 and registry.pm.get_plugin("good") is not None


# -- entry points, in subprocesses ------------------------------------------

GOOD = '''
import numpy as np
from tinykeras import hookimpl

@hookimpl
def tinykeras_register_kernels(register):
    register("numpy", "negative", lambda x: np.negative(x) * 10)
'''

PROBE = '''
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import tinykeras as tk
    from tinykeras.core import registry
print(json.dumps({
    "failed": registry.FAILED,
    "plugins": sorted(name for name, _ in registry.pm.list_name_plugin()),
    "negative": (-tk.Tensor([1.0])).item(),
    "add": (tk.Tensor([1.0]) + 1).item(),
    "warnings": [str(w.message) for w in caught],
    "op_owners": {n: op.plugin for n, op in registry.OPS.items() if op.plugin != "tinykeras"},
}))
'''


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A folder with a real distribution ``tkplug 0.1`` and two entry points:
    ``good`` (makes ``negative`` ten times larger) and ``broken`` (its
    module raises ImportError)."""
    root = tmp_path_factory.mktemp("site")
    (root / "tkplug_good.py").write_text(GOOD)
    (root / "tkplug_broken.py").write_text('raise ImportError("tkplug_broken needs libfoo")\n')
    info = root / "tkplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tkplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tinykeras]\ngood = tkplug_good\nbroken = tkplug_broken\n")
    return root


def probe(site, **env):
    package_root = os.path.dirname(os.path.dirname(tk.__file__))  # the tinykeras under test
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    full_env.update(env, PYTHONPATH=os.pathsep.join([str(site), package_root]))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(PROBE)], env=full_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_entry_points_load_and_a_failing_import_is_reported(site):
    out = probe(site)
    assert "good" in out["plugins"] and "broken" not in out["plugins"]
    assert out["negative"] == -10.0 and out["add"] == 2.0     # the core still works
    assert out["failed"]["broken"] == "import failed: ImportError: tkplug_broken needs libfoo"
    assert any("'broken' (tkplug 0.1) skipped" in w and "libfoo" in w for w in out["warnings"])


def test_disable_plugin_autoload(site):
    out = probe(site, TINYKERAS_DISABLE_PLUGIN_AUTOLOAD="1")
    assert "good" not in out["plugins"] and out["failed"] == {}
    assert out["negative"] == -1.0


@pytest.mark.parametrize("allowed, loaded, failed", [
    ("good", ["good"], []), ("broken", [], ["broken"]), (" good , broken ", ["good"], ["broken"]),
    ("other", [], []),
])
def test_plugins_allow_list(site, allowed, loaded, failed):
    out = probe(site, TINYKERAS_PLUGINS=allowed)
    assert [p for p in ("good", "broken") if p in out["plugins"]] == loaded
    assert sorted(out["failed"]) == failed
    assert out["negative"] == (-10.0 if loaded else -1.0)


DUPLICATE = '''
import numpy as np
from tinykeras import hookimpl
from tinykeras.core.registry import OpDef

@hookimpl
def tinykeras_register_ops(register):
    register(OpDef("tkdup", 1, sample="unary", differentiable=False))

@hookimpl
def tinykeras_register_kernels(register):
    register("numpy", "tkdup", lambda x: x + {offset})
'''


def test_entry_points_the_second_to_declare_an_op_is_refused(tmp_path):
    for name, offset in [("tkdup_first", 1), ("tkdup_second", 2)]:
        (tmp_path / f"{name}.py").write_text(DUPLICATE.format(offset=offset))
    info = tmp_path / "tkdup-0.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tkdup\nVersion: 0.2\n")
    (info / "entry_points.txt").write_text("[tinykeras]\nfirst = tkdup_first\nsecond = tkdup_second\n")
    out = probe(tmp_path, TINYKERAS_PLUGINS="first,second")
    assert out["op_owners"] == {"tkdup": "first"} and "first" in out["plugins"]
    assert out["failed"] == {"second": "second: op 'tkdup' is already declared by first"}
