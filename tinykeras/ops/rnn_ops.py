"""Recurrent ops: one time step of each cell, and whole-sequence recurrences.

The cell math (``lstm_step``, ``gru_step``, ``simple_rnn_step``) is written
once, with operators that Tensors and NumPy arrays share; the cells of
``tk.layers`` call it with ``tk.ops`` activations.  The recurrences run it
over a whole sequence and are composite ops, so every backend gets them
(a loop of primitives) and a backend may fuse them: the NumPy backend runs
the same loops on raw arrays (``numpy_plugin/numpy_rnn.py``).

* ``lstm_sequence(x, kernel, bias, h0, c0, recurrent_kernel, mask)`` -> ``[H; C; A]``;
* ``gru_sequence(xz, h0, recurrent_kernel, recurrent_bias, mask, reset_after)`` -> ``H``;
* ``simple_rnn_sequence(xz, h0, recurrent_kernel, mask)`` -> ``H``.

``xz`` is the input projection ``x @ kernel + input_bias`` of every step
(one big matmul, done by the layer), ``mask`` a bool ``(batch, time)``
array (False: the step is skipped and the states carried through), and
``H``/``C`` are the state sequences.  The GRU and the simple RNN take and
give ``(batch, time, features)`` arrays.  The LSTM's are *time-major with
the batch last*: ``x`` is ``(time, features, batch)``, ``h0``, ``c0`` are
``(units, batch)``, and a step's four gates are then four contiguous
blocks, which a kernel runs through in tight loops (in the usual layout
each gate is a narrow column band, and NumPy walks it row by row, about
three times slower on the LSTM's step).  The LSTM's op also does the
input projection (``kernel``, ``bias``), so that a kernel can compute its
gradient while BPTT runs (see ``numpy_plugin/numpy_lstm.py``).  One op gives one array: the
LSTM's two state sequences are stacked on axis 1, followed by ``A``, the
four gate activations of every step (what its BPTT needs, kept instead of
recomputed): ``(time, 6 units, batch)``.  Each backward rule is
another composite op (``*_sequence_grad``, BPTT), whose one output packs
every gradient into a flat vector that the rule slices.  Activations are
tanh and sigmoid (Keras's defaults); layers with other activations loop
over ``*_step`` instead.

>>> import numpy as np, tinykeras as tk
>>> x, h0 = tk.ops.ones((5, 4, 3)), tk.ops.zeros((2, 3))      # 5 steps, 4 features, 2 units, batch 3
>>> w, b, u = tk.ops.ones((4, 8)), tk.ops.zeros((8,)), tk.ops.zeros((2, 8))
>>> out = lstm_sequence(x, w, b, h0, h0, u, tk.Tensor(np.ones((3, 5), bool)))
>>> out.shape                     # (time, 6 * units, batch): H, C, then the gate activations
(5, 12, 3)
"""
import functools
from types import SimpleNamespace

import numpy as np

from ..core import autograd
from ..core.tensor import Tensor, apply
from ..core.primitives import where as _where
from .common import declare_composite, record, symbolic, unpack
from .nn_ops import sigmoid as _sigmoid
from .shape_ops import concatenate as _concatenate, stack as _stack

__all__ = ["lstm_step", "gru_step", "simple_rnn_step", "lstm_sequence", "gru_sequence",
           "simple_rnn_sequence"]


def _lstm_gates(z):
    """sigmoid, sigmoid, tanh, sigmoid on the four quarters of the first axis."""
    u = z.shape[0] // 4
    return _concatenate([_sigmoid(z[:2 * u]), z[2 * u:3 * u].tanh(), _sigmoid(z[3 * u:])], 0)


# What the loops below need beyond operators, for Tensors (the composites);
# ``numpy_plugin/numpy_rnn.py`` passes the same for NumPy arrays.
TENSOR_NS = SimpleNamespace(tanh=lambda x: x.tanh(), sigmoid=_sigmoid, lstm_gates=_lstm_gates, where=_where,
                            stack=_stack, concatenate=_concatenate, any=lambda x: True)


# -- one step of each cell ------------------------------------------------

