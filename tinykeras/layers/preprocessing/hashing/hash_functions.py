"""The hash functions Keras's ``Hashing``, ``HashedCrossing`` and the lookup
layers use (through TensorFlow), in pure Python, so the bins are the same:

* :func:`fingerprint64`: FarmHash's ``Fingerprint64`` (``farmhashna::Hash64``),
  TensorFlow's ``tf.strings.to_hash_bucket_fast``;
* :func:`siphash64`: SipHash-2-4 with a 128-bit key, TensorFlow's
  ``tf.strings.to_hash_bucket_strong(key=[k0, k1])``;
* :func:`fingerprint_cat64`: how ``tf.sparse.cross_hashed`` combines the
  fingerprints of crossed features.

All work on Python ints modulo 2**64 (no overflow to think about).

>>> fingerprint64(b"A") % 3, siphash64(b"A", (133, 137)) % 3
(1, 1)
"""
import numpy as np

MASK = (1 << 64) - 1
K0, K1, K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f
CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key


def _rot(v, shift):
    return ((v >> shift) | (v << (64 - shift))) & MASK


def _shift_mix(v):
    return v ^ (v >> 47)


def _u64(s, i):
    return int.from_bytes(s[i:i + 8], "little")


def _u32(s, i):
    return int.from_bytes(s[i:i + 4], "little")


def _len16(u, v, mul):
    a = _shift_mix(((u ^ v) * mul) & MASK)
    b = _shift_mix(((v ^ a) * mul) & MASK)
    return (b * mul) & MASK


def _len0to16(s, n):
    if n >= 8:
        mul = K2 + n * 2
        a = (_u64(s, 0) + K2) & MASK
        b = _u64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & MASK
        d = ((_rot(a, 25) + b) * mul) & MASK
        return _len16(c, d, mul)
    if n >= 4:
        return _len16(n + (_u32(s, 0) << 3), _u32(s, n - 4), K2 + n * 2)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * K2) ^ (z * K0)) & MASK) * K2) & MASK
    return K2


def _len17to32(s, n):
    mul = K2 + n * 2
    a, b = (_u64(s, 0) * K1) & MASK, _u64(s, 8)
    c, d = (_u64(s, n - 8) * mul) & MASK, (_u64(s, n - 16) * K2) & MASK
    return _len16((_rot((a + b) & MASK, 43) + _rot(c, 30) + d) & MASK,
                  (a + _rot((b + K2) & MASK, 18) + c) & MASK, mul)


def _len33to64(s, n):
    mul = K2 + n * 2
    a, b = (_u64(s, 0) * K2) & MASK, _u64(s, 8)
    c, d = (_u64(s, n - 8) * mul) & MASK, (_u64(s, n - 16) * K2) & MASK
    y = (_rot((a + b) & MASK, 43) + _rot(c, 30) + d) & MASK
    z = _len16(y, (a + _rot((b + K2) & MASK, 18) + c) & MASK, mul)
    e, f = (_u64(s, 16) * mul) & MASK, _u64(s, 24)
    g, h = ((y + _u64(s, n - 32)) * mul) & MASK, ((z + _u64(s, n - 24)) * mul) & MASK
    return _len16((_rot((e + f) & MASK, 43) + _rot(g, 30) + h) & MASK,
                  (e + _rot((f + a) & MASK, 18) + g) & MASK, mul)


