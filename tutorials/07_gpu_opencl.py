# %% [markdown]
# # Tutorial 7: training on a GPU with the OpenCL backend
#
# Every tinykeras op runs through a *backend*: a table of kernels, one per op.  The NumPy
# backend is built in.  The **OpenCL backend** comes with the plugin `tinykeras-opencl`
# (`plugins/tinykeras-opencl/`): its kernels are small OpenCL C programs, compiled for your
# device the first time they are needed, and its arrays (`DeviceArray`) live in device
# memory.  OpenCL runs on NVIDIA, AMD and Intel GPUs, and on CPUs through
# [PoCL](https://portablecl.org) (`pip install pocl-binary-distribution`), which is how
# this tutorial runs on a machine without a GPU: slowly, but with the same kernels.
#
# We check which devices there are, learn the four ways to choose backend and device,
# train the same small convnet on NumPy and on OpenCL from the same initial weights, and
# see that the two agree to float32 rounding.  If no OpenCL device exists at all, the
# tutorial says why and exits with code 77 (the test-suite then skips it).
# `TINYKERAS_TUTORIAL_SMALL=1` trains on less data.

# %%
import os
import subprocess
import sys
import time

import numpy as np

import tinykeras as tk
from tinykeras import layers
from tinykeras.core import registry

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"

# %% [markdown]
# ## 1. Is there an OpenCL device?
#
# The plugin registers backend `"opencl"` when it is installed; a device is looked for only
# when the backend is first used (importing creates no OpenCL context).
# `tinykeras_opencl.list_devices()` lists every device with the spec that selects it.

# %%
if "opencl" not in registry.BACKENDS:   # no plugin provides the backend
    why = registry.FAILED.get("opencl", "it is not installed")
    print(f"The OpenCL backend is unavailable: {why}.\n"
          "Install it with: pip install -e 'plugins/tinykeras-opencl[pocl]'")
    sys.exit(77)

import tinykeras_opencl as tko  # noqa: E402  (only once we know the plugin is there)

try:
    print(tko.list_devices())
    print("default device:", tko.describe())
except tko.OpenCLBackendError as exc:   # no driver, no device, or no working compiler
    print(exc)                          # names each device tried and how to get one that works
    sys.exit(77)

# %% [markdown]
# ## 2. Choosing the backend and the device
#
# * **`tk.backend.set_backend("opencl")`** switches every following op.  Do it *before*
#   building models: arrays of one backend are not moved to another.
# * **`TINYKERAS_BACKEND=opencl`** in the environment makes `opencl` the backend from
#   `import tinykeras` on, with no code change: `TINYKERAS_BACKEND=opencl python train.py`.
# * **`TINYKERAS_OPENCL_DEVICE`** picks the device: `0:1` (platform 0, device 1, as
#   `list_devices()` numbers them), `gpu`, `cpu`, or a piece of the name (`nvidia`, `pocl`,
#   `A100`).  By default the first GPU is used, else the first device of any kind, whose
#   driver builds and runs a tiny test kernel (a device that fails is passed over, with
#   a warning saying why; `python -m tinykeras_opencl` checks them all).
#   In code: `tinykeras_opencl.set_device("gpu")`.
# * **`python -m tinykeras plugins`** lists the plugins, the backends with the device each
#   would use, and how many kernels each has.
#
# The environment variable, in a child process:

# %%
child = subprocess.run(
    [sys.executable, "-c", "import tinykeras as tk; x = tk.ops.ones((2,)); "
                           "print(tk.backend.backend(), type(x.data).__name__)"],
    env=dict(os.environ, TINYKERAS_BACKEND="opencl"), capture_output=True, text=True, check=True)
print("TINYKERAS_BACKEND=opencl ->", child.stdout.strip())
assert child.stdout.split() == ["opencl", "DeviceArray"]

# %%
from tinykeras.cli_plugins import main as list_plugins  # noqa: E402  (python -m tinykeras plugins)

list_plugins([])

# %% [markdown]
# ## 3. Tensors on the device
#
# On `opencl` a tensor's `.data` is a `DeviceArray`: a shape, a dtype and a buffer in device
# memory.  Ops launch kernels and give new device arrays; nothing comes back to the host
# until you ask for it with `.numpy()` (or print the tensor).

