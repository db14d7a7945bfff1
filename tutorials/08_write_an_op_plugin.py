# %% [markdown]
# # Tutorial 8: write an op plugin
#
# Every op in tinykeras reaches its kernel through a plugin registry, and your code can
# join it: declare a new op, give it kernels for NumPy and OpenCL, wrap it in a Keras
# layer that saves and loads, and override an existing kernel.  This tutorial does all of
# that at run time, in one file, with the **Snake** activation
# `snake(x, alpha) = x + sin(alpha x)^2 / alpha` (Liu Ziyin et al., 2020), a periodic
# activation that lets a small network fit (and extrapolate) periodic signals.
#
# It is the code twin of `docs/plugins.md`; `plugins/tinykeras-example/` holds the same
# plugin as an installable distribution.  With `TINYKERAS_TUTORIAL_SMALL=1` it trains for
# fewer epochs.

# %%
import os
import tempfile
import warnings

import numpy as np

# tinykeras-example, if installed, declares the same op "snake"; load only the OpenCL
# plugin, so that we build ours from scratch (TINYKERAS_PLUGINS lists the plugins to load).
os.environ["TINYKERAS_PLUGINS"] = "opencl"

import tinykeras as tk  # noqa: E402
from tinykeras import hookimpl  # noqa: E402
from tinykeras.cli_plugins import main as list_plugins  # noqa: E402
from tinykeras.core import registry  # noqa: E402
from tinykeras.core.registry import OpDef  # noqa: E402
from tinykeras.testing import check_backend_conformance, check_gradients, values  # noqa: E402

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"
tk.utils.set_random_seed(0)

# %% [markdown]
# ## 1. The op: a composite, a backward rule and test samples
#
# An op is declared by an `OpDef`.  The **composite** writes it with existing ops: it runs
# on any backend that has no kernel for it, and autograd differentiates it by itself.
# The **rule** gives the gradient when a kernel ran instead: `g * d snake/dx`, with
# `d snake/dx = 1 + sin(2 alpha x)`.  The **sample** tells `tinykeras.testing` which inputs
# to test the op on.  Parameters (`alpha`) are keyword arguments, never tensors.

# %%
def snake_composite(x, alpha=1.0):
    s = tk.ops.sin(x * alpha)
    return x + s * s / alpha


def snake_rule(g, out, x, alpha=1.0):
    return (g * (1 + tk.ops.sin(x * (2 * alpha))),)   # one gradient per tensor input


def snake_sample(rng):
    return [([values(rng, shape)], {"alpha": alpha})
            for shape, alpha in [((), 1.0), ((3,), 0.5), ((2, 3), 1.0), ((0, 3), 2.0)]]


SNAKE = OpDef("snake", n_inputs=1, params=("alpha",), rule=snake_rule,
              composite=snake_composite, sample=snake_sample)


def snake(x, alpha=1.0):
    """The function users call: runs the active backend's kernel, or the composite."""
    return tk.core.apply("snake", (tk.ops.convert_to_tensor(x),), {"alpha": float(alpha)})

# %% [markdown]
# ## 2. Kernels
#
# A kernel takes the backend's arrays (NumPy arrays for `"numpy"`) plus the parameters as
# keywords, and returns a new array of the same dtype.  The NumPy kernel is the reference
# every other backend is tested against.

# %%
def snake_numpy(x, alpha=1.0):
    s = np.sin(x * alpha)
    return np.asarray(x + s * s / alpha)

# %% [markdown]
# The OpenCL kernel is a few lines of C, compiled once per device and dtype by
# tinykeras-opencl's `Device.kernel` (a cache), launched with one work-item per element.
# We define it only if tinykeras-opencl is installed.

# %%
try:
    import tinykeras_opencl as tko
except ImportError:
    tko = None

SOURCE = r"""
__kernel void snake(__global const T *x, __global T *out, const T alpha, const long n)
{
    const long i = get_global_id(0);
    if (i < n) { const T s = sin(alpha * x[i]); out[i] = x[i] + s * s / alpha; }
}
"""


