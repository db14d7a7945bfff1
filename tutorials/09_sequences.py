# %% [markdown]
# # Tutorial 9: sequences — an RNN that learns to add
#
# We teach a recurrent network to do addition from text alone: it reads
# `"37+58"` one character at a time and writes `"95"`.  Nothing tells it
# what digits or carries are; it learns them from 4,545 of the 5,050
# questions that we generate here (no download); the other 505 check it.  On the way we meet the sequence tools:
#
# * `TextVectorization` (characters to ids) and `pad_sequences`;
# * `Embedding(mask_zero=True)`, whose *mask* tells the LSTM to skip padding;
# * `LSTM` (an encoder that reads the question into a vector), `RepeatVector`,
#   an `LSTM(return_sequences=True)` decoder and `TimeDistributed(Dense)`.
#
# This is Keras's classic "addition RNN" example, written exactly as in
# Keras 3.  It trains for 20 epochs, about 25 seconds on 2 CPU cores, and then
# answers about 95% of the unseen questions exactly right.
# With `TINYKERAS_TUTORIAL_SMALL=1` it trains briefly on less data.

# %%
import os

import numpy as np

import tinykeras as keras
from tinykeras import layers

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"
keras.utils.set_random_seed(0)
DIGITS = 2                      # numbers up to 99, answers up to 198
MAXLEN = DIGITS + 1 + DIGITS    # "99+99"

# %% [markdown]
# ## 1. The data: questions and answers as text
# Every pair (a, b) with a <= b once, shuffled: 5,050 questions for two digits.

# %%
rng = np.random.default_rng(0)
pairs = [(a, b) for a in range(10 ** DIGITS) for b in range(a, 10 ** DIGITS)]
pairs = [pairs[i] for i in rng.permutation(len(pairs))]
if SMALL:
    pairs = pairs[:800]
questions = [f"{a}+{b}" for a, b in pairs]
answers = [str(a + b) for a, b in pairs]
print(f"{len(questions)} questions, e.g. {questions[0]} = {answers[0]}, {questions[1]} = {answers[1]}")

# %% [markdown]
# ## 2. Characters to ids
# `TextVectorization(split="character")` turns each string into character
# ids.  Id 0 is reserved for padding and id 1 for unknown characters; the
# eleven characters we use (the digits and `+`) get ids 2 to 12.  `output_sequence_length` pads
# every question to 5 ids (and every answer to 3).

# %%
chars = list("0123456789+")
to_ids = layers.TextVectorization(standardize=None, split="character", vocabulary=chars,
                                  output_sequence_length=MAXLEN)
x = to_ids(questions).numpy()
to_answer_ids = layers.TextVectorization(standardize=None, split="character", vocabulary=chars,
                                         output_sequence_length=DIGITS + 1)
y = to_answer_ids(answers).numpy()
vocab = to_ids.get_vocabulary()
print(f"question {questions[0]!r} -> ids {x[0].tolist()}, answer {answers[0]!r} -> ids {y[0].tolist()}")


def decode(ids):
    """Ids back to text (padding and unknown ids vanish)."""
    return "".join(vocab[i] for i in ids if i > 1)


# %% [markdown]
# Plain Python lists of different lengths can be padded the same way with
# `keras.utils.pad_sequences`; `padding="post"` pads at the end, like
# `TextVectorization` does:

# %%
print("[[3, 4], [5, 6, 7, 8]] padded to 5 ids:", keras.utils.pad_sequences(
    [[3, 4], [5, 6, 7, 8]], maxlen=MAXLEN, padding="post").tolist())

# %% [markdown]
# ## 3. The model: an encoder and a decoder
# * `Embedding(mask_zero=True)` gives each character a vector, and a mask
#   that is False on the padding; the encoder `LSTM` skips masked steps, so
#   `"3+5"` and `"3+5" + padding` give exactly the same vector.
# * `RepeatVector` hands that vector to each of the 3 output steps.
# * The decoder `LSTM` returns one vector per output step, and
#   `TimeDistributed(Dense)` turns each into a softmax over the characters.

# %%
model = keras.Sequential([
    keras.Input((MAXLEN,), dtype="int32"),
    layers.Embedding(len(vocab), 16, mask_zero=True),
    layers.LSTM(128),
    layers.RepeatVector(DIGITS + 1),
    layers.LSTM(128, return_sequences=True),
    layers.TimeDistributed(layers.Dense(len(vocab), activation="softmax")),
], name="adder")
model.summary()

# %% [markdown]
# The mask really does make padding invisible: the encoder's output for a
# question does not change when we add more padding.

# %%
encoder = layers.LSTM(4)
embed = layers.Embedding(len(vocab), 3, mask_zero=True)
short, padded = np.array([x[0][x[0] > 0]]), np.array([np.pad(x[0], (0, 3))])
print("same vector with more padding:", np.allclose(encoder(embed(short)).numpy(),
                                                    encoder(embed(padded)).numpy(), atol=1e-6))

# %% [markdown]
# ## 4. Training
# Each output step is a classification (which character?), so the loss is
# sparse categorical cross-entropy on the character ids; "accuracy" here is
# per character.  The padding after short answers is a class too (id 0).

# %%
split = len(x) // 10
x_val, y_val, x_train, y_train = x[:split], y[:split], x[split:], y[split:]
print(f"training on {len(x_train)} questions, checking on {len(x_val)} unseen ones; 'accuracy' "
      "is the share of answer characters (3 per question) that are right")
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=2 if SMALL else 20,
                    validation_data=(x_val, y_val), verbose=2)

# %% [markdown]
# ## 5. Does it add?
# An answer counts only if every character is right.

# %%
predicted = model.predict(x_val, verbose=0).argmax(-1)
guesses = [decode(p) for p in predicted]
truth = [decode(t) for t in y_val]
exact = np.mean([g == t for g, t in zip(guesses, truth)])
for q, g, t in list(zip(x_val, guesses, truth))[:8]:
    print(f"{decode(q):>6} = {g:<4} {'ok' if g == t else 'expected ' + t}")
print(f"exact answers on {len(truth)} unseen questions: {exact:.1%}")
if not SMALL:
    assert exact > 0.9, exact

# %% [markdown]
# ## What to try next
# * `layers.GRU` instead of `LSTM` (fewer weights, often as good);
# * three digits (`DIGITS = 3`): more data and more epochs;
# * `layers.Bidirectional(layers.LSTM(128))` as the encoder.
