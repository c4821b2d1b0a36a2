"""crmcore from Python: a ctypes binding of the stable C API (capi/crmcore.h).

No compiled extension: the package loads libcrmcore_c.so.0 with ctypes and passes numpy
arrays to it by pointer. Where the library is looked for, in order:

  1. the path in the environment variable CRMCORE_LIB;
  2. libcrmcore_c.so.0 in this package's directory, then in the directory holding it;
  3. the repository's build directories (build/release, build/debug, build/bench);
  4. ctypes.util.find_library("crmcore_c") (an installed library).

At import the package calls crm_check_version(HEADER_VERSION_MAJOR) and raises
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

# The package's modules, in import order (each imports only those above it):
#   _loader   finding and loading the library
#   _errors   CrmError and its subclasses, one per crm_status code
#   _capi     struct layouts, function prototypes, the version check
#   _arrays   numpy arrays to C pointers, the base class of handles
#   _scalars  taxonomies and the scalar formulas
#   _engine   batch scoring and the mergeable partial states
#   _ingest   the summary table loaded from a transaction log
#   _models   BG/NBD, Pareto/NBD, Gamma-Gamma, CLV and NPV

from __future__ import annotations

# The names the single-module binding (crmcore.py) held at its top level through its own
# imports, kept so that dir(crmcore) and code reaching them as crmcore.np, crmcore.c_double,
# ... see no difference.
import ctypes
import os
import threading
from ctypes import (POINTER, Structure, byref, c_char, c_char_p, c_double, c_int, c_int8,
                    c_int32, c_int64, c_size_t, c_uint8, c_void_p, sizeof)
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ._loader import _SONAME, _candidate_paths, _lib, _load, library_path
from ._errors import (ERRORS, CrmError, FailedPrecondition, InternalError, InvalidArgument,
                      IoError, NoMemory, NotFound, OutOfRange, PermissionDenied, Unsupported,
                      VersionMismatch, _errcheck, _raise_for, _status_name)
from ._capi import (HEADER_VERSION_MAJOR, _H, _NO_STATUS, _PROTOTYPES, _S, ClvOptions, Column,
                    EngineOptions, FitOptions, GradeCutoffs, IngestOptions, LadderFacts,
                    LadderRule, PyramidFractions, SatisfactionThresholds, _check_version,
                    _pd, _pH, _pi8, _pu8, _Struct, engine_target, version, version_number)
from ._arrays import (_as_array, _engine_options, _flag, _Handle, _handle_of,
                      _new_handle_pointer, _out, _ptr, _same_length)
from ._scalars import (_LANGUAGES, _TAXONOMY_BY_NAME, _scorecard_arrays, _taxonomy_index,
                       ladder_rung, retention_value, satisfaction_level, satisfaction_ratio,
                       scorecard_grade, scorecard_score, taxonomies, taxonomy_count,
                       taxonomy_id, taxonomy_label, taxonomy_name, taxonomy_parse)
from ._engine import (_COLUMN_TYPES, _MISSING_POLICIES, COMPONENTS, NORMALIZERS, _Columns,
                      _component_index, _fractions, _State, CompositePlan, CompositeState,
                      QuantileState, rfm_quintiles, satisfaction_ratios, score_composite,
                      value_tiers)
from ._ingest import (_TIME_UNITS, SUMMARY_COLUMNS, SUMMARY_INFO, _ingest_options, Summary,
                      _SummaryMemory)
from ._models import (_MODEL_KINDS, FIT_INFO, MODEL_KIND_NAMES, MODEL_PARAM_NAMES, _history,
                      _model_kind, Model, ParameterEstimate, clv, log_likelihood, npv, write_report)

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
    "Summary", "Model", "ParameterEstimate", "clv", "npv", "log_likelihood", "write_report",
]


def _adopt_public_names() -> None:
    # The public classes and functions keep the identity they had as crmcore.X: reprs,
    # tracebacks ("crmcore.InvalidArgument: ...") and pickles, which record the module a
    # class lives in, do not name the private module that defines them.
    for name, obj in globals().items():
        if not name.startswith("_") and callable(obj) \
                and getattr(obj, "__module__", "").startswith(__name__ + "._"):
            obj.__module__ = __name__


_adopt_public_names()
del _adopt_public_names
