"""The LSTM and the simple RNN over a whole sequence on NumPy, forward and
BPTT, with preallocated buffers: the NumPy backend's ``lstm_sequence``,
``simple_rnn_sequence`` and their ``*_grad`` kernels.

They compute what the loops of ``ops/rnn_ops.py`` (``lstm_forward``,
``lstm_backward``) compute, but each step writes in place into the one
output array (``[H; C; A]``, see ``rnn_ops``) or, backwards, into the
packed gradient vector: no list of per-step arrays, no ``stack``, no
``concatenate``, no ``where`` per step.  The LSTM's arrays are time-major
with the batch last (``rnn_ops`` explains why): every quarter of a step's
gates is one contiguous block, so each NumPy call runs one tight loop.
The input projection of all steps (``xz``) is one matmul.  The per-step
products are small and run on one thread
(``single_threaded_blas``): OpenBLAS's own threads made them faster, but
then spun on the second core while the products after the loop needed it
(measured: 5 ms a batch won in the loops, 10 ms lost after them).

>>> x, h0, w = np.zeros((3, 2, 1), np.float32), np.zeros((1, 1), np.float32), np.zeros((2, 4), np.float32)
>>> forward(x, w, np.zeros(4, np.float32), h0, h0, np.zeros((1, 4), np.float32), None)[:, 0, 0].tolist()   # H stays 0
[0.0, 0.0, 0.0]
"""
import queue
import threading

import numpy as np

from .numpy_fused import row_sums
from .numpy_parallel import matmul
from .numpy_threads import POLICY, single_threaded_blas


def backward_steps(mask, states, time_major=False):
    """Backpropagation through time's walk, shared by the recurrent kernels.

    ``states`` pairs each state's gradient buffer (``dh``; ``dc`` too for the
    LSTM), zeroed here, with the gradient given to that state from outside
    at every step, shape (batch, steps, units), or (steps, units, batch) and
    buffers (units, batch) when ``time_major``.  Yields the steps from last
    to first; at each yield a buffer holds d loss / d state_t.  A masked step
    passes its gradient straight back: its batch entries are parked before
    the yield and added back after it.

    >>> dh = np.empty((1, 1)); g = np.ones((1, 3, 1))
    >>> [(t, float(dh[0, 0])) for t in backward_steps(None, ((dh, g),))]
    [(2, 1.0), (1, 2.0), (0, 3.0)]
    """
    steps = states[0][1].shape[0 if time_major else 1]
    given = [g.any(axis=(1, 2) if time_major else (0, 2)) for _, g in states]   # steps with outside gradients
    for d, _ in states:
        d[...] = 0
    for t in range(steps - 1, -1, -1):
        for (d, g), has in zip(states, given):
            if has[t]:
                d += g[t] if time_major else g[:, t]
        skip = None if mask is None or mask[:, t].all() else ~mask[:, t]
        if skip is not None:
            cut = (slice(None), skip) if time_major else skip
            parked = [d[cut] for d, _ in states]
            for d, _ in states:
                d[cut] = 0
        yield t
        if skip is not None:
            for (d, _), p in zip(states, parked):
                d[cut] += p


