"""crmcore from Python: a ctypes binding of the stable C API (capi/crmcore.h).

No compiled extension: the module loads libcrmcore_c.so.0 with ctypes and passes numpy
arrays to it by pointer. Where the library is looked for, in order:

  1. the path in the environment variable CRMCORE_LIB;
  2. libcrmcore_c.so.0 next to this file;
  3. the repository's build directories (build/release, build/debug, build/bench);
  4. ctypes.util.find_library("crmcore_c") (an installed library).

At import the module calls crm_check_version(HEADER_VERSION_MAJOR) and raises
VersionMismatch when the library's major version (its ABI) differs from the header this
binding mirrors.

Arrays (zero copy)
------------------
Input columns are read in place by C, never copied, when they are numpy arrays that are
1-dimensional, C-contiguous, aligned and of the dtype the call reads (float64; the
composite calls also read float32 and int64 columns in place). A non-contiguous or
unaligned array of the right dtype (a strided slice such as ``a[::2]``) is copied once
with np.ascontiguousarray; a Python list or tuple is converted (a copy). An ndarray of any
OTHER dtype raises TypeError before C is called: converting it would be a hidden copy and,
for int64, possibly a silent rounding. Outputs are new arrays, or the caller's ``out=``
array (1-D, C-contiguous, writable, of the exact dtype and length; never copied).

Ownership
---------
* Handles (CompositePlan, CompositeState, QuantileState, Summary, Model) own one C handle
  each. ``close()``, the context manager's exit and garbage collection all call the
  handle's crm_*_destroy, exactly once; using a closed handle raises ValueError.
* Summary columns (``summary.frequency`` ...) are read-only numpy VIEWS of the memory the
  C summary owns (zero copy). Each view keeps that memory alive: closing the Summary (or
  leaving its ``with`` block) while views exist defers crm_summary_destroy until the last
  view is garbage-collected. Copy a column (``np.array(view)``) to detach it.
* Strings (ids, labels, messages) are copied into Python str; the C pointers are not kept.
* The C library keeps no pointer to any array after a call returns.

Threads
-------
ctypes releases the GIL for the duration of every C call, so calls from several Python
threads run in parallel. As in C, a handle may be shared by concurrent calls that only
read it (scoring with a plan or a state, predictions with a model, reading a summary);
changing calls (set_weight, update, merge_from, close) need exclusive access.

Errors
------
Every non-OK crm_status raises the CrmError subclass of its code (InvalidArgument,
OutOfRange, NotFound, NoMemory, InternalError, VersionMismatch, FailedPrecondition,
PermissionDenied, IoError, Unsupported), carrying crm_last_error()'s message (which
names the function, the parameter and the offending value) as ``message`` and the code as
``status``. Each also derives from the matching built-in exception (ValueError,
OverflowError, LookupError, MemoryError, ...), so ``except ValueError`` works too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import (POINTER, Structure, byref, c_char, c_char_p, c_double, c_int, c_int8,
                    c_int32, c_int64, c_size_t, c_uint8, c_void_p, sizeof)
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

__all__ = [
    "HEADER_VERSION_MAJOR", "library_path", "version", "version_number", "engine_target",
    "CrmError", "InvalidArgument", "OutOfRange", "NotFound", "NoMemory", "InternalError",
    "VersionMismatch", "FailedPrecondition", "PermissionDenied", "IoError", "Unsupported",
    "taxonomy_count", "taxonomy_name", "taxonomy_id", "taxonomy_label", "taxonomy_parse",
    "taxonomies",
    "satisfaction_ratio", "satisfaction_level", "ladder_rung", "retention_value",
    "scorecard_score", "scorecard_grade",
    "COMPONENTS", "CompositePlan", "score_composite", "value_tiers", "rfm_quintiles",
    "satisfaction_ratios", "CompositeState", "QuantileState",
    "Summary", "Model", "clv", "npv", "log_likelihood",
]

# The header this module mirrors: capi/crmcore.h's CRM_VERSION_MAJOR.
HEADER_VERSION_MAJOR = 0

# =========================================================================
# Errors
# =========================================================================


class CrmError(Exception):
    """A crmcore call returned a status other than CRM_OK.

    ``status`` is the crm_status code, ``status_name`` its name (e.g.
    "CRM_ERR_INVALID_ARGUMENT") and ``message`` crm_last_error()'s text."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
        self.status_name = _status_name(status) if _lib is not None else str(status)


class InvalidArgument(CrmError, ValueError):
    """CRM_ERR_INVALID_ARGUMENT: a value outside its domain, mismatched lengths, ..."""


class OutOfRange(CrmError, OverflowError):
    """CRM_ERR_OUT_OF_RANGE: valid inputs whose result does not fit."""


class NotFound(CrmError, LookupError):
    """CRM_ERR_NOT_FOUND: a file or other named thing does not exist."""


class NoMemory(CrmError, MemoryError):
    """CRM_ERR_NO_MEMORY."""


class InternalError(CrmError):
    """CRM_ERR_INTERNAL: a bug in crmcore; please report it with the message."""


class VersionMismatch(CrmError, ImportError):
    """CRM_ERR_VERSION: the library's major version differs from the header's."""


class FailedPrecondition(CrmError, RuntimeError):
    """CRM_ERR_FAILED_PRECONDITION: not valid in the object's state (an unconverged fit,
    a summary without holdout, ...)."""


class PermissionDenied(CrmError, PermissionError):
    """CRM_ERR_PERMISSION_DENIED: the operating system refused access to a file."""


class IoError(CrmError, OSError):
    """CRM_ERR_IO: reading failed, or serialized bytes are corrupt or truncated."""


class Unsupported(CrmError, NotImplementedError):
    """CRM_ERR_UNSUPPORTED: understood, but not supported (by this model kind, build)."""


# Status code -> exception class (capi/crmcore.h's CRM_ERR_* values, stable forever).
ERRORS = {
    1: InvalidArgument, 2: OutOfRange, 3: NotFound, 4: NoMemory, 5: InternalError,
    6: VersionMismatch, 7: FailedPrecondition, 8: PermissionDenied, 9: IoError,
    10: Unsupported,
}


def _raise_for(status: int) -> None:
    """Raises the exception of a non-OK status with this thread's crm_last_error().

    Must run on the thread that made the call, before any other crmcore call: the message
    is thread-local. Unknown codes (a newer library) raise CrmError itself."""
    message = _lib.crm_last_error().decode("utf-8", errors="replace")
    raise ERRORS.get(status, CrmError)(status, message)


def _errcheck(result, func, args):
    if result != 0:
        _raise_for(result)
    return result


# =========================================================================
# Loading the library
# =========================================================================

_SONAME = "libcrmcore_c.so.0"


def _candidate_paths():
    env = os.environ.get("CRMCORE_LIB")
    if env:
        yield env
        return  # an explicit choice: never fall back to another library silently
    here = Path(__file__).resolve().parent
    yield str(here / _SONAME)
    root = here.parent.parent
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

# =========================================================================
# Struct layouts (capi/crmcore.h; fields only ever appended, struct_size first)
# =========================================================================


class _Struct(Structure):
    """A C options struct; ``_init_`` names the crm_*_init function filling the defaults."""

    _init_ = None

    @classmethod
    def defaults(cls):
        s = cls()
        # FFI hosts cannot see the CRM_*_INIT macros: the init function fills the defaults
        # and checks that the library knows this struct_size (our layout's sizeof).
        getattr(_lib, cls._init_)(byref(s), sizeof(cls))
        return s