def lstm_step(z, c, activation, recurrent_activation):
    """LSTM update from the pre-activations ``z = x W + h U + b`` (gates i, f, c, o
    along the last axis); returns ``(h, c)``.

    >>> import tinykeras as tk
    >>> h, c = lstm_step(tk.ops.zeros((1, 4)), tk.ops.ones((1, 1)), tk.ops.tanh, tk.ops.sigmoid)
    >>> round(c.item(), 3), round(h.item(), 3)      # c = 0.5 * 1 + 0.5 * tanh(0)
    (0.5, 0.231)
    """
    if symbolic(locals()):
        return record("lstm_step", locals())
    u = c.shape[-1]
    return _lstm_update(recurrent_activation(z), activation(z[..., 2 * u:3 * u]), c, activation)


def _lstm_update(gates, candidate, c, activation):
    """``c = f * c + i * candidate``, ``h = o * act(c)`` (``gates``: i, f, -, o)."""
    u = c.shape[-1]
    c = gates[..., u:2 * u] * c + gates[..., :u] * candidate
    return gates[..., 3 * u:] * activation(c), c


def gru_step(xz, h, recurrent_kernel, recurrent_bias, activation, recurrent_activation, reset_after,
             h_in=None):
    """GRU update (gates z, r, h) from the input projection ``xz = x W + b_in``.

    ``reset_after``: the candidate is ``act(x_h + r * (h U_h + b_rh))``, else
    ``act(x_h + (r * h) U_h)``.  ``recurrent_bias`` may be None; ``h_in`` (default
    ``h``) is the state that meets the recurrent kernel (``h`` with recurrent dropout).

    >>> import tinykeras as tk
    >>> gru_step(tk.ops.zeros((1, 3)), tk.ops.ones((1, 1)), tk.ops.zeros((1, 3)), None,
    ...          tk.ops.tanh, tk.ops.sigmoid, True).item()   # h = 0.5 * 1 + 0.5 * tanh(0)
    0.5
    """
    if symbolic(locals()):
        return record("gru_step", locals())
    u, h_in = h.shape[-1], h if h_in is None else h_in
    if reset_after:
        rec = h_in @ recurrent_kernel
        if recurrent_bias is not None:
            rec = rec + recurrent_bias
        zr = recurrent_activation(xz[..., :2 * u] + rec[..., :2 * u])
        hh = activation(xz[..., 2 * u:] + zr[..., u:] * rec[..., 2 * u:])
    else:
        zr = recurrent_activation(xz[..., :2 * u] + h_in @ recurrent_kernel[:, :2 * u])
        hh = activation(xz[..., 2 * u:] + (zr[..., u:] * h_in) @ recurrent_kernel[:, 2 * u:])
    z = zr[..., :u]
    return z * h + (1 - z) * hh


def simple_rnn_step(xz, h, recurrent_kernel, activation):
    """``act(x W + b + h U)``.

    >>> import tinykeras as tk
    >>> simple_rnn_step(tk.ops.zeros((1, 1)), tk.ops.ones((1, 1)), tk.ops.ones((1, 1)), None).item()
    1.0
    """
    if symbolic(locals()):
        return record("simple_rnn_step", locals())
    out = xz + h @ recurrent_kernel
    return activation(out) if activation is not None else out


# -- the forward loops (NumPy or Tensors) -----------------------------------

def scan(xp, step, xz, states, mask, time_major=False):
    """Run ``step(xz_t, states) -> (new states, extras)`` over the time axis
    (axis 1, or axis 0 with the batch last when ``time_major``); masked steps
    keep their states.  Returns the state sequences, then the extras'
    sequences, concatenated on the feature axis."""
    seqs = None
    for t in range(xz.shape[0 if time_major else 1]):
        new, extras = step(xz[t] if time_major else xz[:, t], states)
        if mask is not None:
            keep = mask[:, t].reshape((1, -1)) if time_major else mask[:, t:t + 1]
            new = [xp.where(keep, n, s) for n, s in zip(new, states)]
        states = new
        seqs = [[] for _ in new + extras] if seqs is None else seqs
        for seq, s in zip(seqs, new + extras):
            seq.append(s)
    parts = [xp.stack(seq, 0 if time_major else 1) for seq in seqs]
    return parts[0] if len(parts) == 1 else xp.concatenate(parts, 1 if time_major else -1)