# %%
tk.backend.set_backend("opencl")
x = tk.ops.reshape(tk.ops.arange(6.0), (2, 3))
y = tk.ops.softmax(x @ tk.ops.transpose(x), axis=-1)
print(tk.backend.backend(), type(y.data).__name__, y.data)
print(y.numpy().round(4))            # the one copy back to the host
tk.backend.set_backend("numpy")

# %% [markdown]
# ## 4. The same training on both backends
#
# A small convnet on the bundled 8x8 digits (5 epochs on the 1,437 training images, about
# 97% of the 360 test images right on both backends).  We build it on NumPy, keep its initial
# weights (`get_weights()` gives NumPy arrays, which belong to no backend), train it; then
# switch to OpenCL, build the same model *there*, load the same weights into it with
# `set_weights`, and train it on the same batches (`shuffle=False`).
#
# On the OpenCL backend the convolutions are an *im2col* kernel plus the tiled matrix
# multiply, the pools are single kernels, and Adam's update is one fused kernel per weight
# (see `docs/opencl.md`).  The first batch is slower than the others: each kernel is
# compiled the first time it is needed (PoCL keeps the compiled kernels in `~/.cache/pocl`,
# so the next run starts faster).

# %%
(x_train, y_train), (x_test, y_test) = tk.datasets.digits.load_data()
x_train = (x_train[..., None] / 16).astype("float32")
x_test = (x_test[..., None] / 16).astype("float32")
if SMALL:
    x_train, y_train, x_test, y_test = x_train[:320], y_train[:320], x_test[:96], y_test[:96]
EPOCHS = 1 if SMALL else 5


def make_model():
    model = tk.Sequential([
        tk.Input((8, 8, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ], name="digits_convnet")
    model.compile(optimizer=tk.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def train(backend, initial_weights=None):
    tk.backend.set_backend(backend)
    tk.utils.set_random_seed(0)
    model = make_model()
    if initial_weights is not None:
        model.set_weights(initial_weights)
    start_weights = model.get_weights()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, shuffle=False, verbose=0)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"{backend:>6}: {seconds:6.2f} s for {EPOCHS} epoch(s); losses "
          f"{np.round(history.history['loss'], 4)}, test accuracy {accuracy:.3f}")
    # Read the weights now, while `backend` is active: its kernels read its arrays.
    return model, start_weights, model.get_weights(), history.history["loss"], accuracy


model_np, initial, weights_np, losses_np, accuracy_np = train("numpy")
model_cl, _, weights_cl, losses_cl, accuracy_cl = train("opencl", initial)
print("weights live in", type(model_cl.weights[0].data).__name__)

# %% [markdown]
# (`model_np` now holds NumPy arrays and `model_cl` device arrays: use each one only while
# its own backend is active.)
#
# The two runs did the same arithmetic in a different order (a GPU sums in tiles and trees,
# BLAS in its own blocks), so they agree to float32 rounding, not bit for bit:

# %%
np.testing.assert_allclose(losses_cl, losses_np, rtol=1e-4)
for w_cl, w_np in zip(weights_cl, weights_np):
    np.testing.assert_allclose(w_cl, w_np, rtol=1e-3, atol=1e-5)
assert abs(accuracy_cl - accuracy_np) <= 2 / len(y_test)   # at most a borderline digit or two
if not SMALL:
    assert accuracy_cl >= 0.9, accuracy_cl
print("OpenCL and NumPy agree")

# %% [markdown]
# On a CPU, PoCL is much slower than NumPy (which calls an optimised BLAS): OpenCL kernels
# written for a GPU's thousands of threads do not suit a CPU's few cores.  On a GPU the
# matrix multiplies and convolutions are where it pays; `benchmarks/opencl_bench.py`
# measures them.
#
# ## 5. Moving a model between backends
#
# Arrays do not move between backends, but files do: save the OpenCL-trained model, switch
# back to NumPy and load it there.

# %%
tk.backend.set_backend("opencl")
OUT = os.path.join(os.getcwd(), "tutorial_output")   # git ignores it; the tutorials write only here
os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, "digits_opencl.safetensors")
model_cl.save(path)
print("saved the OpenCL-trained model to", path)
predictions_cl = model_cl.predict(x_test, verbose=0)
tk.backend.set_backend("numpy")
reloaded = tk.models.load_model(path)
predictions_np = reloaded.predict(x_test, verbose=0)
np.testing.assert_allclose(predictions_np, predictions_cl, rtol=1e-4, atol=1e-6)
print("reloaded on", tk.backend.backend(), "- same predictions")
