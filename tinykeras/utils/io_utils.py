"""Where progress bars and messages go (Keras 3's interactive logging
switches, also in ``keras.config``): to stdout while interactive logging
is on (the default), else to Python's ``logging`` (logger ``"tinykeras"``,
level INFO).

>>> disable_interactive_logging(); is_interactive_logging_enabled()
False
>>> enable_interactive_logging(); is_interactive_logging_enabled()
True
"""
import logging
import sys

_STATE = {"interactive": True}


def enable_interactive_logging():
    """Send progress bars and messages to stdout (the default)."""
    _STATE["interactive"] = True


def disable_interactive_logging():
    """Send progress bars and messages to the ``"tinykeras"`` logger instead of stdout."""
    _STATE["interactive"] = False


def is_interactive_logging_enabled():
    """Whether messages go to stdout (True) or to ``logging`` (False)."""
    return _STATE["interactive"]


def write(message):
    """Write ``message`` to stdout (``━`` becomes ``=`` where the terminal
    cannot encode it), or log it when interactive logging is off.

    >>> write("hello\\n")
    hello
    """
    if not _STATE["interactive"]:
        text = message.strip("\r\n")
        if text:
            logging.getLogger("tinykeras").info(text)
        return
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=")
        sys.stdout.write(message.encode(encoding, errors="ignore").decode(encoding))
    sys.stdout.flush()
