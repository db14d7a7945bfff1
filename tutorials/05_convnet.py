# %% [markdown]
# # A convolutional network, with data augmentation
#
# Dense layers see an image as a flat list of pixels.  A convolution instead slides a small
# kernel over the image, so the same feature detector (an edge, a curve) is learned once and
# recognised anywhere.  Pooling then shrinks the feature maps, keeping the strongest responses.
#
# We classify the bundled 8x8 handwritten digits (`keras.datasets.digits`, 1,437 training and
# 360 test images), and make the small training set go further with *augmentation*: random
# small rotations, shifts and zooms, applied only while training.

# %%
import os

import numpy as np

import tinykeras as keras
from tinykeras import layers

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"   # the test-suite runs a short version
keras.utils.set_random_seed(0)
OUT = os.path.join(os.getcwd(), "tutorial_output")   # git ignores it; the tutorials write only here
os.makedirs(OUT, exist_ok=True)

# %% [markdown]
# ## The data
#
# Images arrive as `(samples, 8, 8)` integers in `[0, 16]`.  Convolution layers expect a
# channel axis, `(samples, height, width, channels)` ("channels_last", Keras's default), so we
# add one.  The scaling to `[0, 1]` happens inside the model, with a `Rescaling` layer.

# %%
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train[..., None].astype("float32")
x_test = x_test[..., None].astype("float32")
if SMALL:
    x_train, y_train = x_train[:480], y_train[:480]
print(f"training images {x_train.shape}, test images {x_test.shape}: (samples, height, width, channels)")

# %% [markdown]
# ## The model
#
# * `Random*` layers: augmentation.  They are active only when the model is called with
#   `training=True`, which `fit` does and `predict`/`evaluate` do not.  A seed makes the draws
#   repeatable.  (`RandomZoom`, `RandomContrast` and `RandomFlip` exist too; flipping would
#   turn some digits into others, so it has no place here.)
# * `Conv2D(32, 3, padding="same")`: 32 filters of size 3x3.  Its kernel has shape
#   `(3, 3, in_channels, 32)`; "same" padding keeps the 8x8 size.
# * `MaxPooling2D()`: the maximum of each 2x2 block, halving height and width.
# * `Flatten()` then `Dense`: the classifier on top of the 2x2x64 feature maps.

# %%
model = keras.Sequential([
    keras.Input((8, 8, 1)),
    layers.Rescaling(1 / 16),
    layers.RandomRotation(0.03, fill_mode="constant", seed=1),        # up to ~11 degrees
    layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=2),  # up to 0.8 pixels
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(64, activation="relu"),
    layers.Dense(10, activation="softmax"),
], name="digits_convnet")
model.summary()

# %% [markdown]
# What does augmentation do to an image?  Called directly, the augmentation layers
# augment, as in Keras; with `training=False` (as in `predict` and `evaluate`) they return
# the image unchanged:

# %%
augment = keras.Sequential(model.layers[:3])        # Rescaling and the two Random* layers
sample = x_train[:1]
assert np.array_equal(augment(sample, training=False).numpy(), sample / 16)   # inference: no change
print("a pixel row before:", (sample[0, 3, :, 0] / 16).round(2))
print("and after:       ", augment(sample).numpy()[0, 3, :, 0].round(2))

# %% [markdown]
# ## Training
# 30 epochs on the 1,437 training images (10% of them kept aside for validation), about
# 20 seconds on 2 CPU cores; the convnet then gets about 98% of the test images right.

# %%
print(f"training the convnet on {len(x_train)} images (10% for validation), labels are the "
      f"digits {np.unique(y_train).tolist()}")
model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2 if SMALL else 30,
                    validation_split=0.1, verbose=2 if SMALL else 1)

# %%
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.4f}  (the share of the {len(x_test)} unseen test images whose "
      f"digit the convnet gets right; test loss {loss:.4f})")
if not SMALL:
    assert accuracy >= 0.97, accuracy

# %% [markdown]
# ## Training curves
#
# `history.history` maps each metric to its per-epoch values.  Validation accuracy above
# training accuracy is common with augmentation: the training numbers are measured on
# augmented images, the validation numbers on the originals.

# %%
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: skipping the plot (pip install -e '.[tutorials]')")
if plt is not None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key in ("loss", "val_loss"):
        left.plot(history.history[key], label=key)
    for key in ("accuracy", "val_accuracy"):
        right.plot(history.history[key], label=key)
    for ax, title in ((left, "loss"), (right, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "05_convnet_curves.png"), dpi=100)
    print("saved the training curves to", os.path.join(OUT, "05_convnet_curves.png"))
