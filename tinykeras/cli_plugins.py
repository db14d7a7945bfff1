"""``python -m tinykeras plugins [--json]``: what every plugin registered.

>>> import io, contextlib
>>> out = io.StringIO()
>>> with contextlib.redirect_stdout(out):
...     status = main([])
>>> status, "numpy" in out.getvalue()
(0, True)
"""
import argparse
import json

from . import plugins
from .core import registry


def _describe(backend):
    describe = registry.BACKENDS.get(backend, {}).get("describe")
    if describe is None:
        return ""
    try:
        return describe()
    except Exception as exc:  # a device that is missing is information, not a crash
        return f"unavailable: {exc}"


def collect():
    """Everything the listing shows, as plain data."""
    return {
        "active_backend": registry.current_backend(),
        "backends": {name: {"plugin": info["plugin"], "device": _describe(name),
                            "kernels": len(registry.KERNELS.get(name, {})),
                            "missing_primitives": [p for p in registry.primitives()
                                                   if p not in registry.KERNELS.get(name, {})]}
                     for name, info in sorted(registry.BACKENDS.items())},
        "plugins": [vars(info) for info in plugins.plugins()],
        "failed": {name: {"dist": registry.pm.dists.get(name, "registered at run time"), "error": reason}
                   for name, reason in registry.FAILED.items()},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tinykeras plugins",
                                     description="List plugins, backends and kernels.")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--kernels", action="store_true", help="list every kernel per plugin")
    args = parser.parse_args(argv)
    data = collect()
    if args.json:
        print(json.dumps(data, indent=2, default=str))
        return 0
    print(f"active backend: {data['active_backend']}")
    print("backends:")
    for name, info in data["backends"].items():
        missing = f", missing {len(info['missing_primitives'])} primitives" if info["missing_primitives"] else ""
        print(f"  {name:<10} from {info['plugin']}: {info['kernels']} kernels{missing}; {info['device']}")
    print("plugins:")
    for info in data["plugins"]:
        n = len(info["kernels"])
        kernels = f"kernels {info['kernels'] or '-'}" if n <= 4 else f"{n} kernels"
        print(f"  {info['name']} ({info['dist']}): backends {info['backends'] or '-'}, "
              f"{kernels}, ops added {info['ops'] or '-'}, "
              f"serializables {info['serializables'] or '-'}")
        for item in info["shadowed"]:
            print(f"    overrides {item}")
        if args.kernels:
            print("    kernels: " + ", ".join(info["kernels"]))
    if data["failed"]:
        print("failed to load:")
        for name, info in data["failed"].items():
            error = info["error"].removeprefix(f"{name}: ").replace("\n", "\n    ")
            print(f"  {name} ({info['dist']}): {error}")
    return 0
