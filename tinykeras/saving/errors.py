"""The one exception family for bad model files.

Every problem found in a file (or a config) that is being loaded raises a
subclass of :class:`FileFormatError`, itself a ``ValueError``; the message
names the problem and where it is.  Catching ``FileFormatError`` is enough
to handle any malformed or hostile input.

>>> issubclass(UnsafeContentError, FileFormatError) and issubclass(FileFormatError, ValueError)
True
"""


class FileFormatError(ValueError):
    """A file or config that tinykeras cannot read: truncated, malformed,
    too large, or contradicting itself (e.g. shapes against architecture)."""


class UnsafeContentError(FileFormatError):
    """The file asks for something loading never does: code (a ``Lambda``,
    marshalled or pickled payloads), a module path, a file path or URL."""


class UnknownObjectError(FileFormatError):
    """A class name that is not in the registry (``tk.saving.register_serializable``)
    nor in the ``custom_objects`` passed to the loader."""


class WeightsMismatchError(FileFormatError):
    """The tensors in the file are not exactly the weights the architecture
    needs (missing, unexpected, or of the wrong shape or dtype)."""


def excerpt(value, limit=80):
    """A short, printable excerpt of ``value`` for error messages.

    >>> excerpt("x" * 100, limit=10)
    "'xxxxxxxxxx'... (100 characters)"
    """
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    shown = repr(text[:limit]) if isinstance(value, str) else text[:limit]
    return f"{shown}... ({len(text)} characters)"
