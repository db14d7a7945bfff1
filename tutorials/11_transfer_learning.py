# %% [markdown]
# # Tutorial 11: transfer learning and fine-tuning
#
# Training a big network from scratch needs a lot of data.  Transfer
# learning reuses a network trained on one task as the *base* of a model for
# another: freeze the base, train a new head on top, then optionally
# *fine-tune* the whole model with a small learning rate.  This is the
# recipe of Keras's transfer-learning guide, and the code below is the same
# as with `keras.applications` (swap `DigitsConvNet` for `MobileNetV2(weights="imagenet")`).
#
# To run anywhere, offline and in seconds, the pretrained model is one that
# ships with tinykeras: `tk.applications.DigitsConvNet`, a small convnet
# trained on the 8x8 images of the digits **0-4** (by
# `python -m tinykeras.applications.train_digits_base`).  Our new task: the
# digits **5-9**, which it has never seen, from only a few examples.
#
# Run it with `python tutorials/11_transfer_learning.py`;
# `TINYKERAS_TUTORIAL_SMALL=1` trains for fewer epochs.

# %%
import os

import numpy as np

import tinykeras as keras
from tinykeras import layers

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"
HEAD_EPOCHS, FINE_TUNE_EPOCHS = (15, 5) if SMALL else (40, 15)
keras.utils.set_random_seed(0)

# %% [markdown]
# ## 1. The new task: digits 5-9, with few training examples
# Labels 5..9 become 0..4.  We keep 30 training images per class.

# %%
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()


def digits_5_to_9(x, y, per_class=None):
    keep = np.flatnonzero(y >= 5)
    if per_class is not None:
        keep = np.concatenate([keep[y[keep] == d][:per_class] for d in range(5, 10)])
    return x[keep, :, :, None].astype("float32"), (y[keep] - 5).astype("int64")


x_new, y_new = digits_5_to_9(x_train, y_train, per_class=30)
x_new_test, y_new_test = digits_5_to_9(x_test, y_test)
print("training images:", x_new.shape, "test images:", x_new_test.shape)

# %% [markdown]
# ## 2. The pretrained base
# `include_top=False` drops the classifier of the digits 0-4; what is left
# maps an image to 64 feature maps.  The weights come from a file inside
# the package, so nothing is downloaded.

# %%
base_model = keras.applications.DigitsConvNet(weights="digits", include_top=False)
print("base output:", base_model.output_shape)

# %% [markdown]
# ## 3. Freeze the base, add a new head
# `base_model.trainable = False` freezes every weight of the base and, as in
# Keras 3, puts its BatchNormalization layers in inference mode.  As in the
# guide, we call the base with `training=False`; in Keras 3 that value holds
# when the model is called without one (`model(x)`), but a value given to the
# model wins over it: `fit` calls `model(x, training=True)`, and the base then
# trains too (keras-team/keras#20285).  Section 5 shows what keeps its
# BatchNormalization layers in inference mode while fine-tuning.

# %%
base_model.trainable = False
inputs = keras.Input((8, 8, 1))
x = base_model(inputs, training=False)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)
outputs = layers.Dense(5)(x)
model = keras.Model(inputs, outputs, name="digits_5_to_9")
model.summary()
print(f"trainable weights: {len(model.trainable_weights)}, "
      f"non-trainable weights: {len(model.non_trainable_weights)}")
assert model.count_params() > sum(int(np.prod(w.shape)) for w in model.trainable_weights)

# %% [markdown]
# ## 4. Train the head only
# The base's weights, including BatchNormalization's moving statistics,
# must not change.

# %%
bn = base_model.get_layer("conv1_bn")
frozen_before = [w.copy() for w in base_model.get_weights()]
model.compile(optimizer=keras.optimizers.Adam(1e-2),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
model.fit(x_new, y_new, epochs=HEAD_EPOCHS, batch_size=16, verbose=0)
_, head_accuracy = model.evaluate(x_new_test, y_new_test, verbose=0)
print(f"frozen base, new head: test accuracy on the digits 5-9 = {head_accuracy:.3f}")
assert all(np.array_equal(a, b) for a, b in zip(frozen_before, base_model.get_weights()))
assert head_accuracy > 0.6

# %% [markdown]
# ## 5. Fine-tune everything, slowly
# Unfreeze the base and **compile again** (in Keras, `compile` takes the
# trainable state into account), with a learning rate 10 times smaller, so
# that the pretrained features are adjusted rather than destroyed.
# The BatchNormalization layers must stay in inference mode, or their moving
# statistics would drift to the few new images: we freeze them again after
# unfreezing the base (a frozen BatchNormalization runs in inference mode,
# whatever `training` says), as the guide advises.  Their moving statistics
# do not change, only the other weights do.

# %%
base_model.trainable = True
for layer in base_model.layers:
    if isinstance(layer, layers.BatchNormalization):
        layer.trainable = False
print(f"after unfreezing: trainable weights: {len(model.trainable_weights)}, "
      f"non-trainable weights: {len(model.non_trainable_weights)}")
model.summary()
moving_mean_before = bn.moving_mean.numpy().copy()
kernel_before = base_model.get_layer("conv2").kernel.numpy().copy()
model.compile(optimizer=keras.optimizers.Adam(1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
model.fit(x_new, y_new, epochs=FINE_TUNE_EPOCHS, batch_size=16, verbose=0)
_, tuned_accuracy = model.evaluate(x_new_test, y_new_test, verbose=0)
print(f"fine-tuned: test accuracy on the digits 5-9 = {tuned_accuracy:.3f}")
assert not np.array_equal(kernel_before, base_model.get_layer("conv2").kernel.numpy())
assert np.array_equal(moving_mean_before, bn.moving_mean.numpy())
assert tuned_accuracy > head_accuracy - 0.05

# %% [markdown]
# ## 6. Summary
# With 150 labelled images, a frozen pretrained base and a 325-parameter
# head already classify about 70% of digits the base never saw; fine-tuning
# adjusts the base to the new digits and reaches about 90% (a few seconds in all).

# %%
print(f"head only: {head_accuracy:.3f}; after fine-tuning: {tuned_accuracy:.3f}")