class SatisfactionThresholds(_Struct):
    _init_ = "crm_satisfaction_thresholds_init"
    _fields_ = [("struct_size", c_size_t), ("satisfied", c_double), ("very_satisfied", c_double)]


class LadderFacts(_Struct):
    _init_ = "crm_ladder_facts_init"
    _fields_ = [("struct_size", c_size_t), ("qualified_need", c_int32),
                ("qualified_ability", c_int32), ("disqualified_flag", c_int32),
                ("active_periods_in_window", c_int32), ("purchase_count", c_int64),
                ("referrals", c_int64), ("has_survey_score", c_int32),
                ("survey_score", c_int32)]


class LadderRule(_Struct):
    _init_ = "crm_ladder_rule_init"
    _fields_ = [("struct_size", c_size_t), ("client_min_active_periods", c_int32),
                ("client_window_periods", c_int32), ("promoter_min_score", c_int32),
                ("advocate_min_referrals", c_int64)]


class GradeCutoffs(_Struct):
    _init_ = "crm_grade_cutoffs_init"
    _fields_ = [("struct_size", c_size_t), ("a_min", c_double), ("b_min", c_double)]


class Column(_Struct):
    _init_ = "crm_column_init"
    _fields_ = [("struct_size", c_size_t), ("type", c_int32), ("data", c_void_p),
                ("length", c_size_t), ("validity", POINTER(c_uint8))]


class EngineOptions(_Struct):
    _init_ = "crm_engine_options_init"
    _fields_ = [("struct_size", c_size_t), ("threads", c_int32), ("missing_encoding", c_int32)]


class PyramidFractions(_Struct):
    _init_ = "crm_pyramid_fractions_init"
    _fields_ = [("struct_size", c_size_t), ("vip_share", c_double), ("major_share", c_double),
                ("ordinary_share", c_double), ("small_share", c_double)]


class IngestOptions(_Struct):
    _init_ = "crm_ingest_options_init"
    _fields_ = [("struct_size", c_size_t), ("delimiter", c_int32),
                ("whitespace_delimited", c_int32), ("has_header", c_int32),
                ("lenient", c_int32), ("customer_column", c_char_p),
                ("date_column", c_char_p), ("amount_column", c_char_p),
                ("customer_index", c_int32), ("date_index", c_int32),
                ("amount_index", c_int32), ("minor_digits", c_int32),
                ("date_format", c_char_p), ("observation_end", c_char_p),
                ("time_unit", c_int32)]


class FitOptions(_Struct):
    _init_ = "crm_fit_options_init"
    _fields_ = [("struct_size", c_size_t), ("gradient_tolerance", c_double),
                ("max_iterations", c_int32), ("min_repeat_buyers", c_double),
                ("initial_params", POINTER(c_double)), ("initial_param_count", c_size_t)]


class ClvOptions(_Struct):
    _init_ = "crm_clv_options_init"
    _fields_ = [("struct_size", c_size_t), ("periods", c_int32), ("period_length", c_double),
                ("discount_rate", c_double)]


# =========================================================================
# Function prototypes: every function this module calls
# =========================================================================

_pd = POINTER(c_double)
_pi8 = POINTER(c_int8)
_pu8 = POINTER(c_uint8)
_H = c_void_p  # every opaque handle
_pH = POINTER(c_void_p)
_S = c_int  # crm_status