def snake_opencl(x, alpha=1.0):
    ctype = {np.dtype("float32"): "float", np.dtype("float64"): "double"}[x.dtype]
    dev = x.device
    out = tko.empty(x.shape, x.dtype, dev)
    if out.size:
        knl = dev.kernel(("tutorial.snake", ctype), lambda: f"#define T {ctype}\n{SOURCE}", "snake",
                         [None, None, x.dtype.type, np.int64])
        global_size = -(-out.size // dev.local_size) * dev.local_size
        dev.launch(knl, (global_size,), (dev.local_size,), x.data, out.data, x.dtype.type(alpha), out.size)
    return out

# %% [markdown]
# ## 3. A Keras layer that uses the op

# %%
class Snake(tk.layers.Layer):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)
        self.built = True

    def call(self, inputs):
        return snake(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}

# %% [markdown]
# ## 4. The plugin: four hooks, then `register`
#
# A plugin is any object (or module) with `@hookimpl` functions named after the hooks in
# `tinykeras/core/hookspecs.py` (rendered in `docs/hookspecs.md`).  It supports the
# backends it gives kernels for; `tinykeras_register_serializables` makes the layer
# loadable from model files as `"tutorial>Snake"`.  An installed plugin names this object
# in its `tinykeras` entry point instead of calling `register`.

# %%
class SnakePlugin:
    @hookimpl
    def tinykeras_register_ops(self, register):
        register(SNAKE)

    @hookimpl
    def tinykeras_register_kernels(self, register):
        register("numpy", "snake", snake_numpy)
        if tko is not None:
            register("opencl", "snake", snake_opencl)

    @hookimpl
    def tinykeras_register_serializables(self, register):
        register(Snake, package="tutorial")


assert registry.register(SnakePlugin(), name="tutorial-snake") == "tutorial-snake"
list_plugins([])
print(snake([0.0, 1.0, 2.0]).numpy())

# %% [markdown]
# ## 5. Test it with `tinykeras.testing`
#
# `check_gradients` compares autograd (here: our rule, then the composite) with finite
# differences in float64; `check_backend_conformance` runs a backend's kernel on the
# sample cases and compares it with the NumPy kernel.

# %%
for alpha in (0.5, 2.0):
    check_gradients(snake, [np.linspace(-2, 2, 5)], {"alpha": alpha})
    check_gradients(snake_composite, [np.linspace(-2, 2, 5)], {"alpha": alpha})
print("gradients agree with finite differences")

HAVE_OPENCL = False
if tko is not None and "opencl" in registry.BACKENDS:
    try:
        tko.get_device()
        HAVE_OPENCL = True
    except Exception as exc:  # no driver, no device: the NumPy parts still run
        print(f"no OpenCL device ({exc}); skipping the OpenCL checks")
if HAVE_OPENCL:
    print("OpenCL cases checked:", check_backend_conformance("opencl", ops=["snake"]))
    tk.backend.set_backend("opencl")
    y = snake(tk.Tensor(np.float32([0.5, -1.0])), alpha=2.0)
    print("on", type(y.data).__name__, y.numpy())
    tk.backend.set_backend("numpy")

# %% [markdown]
# ## 6. Train with it, save, load
#
# Fit `sin(3x)` on [-3, 3] with one hidden layer, Snake against ReLU, and look at how
# each extrapolates to [3, 5], where there was no training data.

# %%
x = np.linspace(-3, 3, 256, dtype="float32")[:, None]
x_far = np.linspace(3, 5, 64, dtype="float32")[:, None]
epochs = 15 if SMALL else 60
results = {}
print(f"fitting sin(3x) at {len(x)} points of [-3, 3] for {epochs} epochs; the losses are mean "
      "squared errors, on the training points and on [3, 5]")
for name, middle in [("snake", lambda: Snake(alpha=3.0)), ("relu", lambda: tk.layers.Activation("relu"))]:
    tk.utils.set_random_seed(0)
    model = tk.Sequential([tk.Input((1,)), tk.layers.Dense(32), middle(), tk.layers.Dense(1)])
    model.compile(optimizer=tk.optimizers.Adam(0.01), loss="mse")
    history = model.fit(x, np.sin(3 * x), epochs=epochs, batch_size=32, verbose=0)
    results[name] = (history.history["loss"][-1], model.evaluate(x_far, np.sin(3 * x_far), verbose=0), model)
    print(f"{name:5}: training loss {results[name][0]:.4f}, loss on [3, 5] {results[name][1]:.4f}")
