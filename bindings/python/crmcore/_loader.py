"""Finding and loading libcrmcore_c.so.0 (the order is in the package docstring)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path


_SONAME = "libcrmcore_c.so.0"


def _candidate_paths():
    env = os.environ.get("CRMCORE_LIB")
    if env:
        yield env
        return  # an explicit choice: never fall back to another library silently
    here = Path(__file__).resolve().parent  # bindings/python/crmcore
    yield str(here / _SONAME)
    # Where the library sat beside the single-module crmcore.py before the package split.
    yield str(here.parent / _SONAME)
    root = here.parent.parent.parent  # the repository root, above bindings/python/crmcore
    for preset in ("release", "debug", "bench"):
        yield str(root / "build" / preset / _SONAME)
    found = ctypes.util.find_library("crmcore_c")
    if found:
        yield found


def _load():
    errors = []
    for path in _candidate_paths():
        if os.environ.get("CRMCORE_LIB") is None and os.sep in path and not os.path.exists(path):
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append(f"{path}: {e}")
    raise ImportError("crmcore: cannot load " + _SONAME + " (set CRMCORE_LIB to its path); "
                      + ("; ".join(errors) if errors else "not found"))


_lib = None
_lib, library_path = _load()
