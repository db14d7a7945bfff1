"""``python -m tinykeras COMMAND``: ``inspect FILE`` shows a model file,
``plugins`` lists plugins, backends and kernels, ``convert`` reads Keras
weights, ``export`` writes ONNX.

>>> main(["--help"])  # doctest: +ELLIPSIS
usage: tinykeras ...
0
"""
import importlib
import sys

COMMANDS = {"inspect": ("tinykeras.saving.inspect", "show a model file without running it"),
            "plugins": ("tinykeras.cli_plugins", "list plugins, backends and kernels"),
            "convert": ("tinykeras.applications.convert", "convert Keras .keras/.h5 weights to safetensors"),
            "export": ("tinykeras.export.cli", "export a saved model to ONNX")}


def main(argv=None):
    """Dispatch to ``COMMANDS[argv[0]].main(argv[1:])``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = ["usage: tinykeras COMMAND [ARGS]", "", "commands:"]
        lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
        print("\n".join(lines), file=sys.stdout if argv[:1] in (["-h"], ["--help"]) else sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
