"""Taxonomies (ids and en/zh labels) and the scalar formulas of the domain."""

from __future__ import annotations

from ctypes import byref, c_char_p, c_double, c_int, c_size_t

from ._arrays import _as_array, _flag, _ptr
from ._capi import GradeCutoffs, LadderFacts, LadderRule, SatisfactionThresholds
from ._errors import InvalidArgument
from ._loader import _lib


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
