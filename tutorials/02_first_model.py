# %% [markdown]
# # Your first model: handwritten digits
#
# The "hello world" of deep learning, written exactly as in Keras 3: only the import differs.
# The data set ships with tinykeras (1,797 images of 8x8 pixels), so this runs offline in
# a few seconds: 30 epochs on 1,437 training images, then about 97% of the 360 test images
# right. Run it with `python tutorials/02_first_model.py`.

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
# Pixel values go from 0 to 16; we scale them to [0, 1] and flatten each image to 64 numbers.

# %%
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16.0
x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16.0
print(f"{len(x_train)} training images, {len(x_test)} test images, labels {np.unique(y_train).tolist()}")

# %% [markdown]
# ## The model
# Two hidden layers with ReLU, then 10 outputs: one score (a *logit*) per digit.

# %%
model = keras.Sequential([
    keras.Input(shape=(64,)),
    layers.Dense(64, activation="relu"),
    layers.Dropout(0.1),
    layers.Dense(32, activation="relu"),
    layers.Dense(10),
], name="digits_mlp")
model.summary()

# %% [markdown]
# ## Training
# `sparse_categorical_crossentropy` takes integer labels; `from_logits=True` because the last
# layer has no softmax. Adam adapts the step size of every weight.

# %%
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=3 if SMALL else 30,
                    validation_split=0.1, verbose=2 if SMALL else 1)

# %% [markdown]
# ## Evaluation and saving

# %%
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {accuracy:.4f}  (the share of the {len(x_test)} unseen test images whose "
      f"digit the model gets right; test loss {loss:.4f})")
path = os.path.join(OUT, "digits_model.safetensors")
model.save(path)
print("saved the trained model to", path)
if not SMALL:
    assert accuracy >= 0.95, accuracy

# %% [markdown]
# Try it: `keras.models.load_model("tutorial_output/digits_model.safetensors").predict(x_test[:5]).argmax(1)`
# gives the predicted digits of the first five test images.
