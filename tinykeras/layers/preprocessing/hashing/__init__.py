"""``Hashing`` and ``HashedCrossing``, and the hash functions behind them."""
from .layers import HashedCrossing, Hashing
