"""Every environment variable tinykeras reads, in one place.

==================================  ===========================================
``TINYKERAS_BACKEND``               backend at import: ``numpy`` (default),
                                    ``opencl`` or any plugin backend's name
``TINYKERAS_PLUGINS``               comma-separated entry-point names: load only
                                    these plugins (empty: load all)
``TINYKERAS_DISABLE_PLUGIN_AUTOLOAD``  ``1`` loads no entry-point plugin at all
``TINYKERAS_OPENCL_DEVICE``         OpenCL device: ``platform:device`` indices
                                    or a substring of the device name
``TINYKERAS_HOME``                  cache folder for downloads
                                    (default ``~/.tinykeras``)
``TINYKERAS_CHECK_KERNELS``         ``1`` checks every kernel call of a
                                    non-reference backend against NumPy
``TINYKERAS_NUM_THREADS``           ``auto`` (default): the threads that big
                                    NumPy products and kernels are cut for
                                    follow the free cores (one for small
                                    products), at most 8; a number fixes
                                    the count (BLAS itself runs on one
                                    thread; ``docs/threads.md``)
``TINYKERAS_MALLOC_TUNING``         ``0`` leaves glibc's allocator settings alone
``TINYKERAS_REQUIRE_OPENCL``        ``1``: the test-suite fails (instead of
                                    skipping) the OpenCL tests when there is
                                    no usable OpenCL device (CI sets it)
==================================  ===========================================

>>> from tinykeras import _config
>>> _config.backend() in ("numpy", "opencl") or True
True
"""
import os


def _get(name, default=""):
    return os.environ.get(name, default).strip()


def setting(name):
    """``TINYKERAS_<NAME>``, or None when unset or empty (``tinykeras.config.setting``)."""
    return _get(f"TINYKERAS_{name.upper()}") or None


def backend():
    """Name of the backend asked for by ``TINYKERAS_BACKEND``."""
    return _get("TINYKERAS_BACKEND", "numpy").lower() or "numpy"


def plugins_allowed():
    """Entry-point names to load, or None for all."""
    names = [n.strip() for n in _get("TINYKERAS_PLUGINS").split(",") if n.strip()]
    return set(names) or None


def autoload_disabled():
    return _get("TINYKERAS_DISABLE_PLUGIN_AUTOLOAD") in ("1", "true", "yes")


def home():
    return _get("TINYKERAS_HOME") or os.path.join(os.path.expanduser("~"), ".tinykeras")


def check_kernels():
    return _get("TINYKERAS_CHECK_KERNELS") in ("1", "true", "yes")


def num_threads():
    """``"auto"`` or the fixed thread count ``TINYKERAS_NUM_THREADS`` asks for."""
    value = _get("TINYKERAS_NUM_THREADS", "auto").lower()
    if value.isdigit() and int(value) > 0:
        return int(value)
    if value not in ("auto", ""):
        raise ValueError(f"TINYKERAS_NUM_THREADS: expected 'auto' or a positive whole number, got {value!r}")
    return "auto"


def malloc_tuning():
    return _get("TINYKERAS_MALLOC_TUNING", "1") != "0"


def require_opencl():
    """Whether tests that need an OpenCL device fail, rather than skip, without one."""
    return _get("TINYKERAS_REQUIRE_OPENCL") in ("1", "true", "yes")
