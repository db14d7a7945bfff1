"""The lookup layers: one vocabulary core (:class:`IndexLookup`) for
``StringLookup``, ``IntegerLookup`` and ``TextVectorization``."""
from .index_lookup import IndexLookup
from .lookups import IntegerLookup, StringLookup
