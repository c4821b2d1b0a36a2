"""The lifetime-value models (BG/NBD, Pareto/NBD, Gamma-Gamma), CLV and NPV."""

from __future__ import annotations

import os

from ctypes import byref, c_char_p, c_double, c_int, c_int32, c_int64, c_size_t
from typing import Mapping

import numpy as np

from ._arrays import _Handle, _as_array, _handle_of, _new_handle_pointer, _out, _ptr, _same_length
from ._capi import ClvOptions, FitOptions, ReportOptions, _checked_int
from ._errors import InvalidArgument
from ._ingest import Summary
from ._loader import _lib


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
        n_purchases = _checked_int("n_purchases", n_purchases, c_int64)
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


_REPORT_LANGUAGES = {"en": 0, "zh": 1}


def write_report(summary: Summary, transaction_model: Model, spend_model: Model, path, *,
                 language: str = "en", horizon: float | None = None,
                 discount_rate: float | None = None, lost_p_alive: float | None = None) -> None:
    """Writes the HTML report of `summary` with a BG/NBD and a Gamma-Gamma model to `path`
    (crm_report_write_html; docs/report.md): one self-contained page, written through a
    temporary file renamed into place. `language` "en" or "zh"; `horizon` in the
    summary's time unit (default one year), `discount_rate` annual (0.10), `lost_p_alive`
    the at-risk threshold (0.5). The sections that need the log's occasions (pyramid,
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
        options.annual_discount_rate = discount_rate
    if lost_p_alive is not None:
        options.lost_p_alive = lost_p_alive
    _lib.crm_report_write_html(_handle_of(summary, Summary, "summary"),
                               _handle_of(transaction_model, Model, "transaction_model"),
                               _handle_of(spend_model, Model, "spend_model"), byref(options),
                               encoded)