def lstm_forward(xp, x, kernel, bias, h0, c0, recurrent_kernel, mask):
    """``[H; C; A]``, time-major with the batch last (see the module
    docstring): A holds the gate activations (i, f, c, o) of each step, kept for BPTT."""
    u, kernel_t = h0.shape[0], recurrent_kernel.transpose()
    xz = _project(x, kernel, bias)

    def step(x, s):
        gates = xp.lstm_gates(x + kernel_t @ s[0])
        c = gates[u:2 * u] * s[1] + gates[:u] * gates[2 * u:3 * u]
        return [gates[3 * u:] * xp.tanh(c), c], [gates]
    return scan(xp, step, xz, [h0, c0], mask, time_major=True)


def gru_forward(xp, xz, h0, recurrent_kernel, recurrent_bias, mask, reset_after):
    step = lambda x, s: ([gru_step(x, s[0], recurrent_kernel, recurrent_bias, xp.tanh, xp.sigmoid,
                                   reset_after)], [])
    return scan(xp, step, xz, [h0], mask)


def simple_rnn_forward(xp, xz, h0, recurrent_kernel, mask):
    return scan(xp, lambda x, s: ([simple_rnn_step(x, s[0], recurrent_kernel, xp.tanh)], []), xz, [h0], mask)


# -- backpropagation through time (NumPy or Tensors) -------------------------

def _previous(xp, h0, seq, time_major=False):
    """The state before each step: ``[h0, H_0, ..., H_{T-2}]`` along time
    (axis 1, or axis 0 when ``time_major``)."""
    if time_major:
        return xp.concatenate([h0.reshape((1,) + tuple(h0.shape)), seq[:-1]], 0)
    return xp.concatenate([h0[:, None], seq[:, :-1]], 1)


def _project(x, kernel, bias):
    """``kernel^T x_t + bias`` for every step: (time, 4 units, batch)."""
    return kernel.transpose() @ x + bias.reshape((-1, 1))


def _through_mask(xp, mask, t, *grads, time_major=False):
    """Split each state gradient into the part that reaches step ``t``'s
    update and the part a masked step passes straight back."""
    if mask is None:
        return grads, None
    keep = mask[:, t].reshape((1, -1)) if time_major else mask[:, t:t + 1]
    return [xp.where(keep, g, 0) for g in grads], [xp.where(keep, 0, g) for g in grads]


def _outer(a, b):
    """``sum over batch and time of a_t^T b_t``: (B, T, m), (B, T, n) -> (m, n)."""
    return a.reshape((-1, a.shape[-1])).T @ b.reshape((-1, b.shape[-1]))


def _pack(xp, *arrays):
    return xp.concatenate([a.reshape((-1,)) for a in arrays], 0)


def lstm_backward(xp, g, out, x, kernel, bias, h0, c0, recurrent_kernel, mask):
    u = h0.shape[0]
    cs, acts = out[:, u:2 * u], out[:, 2 * u:]
    hp, cp = _previous(xp, h0, out[:, :u], time_major=True), _previous(xp, c0, cs, time_major=True)
    i, f, cand, o = acts[:, :u], acts[:, u:2 * u], acts[:, 2 * u:3 * u], acts[:, 3 * u:]
    tc = xp.tanh(cs)  # tanh of the new c, where a step is not masked (elsewhere unused)
    slope = xp.concatenate([acts[:, :2 * u] * (1 - acts[:, :2 * u]), 1 - cand * cand, o * (1 - o)], 1)
    k = xp.concatenate([cand, cp, i, tc], 1) * slope
    from_gates = g[:, 2 * u:] * slope if xp.any(g[:, 2 * u:]) else None  # gradients given to A
    a = o * (1 - tc * tc)
    dh, dc, dzs = h0 * 0, c0 * 0, []
    for t in reversed(range(x.shape[0])):
        (dh, dc), passed = _through_mask(xp, mask, t, dh + g[t, :u], dc + g[t, u:2 * u], time_major=True)
        dcn = dc + dh * a[t]
        dz = xp.concatenate([dcn, dcn, dcn, dh], 0) * k[t]
        if from_gates is not None:
            dz = dz + from_gates[t]
        dzs.append(dz)
        dh, dc = recurrent_kernel @ dz, dcn * f[t]
        if passed is not None:
            dh, dc = dh + passed[0], dc + passed[1]
    dzs = xp.stack(dzs[::-1], 0)                          # d loss / d xz
    d_x, d_w = kernel @ dzs, (x @ dzs.transpose((0, 2, 1))).sum(0)
    d_u = (hp @ dzs.transpose((0, 2, 1))).sum(0)          # sum over steps of h_{t-1} dz_t^T
    return _pack(xp, d_x, d_w, dzs.sum((0, 2)), dh, dc, d_u)


