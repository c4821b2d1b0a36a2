"""The lifetime-value models (BG/NBD, Pareto/NBD, Gamma-Gamma, MBG/NBD, BG/BB, sBG), CLV
and NPV."""

from __future__ import annotations

import json
import os
from ctypes import (byref, c_char_p, c_double, c_int, c_int32, c_int64, c_size_t,
                    create_string_buffer)
from typing import Mapping, NamedTuple

import numpy as np

from ._arrays import _Handle, _as_array, _handle_of, _new_handle_pointer, _out, _ptr, _same_length
from ._capi import ClvOptions, FitOptions, ReportOptions, _checked_int
from ._errors import InvalidArgument
from ._ingest import _TIME_UNITS, Summary
from ._loader import _lib


_MODEL_KINDS = {"bgnbd": 0, "pareto_nbd": 1, "pareto": 1, "gamma_gamma": 2, "gammagamma": 2,
                "mbgnbd": 3, "bgbb": 4, "sbg": 5}
MODEL_PARAM_NAMES = {0: ("r", "alpha", "a", "b"), 1: ("r", "alpha", "s", "beta"),
                     2: ("p", "q", "gamma"), 3: ("r", "alpha", "a", "b"),
                     4: ("alpha", "beta", "gamma", "delta"), 5: ("alpha", "beta")}
MODEL_KIND_NAMES = {0: "bgnbd", 1: "pareto_nbd", 2: "gamma_gamma", 3: "mbgnbd", 4: "bgbb",
                    5: "sbg"}
FIT_INFO = ("converged", "iterations", "evaluations", "log_likelihood", "gradient_norm",
            "customers", "excluded")


def _model_kind(kind) -> int:
    if isinstance(kind, str):
        try:
            return _MODEL_KINDS[kind]
        except KeyError:
            raise InvalidArgument(1, f"model: unknown kind {kind!r} (bgnbd, pareto_nbd, "
                                     "gamma_gamma, mbgnbd, bgbb, sbg)") from None
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


class ParameterEstimate(NamedTuple):
    """A row of Model.summary()."""
    parameter: str
    estimate: float
    standard_error: float | None
    lower_95: float | None
    upper_95: float | None


def _fit_options(gradient_tolerance, max_iterations, min_repeat_buyers, initial_params):
    """FitOptions and the array its initial_params points into (keep it alive)."""
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
    return options, start


