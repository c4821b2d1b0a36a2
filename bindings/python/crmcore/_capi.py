"""The C API as ctypes sees it: struct layouts, function prototypes, the version check."""

from __future__ import annotations

import functools
import operator
from ctypes import (POINTER, Structure, byref, c_char, c_char_p, c_double, c_int, c_int8,
                    c_int32, c_int64, c_size_t, c_uint8, c_void_p, sizeof)

from ._errors import InvalidArgument, _errcheck
from ._loader import _lib


# =========================================================================
# Integers crossing into C are range-checked: ctypes silently wraps an int that does not
# fit its C type (2**32 + 2 into an int32_t is 2), which would read another column or
# compute another count without a word.
# =========================================================================

def _int_range(ctype):
    bits = 8 * sizeof(ctype)
    signed = ctype(-1).value == -1
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


_INT_RANGES = {t: _int_range(t) for t in (c_int, c_int8, c_int32, c_int64, c_size_t, c_uint8)}


def _checked_int(name: str, value, ctype):
    """`value` as a Python int that fits `ctype`; InvalidArgument naming `name` otherwise
    (a float, a str or an out-of-range int)."""
    try:
        as_int = operator.index(value)  # ints, numpy integers and bools; not 2.5
    except TypeError:
        raise InvalidArgument(1, f"{name} must be an integer, got {value!r}") from None
    low, high = _INT_RANGES[ctype]
    if not low <= as_int <= high:
        raise InvalidArgument(1, f"{name} must be in [{low}, {high}], got {as_int}")
    return as_int


# The header this module mirrors: capi/crmcore.h's CRM_VERSION_MAJOR.
HEADER_VERSION_MAJOR = 0

# =========================================================================
# Struct layouts (capi/crmcore.h; fields only ever appended, struct_size first)
# =========================================================================


class _Struct(Structure):
    """A C options struct; ``_init_`` names the crm_*_init function filling the defaults."""

    _init_ = None

    def __setattr__(self, name, value):
        ctype = dict(self._fields_).get(name)
        if ctype in _INT_RANGES:
            value = _checked_int(name, value, ctype)
        super().__setattr__(name, value)

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
                ("time_unit", c_int32), ("holdout_end", c_char_p)]


class FitOptions(_Struct):
    _init_ = "crm_fit_options_init"
    _fields_ = [("struct_size", c_size_t), ("gradient_tolerance", c_double),
                ("max_iterations", c_int32), ("min_repeat_buyers", c_double),
                ("initial_params", POINTER(c_double)), ("initial_param_count", c_size_t),
                ("penalizer", c_double), ("weights", POINTER(c_double))]


class ClvOptions(_Struct):
    _init_ = "crm_clv_options_init"
    _fields_ = [("struct_size", c_size_t), ("periods", c_int32), ("period_length", c_double),
                ("discount_rate", c_double), ("time_unit", c_int32), ("period_days", c_double)]


class ReportOptions(_Struct):
    _init_ = "crm_report_options_init"
    _fields_ = [("struct_size", c_size_t), ("language", c_int32), ("horizon", c_double),
                ("discount_rate", c_double), ("lost_p_alive", c_double),
                ("clv_periods", c_int32), ("clv_period_days", c_double)]


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
    "crm_summary_from_columns": (_S, [POINTER(c_char_p), POINTER(c_int64), POINTER(c_int32),
                                      POINTER(c_int64), c_size_t, POINTER(IngestOptions), _pH]),
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
    "crm_model_covariance": (_S, [_H, _pd, c_size_t]),
    "crm_model_standard_errors": (_S, [_H, _pd, c_size_t]),
    "crm_model_converged": (_S, [_H, POINTER(c_int32)]),
    "crm_model_fit_info": (_S, [_H, c_int, _pd]),
    "crm_model_fit_message": (_S, [_H, POINTER(c_char_p)]),
    "crm_model_to_json": (_S, [_H, c_char_p, c_size_t, POINTER(c_size_t)]),
    "crm_model_from_json": (_S, [c_char_p, c_size_t, _pH]),
    "crm_model_expected_purchases": (_S, [_H, c_double, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_p_alive": (_S, [_H, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_expected_purchases_new": (_S, [_H, c_double, _pd]),
    "crm_model_purchase_count_probability": (_S, [_H, c_int64, c_double, _pd]),
    "crm_model_conditional_purchase_count_probability": (_S, [_H, c_int64, c_double, _pd, _pd,
                                                              _pd, c_size_t, _pd]),
    "crm_model_p_alive_matrix": (_S, [_H, c_int64, c_double, c_int64, _pd, c_size_t]),
    "crm_model_expected_purchases_matrix": (_S, [_H, c_double, c_int64, c_double, c_int64, _pd,
                                                 c_size_t]),
    "crm_model_expected_mean_spend": (_S, [_H, _pd, _pd, c_size_t, _pd]),
    "crm_clv_options_init": (_S, [POINTER(ClvOptions), c_size_t]),
    "crm_clv": (_S, [_H, _H, _pd, _pd, _pd, _pd, c_size_t, POINTER(ClvOptions), _pd]),
    "crm_npv": (_S, [c_double, _pd, _pd, c_size_t, c_double, _pd]),
    "crm_report_options_init": (_S, [POINTER(ReportOptions), c_size_t]),
    "crm_report_write_html": (_S, [_H, _H, _H, POINTER(ReportOptions), c_char_p]),
    "crm_model_log_likelihood": (_S, [c_int, _pd, c_size_t, _pd, _pd, _pd, _pd, c_size_t, _pd,
                                      _pd]),
    "crm_model_fit_bgbb": (_S, [_pd, _pd, _pd, _pd, c_size_t, POINTER(FitOptions), _pH]),
    "crm_model_bgbb_p_alive": (_S, [_H, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_bgbb_expected_transactions": (_S, [_H, c_double, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_bgbb_dert": (_S, [_H, c_double, _pd, _pd, _pd, c_size_t, _pd]),
    "crm_model_fit_sbg": (_S, [_pd, c_size_t, POINTER(c_size_t), c_size_t, POINTER(FitOptions),
                               _pH]),
    "crm_model_sbg_curve": (_S, [_H, c_size_t, _pd, _pd]),
    "crm_model_sbg_derl": (_S, [_H, c_double, c_double, _pd]),
}

def _int_checked(name, function, int_args):
    """`function` with its integer arguments range-checked (see _checked_int)."""
    @functools.wraps(function)
    def call(*args):
        for k, ctype in int_args:
            if k < len(args):
                _checked_int(f"{name} argument {k + 1}", args[k], ctype)
        return function(*args)
    return call


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
    _ints = [(k, t) for k, t in enumerate(_argtypes) if t in _INT_RANGES]
    if _ints:
        setattr(_lib, _name, _int_checked(_name, _f, _ints))
del _name, _restype, _argtypes, _f, _ints


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