def gru_backward(xp, g, out, xz, h0, recurrent_kernel, recurrent_bias, mask, reset_after):
    u = h0.shape[-1]
    hp = _previous(xp, h0, out)
    if reset_after:
        rec = hp @ recurrent_kernel + recurrent_bias
        zr = xp.sigmoid(xz[..., :2 * u] + rec[..., :2 * u])
        r = zr[..., u:]
        hh = xp.tanh(xz[..., 2 * u:] + r * rec[..., 2 * u:])
    else:
        zr = xp.sigmoid(xz[..., :2 * u] + hp @ recurrent_kernel[:, :2 * u])
        r = zr[..., u:]
        hh = xp.tanh(xz[..., 2 * u:] + (r * hp) @ recurrent_kernel[:, 2 * u:])
    z = zr[..., :u]
    kz, kh = (hp - hh) * z * (1 - z), (1 - z) * (1 - hh * hh)
    kr = kh * rec[..., 2 * u:] * r * (1 - r) if reset_after else None
    k_rec = xp.concatenate([kz, kr, kh * r], -1) if reset_after else None
    dh, per_step = h0 * 0, []
    for t in reversed(range(xz.shape[1])):
        (dh,), passed = _through_mask(xp, mask, t, dh + g[:, t])
        if reset_after:   # dxz and d(h U + b) are dh times fixed factors: only dh is kept
            per_step.append(dh)
            new = dh * z[:, t] + (xp.concatenate([dh, dh, dh], -1) * k_rec[:, t]) @ recurrent_kernel.T
        else:
            dah = dh * kh[:, t]
            drh = dah @ recurrent_kernel[:, 2 * u:].T
            dzr = xp.concatenate([dh * kz[:, t], drh * hp[:, t] * r[:, t] * (1 - r[:, t])], -1)
            per_step.append(xp.concatenate([dzr, dah], -1))
            new = dh * z[:, t] + dzr @ recurrent_kernel[:, :2 * u].T + drh * r[:, t]
        dh = new if passed is None else new + passed[0]
    per_step = xp.stack(per_step[::-1], 1)
    if reset_after:
        dh3 = xp.concatenate([per_step] * 3, -1)
        dxz, drec = dh3 * xp.concatenate([kz, kr, kh], -1), dh3 * k_rec
        return _pack(xp, dxz, dh, _outer(hp, drec), drec.sum((0, 1)))
    d_u = xp.concatenate([_outer(hp, per_step[..., :2 * u]), _outer(r * hp, per_step[..., 2 * u:])], 1)
    return _pack(xp, per_step, dh, d_u, recurrent_bias * 0)


def simple_rnn_backward(xp, g, out, xz, h0, recurrent_kernel, mask):
    a = 1 - out * out
    dh, das = h0 * 0, []
    for t in reversed(range(xz.shape[1])):
        (dh,), passed = _through_mask(xp, mask, t, dh + g[:, t])
        da = dh * a[:, t]
        das.append(da)
        dh = da @ recurrent_kernel.T if passed is None else da @ recurrent_kernel.T + passed[0]
    das = xp.stack(das[::-1], 1)
    return _pack(xp, das, dh, _outer(_previous(xp, h0, out), das))


# -- the composite ops --------------------------------------------------------

