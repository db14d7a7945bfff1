"""``python -m tinykeras COMMAND``: ``inspect FILE`` shows a model file,
``plugins`` lists plugins, backends and kernels, ``convert`` reads Keras
weights, ``export`` writes ONNX.

>>> main(["--help"])  # doctest: +ELLIPSIS
usage: tinykeras ...
0
>>> import contextlib, io
>>> with contextlib.redirect_stderr(io.StringIO()) as err:
...     main(["bogus"])
2
>>> err.getvalue().splitlines()[0]
"tinykeras: unknown command 'bogus' (choose from inspect, plugins, convert, export)"
"""
import importlib
import os
import sys

COMMANDS = {"inspect": ("tinykeras.saving.inspect", "show a model file without running it"),
            "plugins": ("tinykeras.cli_plugins", "list plugins, backends and kernels"),
            "convert": ("tinykeras.applications.convert", "convert Keras .keras/.h5 weights to safetensors"),
            "export": ("tinykeras.export.cli", "export a saved model to ONNX")}


def main(argv=None):
    """Dispatch to ``COMMANDS[argv[0]].main(argv[1:])``; returns the exit status.
    Output cut short by a closed pipe (``| head``) ends quietly."""
    try:
        return _dispatch(sys.argv[1:] if argv is None else list(argv))
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the exit-time flush is quiet too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _dispatch(argv):
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = ["usage: tinykeras COMMAND [ARGS]", "", "commands:"]
        if argv and argv[0] not in ("-h", "--help"):
            lines.insert(0, f"tinykeras: unknown command {argv[0]!r} (choose from "
                            f"{', '.join(COMMANDS)})")
        lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
        print("\n".join(lines), file=sys.stdout if argv[:1] in (["-h"], ["--help"]) else sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
