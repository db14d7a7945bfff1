"""The package layout docs/plugins.md shows, through a real installed
distribution: a wheel built here (by hand: a zip with its ``.dist-info``) and
installed by pip into a temporary folder, never into the running
environment.  Its package ``__init__`` imports its layer class, which
subclasses ``tk.layers.Layer`` at import, so tinykeras must load plugins
only once it is fully importable."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

import tinykeras as tk

FILES = {
    "tksnake/__init__.py": '''
        """A plugin package laid out as docs/plugins.md shows: the API at the top."""
        from .layers import Snake
        from .ops import snake
    ''',
    "tksnake/ops.py": '''
        import numpy as np
        from tinykeras.core import apply, registry

        def snake(x, alpha=1.0):
            return apply("tksnake", (x,), {"alpha": float(alpha)})

        def snake_numpy(x, alpha=1.0):
            s = np.sin(x * alpha)
            return np.asarray(x + s * s / alpha)

        OP = registry.OpDef("tksnake", 1, params=("alpha",),
                            rule=lambda g, out, x, alpha=1.0: (g * (1 + (x * (2 * alpha)).sin()),),
                            sample=lambda rng: [([rng.normal(size=(2, 3))], {"alpha": 0.5})])
    ''',
    "tksnake/layers.py": '''
        import tinykeras as tk
        from .ops import snake

        class Snake(tk.layers.Layer):
            def __init__(self, alpha=1.0, **kwargs):
                super().__init__(**kwargs)
                self.alpha = alpha

            def call(self, inputs):
                return snake(inputs, self.alpha)

            def compute_output_shape(self, input_shape):
                return input_shape

            def get_config(self):
                return {**super().get_config(), "alpha": self.alpha}
    ''',
    "tksnake/plugin.py": '''
        from tinykeras import hookimpl
        from . import ops
        from .layers import Snake

        @hookimpl
        def tinykeras_register_ops(register):
            register(ops.OP)

        @hookimpl
        def tinykeras_register_kernels(register):
            register("numpy", "tksnake", ops.snake_numpy)

        @hookimpl
        def tinykeras_register_serializables(register):
            register(Snake, package="tksnake")
    ''',
}
DIST_INFO = "tksnake-0.1.dist-info"
META = {
    "METADATA": "Metadata-Version: 2.1\nName: tksnake\nVersion: 0.1\n",
    "WHEEL": "Wheel-Version: 1.0\nGenerator: tinykeras-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    "entry_points.txt": "[tinykeras]\ntksnake = tksnake.plugin\n",
}
USE = '''
import json, os, sys, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import tinykeras as tk
    from tinykeras.core import registry
import tksnake
model = tk.Sequential([tk.Input((3,)), tksnake.Snake(alpha=0.5)])
x = np.array([[0.0, 1.0, -2.0]], "float32")
model.save("snake.safetensors")
loaded = tk.models.load_model("snake.safetensors")
print(json.dumps({
    "failed": registry.FAILED, "warnings": [str(w.message) for w in caught],
    "dist": registry.pm.dists.get("tksnake"), "owner": registry.OPS["tksnake"].plugin,
    "layers": registry.LAYERS.get("tksnake"), "site": os.path.dirname(os.path.dirname(tksnake.__file__)),
    "out": model.predict(x, verbose=0).tolist(), "loaded": loaded.predict(x, verbose=0).tolist(),
    "loaded_class": type(loaded.layers[-1]).__module__ + "." + type(loaded.layers[-1]).__name__,
}))
'''


def _wheel(folder):
    """``tksnake-0.1-py3-none-any.whl``, with a RECORD of sha256 hashes."""
    path = folder / "tksnake-0.1-py3-none-any.whl"
    entries = {name: textwrap.dedent(text).lstrip() for name, text in FILES.items()}
    entries.update({f"{DIST_INFO}/{name}": text for name, text in META.items()})
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
              f"{len(text.encode())}" for name, text in entries.items()]
    entries[f"{DIST_INFO}/RECORD"] = "\n".join(record + [f"{DIST_INFO}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("tksnake")
    wheel = _wheel(root)
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                           "--disable-pip-version-check", "--target", str(root / "site"), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "site"


def test_a_plugin_package_that_imports_its_layer_loads_and_works(site, tmp_path):
    package_root = os.path.dirname(os.path.dirname(tk.__file__))  # the tinykeras under test
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYKERAS_")}
    env.update(PYTHONPATH=os.pathsep.join([str(site), package_root]))
    proc = subprocess.run([sys.executable, "-c", USE], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["failed"] == {} and not [w for w in out["warnings"] if "tksnake" in w], out
    assert out["site"] == str(site)                 # installed by pip, found through the entry point
    assert (out["dist"], out["owner"], out["layers"]) == ("tksnake 0.1", "tksnake", ["tksnake>Snake"])
    x = [0.0, 1.0, -2.0]
    expected = [v + (__import__("math").sin(0.5 * v) ** 2) / 0.5 for v in x]
    assert out["out"][0] == pytest.approx(expected, rel=1e-6)
    assert out["loaded"] == out["out"] and out["loaded_class"] == "tksnake.layers.Snake"