def _vjp_rule(fn):
    """Backward rule of a backward op: differentiate its composite (used only
    for gradients of gradients, e.g. by the test-suite)."""
    def rule(g, o, *inputs, **params):
        leaves = [t.detach() for t in inputs]
        wrt = [x for x, t in zip(leaves, inputs) if t.requires_grad]
        for x in wrt:
            x.requires_grad = True
        prev, autograd.GRAD.enabled = autograd.GRAD.enabled, True
        try:
            grads = iter(autograd.grad(fn(*leaves, **params), wrt, g))
        finally:
            autograd.GRAD.enabled = prev
        return tuple(next(grads) if t.requires_grad else None for t in inputs)
    return rule


def _samples(kind, grad=False):
    """Small cases (batch 2, time 3, units 2) with and without masked steps."""
    def sample(rng):
        from ..testing.samples import values  # here: testing builds on layers, which build on ops
        b, t, u = 2, 3, 2
        gates = {"lstm": 4, "gru": 3, "simple_rnn": 1}[kind]
        cases = []
        for mask in (np.ones((b, t), bool), np.array([[1, 0, 1], [0, 1, 1]], bool)):
            if kind == "lstm":   # time-major, batch last; 3 input features
                weights = [values(rng, (t, 3, b)), values(rng, (3, gates * u)) * 0.5, values(rng, (gates * u,)),
                           values(rng, (u, b)), values(rng, (u, b))]
            else:
                weights = [values(rng, (b, t, gates * u)), values(rng, (b, u))]
            weights += [values(rng, (u, gates * u)) * 0.5]
            weights += [values(rng, (gates * u,))] if kind == "gru" else []
            variants = [{"reset_after": True}, {"reset_after": False}] if kind == "gru" else [{}]
            for params in variants:
                inputs = weights + [mask]
                if grad:
                    out = FORWARD[kind](TENSOR_NS, *[Tensor(x) for x in inputs], **params).numpy()
                    inputs = [values(rng, out.shape), out] + inputs
                cases.append((inputs, params))
        return cases
    return sample


def _declare(kind, n_inputs, params=()):
    """Declare the forward op ``<kind>_sequence`` and its backward op
    ``<kind>_sequence_grad``, with the loops above (on Tensors) as composites."""
    forward, backward = FORWARD[kind], BACKWARD[kind]
    grad_fn = functools.partial(backward, TENSOR_NS)
    grad_fn.__doc__ = f"BPTT for ``{kind}_sequence``: every gradient, packed into one flat vector."
    declare_composite(f"{kind}_sequence_grad", n_inputs + 2, params, rule=_vjp_rule(grad_fn),
                      sample=_samples(kind, grad=True))(grad_fn)

    def rule(g, o, *inputs, **kw):
        flat = apply(f"{kind}_sequence_grad", (g, o, *inputs), kw)
        return tuple(unpack(flat, [x.shape for x in inputs[:-1]])) + (None,)

    fn = functools.partial(forward, TENSOR_NS)
    fn.__doc__ = f"The {kind} recurrence over a whole sequence (see the module docstring)."
    declare_composite(f"{kind}_sequence", n_inputs, params, rule=rule, sample=_samples(kind))(fn)


FORWARD = {"lstm": lstm_forward, "gru": gru_forward, "simple_rnn": simple_rnn_forward}
BACKWARD = {"lstm": lstm_backward, "gru": gru_backward, "simple_rnn": simple_rnn_backward}
_declare("lstm", 7)
_declare("gru", 5, ("reset_after",))
_declare("simple_rnn", 4)


def lstm_sequence(*inputs, **params):
    """Op ``lstm_sequence``: the LSTM over a whole sequence (a kernel, or the loop above)."""
    if symbolic(locals()):
        return record("lstm_sequence", locals())
    return apply("lstm_sequence", inputs, params)


def gru_sequence(*inputs, **params):
    """Op ``gru_sequence``: the GRU over a whole sequence (a kernel, or the loop above)."""
    if symbolic(locals()):
        return record("gru_sequence", locals())
    return apply("gru_sequence", inputs, params)


def simple_rnn_sequence(*inputs, **params):
    """Op ``simple_rnn_sequence``: the simple RNN over a sequence (a kernel, or the loop above)."""
    if symbolic(locals()):
        return record("simple_rnn_sequence", locals())
    return apply("simple_rnn_sequence", inputs, params)