def forward(x, kernel, bias, h0, c0, recurrent_kernel, mask):
    """``[H; C; A]`` of shape ``(time, 6 units, batch)`` from ``x`` (time,
    features, batch), the input ``kernel`` and ``bias``, ``h0``, ``c0``
    (units, batch); ``mask`` a bool ``(batch, time)`` array or None (no
    masked step)."""
    steps, four, b = x.shape[0], kernel.shape[1], x.shape[2]
    dtype = np.result_type(x, kernel, h0, recurrent_kernel)
    out = np.empty((steps, four // 4 * 6, b), dtype)
    xz = np.empty((steps, four, b), np.result_type(x, kernel, bias))   # the input projection of every step
    neg_scale = np.full((four, 1), -1, dtype)
    neg_scale[four // 2:3 * four // 4] = -2        # sigmoid(z), and sigmoid(2z) on the c quarter
    scaled_kernel = np.ascontiguousarray((recurrent_kernel * neg_scale.T).T)   # (4u, u): the steps compute -z
    with _Projection(x, kernel, bias, xz) as projection, single_threaded_blas(), np.errstate(over="ignore"):
        _forward(out, xz, np.ascontiguousarray(h0, dtype), np.ascontiguousarray(c0, dtype), scaled_kernel, mask,
                 projection.wait)
    return out


class _BesideTheLoop:
    """Work by chunks of ``CHUNK`` steps on a second thread beside a
    recurrence's loop (a string of small NumPy calls on one core), when
    the thread policy sees a free core; else ``thread`` is None and the
    loop's thread does it itself.  The second thread's products run on
    one BLAS thread and hold no lock; it sets ``ready[k]`` once the loop
    may use chunk ``k`` (``_await``); an error there is raised on the
    loop's thread (``check``)."""

    CHUNK = 16   # steps

    def __init__(self, chunks):
        self.error = None
        self.ready = [threading.Event() for _ in range(chunks)]
        self.thread = threading.Thread(target=self._guarded, daemon=True) if POLICY.threads > 1 else None

    def _guarded(self):
        with single_threaded_blas():
            try:
                self._work()
            except BaseException as exc:
                self.error = exc
                self._failed()

    def _failed(self):
        """After an error on the second thread: let the loop go on to ``check``."""
        for ready in self.ready:
            ready.set()

    def _await(self, k):
        """On the loop's thread: wait until chunk ``k`` is ready."""
        self.ready[k].wait()
        self.check()

    def check(self):
        if self.error is not None:
            raise self.error


class _Projection(_BesideTheLoop):
    """``xz_t = kernel^T x_t + bias`` for every step, into ``xz``: on the
    second thread, ahead of the forward loop (which waits only for the
    first chunk), or all at once before it."""

    def __init__(self, x, kernel, bias, xz):
        self.x, self.kernel_t, self.bias, self.xz = x, kernel.T, bias[:, None], xz
        super().__init__(len(range(0, len(xz), self.CHUNK)))

    def _chunk(self, lo, hi, product):
        self.xz[lo:hi] = product(self.kernel_t, self.x[lo:hi])
        self.xz[lo:hi] += self.bias

    def _work(self):
        for k, ready in enumerate(self.ready):
            self._chunk(k * self.CHUNK, (k + 1) * self.CHUNK, np.matmul)
            ready.set()

    def __enter__(self):
        if self.thread is None:
            self._chunk(0, len(self.xz), matmul)
        else:
            self.thread.start()
        return self

    def wait(self, t):
        """Before step ``t``: wait until its chunk is there."""
        if self.thread is not None and t % self.CHUNK == 0:
            self._await(t // self.CHUNK)

    def __exit__(self, *exc):
        if self.thread is not None:
            self.thread.join()


def _forward(out, xz, h0, c0, scaled_kernel, mask, wait):
    steps, four, b = xz.shape
    u = four // 4
    z, t1 = np.empty((four, b), out.dtype), np.empty((u, b), out.dtype)
    h, c = h0, c0
    for t in range(steps):
        wait(t)
        hs, cs, gates = out[t, :u], out[t, u:2 * u], out[t, 2 * u:]
        np.matmul(scaled_kernel, h, out=z)
        z -= xz[t]
        z[2 * u:3 * u] -= xz[t, 2 * u:3 * u]          # z = -(xz_t + h U), and twice that on the c quarter
        np.exp(z, out=z)
        z += 1
        np.reciprocal(z, out=gates)                   # i, f, sigmoid(2 z_c), o
        cand = gates[2 * u:3 * u]
        cand *= 2
        cand -= 1                                     # tanh(z_c) = 2 sigmoid(2 z_c) - 1
        np.multiply(gates[u:2 * u], c, out=cs)
        np.multiply(gates[:u], cand, out=t1)
        cs += t1                                      # c = f c + i cand
        _tanh(cs, t1)
        np.multiply(gates[3 * u:], t1, out=hs)        # h = o tanh(c)
        if mask is not None and not mask[:, t].all():
            skip = ~mask[:, t]
            hs[:, skip], cs[:, skip] = h[:, skip], c[:, skip]
        h, c = hs, cs
    return out


def _tanh(x, out):
    """``tanh(x)`` into ``out`` as ``2 / (1 + exp(-2x)) - 1`` (NumPy's float32
    exp is about twice as fast as its tanh)."""
    np.multiply(x, -2, out=out)
    with np.errstate(over="ignore"):
        np.exp(out, out=out)
    out += 1
    np.divide(2, out, out=out)
    out -= 1
    return out


def backward(g, out, x, kernel, bias, h0, c0, recurrent_kernel, mask):
    """BPTT: the packed gradients of ``forward`` as ``rnn_ops.lstm_backward``
    packs them (``dx``, ``d kernel``, ``d bias``, ``dh0``, ``dc0``, ``d
    recurrent_kernel``, flattened).

    Most of a step's arithmetic does not depend on the gradient flowing
    back: the gates' slopes times the factors they multiply.  That is done
    for many steps at once, ahead of the loop (``_BackwardWork``), so each
    step of the loop is five NumPy calls and one product."""
    steps, n_in, b = x.shape
    u = h0.shape[0]
    sizes = [steps * n_in * b, n_in * 4 * u, 4 * u, u * b, u * b, u * 4 * u]
    flat = np.empty(sum(sizes), out.dtype)
    parts = np.split(flat, np.cumsum(sizes)[:-1])
    dh, dc = parts[3].reshape(u, b), parts[4].reshape(u, b)
    dz = np.empty((steps, 4 * u, b), out.dtype)   # the step factors, made d loss / d (projection + h U) step by step
    carry = np.empty((steps, u, b), out.dtype)    # o (1 - tanh(c)^2) at every step: d c_t = dc + dh carry_t
    g_gates = g[:, 2 * u:]
    given = np.empty_like(dz) if g_gates.any() else None   # gradients given to the gates, times their slopes
    work = _BackwardWork(out, x, kernel, h0, np.asarray(c0, out.dtype), g_gates, dz, carry, given,
                         parts[0].reshape(x.shape), parts[1].reshape(n_in, 4 * u), parts[2],
                         parts[5].reshape(u, 4 * u))
    with work, single_threaded_blas():
        _bptt(g, out, np.ascontiguousarray(recurrent_kernel, out.dtype), mask, dz, carry, given, dh, dc,
              work.wait, work.steps_done)
    return flat


class _BackwardWork(_BesideTheLoop):
    """BPTT's work outside the recurrence, by chunks of steps from the last.
    Ahead of the loop, the step factors (``_factors``); behind it, the
    gradients that ``dz`` gives by products over (step, batch) pairs
    (``_gradients``: the recurrent kernel's ``sum over steps of h_{t-1}
    dz_t^T``, the input kernel's and bias's, and the input's ``kernel
    dz_t``).  The second thread prepares every chunk's factors, then takes
    the chunks the loop has finished, and so does the loop's thread once
    its loop is over.  Without a second thread: each chunk's factors as
    the loop reaches it, all gradients after the loop."""

    def __init__(self, out, x, kernel, h0, c0, g_gates, dz, carry, given, d_x, d_kernel, d_bias, d_recurrent):
        self.out, self.x, self.kernel, self.h0, self.c0, self.g_gates = out, x, kernel, h0, c0, g_gates
        self.dz, self.carry, self.given = dz, carry, given
        self.d_x, self.d_kernel, self.d_bias, self.d_recurrent = d_x, d_kernel, d_bias, d_recurrent
        steps = dz.shape[0]
        self.bounds = [(max(hi - self.CHUNK, 0), hi) for hi in range(steps, 0, -self.CHUNK)]
        self.todo = steps                  # steps todo.. are done and not yet handed over
        self.chunks = queue.SimpleQueue()
        self.sums, self.lock = [], threading.Lock()
        super().__init__(len(self.bounds))

    def __enter__(self):
        if self.thread is not None:
            self.thread.start()
        return self

    def wait(self, t):
        """Before step ``t`` of the loop: wait until its factors are there
        (without a second thread: make them, a chunk at a time while the
        arrays stay in the cache)."""
        last = self.dz.shape[0] - 1
        if (last - t) % self.CHUNK == 0:
            k = (last - t) // self.CHUNK
            if self.thread is None:
                self._factors(*self.bounds[k])
            else:
                self._await(k)

    def steps_done(self, t):
        """Hand the steps done since the last hand-over on, by chunks (half
        chunks for the last ``CHUNK`` steps, so that both threads have a
        piece of what is left when the loop ends)."""
        size = self.CHUNK if t >= self.CHUNK else max(self.CHUNK // 2, 1)
        if self.thread is not None and (self.todo - t >= size or t == 0):
            self.chunks.put((t, self.todo))
            self.todo = t

    def _work(self):
        for (lo, hi), ready in zip(self.bounds, self.ready):
            self._factors(lo, hi)
            ready.set()
        self._take_chunks()

    def _take_chunks(self):
        """Chunks from the queue until its end mark (left there for the other taker)."""
        sums = self._new_sums()
        for chunk in iter(self.chunks.get, None):
            self._gradients(*chunk, np.matmul, sums)
        self.chunks.put(None)

    def _new_sums(self):
        """This taker's running sums: the kernel's (transposed: (4u, features)), the recurrent kernel's (4u, u), the bias's."""
        sums = (np.zeros(self.d_kernel.shape[::-1], self.out.dtype),
                np.zeros(self.d_recurrent.shape[::-1], self.out.dtype), np.zeros(self.d_bias.shape, self.out.dtype))
        with self.lock:
            self.sums.append(sums)
        return sums

    def _factors(self, lo, hi):
        """Steps lo..hi-1: in ``dz`` each gate's slope times what its d z
        multiplies besides ``d c_t`` (gates i, f, c) or ``d h_t`` (gate o);
        in ``carry``, o (1 - tanh(c)^2); in ``given``, the gradients given
        to the gates times their slopes."""
        out, u = self.out, self.h0.shape[0]
        a, gates, carry = self.dz[lo:hi], out[lo:hi, 2 * u:], self.carry[lo:hi]
        np.subtract(1, gates, out=a)
        a *= gates                                               # sigmoid' = s (1 - s) ...
        cand = gates[:, 2 * u:3 * u]
        np.multiply(cand, cand, out=a[:, 2 * u:3 * u])
        np.subtract(1, a[:, 2 * u:3 * u], out=a[:, 2 * u:3 * u])   # ... and tanh' = 1 - tanh^2
        if self.given is not None:
            np.multiply(a, self.g_gates[lo:hi], out=self.given[lo:hi])
        tc = _tanh(out[lo:hi, u:2 * u], carry)
        a[:, :u] *= cand                                         # i: d c_t cand
        if lo == 0:                                              # f: d c_t c_{t-1}
            a[0, u:2 * u] *= self.c0
        a[(lo == 0):, u:2 * u] *= out[max(lo - 1, 0):hi - 1, u:2 * u]
        a[:, 2 * u:3 * u] *= gates[:, :u]                        # c: d c_t i
        a[:, 3 * u:] *= tc                                       # o: d h_t tanh(c_t)
        np.multiply(tc, tc, out=carry)
        np.subtract(1, carry, out=carry)
        carry *= gates[:, 3 * u:]

    def _gradients(self, lo, hi, product, sums):
        """Steps lo..hi-1: their share of the ``sums``, and their input
        gradients; products over all their (step, batch) pairs at once."""
        u, n_in, steps, b = self.h0.shape[0], self.x.shape[1], hi - lo, self.h0.shape[1]
        dz = np.ascontiguousarray(self.dz[lo:hi].transpose(1, 0, 2)).reshape(4 * u, -1)   # (4u, steps*b)
        inputs = np.empty((n_in + u, steps, b), self.out.dtype)   # x_t and h_{t-1}, side by side
        inputs[:n_in] = self.x[lo:hi].transpose(1, 0, 2)
        if lo == 0:
            inputs[n_in:, 0] = self.h0
        inputs[n_in:, (lo == 0):] = self.out[max(lo - 1, 0):hi - 1, :u].transpose(1, 0, 2)
        both = product(dz, inputs.reshape(n_in + u, -1).T)          # (4u, features + u)
        kernel_sum, recurrent_sum, bias_sum = sums
        kernel_sum += both[:, :n_in]
        recurrent_sum += both[:, n_in:]
        bias_sum += row_sums(dz)[:, 0]
        self.d_x[lo:hi] = product(self.kernel, dz).reshape(n_in, steps, b).transpose(1, 0, 2)

    def __exit__(self, kind, *exc):
        if self.thread is not None:
            self.chunks.put(None)
            if kind is None:
                self._take_chunks()      # (takes what the second thread has not, an error's leftovers too)
            self.thread.join()
            if kind is None:
                self.check()
        elif kind is None:
            self._gradients(0, self.dz.shape[0], matmul, self._new_sums())
        self.d_kernel[...] = sum(s[0] for s in self.sums).T
        self.d_recurrent[...] = sum(s[1] for s in self.sums).T
        self.d_bias[...] = sum(s[2] for s in self.sums)


def _bptt(g, out, kernel, mask, dxz, carry, given, dh, dc, wait, step_done):
    """The loop of ``backward``: each step makes its factors in ``dxz`` d
    loss / d z and leaves in ``dh`` and ``dc`` the gradients of the step
    before; ``wait(t)`` before step ``t``, ``step_done(t)`` once ``dxz[t]``
    is final."""
    steps, four, b = dxz.shape
    u = four // 4
    dcn = np.empty((u, b), out.dtype)
    for t in backward_steps(mask, ((dh, g[:, :u]), (dc, g[:, u:2 * u])), time_major=True):
        wait(t)
        np.multiply(dh, carry[t], out=dcn)           # d c_t = dc + dh o (1 - tanh(c)^2)
        dcn += dc
        dz = dxz[t]
        by_dc = dz[:3 * u].reshape(3, u, b)
        np.multiply(by_dc, dcn, out=by_dc)           # d z for gates i, f, c ...
        np.multiply(dz[3 * u:], dh, out=dz[3 * u:])  # ... and o
        if given is not None:                        # gradients given to the gate activations
            dz += given[t]
        step_done(t)
        np.matmul(kernel, dz, out=dh)
        np.multiply(dcn, out[t, 3 * u:4 * u], out=dc)   # through the forget gate


def _with_kernel_gradient(loop):
    """``loop`` (one thread), then the recurrent kernel's gradient
    ``sum_t h_{t-1}^T dz_t``: one large product, cut into pieces for the
    threads the thread policy allows (``numpy_parallel.matmul``)."""
    def backward(*arrays):
        flat, hprev, dz, d_kernel = loop(*arrays)
        d_kernel[...] = matmul(hprev.T, dz)
        return flat
    backward.__name__ = loop.__name__.replace("_loop", "")
    return backward


def simple_rnn_forward(xz, h0, kernel, mask):
    """``H``, ``(batch, time, units)``: ``h_t = tanh(xz_t + h_{t-1} kernel)``."""
    out = np.empty(xz.shape, np.result_type(xz, h0, kernel))
    with single_threaded_blas():
        _simple_rnn_steps(out, xz, h0, kernel, mask)
    return out


def _simple_rnn_steps(out, xz, h0, kernel, mask):
    h = h0
    for t in range(xz.shape[1]):
        hs = out[:, t]
        np.matmul(h, kernel, out=hs)
        hs += xz[:, t]
        _tanh(hs, hs)
        if mask is not None and not mask[:, t].all():
            skip = ~mask[:, t]
            hs[skip] = h[skip]
        h = hs


def simple_rnn_backward_loop(g, out, xz, h0, kernel, mask):
    """BPTT of ``simple_rnn_forward``, packed as ``rnn_ops.simple_rnn_backward``
    packs it (``dxz``, ``dh0``, ``d kernel``), but for ``d kernel``."""
    b, steps, u = xz.shape
    sizes = [b * steps * u, b * u, u * u]
    flat = np.empty(sum(sizes), out.dtype)
    das = flat[:sizes[0]].reshape(b, steps, u)
    dh = flat[sizes[0]:sizes[0] + sizes[1]].reshape(b, u)
    a = np.multiply(out, out)
    np.subtract(1, a, out=a)                          # tanh' = 1 - h^2
    with single_threaded_blas():
        _simple_rnn_bptt(g, a, kernel, mask, das, dh)
    hprev = np.concatenate([h0[:, None], out[:, :-1]], 1).reshape(-1, u)
    return flat, hprev, das.reshape(-1, u), flat[sizes[0] + sizes[1]:].reshape(u, u)


def _simple_rnn_bptt(g, a, kernel, mask, das, dh):
    for t in backward_steps(mask, ((dh, g),)):
        np.multiply(dh, a[:, t], out=das[:, t])
        np.matmul(das[:, t], kernel.T, out=dh)


simple_rnn_backward = _with_kernel_gradient(simple_rnn_backward_loop)
