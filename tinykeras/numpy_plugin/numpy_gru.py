"""The GRU over a whole sequence on NumPy, forward and BPTT, with
preallocated buffers: the NumPy backend's ``gru_sequence`` and
``gru_sequence_grad`` kernels, for ``reset_after=True`` (Keras 3's default:
``forward``, ``backward``) and ``reset_after=False`` (``forward_reset_before``,
``backward_reset_before``).

Forward, each step writes ``h`` in place into the one output array; the
gates live in two small buffers.  Backward follows ``rnn_ops.gru_backward``:
the gate values of every step are recomputed at once from the saved states
(one large product), the loop carries only ``dh``, and the gradients are
written into the packed vector.

>>> xz, h0 = np.zeros((1, 2, 3), np.float32), np.ones((1, 1), np.float32)
>>> forward(xz, h0, np.zeros((1, 3), np.float32), np.zeros(3, np.float32), None)[0, :, 0].tolist()
[0.5, 0.25]
"""
import numpy as np

from .numpy_lstm import _tanh, _with_kernel_gradient, backward_steps
from .numpy_parallel import matmul
from .numpy_threads import single_threaded_blas


def _sigmoid(x):
    """In place: ``x = 1 / (1 + exp(-x))``."""
    np.negative(x, out=x)
    with np.errstate(over="ignore"):
        np.exp(x, out=x)
    x += 1
    return np.reciprocal(x, out=x)


