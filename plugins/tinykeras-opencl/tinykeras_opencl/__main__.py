"""``python -m tinykeras_opencl``: every OpenCL device, its driver, and whether
the driver's compiler builds and runs a tiny kernel on it (:func:`.device.probe`).

Exit status: 0 when every device works, 1 when some do not, 2 when none
does or there is no OpenCL at all.  ``.ci/run`` uses it to decide whether
to install the distribution's PoCL.

>>> main() in (0, 1, 2)   # doctest: +ELLIPSIS
0:0 ...
True
"""
import sys

from . import device


def main():
    try:
        found = device._all_devices()
    except device.OpenCLBackendError as exc:
        print(f"no OpenCL: {exc}")
        return 2
    failed = 0
    for p, d, _platform, dev in found:
        why = device.probe(dev)
        failed += why is not None
        print(f"{p}:{d}  {dev.name.strip()}  [{device.driver(dev)}]: {why or 'works'}")
    if failed:
        print(device.FIX_HINT)
    return 0 if not failed else 1 if failed < len(found) else 2


if __name__ == "__main__":
    sys.exit(main())
