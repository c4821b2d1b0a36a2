"""Passing numpy arrays to C (zero copy where possible) and owning C handles."""

from __future__ import annotations

import threading
from ctypes import POINTER, c_double, c_void_p

import numpy as np

from ._capi import EngineOptions
from ._errors import InvalidArgument
from ._loader import _lib


def _as_array(name: str, values, dtypes=(np.float64,)) -> np.ndarray:
    """`values` as a 1-D C-contiguous aligned array of one of `dtypes`, without a copy when
    it already is one. An ndarray of another dtype is a TypeError (raised before any C
    call); a non-contiguous or unaligned one is copied; a list/tuple is converted."""
    if isinstance(values, np.ma.MaskedArray):
        raise TypeError(f"{name}: masked arrays are read only by score_composite; "
                        "pass plain values")
    if isinstance(values, np.ndarray):
        if values.dtype not in [np.dtype(d) for d in dtypes]:
            raise TypeError(f"{name}: dtype {values.dtype} is not accepted "
                            f"(expected {' or '.join(np.dtype(d).name for d in dtypes)}; "
                            f"convert with .astype() if that is what you mean)")
        array = values
    elif isinstance(values, (list, tuple)) or np.isscalar(values):
        try:
            array = np.asarray(values, dtype=dtypes[0])
        except (TypeError, ValueError) as e:
            raise TypeError(f"{name}: cannot convert to {np.dtype(dtypes[0]).name}: {e}") from None
    else:
        raise TypeError(f"{name}: expected a numpy array or a list, got {type(values).__name__}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-dimensional array, got shape {array.shape}")
    if not (array.flags.c_contiguous and array.flags.aligned):
        array = np.ascontiguousarray(array)  # the one copy: a strided or unaligned view
    return array


def _ptr(array: np.ndarray | None, ctype=c_double):
    """A typed pointer to the array's first element (NULL for None)."""
    if array is None:
        return None
    return array.ctypes.data_as(POINTER(ctype))


def _out(name: str, out, n: int, dtype) -> np.ndarray:
    if out is None:
        return np.empty(n, dtype=dtype)
    if not isinstance(out, np.ndarray) or out.dtype != np.dtype(dtype):
        raise TypeError(f"{name}: out must be a numpy array of dtype {np.dtype(dtype).name}")
    if out.shape != (n,):
        raise ValueError(f"{name}: out has shape {out.shape}, expected ({n},)")
    if not (out.flags.c_contiguous and out.flags.aligned and out.flags.writeable):
        raise ValueError(f"{name}: out must be C-contiguous, aligned and writable")
    return out


def _same_length(function: str, **arrays) -> int:
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise InvalidArgument(1, f"{function}: the arrays must have one length: {described}")
    return next(iter(lengths.values()), 0)


def _flag(name: str, value) -> int:
    # Booleans cross as 0/1; any other int goes through so the library rejects it.
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    raise TypeError(f"{name}: expected a bool, got {type(value).__name__}")


def _engine_options(threads: int | None = None, missing_encoding: int | None = None):
    options = EngineOptions.defaults()
    if threads is not None:
        options.threads = threads
    if missing_encoding is not None:
        options.missing_encoding = missing_encoding
    return options


# =========================================================================
# Handles
# =========================================================================


class _Handle:
    """Owns one C handle; ``close()`` (also ``__exit__`` and ``__del__``) destroys it once."""

    _destroy_name = ""

    def __init__(self, pointer: c_void_p):
        self._pointer = pointer
        self._close_lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._pointer is None

    @property
    def _h(self):
        # The pointer to pass to C; a closed handle never reaches C. (Not ctypes'
        # _as_parameter_: ctypes would wrap this ValueError into an ArgumentError.)
        pointer = self._pointer
        if pointer is None:
            raise ValueError(f"{type(self).__name__}: the handle is closed")
        return pointer

    def close(self) -> None:
        with self._close_lock:
            pointer, self._pointer = self._pointer, None
        if pointer is not None:
            getattr(_lib, self._destroy_name)(pointer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # During interpreter shutdown the library may be gone; the OS reclaims the memory.
        if getattr(self, "_pointer", None) is not None and _lib is not None:
            self.close()


def _handle_of(obj, cls, name: str, optional: bool = False):
    """The C pointer of handle `obj` of class `cls`: TypeError for another type (or None
    unless optional), ValueError for a closed handle, both before any C call."""
    if obj is None and optional:
        return None
    if not isinstance(obj, cls):
        raise TypeError(f"{name}: expected a {cls.__name__}, got {type(obj).__name__}")
    return obj._h


def _new_handle_pointer():
    return c_void_p()
