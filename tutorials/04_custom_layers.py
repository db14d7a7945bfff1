# %% [markdown]
# # Writing your own layer, loss, metric, callback and model
#
# Everything built into tinykeras is written with the same public API you can use: subclass
# `keras.layers.Layer` (create weights in `build`, compute in `call`), `keras.losses.Loss`,
# `keras.metrics.Metric`, `keras.callbacks.Callback` and `keras.Model`.

# %%
import os

import numpy as np

import tinykeras as keras
from tinykeras import ops

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"
keras.utils.set_random_seed(2)

# %% [markdown]
# ## A layer: a dense layer with a learned per-unit temperature

# %%
class TemperatureDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")
        self.log_t = self.add_weight(shape=(self.units,), initializer="zeros", name="log_t")

    def call(self, inputs):
        return (inputs @ self.w + self.b) * ops.exp(-self.log_t)

    def get_config(self):
        return {**super().get_config(), "units": self.units}

# %% [markdown]
# ## A loss: crossentropy plus a penalty on confident mistakes

# %%
class SmoothedCrossentropy(keras.losses.Loss):
    def __init__(self, smoothing=0.1, name="smoothed_crossentropy"):
        super().__init__(name=name)
        self.smoothing = smoothing

    def call(self, y_true, y_pred):
        classes = y_pred.shape[-1]
        target = ops.one_hot(ops.cast(y_true, "int32"), classes) * (1 - self.smoothing) + self.smoothing / classes
        return -ops.sum(target * ops.log_softmax(y_pred), axis=-1)

# %% [markdown]
# ## A metric: the fraction of predictions that are confident (max probability > 0.9)

# %%
class ConfidentFraction(keras.metrics.Metric):
    def __init__(self, name="confident", **kwargs):
        super().__init__(name=name, **kwargs)
        self.confident = self.add_variable(shape=(), initializer="zeros", name="confident")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        top = ops.max(ops.softmax(y_pred), axis=-1)
        self.confident.assign(self.confident + ops.sum(ops.cast(top > 0.9, "float32")))
        self.count.assign(self.count + top.shape[0])

    def result(self):
        return self.confident / ops.maximum(self.count, 1.0)

    def reset_state(self):
        self.confident.assign(0.0)
        self.count.assign(0.0)

# %% [markdown]
# ## A callback: remember the epoch with the best validation accuracy

# %%
class BestEpoch(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.best, self.best_epoch = -1.0, None

    def on_epoch_end(self, epoch, logs=None):
        if logs["val_accuracy"] > self.best:
            self.best, self.best_epoch = logs["val_accuracy"], epoch

# %% [markdown]
# ## A subclassed model that uses the custom layer

# %%
class DigitNet(keras.Model):
    def __init__(self):
        super().__init__(name="digit_net")
        self.hidden = keras.layers.Dense(64, activation="relu")
        self.dropout = keras.layers.Dropout(0.1)
        self.out = TemperatureDense(10)

    def call(self, inputs, training=False):
        return self.out(self.dropout(self.hidden(inputs), training=training))

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(-1, 64).astype("float32") / 16
x_test = x_test.reshape(-1, 64).astype("float32") / 16

# %% [markdown]
# ## Training it all together
# The 8x8 digits again: `fit` keeps the last 15% of the 1,437 training images aside for
# validation, trains on the rest for 25 epochs (a few seconds) and calls our callback after
# each epoch.  Epochs are numbered from 0 in callbacks, from 1 in the progress bar.

# %%
model = DigitNet()
model.compile(optimizer=keras.optimizers.Adam(0.005), loss=SmoothedCrossentropy(),
              metrics=["accuracy", ConfidentFraction()])
best = BestEpoch()
epochs = 2 if SMALL else 25
print(f"training DigitNet on {len(x_train)} digit images (15% of them for validation), "
      f"{epochs} epochs")
model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.15,
          callbacks=[best], verbose=0)
model.summary()
loss, accuracy, confident = model.evaluate(x_test, y_test, verbose=0)
print(f"best validation accuracy {best.best:.3f}, after epoch {best.best_epoch + 1} of {epochs}")
print(f"on the {len(x_test)} test images: accuracy {accuracy:.3f} (share of digits right); "
      f"{confident:.0%} of the predictions are confident (top probability > 0.9); "
      f"loss {loss:.3f} (our smoothed crossentropy)")
if not SMALL:
    assert accuracy > 0.93, accuracy
