# %% [markdown]
# # Tutorial 1: autograd, from a scalar to linear regression
#
# A tinykeras `Tensor` holds an array.  Ask it to `requires_grad`, compute
# something, call `.backward()`, and every leaf tensor gets a `.grad`: the
# derivative of the result with respect to that leaf.  That is all a
# deep-learning framework needs to train a model; this tutorial builds up
# to training one by hand.
#
# Run it as a plain script (`python tutorials/01_autograd.py`) or cell by
# cell in an editor that understands `# %%`.  With
# `TINYKERAS_TUTORIAL_SMALL=1` it trains for fewer steps.

# %%
import os

import numpy as np

import tinykeras as tk

SMALL = os.environ.get("TINYKERAS_TUTORIAL_SMALL") == "1"

# %% [markdown]
# ## 1. A scalar
# y = x² + 2x, so dy/dx = 2x + 2, which is 8 at x = 3.

# %%
x = tk.Tensor(3.0, requires_grad=True)
y = x * x + 2 * x
y.backward()
print("y =", y.item(), " dy/dx =", x.grad.item())
assert x.grad.item() == 8.0

# %% [markdown]
# Behind the scenes each operation remembered its inputs: `y` knows it is
# an `add` of a `multiply` and another `multiply`.  `backward()` walks that
# graph from `y` back to `x`, applying each op's gradient rule (see
# `tinykeras/core/primitives.py`).  The graph is freed afterwards; pass
# `retain_graph=True` to walk it twice.

# %% [markdown]
# ## 2. Tensors
# Gradients have the shape of the leaf.  A reduction such as `sum()` turns
# a tensor into the scalar that `backward()` needs; broadcasting is undone
# automatically (here `b`, shape (3,), is added to every row of `w`).

# %%
w = tk.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
b = tk.Tensor([0.5, -0.5, 1.0], requires_grad=True)
loss = ((w + b) ** 2).sum()
loss.backward()
print("dloss/dw =\n", w.grad.numpy())
print("dloss/db =", b.grad.numpy(), "(summed over the 2 rows)")
np.testing.assert_allclose(w.grad.numpy(), 2 * (w.numpy() + b.numpy()))
np.testing.assert_allclose(b.grad.numpy(), (2 * (w.numpy() + b.numpy())).sum(axis=0))

# %% [markdown]
# Gradients *accumulate*: a second `backward()` adds to `.grad`.  That is
# what you want when a tensor is used twice, and why training loops reset
# gradients between steps.

# %%
(w.sum()).backward()
print("after a second backward, dloss/dw[0, 0] =", w.grad.numpy()[0, 0], "(3.0 + 1.0)")
w.grad = None

# %% [markdown]
# ## 3. Switching the recording off
# Inside `tk.no_grad()` nothing is recorded: use it for parameter updates
# and evaluation.  `detach()` gives the same values cut off from the graph.

# %%
with tk.no_grad():
    z = w * 2
print("recorded inside no_grad?", z.requires_grad, "| detached?", w.detach().requires_grad)

# %% [markdown]
# ## 4. Linear regression by hand
# Data from y = X·w_true + b_true + noise.  We start from zeros and follow
# the gradient of the mean squared error, updating the parameters under
# `no_grad()` so that the update itself is not part of the next graph.
# Each update makes *new* leaf tensors, so their `.grad` starts empty.

# %%
rng = np.random.default_rng(0)
true_w, true_b = np.array([2.0, -3.4], dtype=np.float32), 4.2
X = rng.normal(size=(200, 2)).astype(np.float32)
y = X @ true_w + true_b + 0.01 * rng.normal(size=200).astype(np.float32)
X_t, y_t = tk.Tensor(X), tk.Tensor(y)

w = tk.Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
b = tk.Tensor(0.0, requires_grad=True)
learning_rate, steps = 0.1, (60 if SMALL else 300)

for step in range(steps):
    prediction = X_t @ w + b
    loss = ((prediction - y_t) ** 2).mean()
    loss.backward()
    with tk.no_grad():
        w = (w - learning_rate * w.grad).requires_grad_()
        b = (b - learning_rate * b.grad).requires_grad_()
    if step % (steps // 5) == 0 or step == steps - 1:
        print(f"step {step:3d}  loss {loss.item():.5f}")

# %%
print("learned w =", np.round(w.numpy(), 3), " true w =", true_w)
print("learned b =", round(b.item(), 3), " true b =", true_b)
assert np.allclose(w.numpy(), true_w, atol=0.02), w.numpy()
assert abs(b.item() - true_b) < 0.02, b.item()

# %% [markdown]
# That loop (forward, loss, backward, update) is what `model.fit` runs
# for you, with layers holding the parameters and an optimizer doing the
# update.  The next tutorials build exactly that.
