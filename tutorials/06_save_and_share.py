# %% [markdown]
# # Tutorial 6: save, inspect, share and reload a model
#
# A tinykeras model file is a single `.safetensors` file: the weights as
# tensors, and the architecture, the compile settings and the optimizer's
# state as JSON text in the file's metadata.  Loading one rebuilds the model
# from an allow-list of classes and never runs code from the file, so you can
# open models other people send you.  (The format is specified in
# `docs/file-format.md`.)
#
# Run it with `python tutorials/06_save_and_share.py`;
# `TINYKERAS_TUTORIAL_SMALL=1` trains for fewer epochs.

# %%
import os
import subprocess
import sys
import tempfile

import numpy as np

import tinykeras as keras
from tinykeras import layers

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"
EPOCHS = 1 if SMALL else 5
keras.utils.set_random_seed(0)
workdir = tempfile.mkdtemp(prefix="tinykeras-tutorial-")

# %% [markdown]
# ## 1. Train a small model
# The digits data set ships with tinykeras.  We train for a few epochs and
# keep the predictions to compare with the reloaded model.

# %%
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0

model = keras.Sequential([keras.Input((64,)), layers.Dense(32, activation="relu", name="hidden"),
                          layers.Dense(10, activation="softmax", name="digits")], name="digits_mlp")
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=EPOCHS, batch_size=64, verbose=0)
before = model.predict(x_test, verbose=0)
print(f"trained a {model.count_params():,}-parameter MLP for {EPOCHS} epochs on {len(x_train)} digit "
      f"images; it gets {(before.argmax(-1) == y_test).mean():.1%} of the {len(x_test)} test images right")

# %% [markdown]
# ## 2. Save it: one file
# `model.save` writes to a temporary file, flushes it to disk and renames
# it over the target, so a crash (even `kill -9`) mid-save never leaves a
# half-written model behind.

# %%
path = os.path.join(workdir, "digits.safetensors")
model.save(path)
print(f"{path}: {os.path.getsize(path)} bytes")

# %% [markdown]
# ## 3. Look inside without running anything
# `python -m tinykeras inspect` reads only the file's header: the layers,
# parameter counts, compile settings and optimizer state.  Nothing is built.

# %%
print(subprocess.run([sys.executable, "-m", "tinykeras", "inspect", path], capture_output=True,
                     text=True, check=True).stdout)

# %% [markdown]
# Because it is a standard safetensors file, other tools can read the
# weights too; the tensors are named by where they sit in the model, as
# Keras 3 names them (`layers/dense/vars/0` is the first Dense layer's kernel).

# %%
from tinykeras.saving import safetensors_io  # noqa: E402

header = safetensors_io.read_header(path)
for name, info in sorted(header.tensors.items())[:6]:
    print(f"{name:40s} {info.dtype} {list(info.shape)}")
print("metadata keys:", sorted(header.metadata))

# %% [markdown]
# ## 4. Load it back
# The reloaded model predicts exactly the same numbers, bit for bit, and its
# optimizer continues where it stopped: training one more epoch from the
# file gives the same weights as training without the detour.

# %%
restored = keras.models.load_model(path)
after = restored.predict(x_test, verbose=0)
assert np.array_equal(before, after)
print("identical predictions:", np.array_equal(before, after))
print("optimizer steps so far:", int(restored.optimizer.iterations.numpy()))
restored.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)

# %% [markdown]
# ## 5. Share it as a folder
# A path ending in `/` writes a folder in the style of model hubs:
# `model.safetensors`, a readable `config.json`, and a `README.md` model
# card.  `load_model` reads the folder the same way.

# %%
folder = os.path.join(workdir, "digits_mlp") + "/"
model.save(folder)
print("the folder", folder, "holds", sorted(os.listdir(folder)))
print(open(os.path.join(folder, "README.md")).read()[:300], "...")
assert np.array_equal(keras.models.load_model(folder).predict(x_test, verbose=0), before)

# %% [markdown]
# ## 6. Your own layers
# A file names classes, never code.  To save a custom layer, give it a
# `get_config()` and register it under a package name: the file then says
# `"registered_name": "tutorial>Scale"`, and loading finds the class in the
# registry (or in `custom_objects=`).  A `Lambda` layer cannot be saved:
# its function is code; write a small layer like this one instead.

# %%
@keras.saving.register_serializable(package="tutorial")
class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


custom = keras.Sequential([keras.Input((64,)), Scale(0.5, name="half"), layers.Dense(10)])
custom.save(os.path.join(workdir, "custom.safetensors"))
print("the first layer after loading is a",
      type(keras.models.load_model(os.path.join(workdir, "custom.safetensors")).layers[0]).__name__)

# %% [markdown]
# ## 7. Files from strangers
# A file that is broken or hostile raises one kind of error,
# `keras.saving.FileFormatError` (a `ValueError`), naming the problem, and
# nothing in it is executed.  Here a model file asks for a class by module
# path, the trick behind Keras's CVE-2025-1550:

# %%
import json  # noqa: E402

bad_path = os.path.join(workdir, "bad.safetensors")
meta = dict(header.metadata)
arch = json.loads(meta["architecture"])
arch["config"]["layers"][1]["class_name"] = "os.system"
meta["architecture"] = json.dumps(arch)
tensors = safetensors_io.read_tensors(path, header)
safetensors_io.write_file(bad_path, tensors, meta)
try:
    keras.models.load_model(bad_path)
except keras.saving.FileFormatError as error:
    print(type(error).__name__, "-", str(error)[:120], "...")

# %% [markdown]
# ## 8. Weights only
# `save_weights` / `load_weights` store just the weights, by structure (so a
# fresh copy loads whatever its automatic layer names), and list every
# mismatch at once if the model they load into differs.

# %%
weights = os.path.join(workdir, "digits.weights.safetensors")
model.save_weights(weights)
twin = keras.Sequential([keras.Input((64,)), layers.Dense(32, activation="relu", name="hidden"),
                         layers.Dense(10, activation="softmax", name="digits")])
report = twin.load_weights(weights)
print(report)
assert np.array_equal(twin.predict(x_test, verbose=0), before)