def _weak32(s, i, a, b):
    w, x, y, z = _u64(s, i), _u64(s, i + 8), _u64(s, i + 16), _u64(s, i + 24)
    a = (a + w) & MASK
    b = _rot((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rot(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def fingerprint64(data):
    """FarmHash ``Fingerprint64`` of ``data`` (bytes), as an int in [0, 2**64).

    >>> hex(fingerprint64(b""))
    '0x9ae16a3b2f90404f'
    """
    s, n = bytes(data), len(data)
    if n <= 16:
        return _len0to16(s, n)
    if n <= 32:
        return _len17to32(s, n)
    if n <= 64:
        return _len33to64(s, n)
    seed = 81
    x = (seed * K2 + _u64(s, 0)) & MASK
    y = (seed * K1 + 113) & MASK
    z = (_shift_mix((y * K2 + 113) & MASK) * K2) & MASK
    v, w = (0, 0), (0, 0)
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63

    def step(i, x, y, z, v, w, mul, extra):
        x = (_rot((x + y + v[0] + _u64(s, i + 8)) & MASK, 37) * mul) & MASK
        y = (_rot((y + v[1] + _u64(s, i + 48)) & MASK, 42) * mul) & MASK
        x ^= (w[1] * extra) & MASK
        y = (y + v[0] * extra + _u64(s, i + 40)) & MASK
        z = (_rot((z + w[0]) & MASK, 33) * mul) & MASK
        v = _weak32(s, i, (v[1] * mul) & MASK, (x + w[0]) & MASK)
        w = _weak32(s, i + 32, (z + w[1]) & MASK, (y + _u64(s, i + 16)) & MASK)
        return z, y, x, v, w  # x and z swap

    for i in range(0, end, 64):
        x, y, z, v, w = step(i, x, y, z, v, w, K1, 1)
    mul = K1 + ((z & 0xff) << 1)
    w0 = (w[0] + ((n - 1) & 63)) & MASK
    v0 = (v[0] + w0) & MASK
    w = ((w0 + v0) & MASK, w[1])
    v = (v0, v[1])
    x, y, z, v, w = step(last64, x, y, z, v, w, mul, 9)
    return _len16((_len16(v[0], w[0], mul) + _shift_mix(y) * K0 + z) & MASK,
                  (_len16(v[1], w[1], mul) + x) & MASK, mul)


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & MASK
    v1 = ((v1 << 13) | (v1 >> 51)) & MASK ^ v0
    v0 = ((v0 << 32) | (v0 >> 32)) & MASK
    v2 = (v2 + v3) & MASK
    v3 = ((v3 << 16) | (v3 >> 48)) & MASK ^ v2
    v0 = (v0 + v3) & MASK
    v3 = ((v3 << 21) | (v3 >> 43)) & MASK ^ v0
    v2 = (v2 + v1) & MASK
    v1 = ((v1 << 17) | (v1 >> 47)) & MASK ^ v2
    v2 = ((v2 << 32) | (v2 >> 32)) & MASK
    return v0, v1, v2, v3


def siphash64(data, key):
    """SipHash-2-4 of ``data`` (bytes) with ``key = (k0, k1)`` (two 64-bit
    ints), as an int in [0, 2**64).

    >>> hex(siphash64(bytes(range(15)), (0x0706050403020100, 0x0f0e0d0c0b0a0908)))
    '0xa129ca6149be45e5'
    """
    k0, k1 = (int(k) & MASK for k in key)
    v0, v1 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d
    v2, v3 = k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573
    s, n = bytes(data), len(data)
    tail = n - n % 8
    blocks = [_u64(s, i) for i in range(0, tail, 8)]
    blocks.append(int.from_bytes(s[tail:], "little") | ((n & 0xff) << 56))
    for m in blocks:
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    v2 ^= 0xff
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def fingerprint_cat64(fp1, fp2):
    """Combine two fingerprints as TensorFlow's ``FingerprintCat64``."""
    mul = 0xc6a4a7935bd1e995
    result = fp1 ^ mul
    result ^= (_shift_mix((fp2 * mul) & MASK) * mul) & MASK
    result = (result * mul) & MASK
    result = (_shift_mix(result) * mul) & MASK
    return _shift_mix(result)


def as_hash_bytes(value, encoding="utf-8"):
    """The bytes TensorFlow hashes for one value: a string's encoding, an
    integer's decimal digits (``tf.strings.as_string``); floats are first
    truncated to int64, as Keras's ``Hashing`` does."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode(encoding)
    if isinstance(value, (float, np.floating)):
        value = int(np.int64(value)) if np.isfinite(value) else int(np.float64(value).astype(np.int64))
    return str(int(value)).encode()


def hash_buckets(values, num_bins, salt=None):
    """``values`` (a NumPy array of strings or integers) hashed into
    ``[0, num_bins)``: FarmHash without ``salt``, SipHash with it.

    >>> hash_buckets(np.array(["A", "B", "C", "D", "E"]), 3).tolist()
    [1, 0, 1, 1, 2]
    """
    flat = np.asarray(values).ravel()
    memo = {}
    out = np.empty(flat.shape, np.int64)
    for i, value in enumerate(flat.tolist()):
        bucket = memo.get(value)
        if bucket is None:
            data = as_hash_bytes(value)
            h = fingerprint64(data) if salt is None else siphash64(data, salt)
            bucket = memo[value] = h % num_bins
        out[i] = bucket
    return out.reshape(np.shape(values))