class Model(_Handle):
    """A BG/NBD, Pareto/NBD, Gamma-Gamma, MBG/NBD, BG/BB or sBG model, fitted (Model.fit,
    Model.fit_bgbb, Model.fit_sbg) or given (Model.from_params). Immutable: any number of
    threads may use one at once."""

    _destroy_name = "crm_model_destroy"

    @classmethod
    def _wrap(cls, pointer):
        model = cls.__new__(cls)
        _Handle.__init__(model, pointer)
        return model

    @classmethod
    def fit(cls, kind, data, *, gradient_tolerance: float | None = None,
            max_iterations: int | None = None, min_repeat_buyers: float | None = None,
            initial_params=None, penalizer: float | None = None,
            weights=None) -> "Model":
        """Maximum-likelihood fit of `kind` ("bgnbd", "pareto_nbd", "gamma_gamma",
        "mbgnbd") on a Summary (read in C, no copy) or a mapping / DataFrame with columns
        frequency, recency, T (and monetary_value for Gamma-Gamma). A fit that does not
        converge is returned (converged False) — predictions from it raise
        FailedPrecondition. `penalizer` is lifetimes' penalizer_coef (>= 0; 0 = plain
        maximum likelihood). `weights`: one count per row (rows that summarize identical
        customers; lifetimes' weights column). BG/BB and sBG: Model.fit_bgbb,
        Model.fit_sbg."""
        k = _model_kind(kind)
        options, start = _fit_options(gradient_tolerance, max_iterations, min_repeat_buyers,
                                      initial_params)
        if penalizer is not None:
            options.penalizer = penalizer
        w = None if weights is None else _as_array("weights", weights)
        if w is not None:
            options.weights = _ptr(w)
        pointer = _new_handle_pointer()
        if isinstance(data, Summary):
            if w is not None:
                _same_length("Model.fit", frequency=data.frequency, weights=w)
            _lib.crm_model_fit_summary(k, data._h, byref(options), byref(pointer))
        else:
            x, t_x, T, m = _history(data)
            x = _as_array("frequency", x)
            t_x = None if t_x is None else _as_array("recency", t_x)
            T = None if T is None else _as_array("T", T)
            m = None if m is None else _as_array("monetary_value", m)
            n = _same_length("Model.fit", frequency=x, recency=t_x, T=T, monetary_value=m,
                             weights=w)
            _lib.crm_model_fit(k, _ptr(x), _ptr(t_x), _ptr(T), _ptr(m), n, byref(options),
                               byref(pointer))
        return cls._wrap(pointer)

    @classmethod
    def fit_bgbb(cls, frequency, recency, periods, weights=None, *,
                 gradient_tolerance: float | None = None, max_iterations: int | None = None,
                 min_repeat_buyers: float | None = None, initial_params=None) -> "Model":
        """BG/BB (Fader, Hardie & Shang 2010) on a pattern table: x repeat transactions, the
        last at opportunity t_x, of n opportunities, and optionally the customers with each
        pattern (weights; None = each row once)."""
        options, start = _fit_options(gradient_tolerance, max_iterations, min_repeat_buyers,
                                      initial_params)
        x = _as_array("frequency", frequency)
        t_x = _as_array("recency", recency)
        n_col = _as_array("periods", periods)
        w = None if weights is None else _as_array("weights", weights)
        n = _same_length("Model.fit_bgbb", frequency=x, recency=t_x, periods=n_col, weights=w)
        pointer = _new_handle_pointer()
        _lib.crm_model_fit_bgbb(_ptr(x), _ptr(t_x), _ptr(n_col), _ptr(w), n, byref(options),
                                byref(pointer))
        del start
        return cls._wrap(pointer)

    @classmethod
    def fit_sbg(cls, survivors, *, gradient_tolerance: float | None = None,
                max_iterations: int | None = None, initial_params=None) -> "Model":
        """sBG (Fader & Hardie 2007) on one survivor series (customers active at the start
        of period 0, 1, ...) or a list of series (several cohorts)."""
        options, start = _fit_options(gradient_tolerance, max_iterations, None, initial_params)
        series = list(survivors)
        if series and np.ndim(series[0]) == 1:
            cohorts = [_as_array("survivors", c) for c in series]
        else:
            cohorts = [_as_array("survivors", series)]
        values = np.concatenate(cohorts) if cohorts else np.empty(0)
        lengths = (c_size_t * len(cohorts))(*[len(c) for c in cohorts])
        pointer = _new_handle_pointer()
        _lib.crm_model_fit_sbg(_ptr(values), len(values), lengths, len(cohorts), byref(options),
                               byref(pointer))
        del start
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

    def standard_errors(self) -> dict[str, float]:
        """Standard errors of the estimates by name (inverse-Hessian covariance).
        FailedPrecondition for a model made from parameters, a fit that did not converge,
        or a singular Hessian (the message says why)."""
        names = list(self.params)
        values = np.empty(len(names))
        _lib.crm_model_standard_errors(self._h, _ptr(values), len(names))
        return dict(zip(names, values.tolist()))

    def covariance(self) -> np.ndarray:
        """The estimates' covariance matrix (k x k, the kind's parameter order); errors as
        standard_errors()."""
        k = len(self.params)
        values = np.empty(k * k)
        _lib.crm_model_covariance(self._h, _ptr(values), k * k)
        return values.reshape(k, k)

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

    def to_json(self) -> str:
        """The model file (the JSON `crmcore fit --out` writes and score --model-file
        reads): parameters, fit report, standard errors, covariance, intervals."""
        size = c_size_t()
        _lib.crm_model_to_json(self._h, None, 0, byref(size))
        buffer = create_string_buffer(size.value + 1)
        _lib.crm_model_to_json(self._h, buffer, size.value + 1, byref(size))
        return buffer.raw[:size.value].decode("utf-8")

    @classmethod
    def from_json(cls, text) -> "Model":
        """Reads a model file (str or bytes). A malformed file, another major version or
        format raises InvalidArgument naming the key."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        pointer = _new_handle_pointer()
        _lib.crm_model_from_json(data, len(data), byref(pointer))
        return cls._wrap(pointer)

    def __reduce__(self):
        # Pickled as its model file: exact doubles, and checked when unpickled.
        return (Model.from_json, (self.to_json(),))

    def summary(self) -> list[ParameterEstimate]:
        """One row per parameter: estimate, standard error and 95 % Wald interval (None
        when the fit's uncertainty is not available, e.g. a model from parameters).
        pandas.DataFrame(model.summary()) makes it a table."""
        document = json.loads(self.to_json())
        errors = document["standard_errors"] or {}
        intervals = document["confidence_intervals"] or {}
        return [ParameterEstimate(name, value, errors.get(name),
                                  *(intervals.get(name) or (None, None)))
                for name, value in document["params"].items()]

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
        """Expected purchases of a new customer in (0, t] (BG/NBD: FHL 2005 eq. 9;
        Pareto/NBD: r beta / (alpha (s - 1)) [1 - (beta / (beta + t))^(s - 1)]; MBG/NBD:
        Batislam et al. 2007)."""
        out = c_double()
        _lib.crm_model_expected_purchases_new(self._h, t, byref(out))
        return out.value

    def purchase_count_probability(self, n_purchases: int, t: float) -> float:
        """P(X(t) = n) for a new customer over (0, t] (BG/NBD, Pareto/NBD or MBG/NBD)."""
        out = c_double()
        n_purchases = _checked_int("n_purchases", n_purchases, c_int64)
        _lib.crm_model_purchase_count_probability(self._h, n_purchases, t, byref(out))
        return out.value

    def conditional_purchase_count_probability(self, n_purchases: int, t: float, x,
                                               t_x=None, T=None, *,
                                               out: np.ndarray | None = None) -> np.ndarray:
        """P(exactly n purchases in (T, T + t] | x, t_x, T) of each customer (BG/NBD,
        Pareto/NBD or MBG/NBD); x may be a Summary. Summed over n it is 1; its mean is
        expected_purchases(t, ...)."""
        x, t_x, T, n = self._xtT(x, t_x, T)
        n_purchases = _checked_int("n_purchases", n_purchases, c_int64)
        result = _out("conditional_purchase_count_probability", out, n, np.float64)
        _lib.crm_model_conditional_purchase_count_probability(
            self._h, n_purchases, t, _ptr(x), _ptr(t_x), _ptr(T), n, _ptr(result))
        return result

    def _grid(self, compute, max_frequency, T, recency_steps):
        max_frequency = _checked_int("max_frequency", max_frequency, c_int64)
        recency_steps = _checked_int("recency_steps", recency_steps, c_int64)
        # Out-of-range bounds are left to C to reject (by name), without allocating first.
        valid = 0 <= max_frequency <= 10000 and 1 <= recency_steps <= 10000
        result = np.empty((max_frequency + 1, recency_steps + 1) if valid else (1, 1))
        compute(max_frequency, recency_steps, result)
        return result

    def p_alive_matrix(self, max_frequency: int, T: float, recency_steps: int) -> np.ndarray:
        """P(alive) over frequencies 0..max_frequency (rows) and recencies j T /
        recency_steps, j = 0..recency_steps (columns), for customers observed for T (the
        data of lifetimes' plot_probability_alive_matrix)."""
        return self._grid(
            lambda f, r, out: _lib.crm_model_p_alive_matrix(self._h, f, T, r, _ptr(out),
                                                            out.size),
            max_frequency, T, recency_steps)

    def expected_purchases_matrix(self, t: float, max_frequency: int, T: float,
                                  recency_steps: int) -> np.ndarray:
        """Expected purchases in (T, T + t] over the same grid as p_alive_matrix (the data
        of lifetimes' plot_frequency_recency_matrix)."""
        return self._grid(
            lambda f, r, out: _lib.crm_model_expected_purchases_matrix(self._h, t, f, T, r,
                                                                       _ptr(out), out.size),
            max_frequency, T, recency_steps)

    def _bgbb_rows(self, x, t_x, periods):
        x = _as_array("frequency", x)
        t_x = _as_array("recency", t_x)
        periods = _as_array("periods", periods)
        return x, t_x, periods, _same_length("model", frequency=x, recency=t_x, periods=periods)

    def bgbb_p_alive(self, x, t_x, periods, *, out: np.ndarray | None = None) -> np.ndarray:
        """BG/BB: P(alive at opportunity n+1 | x, t_x, n) of each row."""
        x, t_x, periods, n = self._bgbb_rows(x, t_x, periods)
        result = _out("bgbb_p_alive", out, n, np.float64)
        _lib.crm_model_bgbb_p_alive(self._h, _ptr(x), _ptr(t_x), _ptr(periods), n, _ptr(result))
        return result

    def bgbb_expected_transactions(self, n_star: int, x, t_x, periods, *,
                                   out: np.ndarray | None = None) -> np.ndarray:
        """BG/BB: expected transactions in the next n_star opportunities of each row."""
        x, t_x, periods, n = self._bgbb_rows(x, t_x, periods)
        result = _out("bgbb_expected_transactions", out, n, np.float64)
        _lib.crm_model_bgbb_expected_transactions(self._h, float(n_star), _ptr(x), _ptr(t_x),
                                                  _ptr(periods), n, _ptr(result))
        return result

    def bgbb_dert(self, discount: float, x, t_x, periods, *,
                  out: np.ndarray | None = None) -> np.ndarray:
        """BG/BB: discounted expected residual transactions of each row."""
        x, t_x, periods, n = self._bgbb_rows(x, t_x, periods)
        result = _out("bgbb_dert", out, n, np.float64)
        _lib.crm_model_bgbb_dert(self._h, discount, _ptr(x), _ptr(t_x), _ptr(periods), n,
                                 _ptr(result))
        return result

    def sbg_curve(self, n_periods: int) -> tuple[np.ndarray, np.ndarray]:
        """sBG: (S(t), r(t)) for t = 0..n_periods-1 (r(0) = 1 by convention)."""
        survival = np.empty(n_periods)
        retention = np.empty(n_periods)
        _lib.crm_model_sbg_curve(self._h, n_periods, _ptr(survival), _ptr(retention))
        return survival, retention

    def sbg_derl(self, discount: float, renewals: int = 0) -> float:
        """sBG: discounted expected residual lifetime of a customer active in period
        `renewals`, this period counted now; value = margin * DERL."""
        out = c_double()
        _lib.crm_model_sbg_derl(self._h, discount, float(renewals), byref(out))
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
        monetary=None, *, periods: int | None = None, period_days: float | None = None,
        discount_rate: float | None = None, time_unit=None, period_length: float | None = None,
        out: np.ndarray | None = None) -> np.ndarray:
    """Discounted CLV of each customer (FHL 2005 "RFM and CLV"), crmcore's one convention
    with the lifetimes library's defaults: `periods` periods of `period_days` days (12
    months of 30 days) at `discount_rate` a period (1 %). `time_unit` is the unit of t_x
    and T ("days", "weeks", "months"): a Summary's own unit when x is a Summary, else
    "days" (as lifetimes' freq="D"). `period_length` instead gives the period directly in
    the unit of T. x may be a Summary. With spend_model None, `monetary` is the spend.
    transaction_model: BG/NBD, Pareto/NBD or MBG/NBD; spend_model: Gamma-Gamma or None."""
    if time_unit is None:
        # The data's unit: a Summary states it; else the unit the model was fitted in,
        # when it knows (a fit on a Summary, a model file); else days, as lifetimes' "D".
        if isinstance(x, Summary):
            time_unit = x.info()["time_unit"]
        else:
            time_unit = json.loads(transaction_model.to_json()).get("time_unit") or "days"
    if isinstance(time_unit, str):
        if time_unit not in _TIME_UNITS:
            raise InvalidArgument(1, f"clv: unknown time_unit {time_unit!r} "
                                     "(days, weeks, months)")
        time_unit = _TIME_UNITS[time_unit]
    x, t_x, T, m = _history(x, t_x, T, monetary=monetary)
    x = _as_array("frequency", x)
    t_x = _as_array("recency", t_x)
    T = _as_array("T", T)
    m = _as_array("monetary_value", m)
    n = _same_length("clv", frequency=x, recency=t_x, T=T, monetary_value=m)
    options = ClvOptions.defaults()
    options.time_unit = _checked_int("time_unit", time_unit, c_int32)
    if periods is not None:
        options.periods = periods
    if period_days is not None:
        options.period_days = period_days
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


_REPORT_LANGUAGES = {"en": 0, "zh": 1}


def write_report(summary: Summary, transaction_model: Model, spend_model: Model, path, *,
                 language: str = "en", horizon: float | None = None,
                 discount_rate: float | None = None, lost_p_alive: float | None = None,
                 clv_periods: int | None = None, clv_period_days: float | None = None) -> None:
    """Writes the HTML report of `summary` with a BG/NBD (or Pareto/NBD, MBG/NBD) and a
    Gamma-Gamma model to `path`
    (crm_report_write_html; docs/report.md): one self-contained page, written through a
    temporary file renamed into place. `language` "en" or "zh"; `horizon` in the
    summary's time unit (default: the CLV's horizon); the CLV over `clv_periods` periods
    of `clv_period_days` days at `discount_rate` a period (12, 30, 0.01, the one CLV
    convention of clv()); `lost_p_alive` the at-risk threshold (0.5). The sections that need the log's occasions (pyramid,
    ladder, RFM heatmap, customer lists) are not on this page; `crmcore report` has them."""
    if language not in _REPORT_LANGUAGES:
        raise InvalidArgument(1, f"write_report: language must be 'en' or 'zh', got {language!r}")
    encoded = os.fsencode(path)
    if b"\0" in encoded:  # C would write a shorter path
        raise InvalidArgument(1, f"write_report: path {path!r} contains a NUL character")
    options = ReportOptions.defaults()
    options.language = _REPORT_LANGUAGES[language]
    if horizon is not None:
        options.horizon = horizon
    if discount_rate is not None:
        options.discount_rate = discount_rate
    if clv_periods is not None:
        options.clv_periods = clv_periods
    if clv_period_days is not None:
        options.clv_period_days = clv_period_days
    if lost_p_alive is not None:
        options.lost_p_alive = lost_p_alive
    _lib.crm_report_write_html(_handle_of(summary, Summary, "summary"),
                               _handle_of(transaction_model, Model, "transaction_model"),
                               _handle_of(spend_model, Model, "spend_model"), byref(options),
                               encoded)
