"""``python -m tinykeras export MODEL OUT.onnx [--opset N]``: a saved model
file to ONNX.

>>> main(["--help"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
SystemExit: 0
"""
import argparse
import sys


def main(argv=None):
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="tinykeras export",
                                     description="Export a saved tinykeras model to ONNX.")
    parser.add_argument("model", help="a model saved with model.save (.safetensors or a directory)")
    parser.add_argument("output", help="the .onnx file to write")
    parser.add_argument("--opset", type=int, default=None, help="ONNX opset version (default: %(default)s, "
                                                                "meaning tinykeras.export.OPSET)")
    args = parser.parse_args(argv)
    from ..saving import load_model
    from . import export_onnx
    try:
        model = load_model(args.model, compile=False)
        export_onnx(model, args.output, verbose=True, opset_version=args.opset)
    except (ValueError, OSError, ImportError) as exc:
        print(f"tinykeras export: {exc}", file=sys.stderr)
        return 1
    return 0
