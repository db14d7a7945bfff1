"""``python -m tinykeras plugins [--json]`` with real distributions, and the
hookspec contract in ``docs/hookspecs.md``.

A temporary folder holds a distribution ``tkbad 0.3`` whose entry points
are one good plugin, two plugins that conflict politely, and one of each
kind of broken plugin (raises on import, kernel for an unknown op, kernel
with the wrong signature, op declared twice, core op declared again, bad
hook argument).  The listing must name each broken one with its reason,
and tinykeras must work as if they were absent.  (The registry's own
behaviour is tested in-process in ``test_registry.py``.)

``docs/hookspecs.md`` is rendered from ``tinykeras/core/hookspecs.py``;
after editing the docstrings, regenerate it with
``python tests/test_plugins_cli.py``.
"""
import inspect
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

import tinykeras as tk

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "hookspecs.md"

MODULES = {
    "tkbad_ok": '''
        import numpy as np
        from tinykeras import hookimpl
        from tinykeras.core.registry import OpDef

        @hookimpl
        def tinykeras_register_ops(register):
            register(OpDef("tkbad_cube", 1, rule=lambda g, out, x: (3 * g * x * x,), sample="unary"))

        @hookimpl
        def tinykeras_register_kernels(register):
            register("numpy", "tkbad_cube", lambda x: x * x * x)
    ''',
    "tkbad_raises": '''
        raise RuntimeError("tkbad_raises cannot find its GPU driver")
    ''',
    "tkbad_unknown": '''
        import numpy as np
        from tinykeras import hookimpl

        @hookimpl
        def tinykeras_register_kernels(register):
            register("numpy", "exp", lambda x: np.exp(x) + 1)   # must not survive
            register("numpy", "no_such_op", np.exp)
    ''',
    "tkbad_signature": '''
        from tinykeras import hookimpl

        @hookimpl
        def tinykeras_register_kernels(register):
            register("numpy", "add", lambda x: x)
    ''',
    "tkbad_twice": '''
        from tinykeras import hookimpl
        from tinykeras.core.registry import OpDef

        @hookimpl
        def tinykeras_register_ops(register):
            register(OpDef("tkbad_op", 1, sample="unary", differentiable=False))
            register(OpDef("tkbad_op", 1, sample="unary", differentiable=False))
    ''',
    "tkbad_core": '''
        from tinykeras import hookimpl
        from tinykeras.core.registry import OpDef

        @hookimpl
        def tinykeras_register_ops(register):
            register(OpDef("add", 2, sample="binary"))
    ''',
    "tkbad_args": '''
        from tinykeras import hookimpl

        @hookimpl
        def tinykeras_register_kernels(reg):
            pass
    ''',
    "tkbad_polite": '''
        import numpy as np
        from tinykeras import hookimpl

        class Polite:
            def __init__(self, name):
                self.name = name

            @hookimpl
            def tinykeras_register_kernels(self, register):
                register("numpy", "negative", lambda x: np.negative(x))

        first, second = Polite("first"), Polite("second")
    ''',
}
ENTRY_POINTS = {"tkbad-ok": "tkbad_ok", "tkbad-raises": "tkbad_raises",
                "tkbad-unknown": "tkbad_unknown", "tkbad-signature": "tkbad_signature",
                "tkbad-twice": "tkbad_twice", "tkbad-core": "tkbad_core", "tkbad-args": "tkbad_args",
                "tkbad-polite1": "tkbad_polite:first", "tkbad-polite2": "tkbad_polite:second"}
FAILURES = {  # entry point -> what the listing must say
    "tkbad-raises": "import failed: RuntimeError: tkbad_raises cannot find its GPU driver",
    "tkbad-unknown": "tkbad-unknown: kernel for unknown op 'no_such_op' on backend 'numpy'",
    "tkbad-signature": "tkbad-signature: kernel 'add' has the wrong signature",
    "tkbad-twice": "tkbad-twice: op 'tkbad_op' is already declared by tkbad-twice",
    "tkbad-core": "tkbad-core: op 'add' is already declared by tinykeras",
    "tkbad-args": "PluginValidationError",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    for module, source in MODULES.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / "tkbad-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tkbad\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(
        "[tinykeras]\n" + "".join(f"{k} = {v}\n" for k, v in ENTRY_POINTS.items()))
    return root