def forward(xz, h0, kernel, bias, mask):
    """``H`` of shape ``(batch, time, units)``; ``bias`` is the recurrent bias."""
    out = np.empty(xz.shape[:2] + (xz.shape[2] // 3,), np.result_type(xz, h0, kernel))
    u = h0.shape[-1]
    rec = np.empty((xz.shape[0], 3 * u), out.dtype)

    def gates(h, zr):                                # h U + b; its z and r parts
        np.matmul(h, kernel, out=rec)
        rec[...] += bias
        zr[...] = rec[:, :2 * u]

    with single_threaded_blas():
        _steps(out, xz, h0, mask, gates, lambda h, reset, cand: np.multiply(
            reset, rec[:, 2 * u:], out=cand))        # r (h U_h + b_h)
    return out


def _steps(out, xz, h0, mask, gates, candidate):
    """The step loop of both forms: ``gates(h, zr)`` writes the recurrent
    parts of the z and r pre-activations, ``candidate(h, r, cand)`` that of
    the candidate."""
    b, steps, three = xz.shape
    u = three // 3
    zr, cand = np.empty((b, 2 * u), out.dtype), np.empty((b, u), out.dtype)
    h = h0
    for t in range(steps):
        hs = out[:, t]
        gates(h, zr)
        zr += xz[:, t, :2 * u]
        _sigmoid(zr)                                                       # z, r
        candidate(h, zr[:, u:], cand)
        cand += xz[:, t, 2 * u:]
        _tanh(cand, cand)                                                  # candidate
        np.subtract(h, cand, out=hs)
        hs *= zr[:, :u]
        hs += cand                                                         # z h + (1 - z) cand
        if mask is not None and not mask[:, t].all():
            skip = ~mask[:, t]
            hs[skip] = h[skip]
        h = hs


def backward_loop(g, out, xz, h0, kernel, bias, mask):
    """BPTT, packed as ``rnn_ops.gru_backward`` packs it (``dxz``, ``dh0``,
    ``d kernel``, ``d bias``), but for ``d kernel``."""
    b, steps, three = xz.shape
    u = three // 3
    sizes = [b * steps * three, b * u, u * three, three]
    flat = np.empty(sum(sizes), out.dtype)
    ends = np.cumsum(sizes)
    dxz = flat[:ends[0]].reshape(b, steps, three)
    dh = flat[ends[0]:ends[1]].reshape(b, u)
    hp = np.concatenate([h0[:, None], out[:, :-1]], 1)
    rec = matmul(hp.reshape(-1, u), kernel)            # every step's h U, at once
    rec = rec.reshape(b, steps, three)
    rec += bias
    zr = _sigmoid(xz[..., :2 * u] + rec[..., :2 * u])
    z, r = zr[..., :u], zr[..., u:]
    hh = np.multiply(r, rec[..., 2 * u:])
    hh += xz[..., 2 * u:]
    _tanh(hh, hh)
    # d pre-activation / d h_t for the z, r and candidate parts; k_rec for d(h U + b)
    kz = (hp - hh) * z * (1 - z)
    kh = (1 - z) * (1 - hh * hh)
    kr = kh * rec[..., 2 * u:] * r * (1 - r)
    k_rec = np.concatenate([kz, kr, kh * r], -1)
    per_step = np.empty((b, steps, u), out.dtype)
    with single_threaded_blas():
        _bptt(g, k_rec, z, kernel, mask, per_step, dh)
    np.multiply(per_step[:, :, None], np.stack([kz, kr, kh], 2), out=dxz.reshape(b, steps, 3, u))
    k_rec.reshape(b, steps, 3, u)[...] *= per_step[:, :, None]          # now d(h U + b) of every step
    flat[ends[2]:] = k_rec.sum((0, 1))
    return flat, hp.reshape(-1, u), k_rec.reshape(-1, three), flat[ends[1]:ends[2]].reshape(u, three)


def _bptt(g, k_rec, z, kernel, mask, per_step, dh):
    """The loop of ``backward_loop`` on some rows: ``dh`` at every step into ``per_step``."""
    b, u = dh.shape
    drec_t = np.empty((b, 3 * u), dh.dtype)
    for t in backward_steps(mask, ((dh, g),)):
        per_step[:, t] = dh
        np.multiply(k_rec[:, t].reshape(b, 3, u), dh[:, None], out=drec_t.reshape(b, 3, u))
        dh *= z[:, t]
        dh += drec_t @ kernel.T


backward = _with_kernel_gradient(backward_loop)


# -- reset_after=False (the original GRU): r gates h before the candidate's product --

def forward_reset_before(xz, h0, kernel, bias, mask):
    """``H`` for ``reset_after=False``: the candidate is
    ``tanh(x_h + (r h) U_h)``; the recurrent ``bias`` is not used (Keras has
    none in this form)."""
    out = np.empty(xz.shape[:2] + (xz.shape[2] // 3,), np.result_type(xz, h0, kernel))
    u = h0.shape[-1]
    uzr, uh = np.ascontiguousarray(kernel[:, :2 * u]), np.ascontiguousarray(kernel[:, 2 * u:])

    rh = np.empty((xz.shape[0], u), out.dtype)

    def candidate(h, reset, cand):                  # (r h) U_h
        np.multiply(reset, h, out=rh)
        np.matmul(rh, uh, out=cand)

    with single_threaded_blas():
        _steps(out, xz, h0, mask, lambda h, zr: np.matmul(h, uzr, out=zr), candidate)
    return out


def backward_reset_before(g, out, xz, h0, kernel, bias, mask):
    """BPTT of ``forward_reset_before``, packed as ``rnn_ops.gru_backward``
    packs it (``dxz``, ``dh0``, ``d kernel``, ``d bias`` = 0)."""
    b, steps, three = xz.shape
    u = three // 3
    sizes = [b * steps * three, b * u, u * three, three]
    flat = np.empty(sum(sizes), out.dtype)
    ends = np.cumsum(sizes)
    dxz = flat[:ends[0]].reshape(b, steps, three)     # d of each step's pre-activations: z, r, candidate
    dh = flat[ends[0]:ends[1]].reshape(b, u)
    hp = np.concatenate([h0[:, None], out[:, :-1]], 1)
    zr = _sigmoid(xz[..., :2 * u] + matmul(hp.reshape(-1, u), kernel[:, :2 * u]).reshape(b, steps, 2 * u))
    z, r = zr[..., :u], zr[..., u:]
    rh = r * hp
    hh = _tanh(xz[..., 2 * u:] + matmul(rh.reshape(-1, u), kernel[:, 2 * u:]).reshape(b, steps, u),
               np.empty((b, steps, u), out.dtype))
    kz = (hp - hh) * z * (1 - z)                      # d pre-activation / d h_t, for z ...
    kh = (1 - z) * (1 - hh * hh)                      # ... and the candidate
    kr = hp * r * (1 - r)                             # d r pre-activation / d (r h)
    uzr_t, uh_t = np.ascontiguousarray(kernel[:, :2 * u].T), np.ascontiguousarray(kernel[:, 2 * u:].T)
    with single_threaded_blas():
        _bptt_reset_before(g, z, r, kz, kh, kr, uzr_t, uh_t, mask, dxz, dh)
    d_kernel = flat[ends[1]:ends[2]].reshape(u, three)
    d_kernel[:, :2 * u] = matmul(hp.reshape(-1, u).T, dxz[..., :2 * u].reshape(-1, 2 * u))
    d_kernel[:, 2 * u:] = matmul(rh.reshape(-1, u).T, dxz[..., 2 * u:].reshape(-1, u))
    flat[ends[2]:] = 0
    return flat


def _bptt_reset_before(g, z, r, kz, kh, kr, uzr_t, uh_t, mask, dxz, dh):
    """The loop of ``backward_reset_before`` on some rows, into ``dxz`` and ``dh``."""
    u = dh.shape[1]
    drh = np.empty_like(dh)
    for t in backward_steps(mask, ((dh, g),)):
        dz = dxz[:, t]
        np.multiply(dh, kh[:, t], out=dz[:, 2 * u:])                      # d candidate pre-activation
        np.matmul(dz[:, 2 * u:], uh_t, out=drh)                            # d (r h)
        np.multiply(dh, kz[:, t], out=dz[:, :u])
        np.multiply(drh, kr[:, t], out=dz[:, u:2 * u])
        dh *= z[:, t]
        dh += dz[:, :2 * u] @ uzr_t
        drh *= r[:, t]
        dh += drh