_PROTOTYPES = {
    # version, status, errors (no crm_status: no errcheck)
    "crm_version_number": (c_int, []),
    "crm_version_string": (c_char_p, []),
    "crm_engine_target": (c_char_p, []),
    "crm_status_name": (c_char_p, [c_int]),
    "crm_last_error": (c_char_p, []),
    "crm_check_version": (_S, [c_int]),
    # taxonomies
    "crm_taxonomy_count": (_S, [c_int, POINTER(c_size_t)]),
    "crm_taxonomy_name": (_S, [c_int, POINTER(c_char_p)]),
    "crm_taxonomy_id": (_S, [c_int, c_int, POINTER(c_char_p)]),
    "crm_taxonomy_label": (_S, [c_int, c_int, c_int, POINTER(c_char_p)]),
    "crm_taxonomy_parse": (_S, [c_int, c_char_p, POINTER(c_int)]),
    # scalar formulas
    "crm_satisfaction_ratio": (_S, [c_double, c_double, _pd]),
    "crm_satisfaction_thresholds_init": (_S, [POINTER(SatisfactionThresholds), c_size_t]),
    "crm_satisfaction_level": (_S, [c_double, POINTER(SatisfactionThresholds), POINTER(c_int)]),
    "crm_ladder_facts_init": (_S, [POINTER(LadderFacts), c_size_t]),
    "crm_ladder_rule_init": (_S, [POINTER(LadderRule), c_size_t]),
    "crm_ladder_rung": (_S, [POINTER(LadderFacts), POINTER(LadderRule), POINTER(c_int)]),
    "crm_retention_value": (_S, [c_double, c_double, c_double, _pd]),
    "crm_grade_cutoffs_init": (_S, [POINTER(GradeCutoffs), c_size_t]),
    "crm_scorecard_score": (_S, [_pd, _pd, _pd]),
    "crm_scorecard_grade": (_S, [_pd, _pd, POINTER(GradeCutoffs), POINTER(c_int)]),
    # batch scoring
    "crm_column_init": (_S, [POINTER(Column), c_size_t]),
    "crm_engine_options_init": (_S, [POINTER(EngineOptions), c_size_t]),
    "crm_composite_plan_create": (_S, [_pH]),
    "crm_composite_plan_destroy": (None, [_H]),
    "crm_composite_plan_set_weight": (_S, [_H, c_int32, c_double]),
    "crm_composite_plan_set_normalizer": (_S, [_H, c_int32, c_int32, c_double, c_double]),
    "crm_composite_plan_set_missing_policy": (_S, [_H, c_int32]),
    "crm_composite_plan_validate": (_S, [_H]),
    "crm_composite_plan_weight": (_S, [_H, c_int32, _pd]),
    "crm_score_composite": (_S, [_H, POINTER(Column), c_size_t, POINTER(EngineOptions), _pd,
                                 c_size_t]),
    "crm_pyramid_fractions_init": (_S, [POINTER(PyramidFractions), c_size_t]),
    "crm_assign_value_tiers": (_S, [_pd, c_size_t, POINTER(PyramidFractions),
                                    POINTER(EngineOptions), _pi8]),
    "crm_rfm_quintiles": (_S, [_pd, c_size_t, c_int32, POINTER(EngineOptions), _pi8]),
    "crm_satisfaction_ratios": (_S, [_pd, _pd, c_size_t, POINTER(EngineOptions), _pd]),
    # partial states
    "crm_composite_state_create": (_S, [_H, POINTER(Column), c_size_t, POINTER(EngineOptions),
                                        _pH]),
    "crm_composite_state_destroy": (None, [_H]),
    "crm_composite_state_update": (_S, [_H, _H, POINTER(Column), c_size_t,
                                        POINTER(EngineOptions)]),
    "crm_composite_state_merge": (_S, [_H, _H]),
    "crm_composite_state_serialize": (_S, [_H, _pu8, c_size_t, POINTER(c_size_t)]),
    "crm_composite_state_deserialize": (_S, [_pu8, c_size_t, _pH]),
    "crm_composite_state_rows": (_S, [_H, POINTER(c_int64)]),
    "crm_score_composite_with_state": (_S, [_H, POINTER(Column), c_size_t, _H,
                                            POINTER(EngineOptions), _pd, c_size_t]),
    "crm_quantile_state_create": (_S, [_pd, c_size_t, POINTER(EngineOptions), _pH]),
    "crm_quantile_state_destroy": (None, [_H]),
    "crm_quantile_state_update": (_S, [_H, _pd, c_size_t, POINTER(EngineOptions)]),
    "crm_quantile_state_merge": (_S, [_H, _H]),
    "crm_quantile_state_serialize": (_S, [_H, _pu8, c_size_t, POINTER(c_size_t)]),
    "crm_quantile_state_deserialize": (_S, [_pu8, c_size_t, _pH]),
    "crm_quantile_state_count": (_S, [_H, POINTER(c_int64)]),
    "crm_assign_value_tiers_with_state": (_S, [_pd, c_size_t, _H, POINTER(PyramidFractions),
                                               POINTER(EngineOptions), _pi8]),
    "crm_rfm_quintiles_with_state": (_S, [_pd, c_size_t, _H, c_int32, POINTER(EngineOptions),
                                          _pi8]),
    # ingest
    "crm_ingest_options_init": (_S, [POINTER(IngestOptions), c_size_t]),
    "crm_summary_load_path": (_S, [c_char_p, POINTER(IngestOptions), _pH]),
    "crm_summary_load_buffer": (_S, [c_void_p, c_size_t, POINTER(IngestOptions), _pH]),
    "crm_summary_destroy": (None, [_H]),
    "crm_summary_customer_count": (_S, [_H, POINTER(c_size_t)]),
    "crm_summary_column": (_S, [_H, c_int, POINTER(_pd), POINTER(c_size_t)]),
    "crm_summary_customer_id": (_S, [_H, c_size_t, POINTER(POINTER(c_char)),
                                     POINTER(c_size_t)]),
    "crm_summary_info": (_S, [_H, c_int, POINTER(c_int64)]),
    "crm_summary_skipped_row": (_S, [_H, c_size_t, POINTER(c_int64), POINTER(c_int64),
                                     POINTER(c_char_p)]),
    # models
    "crm_fit_options_init": (_S, [POINTER(FitOptions), c_size_t]),
    "crm_model_fit": (_S, [c_int, _pd, _pd, _pd, _pd, c_size_t, POINTER(FitOptions), _pH]),
    "crm_model_fit_summary": (_S, [c_int, _H, POINTER(FitOptions), _pH]),
    "crm_model_from_params": (_S, [c_int, _pd, c_size_t, _pH]),
    "crm_model_destroy": (None, [_H]),
    "crm_model_kind": (_S, [_H, POINTER(c_int)]),
    "crm_model_param_count": (_S, [_H, POINTER(c_size_t)]),
    "crm_model_params": (_S, [_H, _pd, c_size_t]),
    "crm_model_converged": (_S, [_H, POINTER(c_int32)]),
    "crm_model_fit_info": (_S, [_H, c_int, _pd]),
    "crm_model_fit_message": (_S, [_H, POINTER(c_char_p)]),
    "crm_model_expected_purchases": (_S, [_H, c_double, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_p_alive": (_S, [_H, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_expected_purchases_new": (_S, [_H, c_double, _pd]),
    "crm_model_purchase_count_probability": (_S, [_H, c_int64, c_double, _pd]),
    "crm_model_expected_mean_spend": (_S, [_H, _pd, _pd, c_size_t, _pd]),
    "crm_clv_options_init": (_S, [POINTER(ClvOptions), c_size_t]),
    "crm_clv": (_S, [_H, _H, _pd, _pd, _pd, _pd, c_size_t, POINTER(ClvOptions), _pd]),
    "crm_npv": (_S, [c_double, _pd, _pd, c_size_t, c_double, _pd]),
    "crm_model_log_likelihood": (_S, [c_int, _pd, c_size_t, _pd, _pd, _pd, _pd, c_size_t, _pd,
                                      _pd]),
}

_NO_STATUS = {"crm_version_number", "crm_version_string", "crm_engine_target", "crm_status_name",
              "crm_last_error"}

for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    if not hasattr(_lib, _name):
        continue  # added in a later minor version than the loaded library: absent there
    _f = getattr(_lib, _name)
    _f.restype = _restype
    _f.argtypes = _argtypes
    if _restype is _S and _name not in _NO_STATUS:
        _f.errcheck = _errcheck  # raises on any non-OK status, on the calling thread
del _name, _restype, _argtypes, _f


def _status_name(status: int) -> str:
    return _lib.crm_status_name(status).decode("ascii")


def _check_version(header_major: int) -> None:
    _lib.crm_check_version(header_major)


_check_version(HEADER_VERSION_MAJOR)


def version() -> str:
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return _lib.crm_version_string().decode("ascii")


def engine_target() -> str:
    """The SIMD target the engine's kernels run on here, e.g. "AVX3_DL" or "NEON"."""
    return _lib.crm_engine_target().decode("ascii")


def version_number() -> int:
    """The loaded library's version as MAJOR * 10000 + MINOR * 100 + PATCH."""
    return _lib.crm_version_number()


# =========================================================================
# Array helpers
# =========================================================================


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


# =========================================================================
# Taxonomies
# =========================================================================

_LANGUAGES = {"en": 0, "zh": 1}


def _taxonomy_index(t) -> int:
    if isinstance(t, str):
        try:
            return _TAXONOMY_BY_NAME[t]
        except KeyError:
            raise InvalidArgument(1, f"taxonomy: unknown taxonomy {t!r}") from None
    return int(t)


def taxonomy_count(t) -> int:
    """Number of values of taxonomy `t` (its int or name, e.g. "ladder_rung")."""
    out = c_size_t()
    _lib.crm_taxonomy_count(_taxonomy_index(t), byref(out))
    return out.value


def taxonomy_name(t: int) -> str:
    out = c_char_p()
    _lib.crm_taxonomy_name(int(t), byref(out))
    return out.value.decode("utf-8")


def taxonomy_id(t, value: int) -> str:
    """The English identifier (snake_case) of `value` of taxonomy `t`."""
    out = c_char_p()
    _lib.crm_taxonomy_id(_taxonomy_index(t), int(value), byref(out))
    return out.value.decode("utf-8")


def taxonomy_label(t, value: int, language: str = "en") -> str:
    """The display label of `value` of taxonomy `t`, in "en" or "zh"."""
    out = c_char_p()
    if language not in _LANGUAGES:
        raise InvalidArgument(1, f"taxonomy_label: unknown language {language!r} (en, zh)")
    _lib.crm_taxonomy_label(_taxonomy_index(t), int(value), _LANGUAGES[language], byref(out))
    return out.value.decode("utf-8")


def taxonomy_parse(t, text: str) -> int:
    """The value of English identifier `text` in taxonomy `t` (exact match)."""
    out = c_int()
    _lib.crm_taxonomy_parse(_taxonomy_index(t), text.encode("utf-8"), byref(out))
    return out.value


_TAXONOMY_BY_NAME: dict[str, int] = {}
for _t in range(64):
    try:
        _TAXONOMY_BY_NAME[taxonomy_name(_t)] = _t
    except InvalidArgument:
        break
del _t


def taxonomies() -> dict[str, list[str]]:
    """Every taxonomy the library knows: name -> its value identifiers in order."""
    return {name: [taxonomy_id(t, v) for v in range(taxonomy_count(t))]
            for name, t in _TAXONOMY_BY_NAME.items()}


# =========================================================================
# Scalar formulas
# =========================================================================


def satisfaction_ratio(perceived_value_b: float, expectation_a: float) -> float:
    """Satisfaction degree C = B / A (docs/domain.md §3.1)."""
    out = c_double()
    _lib.crm_satisfaction_ratio(perceived_value_b, expectation_a, byref(out))
    return out.value


def satisfaction_level(c: float, satisfied: float | None = None,
                       very_satisfied: float | None = None) -> int:
    """Satisfaction level of degree C: 0 dissatisfied, 1 satisfied, 2 very satisfied
    (taxonomy "satisfaction_level"); thresholds default to 1.0 and 1.2."""
    thresholds = SatisfactionThresholds.defaults()
    if satisfied is not None:
        thresholds.satisfied = satisfied
    if very_satisfied is not None:
        thresholds.very_satisfied = very_satisfied
    out = c_int()
    _lib.crm_satisfaction_level(c, byref(thresholds), byref(out))
    return out.value


def _flag(name: str, value) -> int:
    # Booleans cross as 0/1; any other int goes through so the library rejects it.
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    raise TypeError(f"{name}: expected a bool, got {type(value).__name__}")


def ladder_rung(*, qualified_need=False, qualified_ability=False, disqualified=False,
                active_periods_in_window: int = 0, purchase_count: int = 0,
                referrals: int = 0, survey_score: int | None = None,
                client_min_active_periods: int | None = None,
                client_window_periods: int | None = None,
                promoter_min_score: int | None = None,
                advocate_min_referrals: int | None = None) -> int:
    """The loyalty-ladder rung (taxonomy "ladder_rung") of one customer (docs/domain.md §4.1)."""
    facts = LadderFacts.defaults()
    facts.qualified_need = _flag("qualified_need", qualified_need)
    facts.qualified_ability = _flag("qualified_ability", qualified_ability)
    facts.disqualified_flag = _flag("disqualified", disqualified)
    facts.active_periods_in_window = active_periods_in_window
    facts.purchase_count = purchase_count
    facts.referrals = referrals
    if survey_score is not None:
        facts.has_survey_score = 1
        facts.survey_score = survey_score
    rule = LadderRule.defaults()
    for field, value in (("client_min_active_periods", client_min_active_periods),
                         ("client_window_periods", client_window_periods),
                         ("promoter_min_score", promoter_min_score),
                         ("advocate_min_referrals", advocate_min_referrals)):
        if value is not None:
            setattr(rule, field, value)
    out = c_int()
    _lib.crm_ladder_rung(byref(facts), byref(rule), byref(out))
    return out.value


def retention_value(margin: float, retention: float, discount: float) -> float:
    """V = m (1 + d) / (1 + d - r) (docs/domain.md §4.4)."""
    out = c_double()
    _lib.crm_retention_value(margin, retention, discount, byref(out))
    return out.value


def _scorecard_arrays(scores, weights):
    s = _as_array("scores", scores)
    if len(s) != 10:
        raise InvalidArgument(1, f"scorecard: scores has {len(s)} values, expected 10")
    w = None
    if weights is not None:
        w = _as_array("weights", weights)
        if len(w) != 10:
            raise InvalidArgument(1, f"scorecard: weights has {len(w)} values, expected 10")
    return s, w


def scorecard_score(scores, weights=None) -> float:
    """Weighted 1-5 score of the ten scorecard criteria (docs/domain.md §5)."""
    s, w = _scorecard_arrays(scores, weights)
    out = c_double()
    _lib.crm_scorecard_score(_ptr(s), _ptr(w), byref(out))
    return out.value


def scorecard_grade(scores, weights=None, a_min: float | None = None,
                    b_min: float | None = None) -> int:
    """Grade 0 (A), 1 (B) or 2 (C) of the weighted score (taxonomy "scorecard_grade")."""
    s, w = _scorecard_arrays(scores, weights)
    cutoffs = GradeCutoffs.defaults()
    if a_min is not None:
        cutoffs.a_min = a_min
    if b_min is not None:
        cutoffs.b_min = b_min
    out = c_int()
    _lib.crm_scorecard_grade(_ptr(s), _ptr(w), byref(cutoffs), byref(out))
    return out.value


# =========================================================================
# Batch scoring
# =========================================================================

COMPONENTS = tuple(taxonomy_id("composite_component", i)
                   for i in range(taxonomy_count("composite_component")))
NORMALIZERS = tuple(taxonomy_id("normalizer_kind", i)
                    for i in range(taxonomy_count("normalizer_kind")))
_MISSING_POLICIES = {"reject": 0, "renormalize": 1}
_COLUMN_TYPES = {np.dtype(np.float64): 0, np.dtype(np.float32): 1, np.dtype(np.int64): 2}


def _component_index(component) -> int:
    if isinstance(component, str):
        try:
            return COMPONENTS.index(component)
        except ValueError:
            raise InvalidArgument(1, f"composite: unknown component {component!r} "
                                     f"(one of {', '.join(COMPONENTS)})") from None
    return int(component)


class CompositePlan(_Handle):
    """A composite value plan (docs/domain.md §5): a weight and a normalizer per component
    (COMPONENTS) and a missing policy ("reject" or "renormalize").

        plan = CompositePlan({"current_contribution": 0.5, "loyalty": 0.3},
                             normalizers={"loyalty": ("fixed_bounds", 0, 100)})
    """

    _destroy_name = "crm_composite_plan_destroy"

    def __init__(self, weights: Mapping | Sequence | None = None, *,
                 normalizers: Mapping | None = None, missing_policy: str = "reject"):
        pointer = _new_handle_pointer()
        _lib.crm_composite_plan_create(byref(pointer))
        super().__init__(pointer)
        if weights is not None:
            items = weights.items() if isinstance(weights, Mapping) else enumerate(weights)
            for component, weight in items:
                self.set_weight(component, weight)
        for component, spec in (normalizers or {}).items():
            if isinstance(spec, str):
                self.set_normalizer(component, spec)
            else:
                self.set_normalizer(component, *spec)
        self.set_missing_policy(missing_policy)

    def set_weight(self, component, weight: float) -> None:
        _lib.crm_composite_plan_set_weight(self._h, _component_index(component), weight)

    def set_normalizer(self, component, kind: str | int, lower: float = 0.0,
                       upper: float = 0.0) -> None:
        """kind: "min_max", "z_score", "percentile_rank" or "fixed_bounds" (then with
        `lower` < `upper`)."""
        if isinstance(kind, str):
            if kind not in NORMALIZERS:
                raise InvalidArgument(1, f"composite: unknown normalizer {kind!r} "
                                         f"(one of {', '.join(NORMALIZERS)})")
            kind = NORMALIZERS.index(kind)
        _lib.crm_composite_plan_set_normalizer(self._h, _component_index(component), kind,
                                               lower, upper)

    def set_missing_policy(self, policy: str | int) -> None:
        if isinstance(policy, str):
            if policy not in _MISSING_POLICIES:
                raise InvalidArgument(1, f"composite: unknown missing policy {policy!r} "
                                         "(reject, renormalize)")
            policy = _MISSING_POLICIES[policy]
        _lib.crm_composite_plan_set_missing_policy(self._h, policy)

    def validate(self) -> None:
        _lib.crm_composite_plan_validate(self._h)

    def weight(self, component) -> float:
        """The normalized weight (raw / sum of raw weights) of `component`."""
        out = c_double()
        _lib.crm_composite_plan_weight(self._h, _component_index(component), byref(out))
        return out.value

    @property
    def weights(self) -> dict[str, float]:
        """Normalized weights of every component."""
        return {name: self.weight(i) for i, name in enumerate(COMPONENTS)}


class _Columns:
    """The crm_column array of a composite call, keeping every borrowed buffer alive."""

    def __init__(self, columns: Mapping):
        self.keep = []
        self.array = (Column * len(COMPONENTS))()
        self.encoding = 0  # CRM_MISSING_NAN unless some column has a mask
        self.length = None
        seen = set()
        for key, values in columns.items():
            index = _component_index(key)
            if not 0 <= index < len(COMPONENTS):
                raise InvalidArgument(1, f"composite: component {key!r} out of range")
            if index in seen:
                raise InvalidArgument(1, f"composite: component {COMPONENTS[index]} given twice")
            seen.add(index)
            if isinstance(values, np.ma.MaskedArray):
                self.encoding = 1
        for i in range(len(COMPONENTS)):
            _lib.crm_column_init(byref(self.array[i]), sizeof(Column))
        for key, values in columns.items():
            index = _component_index(key)
            name = COMPONENTS[index]
            validity = None
            if isinstance(values, np.ma.MaskedArray):
                mask = np.ma.getmaskarray(values)
                values = np.ma.getdata(values)  # a view: the data is not copied
                if mask.ndim == 1 and mask.any():
                    # Arrow layout: bit i % 8 of byte i / 8, LSB first, 1 = present. The
                    # bitmap is a new array (n / 8 bytes); the values stay in place.
                    validity = np.packbits(~mask, bitorder="little")
            array = _as_array(name, values, dtypes=tuple(_COLUMN_TYPES))
            self.keep.append(array)
            column = self.array[index]
            column.type = _COLUMN_TYPES[array.dtype]
            column.data = array.ctypes.data if len(array) else None
            column.length = len(array)
            if validity is not None:
                self.keep.append(validity)
                column.validity = validity.ctypes.data_as(_pu8)
            if self.length is None:
                self.length = len(array)

    def options(self, threads):
        return _engine_options(threads, self.encoding)


def score_composite(plan: CompositePlan, columns: Mapping, *, threads: int | None = None,
                    out: np.ndarray | None = None) -> np.ndarray:
    """The composite value of each customer (one batch: each used column normalized over
    these customers). `columns` maps component names (COMPONENTS) or indices to 1-D
    float64, float32 or int64 arrays, read in place. NaN marks a missing value; a
    numpy masked array marks missing values by its mask instead (sent to C as an Arrow
    validity bitmap; a NaN in an unmasked slot is then invalid)."""
    cols = _Columns(columns)
    n = cols.length or 0
    result = _out("score_composite", out, n, np.float64)
    options = cols.options(threads)
    _lib.crm_score_composite(_handle_of(plan, CompositePlan, "plan"), cols.array, len(COMPONENTS), byref(options), _ptr(result),
                             n)
    return result


def _fractions(fractions):
    f = PyramidFractions.defaults()
    if fractions is not None:
        f.vip_share, f.major_share, f.ordinary_share, f.small_share = fractions
    return f


def value_tiers(values, fractions: Sequence[float] | None = None, *,
                threads: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """The value tier (int8: 0 VIP, 1 major, 2 ordinary, 3 small; taxonomy "value_tier")
    of each value; `fractions` = (vip, major, ordinary, small) shares, default
    (0.01, 0.04, 0.15, 0.80). Ties at a cut-off go to the higher tier."""
    v = _as_array("values", values)
    result = _out("value_tiers", out, len(v), np.int8)
    f = _fractions(fractions)
    options = _engine_options(threads)
    _lib.crm_assign_value_tiers(_ptr(v), len(v), byref(f), byref(options),
                                _ptr(result, c_int8))
    return result


def rfm_quintiles(values, lower_is_better: bool = False, *, threads: int | None = None,
                  out: np.ndarray | None = None) -> np.ndarray:
    """RFM quintile scores (int8, 1 worst .. 5 best): 1 + floor(5 p), p the mid-rank
    percentile. lower_is_better=True for recency measured as time since the last purchase."""
    v = _as_array("values", values)
    result = _out("rfm_quintiles", out, len(v), np.int8)
    options = _engine_options(threads)
    _lib.crm_rfm_quintiles(_ptr(v), len(v), _flag("lower_is_better", lower_is_better),
                           byref(options), _ptr(result, c_int8))
    return result


def satisfaction_ratios(perceived_value_b, expectation_a, *, threads: int | None = None,
                        out: np.ndarray | None = None) -> np.ndarray:
    """C = B / A column-wise (docs/domain.md §3.1)."""
    b = _as_array("perceived_value_b", perceived_value_b)
    a = _as_array("expectation_a", expectation_a)
    n = _same_length("satisfaction_ratios", perceived_value_b=b, expectation_a=a)
    result = _out("satisfaction_ratios", out, n, np.float64)
    options = _engine_options(threads)
    _lib.crm_satisfaction_ratios(_ptr(b), _ptr(a), n, byref(options), _ptr(result))
    return result


# =========================================================================
# Mergeable partial states
# =========================================================================


class _State(_Handle):
    _serialize_name = ""
    _deserialize_name = ""
    _merge_name = ""

    def to_bytes(self) -> bytes:
        """The state's versioned, checksummed bytes (the same on every platform)."""
        size = c_size_t()
        serialize = getattr(_lib, self._serialize_name)
        serialize(self._h, None, 0, byref(size))
        buffer = (c_uint8 * size.value)()
        serialize(self._h, buffer, size.value, byref(size))
        return bytes(buffer)

    @classmethod
    def from_bytes(cls, data) -> "_State":
        """Decodes bytes made by to_bytes (any buffer: bytes, bytearray, memoryview, read
        in place). Corrupt, truncated or foreign bytes raise IoError naming the offset."""
        view = np.frombuffer(data, dtype=np.uint8)
        pointer = _new_handle_pointer()
        getattr(_lib, cls._deserialize_name)(_ptr(view, c_uint8) if len(view) else None,
                                             len(view), byref(pointer))
        return cls._wrap(pointer)

    @classmethod
    def _wrap(cls, pointer):
        state = cls.__new__(cls)
        _Handle.__init__(state, pointer)
        return state

    def merge_from(self, other: "_State") -> "_State":
        """Merges `other` into this state (this one's rows first); returns self."""
        if not isinstance(other, type(self)):
            raise TypeError(f"merge_from: expected a {type(self).__name__}")
        getattr(_lib, self._merge_name)(self._h, other._h)
        return self

    @classmethod
    def merge(cls, states: Sequence["_State"]) -> "_State":
        """A new state of every one of `states`, merged in order (states are unchanged)."""
        states = list(states)
        if not states:
            raise InvalidArgument(1, f"{cls.__name__}.merge: no states")
        merged = cls.from_bytes(states[0].to_bytes())
        for s in states[1:]:
            merged.merge_from(s)
        return merged

    def __reduce__(self):
        # Pickle (multiprocessing, Dask, Spark) ships the serialized bytes.
        return (type(self).from_bytes, (self.to_bytes(),))


class CompositeState(_State):
    """The population statistics of a composite plan's used columns over one partition."""

    _destroy_name = "crm_composite_state_destroy"
    _serialize_name = "crm_composite_state_serialize"
    _deserialize_name = "crm_composite_state_deserialize"
    _merge_name = "crm_composite_state_merge"

    @classmethod
    def create(cls, plan: CompositePlan, columns: Mapping, *,
               threads: int | None = None) -> "CompositeState":
        cols = _Columns(columns)
        options = cols.options(threads)
        pointer = _new_handle_pointer()
        _lib.crm_composite_state_create(_handle_of(plan, CompositePlan, "plan"), cols.array, len(COMPONENTS), byref(options),
                                        byref(pointer))
        return cls._wrap(pointer)

    def update(self, plan: CompositePlan, columns: Mapping, *, threads: int | None = None):
        cols = _Columns(columns)
        options = cols.options(threads)
        _lib.crm_composite_state_update(self._h, _handle_of(plan, CompositePlan, "plan"), cols.array, len(COMPONENTS),
                                        byref(options))
        return self

    @property
    def rows(self) -> int:
        out = c_int64()
        _lib.crm_composite_state_rows(self._h, byref(out))
        return out.value

    def score(self, plan: CompositePlan, columns: Mapping, *, threads: int | None = None,
              out: np.ndarray | None = None) -> np.ndarray:
        """Composite values of the rows of `columns` against this population."""
        cols = _Columns(columns)
        n = cols.length or 0
        result = _out("CompositeState.score", out, n, np.float64)
        options = cols.options(threads)
        _lib.crm_score_composite_with_state(_handle_of(plan, CompositePlan, "plan"),
                                            cols.array, len(COMPONENTS), self._h,
                                            byref(options), _ptr(result), n)
        return result


class QuantileState(_State):
    """The exact sorted values of a value column over one partition (tiers, RFM)."""

    _destroy_name = "crm_quantile_state_destroy"
    _serialize_name = "crm_quantile_state_serialize"
    _deserialize_name = "crm_quantile_state_deserialize"
    _merge_name = "crm_quantile_state_merge"

    @classmethod
    def create(cls, values, *, threads: int | None = None) -> "QuantileState":
        v = _as_array("values", values)
        options = _engine_options(threads)
        pointer = _new_handle_pointer()
        _lib.crm_quantile_state_create(_ptr(v), len(v), byref(options), byref(pointer))
        return cls._wrap(pointer)

    def update(self, values, *, threads: int | None = None):
        v = _as_array("values", values)
        options = _engine_options(threads)
        _lib.crm_quantile_state_update(self._h, _ptr(v), len(v), byref(options))
        return self

    @property
    def count(self) -> int:
        out = c_int64()
        _lib.crm_quantile_state_count(self._h, byref(out))
        return out.value

    def value_tiers(self, values, fractions=None, *, threads: int | None = None,
                    out: np.ndarray | None = None) -> np.ndarray:
        v = _as_array("values", values)
        result = _out("QuantileState.value_tiers", out, len(v), np.int8)
        f = _fractions(fractions)
        options = _engine_options(threads)
        _lib.crm_assign_value_tiers_with_state(_ptr(v), len(v), self._h, byref(f),
                                               byref(options), _ptr(result, c_int8))
        return result

    def rfm_quintiles(self, values, lower_is_better: bool = False, *,
                      threads: int | None = None, out: np.ndarray | None = None) -> np.ndarray:
        v = _as_array("values", values)
        result = _out("QuantileState.rfm_quintiles", out, len(v), np.int8)
        options = _engine_options(threads)
        _lib.crm_rfm_quintiles_with_state(_ptr(v), len(v), self._h,
                                          _flag("lower_is_better", lower_is_better),
                                          byref(options), _ptr(result, c_int8))
        return result


# =========================================================================
# Ingest and the summary table
# =========================================================================

_TIME_UNITS = {"days": 0, "weeks": 1, "months": 2}
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value", "holdout_frequency",
                   "holdout_monetary_value")
SUMMARY_INFO = ("rows_read", "rows_skipped", "skipped_reported", "transactions",
                "customers_in_log", "customers", "customers_first_seen_in_holdout",
                "calibration_transactions", "holdout_transactions", "has_holdout",
                "time_unit", "minor_digits", "first_day", "last_day", "observation_end")


def _ingest_options(delimiter=",", whitespace=False, header=True, lenient=False,
                    customer=None, date=None, amount=None, minor_digits=2, date_format=None,
                    observation_end=None, time_unit="days"):
    o = IngestOptions.defaults()
    keep = []  # the encoded strings, alive until the call returns

    def text(value):
        b = value.encode("utf-8")
        keep.append(b)
        return b

    if whitespace:
        o.whitespace_delimited = 1
    elif isinstance(delimiter, str):
        if len(delimiter.encode("utf-8")) != 1:
            raise InvalidArgument(1, f"ingest: delimiter {delimiter!r} must be one byte")
        o.delimiter = ord(delimiter)
    else:
        o.delimiter = int(delimiter)
    o.has_header = _flag("header", header)
    o.lenient = _flag("lenient", lenient)
    for field, value in (("customer", customer), ("date", date), ("amount", amount)):
        if value is None:
            continue
        if isinstance(value, str):
            setattr(o, f"{field}_column", text(value))
        else:
            setattr(o, f"{field}_index", int(value))
    o.minor_digits = minor_digits
    if date_format is not None:
        o.date_format = text(date_format)
    if observation_end is not None:
        o.observation_end = text(str(observation_end))
    if isinstance(time_unit, str):
        if time_unit not in _TIME_UNITS:
            raise InvalidArgument(1, f"ingest: unknown time_unit {time_unit!r} "
                                     "(days, weeks, months)")
        time_unit = _TIME_UNITS[time_unit]
    o.time_unit = time_unit
    return o, keep


class _SummaryMemory:
    """Owns the crm_summary; the Summary and every column view hold a reference to it,
    so crm_summary_destroy runs once, when the last of them is gone."""

    def __init__(self, pointer):
        self.pointer = pointer

    def __del__(self):
        pointer, self.pointer = self.pointer, None
        if pointer is not None and _lib is not None:
            _lib.crm_summary_destroy(pointer)


class Summary:
    """A per-customer summary of a transaction log (frequency, recency, T, monetary value
    and, with a holdout, holdout frequency and monetary value), loaded by C.

    Ingest options (keywords of load and from_bytes): delimiter (","), whitespace (False:
    True for runs of blanks, as the CDNOW files), header (True), lenient (False: skip and
    report bad rows), customer / date / amount (a header name, or a 1-based int
    position), minor_digits (2), date_format ("%Y-%m-%d"), observation_end ("YYYY-MM-DD",
    inclusive; default the last date), time_unit ("days", "weeks", "months")."""

    def __init__(self, pointer):
        self._memory = _SummaryMemory(pointer)
        self._close_lock = threading.Lock()

    @classmethod
    def load(cls, path, **options) -> "Summary":
        """Loads the log at `path`. NotFound when there is no such file; InvalidArgument
        with "PATH:LINE:COLUMN: ..." for a malformed row."""
        o, keep = _ingest_options(**options)
        pointer = _new_handle_pointer()
        _lib.crm_summary_load_path(os.fsencode(path), byref(o), byref(pointer))
        return cls(pointer)

    @classmethod
    def from_bytes(cls, data, **options) -> "Summary":
        """Loads a log held in memory (bytes, bytearray, memoryview, mmap: read in place
        for the call; str is encoded as UTF-8). Messages name the source "buffer"."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = np.frombuffer(data, dtype=np.uint8)
        o, keep = _ingest_options(**options)
        pointer = _new_handle_pointer()
        _lib.crm_summary_load_buffer(view.ctypes.data if len(view) else None, len(view),
                                     byref(o), byref(pointer))
        return cls(pointer)

    @property
    def closed(self) -> bool:
        return self._memory is None

    @property
    def _h(self):
        memory = self._memory
        if memory is None:
            raise ValueError("Summary: the handle is closed")
        return memory.pointer

    def close(self) -> None:
        """Releases this object's hold on the C summary: crm_summary_destroy runs now, or,
        when column views are still alive, when the last of them is collected."""
        with self._close_lock:
            self._memory = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __len__(self) -> int:
        out = c_size_t()
        _lib.crm_summary_customer_count(self._h, byref(out))
        return out.value

    def column(self, name: str | int) -> np.ndarray:
        """A read-only float64 view of the C summary's column (zero copy; it keeps the
        summary's memory alive). FailedPrecondition for a holdout column without holdout."""
        index = SUMMARY_COLUMNS.index(name) if isinstance(name, str) else int(name)
        memory = self._memory
        if memory is None:
            raise ValueError("Summary: the handle is closed")
        pointer = _pd()
        length = c_size_t()
        _lib.crm_summary_column(memory.pointer, index, byref(pointer), byref(length))
        if length.value == 0:
            return np.empty(0)
        buffer = (c_double * length.value).from_address(ctypes.addressof(pointer.contents))
        buffer._crmcore_owner = memory  # the view -> buffer -> memory chain keeps it alive
        view = np.ctypeslib.as_array(buffer)
        view.flags.writeable = False
        return view

    frequency = property(lambda self: self.column("frequency"))
    recency = property(lambda self: self.column("recency"))
    T = property(lambda self: self.column("T"))
    monetary_value = property(lambda self: self.column("monetary_value"))
    holdout_frequency = property(lambda self: self.column("holdout_frequency"))
    holdout_monetary_value = property(lambda self: self.column("holdout_monetary_value"))

    def customer_id(self, index: int) -> str:
        out = POINTER(c_char)()
        length = c_size_t()
        _lib.crm_summary_customer_id(self._h, index, byref(out), byref(length))
        return ctypes.string_at(out, length.value).decode("utf-8")

    def customer_ids(self) -> list[str]:
        """Every customer id, in row order (copied into Python strings)."""
        return [self.customer_id(i) for i in range(len(self))]

    def info(self) -> dict[str, int]:
        """The load report: rows read and skipped, customers, transactions, dates ..."""
        result = {}
        out = c_int64()
        for key, name in enumerate(SUMMARY_INFO):
            _lib.crm_summary_info(self._h, key, byref(out))
            result[name] = out.value
        return result

    def skipped_rows(self) -> list[tuple[int, int, str]]:
        """The described skipped rows (lenient mode): (line, column, message), in order."""
        out = c_int64()
        _lib.crm_summary_info(self._h, 2, byref(out))
        rows = []
        for i in range(out.value):
            line, col, message = c_int64(), c_int64(), c_char_p()
            _lib.crm_summary_skipped_row(self._h, i, byref(line), byref(col), byref(message))
            rows.append((line.value, col.value, message.value.decode("utf-8")))
        return rows

    def to_dict(self) -> dict[str, np.ndarray]:
        """The columns by name (views), holdout columns included when present."""
        names = SUMMARY_COLUMNS if self.info()["has_holdout"] else SUMMARY_COLUMNS[:4]
        return {name: self.column(name) for name in names}


# =========================================================================
# Lifetime-value models
# =========================================================================

_MODEL_KINDS = {"bgnbd": 0, "pareto_nbd": 1, "pareto": 1, "gamma_gamma": 2, "gammagamma": 2}
MODEL_PARAM_NAMES = {0: ("r", "alpha", "a", "b"), 1: ("r", "alpha", "s", "beta"),
                     2: ("p", "q", "gamma")}
MODEL_KIND_NAMES = {0: "bgnbd", 1: "pareto_nbd", 2: "gamma_gamma"}
FIT_INFO = ("converged", "iterations", "evaluations", "log_likelihood", "gradient_norm",
            "customers", "excluded")


def _model_kind(kind) -> int:
    if isinstance(kind, str):
        try:
            return _MODEL_KINDS[kind]
        except KeyError:
            raise InvalidArgument(1, f"model: unknown kind {kind!r} "
                                     "(bgnbd, pareto_nbd, gamma_gamma)") from None
    return int(kind)


def _history(data, t_x=None, T=None, *, need_monetary=False, monetary=None):
    """(x, t_x, T, monetary) arrays from a Summary, a mapping of columns, or arrays."""
    if isinstance(data, Summary):
        return data.frequency, data.recency, data.T, data.monetary_value
    if isinstance(data, Mapping) or hasattr(data, "columns"):  # a dict or a DataFrame
        get = (lambda k: data[k].to_numpy()) if hasattr(data, "columns") else data.__getitem__
        x = get("frequency")
        tx = get("recency") if "recency" in data else None
        TT = get("T") if "T" in data else None
        m = get("monetary_value") if "monetary_value" in data else None
        return x, tx, TT, m
    return data, t_x, T, monetary


class Model(_Handle):
    """A BG/NBD, Pareto/NBD or Gamma-Gamma model, fitted (Model.fit) or given
    (Model.from_params). Immutable: any number of threads may use one at once."""

    _destroy_name = "crm_model_destroy"

    @classmethod
    def _wrap(cls, pointer):
        model = cls.__new__(cls)
        _Handle.__init__(model, pointer)
        return model

    @classmethod
    def fit(cls, kind, data, *, gradient_tolerance: float | None = None,
            max_iterations: int | None = None, min_repeat_buyers: float | None = None,
            initial_params=None) -> "Model":
        """Maximum-likelihood fit of `kind` ("bgnbd", "pareto_nbd", "gamma_gamma") on a
        Summary (read in C, no copy) or a mapping / DataFrame with columns frequency,
        recency, T (and monetary_value for Gamma-Gamma). A fit that does not converge is
        returned (converged False) — predictions from it raise FailedPrecondition."""
        k = _model_kind(kind)
        options = FitOptions.defaults()
        if gradient_tolerance is not None:
            options.gradient_tolerance = gradient_tolerance
        if max_iterations is not None:
            options.max_iterations = max_iterations
        if min_repeat_buyers is not None:
            options.min_repeat_buyers = min_repeat_buyers
        start = None
        if initial_params is not None:
            start = _as_array("initial_params", initial_params)
            options.initial_params = _ptr(start)
            options.initial_param_count = len(start)
        pointer = _new_handle_pointer()
        if isinstance(data, Summary):
            _lib.crm_model_fit_summary(k, data._h, byref(options), byref(pointer))
        else:
            x, t_x, T, m = _history(data)
            x = _as_array("frequency", x)
            t_x = None if t_x is None else _as_array("recency", t_x)
            T = None if T is None else _as_array("T", T)
            m = None if m is None else _as_array("monetary_value", m)
            n = _same_length("Model.fit", frequency=x, recency=t_x, T=T, monetary_value=m)
            _lib.crm_model_fit(k, _ptr(x), _ptr(t_x), _ptr(T), _ptr(m), n, byref(options),
                               byref(pointer))
        return cls._wrap(pointer)

    @classmethod
    def from_params(cls, kind, params) -> "Model":
        p = _as_array("params", params)
        pointer = _new_handle_pointer()
        _lib.crm_model_from_params(_model_kind(kind), _ptr(p), len(p), byref(pointer))
        return cls._wrap(pointer)

    @property
    def kind(self) -> str:
        out = c_int()
        _lib.crm_model_kind(self._h, byref(out))
        return MODEL_KIND_NAMES.get(out.value, str(out.value))

    @property
    def params(self) -> dict[str, float]:
        """The parameters by name, in the kind's order (r, alpha, a, b / r, alpha, s, beta
        / p, q, gamma)."""
        count = c_size_t()
        _lib.crm_model_param_count(self._h, byref(count))
        values = np.empty(count.value)
        _lib.crm_model_params(self._h, _ptr(values), count.value)
        kind = _MODEL_KINDS[self.kind] if self.kind in _MODEL_KINDS else -1
        names = MODEL_PARAM_NAMES.get(kind, tuple(f"p{i}" for i in range(count.value)))
        return dict(zip(names, values.tolist()))

    @property
    def converged(self) -> bool:
        out = c_int32()
        _lib.crm_model_converged(self._h, byref(out))
        return bool(out.value)

    @property
    def fit_message(self) -> str:
        out = c_char_p()
        _lib.crm_model_fit_message(self._h, byref(out))
        return out.value.decode("utf-8")

    def report(self) -> dict:
        """The fit report: converged, iterations, evaluations, log_likelihood,
        gradient_norm, customers, excluded, message. FailedPrecondition for a model made
        from parameters."""
        result = {}
        out = c_double()
        for key, name in enumerate(FIT_INFO):
            _lib.crm_model_fit_info(self._h, key, byref(out))
            value = out.value
            result[name] = value if name in ("log_likelihood", "gradient_norm") else int(value)
        result["converged"] = bool(result["converged"])
        result["message"] = self.fit_message
        return result

    def _xtT(self, x, t_x, T):
        x, t_x, T, _ = _history(x, t_x, T)
        x = _as_array("frequency", x)
        t_x = _as_array("recency", t_x)
        T = _as_array("T", T)
        return x, t_x, T, _same_length("model", frequency=x, recency=t_x, T=T)

    def expected_purchases(self, t: float, x, t_x=None, T=None, *,
                           out: np.ndarray | None = None) -> np.ndarray:
        """Expected purchases in (T, T + t] of each customer; x may be a Summary."""
        x, t_x, T, n = self._xtT(x, t_x, T)
        result = _out("expected_purchases", out, n, np.float64)
        _lib.crm_model_expected_purchases(self._h, t, _ptr(x), _ptr(t_x), _ptr(T), n,
                                          _ptr(result))
        return result

    def p_alive(self, x, t_x=None, T=None, *, out: np.ndarray | None = None) -> np.ndarray:
        """P(alive | x, t_x, T) of each customer; x may be a Summary."""
        x, t_x, T, n = self._xtT(x, t_x, T)
        result = _out("p_alive", out, n, np.float64)
        _lib.crm_model_p_alive(self._h, _ptr(x), _ptr(t_x), _ptr(T), n, _ptr(result))
        return result

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases of a new customer in (0, t] (BG/NBD only)."""
        out = c_double()
        _lib.crm_model_expected_purchases_new(self._h, t, byref(out))
        return out.value

    def purchase_count_probability(self, n_purchases: int, t: float) -> float:
        """P(X(t) = n) for a new customer (BG/NBD only)."""
        out = c_double()
        _lib.crm_model_purchase_count_probability(self._h, n_purchases, t, byref(out))
        return out.value

    def expected_mean_spend(self, frequency, monetary=None, *,
                            out: np.ndarray | None = None) -> np.ndarray:
        """Gamma-Gamma expected mean spend per transaction; frequency may be a Summary."""
        x, _, _, m = _history(frequency, monetary=monetary)
        x = _as_array("frequency", x)
        m = _as_array("monetary_value", m)
        n = _same_length("expected_mean_spend", frequency=x, monetary_value=m)
        result = _out("expected_mean_spend", out, n, np.float64)
        _lib.crm_model_expected_mean_spend(self._h, _ptr(x), _ptr(m), n, _ptr(result))
        return result


def clv(transaction_model: Model, spend_model: Model | None, x, t_x=None, T=None,
        monetary=None, *, periods: int | None = None, period_length: float | None = None,
        discount_rate: float | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Discounted CLV of each customer (FHL 2005 "RFM and CLV"): `periods` periods of
    `period_length` (in the unit of T) at `discount_rate` a period (defaults 12, 1.0,
    0.01). x may be a Summary. With spend_model None, `monetary` is the spend."""
    x, t_x, T, m = _history(x, t_x, T, monetary=monetary)
    x = _as_array("frequency", x)
    t_x = _as_array("recency", t_x)
    T = _as_array("T", T)
    m = _as_array("monetary_value", m)
    n = _same_length("clv", frequency=x, recency=t_x, T=T, monetary_value=m)
    options = ClvOptions.defaults()
    if periods is not None:
        options.periods = periods
    if period_length is not None:
        options.period_length = period_length
    if discount_rate is not None:
        options.discount_rate = discount_rate
    result = _out("clv", out, n, np.float64)
    _lib.crm_clv(_handle_of(transaction_model, Model, "transaction_model"),
                 _handle_of(spend_model, Model, "spend_model", optional=True), _ptr(x), _ptr(t_x), _ptr(T), _ptr(m), n,
                 byref(options), _ptr(result))
    return result


def npv(acquisition_cost: float, margins, service_costs=None,
        discount_rate: float = 0.0) -> float:
    """NPV = -acquisition_cost + sum_k (margins[k-1] - service_costs[k-1]) / (1 + d)^k."""
    m = _as_array("margins", margins)
    c = None if service_costs is None else _as_array("service_costs", service_costs)
    n = _same_length("npv", margins=m, service_costs=c)
    out = c_double()
    _lib.crm_npv(acquisition_cost, _ptr(m) if n else None, _ptr(c) if n else None, n,
                 discount_rate, byref(out))
    return out.value


def log_likelihood(kind, params, data, *, gradient: bool = False):
    """The log-likelihood of `kind` at `params` summed over the customers of `data` (a
    Summary, a mapping of columns); with gradient=True also d LL / d log(param)."""
    k = _model_kind(kind)
    p = _as_array("params", params)
    x, t_x, T, m = _history(data)
    x = _as_array("frequency", x)
    t_x = None if t_x is None else _as_array("recency", t_x)
    T = None if T is None else _as_array("T", T)
    m = None if m is None else _as_array("monetary_value", m)
    n = _same_length("log_likelihood", frequency=x, recency=t_x, T=T, monetary_value=m)
    ll = c_double()
    grad = np.empty(len(p)) if gradient else None
    _lib.crm_model_log_likelihood(k, _ptr(p), len(p), _ptr(x), _ptr(t_x), _ptr(T), _ptr(m),
                                  n, byref(ll), _ptr(grad))
    return (ll.value, grad) if gradient else ll.value