def run(site, args, **env):
    """Run ``python ARGS`` with ``site`` and the tinykeras under test on the path."""
    package_root = os.path.dirname(os.path.dirname(tk.__file__))
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    path = [str(site), package_root, full_env.get("PYTHONPATH", "")]
    full_env.update(env, PYTHONPATH=os.pathsep.join(p for p in path if p))
    proc = subprocess.run([sys.executable, *args], env=full_env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def listing(site):
    return json.loads(run(site, ["-m", "tinykeras", "plugins", "--json"]).stdout)


def test_json_names_every_broken_plugin_with_its_distribution_and_reason(listing):
    failed = listing["failed"]
    assert set(FAILURES) <= set(failed)
    for name, reason in FAILURES.items():
        assert failed[name]["dist"] == "tkbad 0.3"
        assert reason in failed[name]["error"], failed[name]
    assert "'reg'" in failed["tkbad-args"]["error"]  # the argument pluggy rejected


def test_json_lists_what_each_plugin_registered(listing):
    plugins = {p["name"]: p for p in listing["plugins"]}
    assert not set(FAILURES) & set(plugins)
    ok = plugins["tkbad-ok"]
    assert ok["dist"] == "tkbad 0.3" and ok["ops"] == ["tkbad_cube"] and ok["kernels"] == ["numpy:tkbad_cube"]
    assert plugins["numpy"]["dist"] == "tinykeras (built in)" and plugins["numpy"]["backends"] == ["numpy"]
    assert "numpy:exp" in plugins["numpy"]["kernels"] and "numpy:add" in plugins["numpy"]["kernels"]
    # two ordinary plugins with the same kernel: one wins, shadowing the other and the reference
    winner = next(n for n in ("tkbad-polite1", "tkbad-polite2") if plugins[n]["kernels"])
    loser = ({"tkbad-polite1", "tkbad-polite2"} - {winner}).pop()
    assert plugins[winner]["shadowed"] == [f"numpy:negative (over {loser})", "numpy:negative (over numpy)"]
    assert listing["backends"]["numpy"]["missing_primitives"] == []


def test_json_shows_the_example_plugin_and_its_override(listing):
    plugins = {p["name"]: p for p in listing["plugins"]}
    if "example" not in plugins:
        pytest.skip("tinykeras-example is not installed (pip install -e plugins/tinykeras-example)")
    assert plugins["example"]["dist"].startswith("tinykeras-example ")
    assert plugins["example"]["ops"] == ["snake"]
    assert plugins["example"]["serializables"] == ["tinykeras_example>Snake"]
    assert plugins["example_relu"]["shadowed"] == ["numpy:relu (over numpy)"]


def test_text_listing(site):
    out = run(site, ["-m", "tinykeras", "plugins"]).stdout
    assert out.startswith("active backend: numpy\nbackends:\n  numpy ")
    assert "  tkbad-ok (tkbad 0.3): backends -, kernels ['numpy:tkbad_cube'], ops added ['tkbad_cube']" in out
    failed = out.split("failed to load:\n", 1)[1]
    for name, reason in FAILURES.items():
        reason = reason.removeprefix(f"{name}: ")  # the text listing drops the repeated name
        assert re.search(rf"^  {name} \(tkbad 0\.3\): {re.escape(reason)}", failed, re.M), (name, failed)
    if "example_relu" in out:
        assert re.search(r"^  example_relu \(tinykeras-example [^)]*\): .*\n    overrides numpy:relu "
                         r"\(over numpy\)$", out, re.M)
    kernels = run(site, ["-m", "tinykeras", "plugins", "--kernels"]).stdout
    assert "    kernels: numpy:abs, " in kernels


PROBE = '''
import json, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import tinykeras as tk
    from tinykeras.core import registry
x = tk.Tensor([2.0], requires_grad=True)
y = tk.core.apply("tkbad_cube", (x,))
y.backward()
print(json.dumps({
    "warnings": [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)],
    "core": [(tk.Tensor([1.0]) + 1).item(), tk.ops.exp([0.0]).item(), (-tk.Tensor([3.0])).item()],
    "providers": [registry.PROVIDERS[("numpy", op)] for op in ("add", "exp")],
    "cube": [y.item(), x.grad.item()],
    "ops": sorted(n for n in registry.OPS if n.startswith("tkbad")),
}))
'''


def test_the_core_and_the_good_plugin_work_and_warnings_name_the_culprits(site):
    out = json.loads(run(site, ["-c", PROBE]).stdout.strip().splitlines()[-1])
    assert out["core"] == [2.0, 1.0, -3.0] and out["providers"] == ["numpy", "numpy"]
    assert out["cube"] == [8.0, 12.0] and out["ops"] == ["tkbad_cube"]
    for name in FAILURES:
        assert any(f"'{name}'" in w and "skipped" in w for w in out["warnings"]), name
    conflict = [w for w in out["warnings"] if "same priority" in w]
    assert conflict and "'tkbad-polite1'" in conflict[0] and "'tkbad-polite2'" in conflict[0]


@pytest.mark.parametrize("env, loaded", [
    ({"TINYKERAS_PLUGINS": "tkbad-ok,tkbad-raises"}, {"numpy", "tkbad-ok"}),
    ({"TINYKERAS_DISABLE_PLUGIN_AUTOLOAD": "1"}, {"numpy"}),
])
def test_environment_variables_choose_what_loads(site, env, loaded):
    listing = json.loads(run(site, ["-m", "tinykeras", "plugins", "--json"], **env).stdout)
    assert {p["name"] for p in listing["plugins"]} == loaded
    assert set(listing["failed"]) == ({"tkbad-raises"} if "TINYKERAS_PLUGINS" in env else set())


def test_kernels_for_a_backend_no_plugin_provides_are_explained(clean_registry):
    class GhostKernels:  # e.g. an OpenCL kernel while the OpenCL plugin is not loaded
        @tk.hookimpl
        def tinykeras_register_kernels(self, register):
            register("ghost", "exp", lambda x: x)

    tk.registry.register(GhostKernels(), name="ghost-kernels")
    with pytest.raises(ValueError, match=r"lacks kernels .* \(no loaded plugin provides backend 'ghost': "
                                         r"is its plugin installed, and allowed by TINYKERAS_PLUGINS\?\)"):
        tk.backend.set_backend("ghost")


def test_main_lists_the_plugins_command(capsys):
    from tinykeras.__main__ import main
    assert main(["--help"]) == 0
    assert re.search(r"^  plugins +list plugins", capsys.readouterr().out, re.M)


# -- docs/hookspecs.md, rendered from the hookspecs module ----------------

def _markdown(doc):
    """reST-flavoured docstring -> Markdown: ``::`` blocks become fenced code."""
    doc = re.sub(r":(?:class|func|mod|data):`~?([^`]+)`", r"``\1``", doc)
    out, lines, i = [], doc.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.endswith("::"):
            out.append(line)
            continue
        out += [line[:-1] if line.strip() != "::" else "", ""]
        block = []
        while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
            block.append(lines[i][4:])
            i += 1
        out += ["```python", *textwrap.dedent("\n".join(block)).strip("\n").splitlines(), "```", ""]
    return out


def render_hookspecs():
    """The text of ``docs/hookspecs.md``."""
    from tinykeras.core import hookspecs
    title, _, body = inspect.getdoc(hookspecs).partition("\n")
    out = ["<!-- Generated from the docstrings of tinykeras/core/hookspecs.py by",
           "     `python tests/test_plugins_cli.py`; edit those, not this file. -->", "",
           "# The plugin contract (hook specifications)", "", title, "",
           *_markdown(body.strip("\n"))]
    for name, fn in vars(hookspecs).items():
        if name.startswith("tinykeras_") and callable(fn):
            out += ["", f"## `{name}{inspect.signature(fn)}`", "", *_markdown(inspect.getdoc(fn))]
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def test_hookspecs_doc_is_in_sync_with_the_docstrings():
    from tinykeras.core import hookspecs
    assert DOC.exists(), "docs/hookspecs.md is missing: run python tests/test_plugins_cli.py"
    assert DOC.read_text() == render_hookspecs(), \
        "docs/hookspecs.md is out of date with tinykeras/core/hookspecs.py: run python tests/test_plugins_cli.py"
    hooks = [n for n in vars(hookspecs) if n.startswith("tinykeras_")]
    assert set(hooks) == set(tk.registry.pm.hook.__dict__) & set(hooks) and len(hooks) == 4
    text = DOC.read_text()
    for topic in ("When are hooks called?", "Which backends does a plugin support?", "Precedence.",
                  "tryfirst", "at the same priority", "Errors."):
        assert topic in text, topic


if __name__ == "__main__":  # regenerate docs/hookspecs.md
    DOC.write_text(render_hookspecs())
    print(f"wrote {DOC}")