assert results["snake"][0] < results["relu"][0]
if not SMALL:
    assert results["snake"][1] < results["relu"][1]

path = os.path.join(tempfile.mkdtemp(), "snake.safetensors")
results["snake"][2].save(path)
loaded = tk.models.load_model(path)
assert type(loaded.layers[1]) is Snake and loaded.layers[1].alpha == 3.0
np.testing.assert_array_equal(loaded.predict(x_far, verbose=0), results["snake"][2].predict(x_far, verbose=0))
print("saved to the temporary file", path, "and loaded back:",
      [type(layer).__name__ for layer in loaded.layers])

# %% [markdown]
# ## 7. Precedence: override a kernel with `tryfirst`
#
# For each (backend, op) the first kernel given wins, in this order: `tryfirst` plugins,
# ordinary plugins (the latest registered first), then `trylast` ones, which is where the
# NumPy reference sits.  This override computes the same numbers differently; the listing
# shows it under "overrides", and unregistering puts the reference back.

# %%
def relu_in_place(x):
    out = np.array(x, copy=True)
    np.maximum(out, 0, out=out)
    return out


class FastRelu:
    @hookimpl(tryfirst=True)
    def tinykeras_register_kernels(self, register):
        register("numpy", "relu", relu_in_place)


reference = registry.kernel("relu", "numpy")
registry.register(FastRelu(), name="tutorial-relu")
list_plugins([])
assert registry.kernel("relu", "numpy") is relu_in_place
assert tk.ops.relu([-1.0, 2.0]).numpy().tolist() == [0.0, 2.0]
registry.unregister(name="tutorial-relu")
assert registry.kernel("relu", "numpy") is reference

# %% [markdown]
# ## 8. When a plugin is broken
#
# A plugin that raises, gives a kernel for an op nobody declared, gives a kernel with the
# wrong signature or declares an op twice is skipped as a whole, with a warning that names
# it; the rest of tinykeras carries on.

# %%
class Broken:
    @hookimpl
    def tinykeras_register_kernels(self, register):
        register("numpy", "snak", snake_numpy)   # a typo


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert registry.register(Broken(), name="broken") is None
print("warning:", caught[0].message)
print("reason:", registry.FAILED["broken"])
assert "snake" in registry.OPS and snake([0.0]).item() == 0.0

# %% [markdown]
# ## 9. Debugging a kernel: `TINYKERAS_CHECK_KERNELS=1`
#
# With this variable set, every kernel call of a non-NumPy backend is compared with the
# NumPy kernel, and the first op that disagrees is named.  Here a "mirror" backend reuses
# NumPy's kernels with a subtly wrong `snake`.

# %%
class Mirror:
    @hookimpl
    def tinykeras_register_backends(self, register):
        register("mirror", describe=lambda: "NumPy's kernels, one of them wrong")

    @hookimpl
    def tinykeras_register_kernels(self, register):
        register("mirror", "snake", lambda x, alpha: snake_numpy(x, alpha) * 1.001)
        for op, fn in registry.KERNELS["numpy"].items():
            register("mirror", op, fn)   # the first kernel given wins: ours for snake


registry.register(Mirror(), name="mirror")
os.environ["TINYKERAS_CHECK_KERNELS"] = "1"   # read when a backend is selected
tk.backend.set_backend("mirror")
try:
    snake(tk.ops.ones((2, 2)))
    raise SystemExit("the wrong kernel was not caught")
except AssertionError as exc:
    print(exc)
finally:
    del os.environ["TINYKERAS_CHECK_KERNELS"]
    tk.backend.set_backend("numpy")

# %% [markdown]
# ## 10. Ship it
#
# Put the code in a package and name the plugin in `pyproject.toml`:
#
# ```toml
# [project.entry-points.tinykeras]
# snake = "my_package.plugin"
# ```
#
# `pip install -e .` and every `import tinykeras` loads it; `python -m tinykeras plugins`
# shows what it registered.  `plugins/tinykeras-example/` is that package, with its tests.
