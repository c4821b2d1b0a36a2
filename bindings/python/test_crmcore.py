"""Tests of the ctypes binding (the crmcore package) on the bundled CDNOW data.

Run:  CRMCORE_LIB=build/debug/libcrmcore_c.so.0 CRMCORE_CLI=build/debug/tools/crmcore/crmcore \
      /usr/bin/python3 -m pytest -q bindings/python
(ctest runs it as bindings.python with both variables set.)

References: the crmcore CLI (the C++ path, run as a subprocess), the published CDNOW
estimates, and numpy implementations of the engine's rules written out here.
"""

import csv
import ctypes
import gc
import json
import math
import os
import pickle
import subprocess
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import crmcore

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = ROOT / "examples" / "data"
SAMPLE = DATA / "CDNOW_sample.txt"

# The CDNOW sample's layout (examples/data/README.md; tests/capi/capi_models_test.c).
CDNOW = dict(whitespace=True, header=False, customer=2, date=3, amount=5,
             date_format="%Y%m%d", observation_end="1997-09-30", time_unit="weeks")
CLI_FLAGS = ["--delimiter=whitespace", "--no-header", "--customer-col=2", "--date-col=3",
             "--amount-col=5", "--date-format=%Y%m%d", "--observation-end=1997-09-30",
             "--time-unit=weeks"]


def _cli():
    env = os.environ.get("CRMCORE_CLI")
    if env:
        return env
    for preset in ("debug", "release"):
        p = ROOT / "build" / preset / "tools" / "crmcore" / "crmcore"
        if p.exists():
            return str(p)
    return None


CLI = _cli()
needs_cli = pytest.mark.skipif(CLI is None, reason="crmcore CLI not built (set CRMCORE_CLI)")


@pytest.fixture(scope="module")
def summary():
    s = crmcore.Summary.load(SAMPLE, **CDNOW)
    yield s
    s.close()


@pytest.fixture(scope="module")
def bgnbd(summary):
    with crmcore.Model.fit("bgnbd", summary) as m:
        yield m


# --- numpy versions of the engine's rules (as benchmarks/engine_vs_numpy.py) ---------

def np_min_max_composite(columns, weights):
    w = np.asarray(weights, dtype=np.float64)
    w = w / w.sum()
    value = np.zeros(len(columns[0]))
    for wi, x in zip(w, columns):
        if wi == 0:
            continue
        lo, hi = x.min(), x.max()
        value += wi * ((x - lo) / (hi - lo) if hi > lo else np.full(len(x), 0.5))
    return value


def np_value_tiers(value, fractions=(0.01, 0.04, 0.15, 0.80)):
    n = len(value)
    cumulative = np.cumsum(fractions[:3])
    seats = [min(n, int(math.floor(n * c * (1.0 + 1e-12)))) for c in cumulative]
    descending = np.sort(value)[::-1]
    tiers = np.full(n, 3, dtype=np.int8)
    # Most valuable tier first; ties at a cut-off (value >= the last seat's) go up.
    for t in (2, 1, 0):
        if seats[t] > 0:
            tiers[value >= descending[seats[t] - 1]] = t
    return tiers


def np_rfm_quintiles(column, lower_is_better=False):
    n = len(column)
    key = -column if lower_is_better else column
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    p = (2 * below[inverse] + counts[inverse]) / (2.0 * n)
    return np.clip(1 + np.floor(5.0 * p), 1, 5).astype(np.int8)


def cdnow_columns(s):
    """Five component columns from the CDNOW summary (any five distinct columns do)."""
    return [np.array(s.monetary_value), np.array(s.frequency), np.array(s.recency),
            np.array(s.T), np.array(s.holdout_frequency)]


WEIGHTS = [0.35, 0.25, 0.15, 0.15, 0.10]


# --- library, version, struct layouts ----------------------------------------------

def test_engine_target_names_a_simd_target():
    target = crmcore.engine_target()
    assert target and target == target.upper() and " " not in target
    assert crmcore.engine_target() == target


def test_version_checked_at_import():
    assert crmcore.version() == "{}.{}.{}".format(
        crmcore.version_number() // 10000, crmcore.version_number() // 100 % 100,
        crmcore.version_number() % 100)
    assert crmcore.version_number() // 10000 == crmcore.HEADER_VERSION_MAJOR
    with pytest.raises(crmcore.VersionMismatch) as e:
        crmcore._check_version(crmcore.HEADER_VERSION_MAJOR + 1)
    assert e.value.status == 6 and str(crmcore.HEADER_VERSION_MAJOR + 1) in e.value.message


def test_library_releases_the_gil():
    # ctypes.CDLL (not PyDLL) drops the GIL around every foreign call.
    assert type(crmcore._lib) is ctypes.CDLL


def test_struct_defaults_are_the_init_macros():
    # The init functions accept our sizeof (so the library knows the layout's size) and
    # fill the CRM_*_INIT values, read back through our field offsets.
    e = crmcore.EngineOptions.defaults()
    assert (e.struct_size, e.threads, e.missing_encoding) == (ctypes.sizeof(e), 0, 0)
    f = crmcore.PyramidFractions.defaults()
    assert (f.vip_share, f.major_share, f.ordinary_share, f.small_share) == (0.01, 0.04, 0.15, 0.80)
    i = crmcore.IngestOptions.defaults()
    assert (i.delimiter, i.whitespace_delimited, i.has_header, i.lenient, i.minor_digits,
            i.time_unit, i.customer_index, i.amount_index) == (ord(","), 0, 1, 0, 2, 0, 0, 0)
    assert i.customer_column is None and i.date_format is None and i.observation_end is None
    assert i.holdout_end is None
    fo = crmcore.FitOptions.defaults()
    assert (fo.gradient_tolerance, fo.max_iterations, fo.min_repeat_buyers,
            fo.initial_param_count) == (1e-7, 500, 10.0, 0)
    assert not fo.initial_params
    c = crmcore.ClvOptions.defaults()
    assert (c.periods, c.period_length, c.discount_rate, c.time_unit, c.period_days) == (
        12, 0.0, 0.01, 0, 30.0)
    r = crmcore.LadderRule.defaults()
    assert (r.client_min_active_periods, r.client_window_periods, r.promoter_min_score,
            r.advocate_min_referrals) == (3, 4, 9, 1)
    g = crmcore.GradeCutoffs.defaults()
    assert (g.a_min, g.b_min) == (4.0, 3.0)
    t = crmcore.SatisfactionThresholds.defaults()
    assert (t.satisfied, t.very_satisfied) == (1.0, 1.2)
    col = crmcore.Column.defaults()
    assert (col.type, col.data, col.length, bool(col.validity)) == (0, None, 0, False)
    facts = crmcore.LadderFacts.defaults()
    assert facts.purchase_count == 0 and facts.survey_score == 0
    # A struct_size the library does not know is rejected, not trusted.
    with pytest.raises(crmcore.InvalidArgument, match="struct_size"):
        crmcore._lib.crm_engine_options_init(ctypes.byref(e), ctypes.sizeof(e) + 8)


def test_every_status_code_has_its_exception_class():
    expected = {
        "CRM_ERR_INVALID_ARGUMENT": (crmcore.InvalidArgument, ValueError),
        "CRM_ERR_OUT_OF_RANGE": (crmcore.OutOfRange, OverflowError),
        "CRM_ERR_NOT_FOUND": (crmcore.NotFound, LookupError),
        "CRM_ERR_NO_MEMORY": (crmcore.NoMemory, MemoryError),
        "CRM_ERR_INTERNAL": (crmcore.InternalError, crmcore.CrmError),
        "CRM_ERR_VERSION": (crmcore.VersionMismatch, ImportError),
        "CRM_ERR_FAILED_PRECONDITION": (crmcore.FailedPrecondition, RuntimeError),
        "CRM_ERR_PERMISSION_DENIED": (crmcore.PermissionDenied, PermissionError),
        "CRM_ERR_IO": (crmcore.IoError, OSError),
        "CRM_ERR_UNSUPPORTED": (crmcore.Unsupported, NotImplementedError),
    }
    assert crmcore._status_name(0) == "CRM_OK"
    for code in range(1, 11):
        cls, builtin = expected[crmcore._status_name(code)]
        assert crmcore.ERRORS[code] is cls
        assert issubclass(cls, crmcore.CrmError) and issubclass(cls, builtin)
        err = cls(code, "msg")
        assert err.status == code and err.status_name == crmcore._status_name(code)
    assert crmcore._status_name(99) == "CRM_ERR_UNKNOWN"


# --- ingest: the CDNOW summary against the CLI ------------------------------------

def test_cdnow_summary_report(summary):
    info = summary.info()
    assert len(summary) == 2357
    assert info["rows_read"] == 6919 and info["rows_skipped"] == 0
    assert info["has_holdout"] == 1 and info["time_unit"] == 1
    assert info["observation_end"] == 10134  # 1997-09-30
    assert summary.customer_id(0) == "0001" and summary.customer_id(2356) == "2357"
    assert summary.frequency[0] == 2.0
    assert summary.recency[0] == 213.0 / 7.0 and summary.T[0] == 272.0 / 7.0


@needs_cli
def test_cdnow_summary_equals_cli(summary, tmp_path):
    out = tmp_path / "summary.csv"
    subprocess.run([CLI, "summarize", str(SAMPLE), *CLI_FLAGS, f"--out={out}"], check=True,
                   capture_output=True)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["customer_id"] for r in rows] == summary.customer_ids()
    # The CLI writes shortest round-trip doubles: the columns must be equal bit for bit.
    for name in crmcore.SUMMARY_COLUMNS:
        cli = np.array([float(r[name]) for r in rows])
        np.testing.assert_array_equal(summary.column(name), cli, err_msg=name)


def test_summary_from_bytes_equals_load(summary):
    data = SAMPLE.read_bytes()
    with crmcore.Summary.from_bytes(data, **CDNOW) as s:
        for name in crmcore.SUMMARY_COLUMNS:
            np.testing.assert_array_equal(s.column(name), summary.column(name))
        assert s.customer_ids() == summary.customer_ids()
    with crmcore.Summary.from_bytes(memoryview(bytearray(data)), **CDNOW) as s:
        assert len(s) == 2357


def test_summary_columns_are_zero_copy_views(summary):
    a = summary.frequency
    b = summary.frequency
    assert np.shares_memory(a, b)
    raw = ctypes.POINTER(ctypes.c_double)()
    length = ctypes.c_size_t()
    crmcore._lib.crm_summary_column(summary._h, 0, ctypes.byref(raw), ctypes.byref(length))
    assert a.ctypes.data == ctypes.addressof(raw.contents) and len(a) == length.value
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0] = 1.0


def test_summary_views_keep_the_memory_alive():
    destroyed = []
    with crmcore.Summary.load(SAMPLE, **CDNOW) as s:
        view = s.monetary_value
        expected = view.copy()
        memory = weakref.ref(s._memory)
        weakref.finalize(s._memory, destroyed.append, True)
    assert s.closed
    with pytest.raises(ValueError, match="closed"):
        len(s)
    del s
    gc.collect()
    assert memory() is not None and not destroyed  # the view still holds the summary
    np.testing.assert_array_equal(view, expected)
    del view
    gc.collect()
    assert memory() is None and destroyed == [True]


def test_lenient_load_reports_skipped_rows():
    log = b"customer_id,date,amount\na,2020-01-01,1.00\nb,2020-13-01,2.00\na,2020-01-05,3\n"
    with crmcore.Summary.from_bytes(log, lenient=True) as s:
        assert len(s) == 1
        (line, column, message), = s.skipped_rows()
        assert (line, column) == (3, 3) and "date" in message
        assert s.info()["rows_skipped"] == 1


# --- summaries from in-memory arrays -----------------------------------------------------

def test_summary_from_arrays_equals_loading_the_file(summary):
    """The CDNOW sample read into arrays (as a data frame would hold it) and summarized
    with no CSV round trip: the same summary as loading the file, id for id."""
    rows = [line.split() for line in SAMPLE.read_text().splitlines() if line.strip()]
    ids = [r[1] for r in rows]
    dates = np.array([f"{r[2][:4]}-{r[2][4:6]}-{r[2][6:]}" for r in rows], dtype="datetime64[D]")
    amounts = np.array([float(r[4]) for r in rows])
    options = dict(observation_end="1997-09-30", time_unit="weeks")
    for customer_ids in (ids, np.array([int(i) for i in ids])):  # str and integer ids
        s = crmcore.Summary.from_arrays(customer_ids, dates, amounts, **options)
        for name in ("frequency", "recency", "T", "monetary_value", "holdout_frequency",
                     "holdout_monetary_value"):
            np.testing.assert_array_equal(getattr(s, name), getattr(summary, name), err_msg=name)
        expected_ids = [summary.customer_id(i) for i in range(5)]  # "0001", ...
        if not isinstance(customer_ids, list):
            expected_ids = [str(int(i)) for i in expected_ids]  # integer ids: 1, ...
        assert [s.customer_id(i) for i in range(5)] == expected_ids
    # ISO strings and a mapping of columns (what from_frame reads) give the same.
    frame = {"id": ids, "day": [str(d) for d in dates], "value": amounts}
    s = crmcore.Summary.from_frame(frame, customer="id", date="day", amount="value", **options)
    np.testing.assert_array_equal(s.monetary_value, summary.monetary_value)


# Covers docs/bad-input.md BI-PY-ARRAYS
def test_summary_from_arrays_bad_values_name_the_row():
    day = ["2020-01-01", "2020-01-02"]
    cases = [
        ((["a", "b"], ["2020-01-01", "2020-02-30"], [1, 2]), "date row 1: cannot read"),
        ((["a", "b"], np.array(["2020-01-01", "NaT"], dtype="datetime64[D]"), [1, 2]),
         "date row 1 is missing"),
        ((["a", "b"], day, [1.0, 0.125]), "amount row 1: 0.125 is not a whole number of minor"),
        ((["a", "b"], day, [1.0, float("nan")]), "amount row 1"),
        ((["a", None], day, [1, 2]), "customer id row 1 is missing"),
        ((np.array([1.0, 2.5]), day, [1, 2]), "customer id row 1: 2.5 is not a whole number"),
        ((["a", "b", "c"], day, [1, 2]), "must have equal lengths"),
        (([], [], []), "no transactions"),
        ((["a", "b"], np.array(["2020-01-01", "12000-01-01"], dtype="datetime64[D]"), [1, 2]),
         "is outside years 1..9999"),
    ]
    for args, message in cases:
        with pytest.raises(crmcore.InvalidArgument, match=message.replace("(", "\\(")):
            crmcore.Summary.from_arrays(*args)
    import datetime
    zone = datetime.timezone(datetime.timedelta(hours=-5))
    aware = [datetime.datetime(2020, 1, 1, 23, 30, tzinfo=zone)] * 2
    with pytest.raises(crmcore.InvalidArgument, match="time zone"):
        crmcore.Summary.from_arrays(["a", "b"], aware, [1, 2])
    with pytest.raises(crmcore.InvalidArgument, match="bools"):
        crmcore.Summary.from_arrays(["a", "b"], day, np.array([True, False]))
    with pytest.raises(crmcore.InvalidArgument, match="minor_digits must be in 0..18"):
        crmcore.Summary.from_arrays(["a", "b"], day, [1, 2], minor_digits=19)
    # 12345.675 is not a whole number of cents even though it is close in relative terms.
    with pytest.raises(crmcore.InvalidArgument, match="amount row 1"):
        crmcore.Summary.from_arrays(["a", "b"], day, [1.0, 12345.675])


# --- models against the CLI and the published estimates -----------------------------

@needs_cli
@pytest.mark.parametrize("kind,cli_kind", [("bgnbd", "bgnbd"), ("pareto_nbd", "pareto"),
                                           ("gamma_gamma", "gammagamma")])
def test_fits_equal_cli(summary, tmp_path, kind, cli_kind):
    out = tmp_path / "fit.json"
    subprocess.run([CLI, "fit", str(SAMPLE), *CLI_FLAGS, f"--model={cli_kind}", f"--out={out}"],
                   check=True, capture_output=True)
    cli = json.loads(out.read_text())
    with crmcore.Model.fit(kind, summary) as m:
        assert m.kind == kind
        assert m.params == cli["params"]  # same code, same defaults: identical doubles
        report = m.report()
        assert report["log_likelihood"] == cli["log_likelihood"]
        assert report["iterations"] == cli["iterations"]
        assert report["converged"] and cli["converged"]
        assert report["message"] == cli["message"]


@needs_cli
def test_model_file_equals_cli_and_round_trips(summary, tmp_path):
    out = tmp_path / "fit.json"
    subprocess.run([CLI, "fit", str(SAMPLE), *CLI_FLAGS, "--model=bgnbd", f"--out={out}"],
                   check=True, capture_output=True)
    with crmcore.Model.fit("bgnbd", summary) as m:
        text = m.to_json()
        assert text + "\n" == out.read_text()  # one writer: byte for byte
        back = crmcore.Model.from_json(out.read_bytes())
        assert back.params == m.params and back.report() == m.report()
        x, t_x, T = summary.frequency, summary.recency, summary.T
        assert np.array_equal(back.p_alive(x, t_x, T), m.p_alive(x, t_x, T))
        unpickled = pickle.loads(pickle.dumps(m))
        assert unpickled.to_json() == text
        assert np.array_equal(unpickled.expected_purchases(39, x, t_x, T),
                              m.expected_purchases(39, x, t_x, T))
        rows = m.summary()
        assert [r.parameter for r in rows] == ["r", "alpha", "a", "b"]
        assert rows[0].estimate == m.params["r"]


def test_model_summary_without_a_fit_and_bad_files():
    m = crmcore.Model.from_params("gamma_gamma", [6.25, 3.74, 15.44])
    assert m.summary()[2] == crmcore.ParameterEstimate("gamma", 15.44, None, None, None)
    assert pickle.loads(pickle.dumps(m)).params == m.params
    # Covers docs/bad-input.md BI-MODEL-FILE
    with pytest.raises(crmcore.InvalidArgument, match="invalid JSON at byte"):
        crmcore.Model.from_json('{"model": ')
    with pytest.raises(crmcore.InvalidArgument, match='key "format": missing'):
        crmcore.Model.from_json('{"model": "bgnbd"}')


def test_weighted_fit_equals_the_customers_it_stands_for(summary, bgnbd):
    x, t_x, T = np.array(summary.frequency), np.array(summary.recency), np.array(summary.T)
    histories, counts = np.unique(np.stack([x, t_x, T], axis=1), axis=0, return_counts=True)
    assert len(histories) < len(x)
    columns = {"frequency": histories[:, 0], "recency": histories[:, 1], "T": histories[:, 2]}
    with crmcore.Model.fit("bgnbd", columns, weights=counts.astype(float)) as weighted:
        assert weighted.params == bgnbd.params
    with pytest.raises(crmcore.InvalidArgument, match="row 2: weight must be finite"):
        crmcore.Model.fit("bgnbd", columns, weights=np.where(np.arange(len(counts)) == 2, -1.0,
                                                              1.0))


def test_fits_match_published_estimates(summary):
    with crmcore.Model.fit("bgnbd", summary) as m:
        p = m.params
        assert [round(p[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
        assert round(m.report()["log_likelihood"], 1) == -9582.4
    with crmcore.Model.fit("pareto_nbd", summary) as m:
        p = m.params
        assert [round(p[k], 3) for k in ("r", "alpha", "s", "beta")] == [0.553, 10.578, 0.606, 11.669]


def test_penalizer_and_standard_errors():
    """lifetimes' figures on its CDNOW summary: penalizer_coef=0.1 gives r 0.2309, alpha
    4.2193, a 0.1287, b 0.2671; unpenalized standard errors 0.0126, 0.378, 0.186, 0.705."""
    rows = list(csv.DictReader(open(os.path.join(DATA, "cdnow_customers_summary.csv"))))
    columns = {k: np.array([float(r[k]) for r in rows]) for k in ("frequency", "recency", "T")}
    with crmcore.Model.fit("bgnbd", columns) as m:
        se = m.standard_errors()
        assert [round(se[k], 3) for k in ("r", "alpha", "a", "b")] == [0.013, 0.378, 0.186, 0.705]
        cov = m.covariance()
        assert cov.shape == (4, 4)
        assert math.isclose(math.sqrt(cov[1, 1]), se["alpha"], rel_tol=1e-12)
    with crmcore.Model.fit("bgnbd", columns, penalizer=0.1, gradient_tolerance=1e-10) as m:
        p = m.params
        assert [round(p[k], 4) for k in ("r", "alpha", "a", "b")] == [0.2309, 4.2193, 0.1287, 0.2671]
    with pytest.raises(crmcore.InvalidArgument, match="penalizer must be finite and >= 0"):
        crmcore.Model.fit("bgnbd", columns, penalizer=-1.0)
    with crmcore.Model.from_params("bgnbd", [0.2, 4.0, 0.8, 2.4]) as given:
        with pytest.raises(crmcore.FailedPrecondition, match="crm_model_from_params"):
            given.standard_errors()


def test_fit_on_columns_equals_fit_on_summary(summary, bgnbd):
    columns = {"frequency": summary.frequency, "recency": summary.recency, "T": summary.T}
    with crmcore.Model.fit("bgnbd", columns) as m:
        assert m.params == bgnbd.params


def test_predictions(summary, bgnbd):
    r, alpha, a, b = bgnbd.params.values()
    x, t_x, T = np.array(summary.frequency), np.array(summary.recency), np.array(summary.T)
    # FHL 2005 eq. 11, written out.
    ratio = a / (b + np.maximum(x, 1) - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    expected = np.where(x > 0, 1.0 / (1.0 + ratio), 1.0)
    np.testing.assert_allclose(bgnbd.p_alive(summary), expected, rtol=1e-12)
    np.testing.assert_array_equal(bgnbd.p_alive(x, t_x, T), bgnbd.p_alive(summary))
    e = bgnbd.expected_purchases(39.0, summary)
    assert e.shape == (2357,) and np.all(e >= 0) and np.isfinite(e).all()
    # FHL 2005 eq. 10, with the Gauss hypergeometric series summed term by term.
    t = 39.0
    z = t / (alpha + T + t)
    ha, hb, hc = r + x, b + x, a + b + x - 1
    term, series = np.ones_like(x), np.ones_like(x)
    for k in range(2000):
        term = term * (ha + k) * (hb + k) / ((hc + k) * (k + 1)) * z
        series += term
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * series)
    np.testing.assert_allclose(e, numerator * expected, rtol=1e-10)
    assert 0 < bgnbd.expected_purchases_new(39.0)
    probs = [bgnbd.purchase_count_probability(k, 39.0) for k in range(200)]
    assert abs(sum(probs) - 1.0) < 1e-6
    out = np.empty(2357)
    assert bgnbd.p_alive(summary, out=out) is out


def test_pareto_new_customer_and_conditional_predictions(summary, bgnbd):
    with crmcore.Model.from_params("pareto_nbd", [0.5534, 10.5802, 0.6061, 11.6690]) as p:
        r, alpha, s, beta = p.params.values()
        closed = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + 39.0)) ** (s - 1))
        assert p.expected_purchases_new(39.0) == pytest.approx(closed, rel=1e-13)
        probs = np.array([p.purchase_count_probability(k, 39.0) for k in range(300)])
        assert probs.sum() == pytest.approx(1.0, abs=1e-9)
        assert (np.arange(300) * probs).sum() == pytest.approx(closed, rel=1e-7)
        for model in (p, bgnbd):
            x, t_x, T = (np.array(c[:40]) for c in (summary.frequency, summary.recency, summary.T))
            pmf = np.array([model.conditional_purchase_count_probability(k, 39.0, x, t_x, T)
                            for k in range(200)])
            np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-9)
            np.testing.assert_allclose((np.arange(200)[:, None] * pmf).sum(axis=0),
                                       model.expected_purchases(39.0, x, t_x, T), rtol=1e-7,
                                       atol=1e-12)
            grid = model.p_alive_matrix(5, 38.86, 4)
            egrid = model.expected_purchases_matrix(39.0, 5, 38.86, 4)
            assert grid.shape == egrid.shape == (6, 5)
            # Row i = x, column j = t_x = j T / 4 (t_x = 0 in row x = 0; T itself at j = 4).
            cells = [(float(i), 0.0 if i == 0 else (38.86 if j == 4 else 38.86 * j / 4))
                     for i in range(6) for j in range(5)]
            fx, ftx = (np.array(c) for c in zip(*cells))
            fT = np.full(30, 38.86)
            np.testing.assert_array_equal(grid.ravel(), model.p_alive(fx, ftx, fT))
            np.testing.assert_array_equal(egrid.ravel(), model.expected_purchases(39.0, fx, ftx, fT))
        with pytest.raises(crmcore.InvalidArgument, match="max_frequency"):
            p.p_alive_matrix(10**9, 38.86, 4)
        with pytest.raises(crmcore.InvalidArgument, match="count n must be >= 0"):
            p.conditional_purchase_count_probability(-1, 39.0, [1.0], [1.0], [2.0])


def test_holdout_end():
    with crmcore.Summary.load(SAMPLE, holdout_end="1998-03-31", **CDNOW) as s:
        assert (s.duration_holdout == 26.0).all()
        info = s.info()
        assert info["holdout_end"] == 10316 and info["transactions_after_holdout_end"] > 0
    with pytest.raises(crmcore.InvalidArgument, match="before observation_end"):
        crmcore.Summary.load(SAMPLE, **{**CDNOW, "holdout_end": "1997-01-01"})


def test_clv_and_spend(summary, bgnbd):
    with crmcore.Model.fit("gamma_gamma", summary) as gg:
        spend = gg.expected_mean_spend(summary)
        p, q, gamma = gg.params.values()
        x, m = np.array(summary.frequency), np.array(summary.monetary_value)
        # FHL "RFM and CLV" eq. 5; the population mean for x = 0.
        expected = np.where(x > 0, p * (gamma + m * x) / (p * x + q - 1), p * gamma / (q - 1))
        np.testing.assert_allclose(spend, expected, rtol=1e-12)
        v = crmcore.clv(bgnbd, gg, summary, periods=12, period_length=4.345, discount_rate=0.01)
        assert v.shape == (2357,) and np.all(v >= 0)
        # With the spend given per customer, CLV is spend times the discounted purchases.
        unit = crmcore.clv(bgnbd, None, x, summary.recency, summary.T, np.ones(2357),
                           periods=12, period_length=4.345, discount_rate=0.01)
        np.testing.assert_allclose(v, unit * spend, rtol=1e-12)


def test_clv_convention_is_lifetimes_defaults_in_every_unit(summary, bgnbd):
    """12 months of 30 days at 1 % a month, whatever the unit of T: on the weekly CDNOW
    summary a month is 30/7 weeks (lifetimes' customer_lifetime_value, freq="W")."""
    x, t_x, T = np.array(summary.frequency), np.array(summary.recency), np.array(summary.T)
    ones = np.ones(len(x))
    expected = np.zeros(len(x))
    previous = np.zeros(len(x))
    for k in range(1, 13):
        current = bgnbd.expected_purchases(30.0 / 7.0 * k, x, t_x, T)
        expected += (current - previous) / 1.01 ** k
        previous = current
    # The Summary says weeks; its monetary_value is the spend per purchase here.
    np.testing.assert_allclose(crmcore.clv(bgnbd, None, summary),
                               expected * np.array(summary.monetary_value), rtol=1e-12)
    got = crmcore.clv(bgnbd, None, x, t_x, T, ones, time_unit="weeks")
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    np.testing.assert_array_equal(
        crmcore.clv(bgnbd, None, x, t_x, T, ones, period_length=30.0 / 7.0), got)
    # The same customers and model in days: the same CLV.
    p = bgnbd.params
    with crmcore.Model.from_params("bgnbd", [p["r"], 7 * p["alpha"], p["a"], p["b"]]) as daily:
        np.testing.assert_allclose(crmcore.clv(daily, None, x, 7 * t_x, 7 * T, ones), got,
                                   rtol=1e-9)
    with pytest.raises(crmcore.InvalidArgument, match="unknown time_unit"):
        crmcore.clv(bgnbd, None, x, t_x, T, ones, time_unit="fortnights")


def test_write_report(summary, bgnbd, tmp_path):
    path = tmp_path / "report.html"
    with crmcore.Model.fit("gamma_gamma", summary) as gg:
        crmcore.write_report(summary, bgnbd, gg, path, language="zh")
        page = path.read_text(encoding="utf-8")
        assert '<html lang="zh-Hans">' in page
        assert '<section id="model-grids">' in page and '<section id="pyramid">' not in page
        assert f'data-key="customers_scored" data-value="{len(summary)}"' in page
        with pytest.raises(crmcore.InvalidArgument, match="language"):
            crmcore.write_report(summary, bgnbd, gg, path, language="fr")
        with pytest.raises(crmcore.InvalidArgument, match="BG/NBD"):
            crmcore.write_report(summary, gg, bgnbd, path)
        with pytest.raises(crmcore.IoError, match="cannot write"):
            crmcore.write_report(summary, bgnbd, gg, tmp_path / "no" / "r.html")
        with pytest.raises(crmcore.InvalidArgument, match="NUL"):
            crmcore.write_report(summary, bgnbd, gg, str(path) + "\0.bak")


def test_npv_and_log_likelihood(summary, bgnbd):
    margins, costs = np.array([100.0, 120.0, 130.0]), np.array([10.0, 10.0, 20.0])
    d = 0.1
    expected = -50.0 + sum((margins[k] - costs[k]) / (1 + d) ** (k + 1) for k in range(3))
    assert crmcore.npv(50.0, margins, costs, d) == pytest.approx(expected, rel=1e-14)
    ll, grad = crmcore.log_likelihood("bgnbd", list(bgnbd.params.values()), summary,
                                      gradient=True)
    assert ll == pytest.approx(bgnbd.report()["log_likelihood"], rel=1e-12)
    assert np.abs(grad).max() < 1e-3  # at the optimum
    # Partitions add up (how a host evaluates data that lives in pieces).
    parts = np.array_split(np.arange(2357), 4)
    cols = {"frequency": summary.frequency, "recency": summary.recency, "T": summary.T}
    total = sum(crmcore.log_likelihood("bgnbd", list(bgnbd.params.values()),
                                       {k: v[i] for k, v in cols.items()}) for i in parts)
    assert total == pytest.approx(ll, rel=1e-12)


def test_model_from_params():
    with crmcore.Model.from_params("bgnbd", [0.243, 4.414, 0.793, 2.426]) as m:
        assert m.converged and m.fit_message == "given parameters"
        with pytest.raises(crmcore.FailedPrecondition):
            m.report()
    with pytest.raises(crmcore.InvalidArgument, match="alpha"):
        crmcore.Model.from_params("bgnbd", [0.243, -1.0, 0.793, 2.426])


def test_mbgnbd_count_distribution_and_clv(summary):
    """MBG/NBD through the purchase-count pmfs and crm_clv (once refused as unsupported)."""
    with crmcore.Model.from_params("mbgnbd", [0.525, 6.183, 0.891, 1.614]) as m:
        r, alpha, a, b = m.params.values()
        probs = np.array([m.purchase_count_probability(k, 39.0) for k in range(600)])
        assert probs.sum() == pytest.approx(1.0, abs=1e-10)
        assert (np.arange(600) * probs).sum() == pytest.approx(m.expected_purchases_new(39.0),
                                                               rel=1e-10)
        # Gone right after the first purchase, or no purchase by t.
        assert probs[0] == pytest.approx(a / (a + b) + b / (a + b) * (alpha / (alpha + 39.0)) ** r,
                                         rel=1e-13)
        x, t_x, T = (np.array(c[:40]) for c in (summary.frequency, summary.recency, summary.T))
        assert (x == 0).any()  # customers without repeat purchases, who may be gone too
        pmf = np.array([m.conditional_purchase_count_probability(k, 39.0, x, t_x, T)
                        for k in range(600)])
        np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-10)
        np.testing.assert_allclose((np.arange(600)[:, None] * pmf).sum(axis=0),
                                   m.expected_purchases(39.0, x, t_x, T), rtol=1e-10, atol=1e-14)
        # CLV: the discounted per-period MBG/NBD purchases times the spend per purchase.
        spend = np.linspace(1.0, 50.0, len(x))
        expected, previous = np.zeros(len(x)), np.zeros(len(x))
        for k in range(1, 13):
            current = m.expected_purchases(30.0 / 7.0 * k, x, t_x, T)
            expected += (current - previous) / 1.01 ** k
            previous = current
        np.testing.assert_allclose(crmcore.clv(m, None, x, t_x, T, spend, time_unit="weeks"),
                                   expected * spend, rtol=1e-12)
        with pytest.raises(crmcore.InvalidArgument, match="count n must be >= 0, got -1"):
            m.purchase_count_probability(-1, 39.0)
        with pytest.raises(crmcore.InvalidArgument,
                           match="horizon t must be finite and > 0, got 0"):
            m.conditional_purchase_count_probability(1, 0.0, [1.0], [1.0], [2.0])
        with pytest.raises(crmcore.InvalidArgument, match="row 1"):
            m.conditional_purchase_count_probability(1, 39.0, [1.0, 1.0], [1.0, 3.0], [2.0, 2.0])
        with pytest.raises(crmcore.InvalidArgument, match="row 0"):
            crmcore.clv(m, None, [1.0], [1.0], [2.0], [-5.0], time_unit="weeks")


def test_mbgnbd_bgbb_and_sbg_match_published_fits(summary):
    with crmcore.Model.fit("mbgnbd", summary) as m:
        assert m.kind == "mbgnbd"
        # lifetimes' ModifiedBetaGeoFitter on the CDNOW calibration summary.
        assert [round(v, 3) for v in m.params.values()] == [0.525, 6.183, 0.891, 1.614]
        alive = m.p_alive(summary)
        assert ((alive > 0) & (alive < 1)).all()  # x = 0 customers may be gone too
    with open(DATA / "donations.csv") as f:
        rows = np.array([[float(v) for v in r] for r in list(csv.reader(f))[1:]])
    with crmcore.Model.fit_bgbb(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]) as m:
        assert m.kind == "bgbb"
        assert [round(v, 3) for v in m.params.values()] == [1.204, 0.750, 0.657, 2.783]
        assert m.report()["log_likelihood"] == pytest.approx(-33225.6, abs=0.05)
        p = m.params
        # x = t_x = n = 6: alive at 6, so P(alive at 7) = E[1 - theta | survived 6].
        alive = m.bgbb_p_alive([6], [6], [6])
        assert alive[0] == pytest.approx((p["delta"] + 6) / (p["gamma"] + p["delta"] + 6))
        nxt = m.bgbb_expected_transactions(1, [6], [6], [6])
        assert nxt[0] == pytest.approx(alive[0] * (p["alpha"] + 6) / (p["alpha"] + p["beta"] + 6))
        assert m.bgbb_dert(0.1, [6], [6], [6])[0] > nxt[0]
    with crmcore.Model.fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241]) as m:
        assert [round(v, 3) for v in m.params.values()] == [0.704, 1.182]
        survival, retention = m.sbg_curve(3)
        assert survival[0] == 1.0 and survival[2] == pytest.approx(retention[1] * retention[2])
        assert m.sbg_derl(0.1) > 1.0
    with crmcore.Model.fit_sbg([[1000, 631, 468], [1000, 869, 743, 653]]) as m:
        assert m.report()["customers"] == 2000
    with pytest.raises(crmcore.InvalidArgument, match="exceed those of period 1"):
        crmcore.Model.fit_sbg([100, 90, 95])


# --- batch scoring against numpy -------------------------------------------------------

def test_composite_min_max_equals_numpy(summary):
    cols = cdnow_columns(summary)
    plan = crmcore.CompositePlan(dict(zip(crmcore.COMPONENTS, WEIGHTS)))
    w = np.array(WEIGHTS)
    for name, expected in zip(crmcore.COMPONENTS, w / w.sum()):
        assert plan.weight(name) == expected
    got = crmcore.score_composite(plan, dict(zip(crmcore.COMPONENTS, cols)))
    np.testing.assert_array_equal(got, np_min_max_composite(cols, WEIGHTS))
    # The thread count does not change a bit.
    one = crmcore.score_composite(plan, dict(zip(crmcore.COMPONENTS, cols)), threads=1)
    np.testing.assert_array_equal(got, one)
    plan.close()


def test_composite_reads_float32_and_int64_in_place():
    rng = np.random.default_rng(7)
    f64 = rng.uniform(0, 100, 1000)
    i64 = rng.integers(0, 1000, 1000)
    f32 = rng.uniform(0, 1, 1000).astype(np.float32)
    with crmcore.CompositePlan([1, 1, 1]) as plan:
        got = crmcore.score_composite(plan, {0: f64, 1: i64, 2: f32})
        expected = np_min_max_composite([f64, i64.astype(np.float64), f32.astype(np.float64)],
                                        [1, 1, 1])
        np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-15)


def test_value_tiers_and_rfm_equal_numpy(summary):
    rng = np.random.default_rng(11)
    generated = np.round(rng.lognormal(3, 1, 50_000), 1)  # many ties
    for values in (np.array(summary.monetary_value), np.array(summary.frequency), generated):
        np.testing.assert_array_equal(crmcore.value_tiers(values), np_value_tiers(values))
        np.testing.assert_array_equal(crmcore.value_tiers(values, (0.1, 0.2, 0.3, 0.4)),
                                      np_value_tiers(values, (0.1, 0.2, 0.3, 0.4)))
        for lower in (False, True):
            np.testing.assert_array_equal(crmcore.rfm_quintiles(values, lower_is_better=lower),
                                          np_rfm_quintiles(values, lower))
    tiers = crmcore.value_tiers(summary.monetary_value)
    assert tiers.dtype == np.int8
    assert crmcore.taxonomy_id("value_tier", int(tiers.min())) == "vip"


def test_satisfaction_ratios_equal_numpy():
    rng = np.random.default_rng(3)
    b, a = rng.uniform(-5, 5, 10_001), rng.uniform(0.1, 5, 10_001)
    np.testing.assert_array_equal(crmcore.satisfaction_ratios(b, a), b / a)


def test_inputs_are_passed_without_copy_and_strided_ones_once():
    values = np.arange(10, dtype=np.float64)
    assert crmcore._as_array("v", values) is values
    strided = np.arange(20, dtype=np.float64)[::2]
    copied = crmcore._as_array("v", strided)
    assert copied is not strided and copied.flags.c_contiguous
    np.testing.assert_array_equal(crmcore.value_tiers(strided), crmcore.value_tiers(copied))
    out = np.empty(10, dtype=np.int8)
    assert crmcore.rfm_quintiles(values, out=out) is out
    with pytest.raises(TypeError):
        crmcore.rfm_quintiles(values, out=np.empty(10, dtype=np.int32))


def test_masked_columns_become_validity_bitmaps():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, 1001)
    y = rng.uniform(0, 1, 1001)
    missing = rng.random(1001) < 0.1
    with crmcore.CompositePlan({"credit": 2, "loyalty": 1}, missing_policy="renormalize") as plan:
        masked = crmcore.score_composite(plan, {"credit": np.ma.masked_array(x, missing),
                                                "loyalty": y})
        nan = crmcore.score_composite(plan, {"credit": np.where(missing, np.nan, x),
                                             "loyalty": y})
        np.testing.assert_array_equal(masked, nan)


# --- partitions through serialized states -------------------------------------------

def test_four_partitions_through_states_equal_one_batch(summary):
    cols = dict(zip(crmcore.COMPONENTS, cdnow_columns(summary)))
    plan = crmcore.CompositePlan(dict(zip(crmcore.COMPONENTS, WEIGHTS)),
                                 normalizers={"credit": "percentile_rank",
                                              "loyalty": ("fixed_bounds", 0, 40)})
    zplan = crmcore.CompositePlan({"current_contribution": 1, "future_contribution": 1},
                                  normalizers={"current_contribution": "z_score"})
    n = len(summary)
    parts = np.array_split(np.arange(n), 4)
    part_cols = [{k: v[i] for k, v in cols.items()} for i in parts]

    for p in (plan, zplan):
        batch = crmcore.score_composite(p, cols)
        # Each partition's state crosses as bytes (as between processes), then merged in order.
        wire = [crmcore.CompositeState.create(p, c).to_bytes() for c in part_cols]
        states = [crmcore.CompositeState.from_bytes(b) for b in wire]
        merged = crmcore.CompositeState.merge(states)
        assert merged.rows == n
        scored = np.concatenate([merged.score(p, c) for c in part_cols])
        if p is plan:
            np.testing.assert_array_equal(scored, batch)
        else:
            np.testing.assert_allclose(scored, batch, rtol=0, atol=1e-12)  # z-score: rounding
        # update() = create + merge, and a pickled state is the same state.
        grown = crmcore.CompositeState.create(p, part_cols[0])
        for c in part_cols[1:]:
            grown.update(p, c)
        assert grown.to_bytes() == merged.to_bytes()
        assert pickle.loads(pickle.dumps(merged)).to_bytes() == merged.to_bytes()

    values = cols["current_contribution"]
    qstates = [pickle.loads(pickle.dumps(crmcore.QuantileState.create(values[i])))
               for i in parts]
    q = crmcore.QuantileState.merge(qstates[::-1])  # exact and order-independent
    assert q.count == n
    np.testing.assert_array_equal(np.concatenate([q.value_tiers(values[i]) for i in parts]),
                                  crmcore.value_tiers(values))
    np.testing.assert_array_equal(
        np.concatenate([q.rfm_quintiles(values[i], lower_is_better=True) for i in parts]),
        crmcore.rfm_quintiles(values, lower_is_better=True))


# --- errors --------------------------------------------------------------------------

def test_closed_handles_raise_before_c():
    plan = crmcore.CompositePlan({"credit": 1})
    plan.close()
    plan.close()  # a second close is a no-op
    with pytest.raises(ValueError, match="closed"):
        crmcore.score_composite(plan, {"credit": np.ones(3)})
    with pytest.raises(ValueError, match="closed"):
        plan.set_weight("credit", 2)
    m = crmcore.Model.from_params("bgnbd", [1, 1, 1, 1])
    m.close()
    with pytest.raises(ValueError, match="closed"):
        m.params
    with pytest.raises(TypeError, match="CompositePlan"):
        crmcore.score_composite(None, {"credit": np.ones(3)})


def test_destroy_runs_exactly_once(monkeypatch):
    calls = []
    real = crmcore._lib.crm_model_destroy
    monkeypatch.setattr(crmcore._lib, "crm_model_destroy", lambda p: (calls.append(p), real(p)))
    with crmcore.Model.from_params("bgnbd", [1, 1, 1, 1]) as m:
        pass
    m.close()
    del m
    gc.collect()
    m2 = crmcore.Model.from_params("bgnbd", [1, 1, 1, 1])
    del m2  # garbage collection destroys it
    gc.collect()
    assert len(calls) == 2  # one destroy per handle: close, __exit__ and gc do not repeat it


def test_wrong_dtype_is_a_type_error_before_c():
    with pytest.raises(TypeError, match="int64"):
        crmcore.value_tiers(np.arange(5))
    with pytest.raises(TypeError, match="float32"):
        crmcore.rfm_quintiles(np.ones(5, dtype=np.float32))
    with pytest.raises(TypeError):
        crmcore.satisfaction_ratios(["a", "b"], [1.0, 2.0])
    with pytest.raises(TypeError, match="uint8"):
        with crmcore.CompositePlan({"credit": 1}) as plan:
            crmcore.score_composite(plan, {"credit": np.ones(3, dtype=np.uint8)})
    with pytest.raises(TypeError, match="NoneType"):
        crmcore.value_tiers(None)
    with pytest.raises(ValueError, match="1-dimensional"):
        crmcore.value_tiers(np.ones((2, 2)))


def test_mismatched_lengths():
    with crmcore.CompositePlan({"credit": 1, "loyalty": 1}) as plan:
        with pytest.raises(crmcore.InvalidArgument) as e:
            crmcore.score_composite(plan, {"credit": np.ones(3), "loyalty": np.ones(4)})
        assert "4" in e.value.message and "3" in e.value.message
    with pytest.raises(crmcore.InvalidArgument, match="perceived_value_b has 3.*expectation_a has 2"):
        crmcore.satisfaction_ratios([1.0, 2.0, 3.0], [1.0, 2.0])


def test_nan_under_reject_names_component_and_row():
    x = np.ones(10)
    x[7] = np.nan
    with crmcore.CompositePlan({"loyalty": 1}) as plan:
        with pytest.raises(crmcore.InvalidArgument) as e:
            crmcore.score_composite(plan, {"loyalty": x})
    assert "loyalty" in e.value.message and "7" in e.value.message
    assert e.value.status_name == "CRM_ERR_INVALID_ARGUMENT"
    with pytest.raises(crmcore.InvalidArgument, match="index 2"):
        crmcore.value_tiers([1.0, 2.0, np.inf])


def test_file_errors(tmp_path):
    missing = tmp_path / "no_such_log.csv"
    with pytest.raises(crmcore.NotFound) as e:
        crmcore.Summary.load(missing)
    assert str(missing) in e.value.message
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.csv"
        locked.write_text("customer_id,date,amount\na,2020-01-01,1\n")
        locked.chmod(0)
        with pytest.raises(crmcore.PermissionDenied):
            crmcore.Summary.load(locked)


def test_malformed_log_names_line_and_column():
    log = b"customer_id,date,amount\na,2020-01-01,1.00\nb,2020-01-02,x1\n"
    with pytest.raises(crmcore.InvalidArgument) as e:
        crmcore.Summary.from_bytes(log)
    assert "buffer:3:" in e.value.message and "amount" in e.value.message


def test_corrupt_state_bytes_are_io_errors():
    good = crmcore.QuantileState.create([1.0, 2.0, 3.0]).to_bytes()
    corrupt = bytearray(good)
    corrupt[len(corrupt) // 2] ^= 0xFF
    for data in (bytes(corrupt), good[:-3], b"", b"not a state"):
        with pytest.raises(crmcore.IoError) as e:
            crmcore.QuantileState.from_bytes(data)
        assert e.value.message
    with pytest.raises(crmcore.IoError):
        crmcore.CompositeState.from_bytes(good)  # a quantile state is another kind


def test_range_precondition_and_unsupported_errors(summary):
    with pytest.raises(crmcore.OutOfRange):
        crmcore.satisfaction_ratio(1e308, 1e-300)
    with crmcore.Model.fit("bgnbd", summary, max_iterations=1) as m:
        assert not m.converged and m.fit_message != "converged"
        with pytest.raises(crmcore.FailedPrecondition):
            m.p_alive(summary)
    with crmcore.Summary.from_bytes(b"customer_id,date,amount\na,2020-01-01,1\n") as s:
        with pytest.raises(crmcore.FailedPrecondition):
            s.holdout_frequency


# --- threads ---------------------------------------------------------------------------

def test_concurrent_scoring_gives_the_same_results(summary, bgnbd):
    cols = dict(zip(crmcore.COMPONENTS, cdnow_columns(summary)))
    plan = crmcore.CompositePlan(dict(zip(crmcore.COMPONENTS, WEIGHTS)))
    values = cols["current_contribution"]

    def job(i):
        # Shared plan, model and summary (const uses), plus a per-thread error message.
        composite = crmcore.score_composite(plan, cols, threads=1)
        tiers = crmcore.value_tiers(composite, threads=1)
        rfm = crmcore.rfm_quintiles(values, threads=1)
        alive = bgnbd.p_alive(summary)
        bad = np.ones(i + 2)
        bad[i + 1] = np.nan
        try:
            crmcore.value_tiers(bad)
        except crmcore.InvalidArgument as e:
            message = e.message
        return composite, tiers, rfm, alive, message

    serial = [job(i) for i in range(16)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(job, range(16)))
    for i, (s, p) in enumerate(zip(serial, parallel)):
        for a, b in zip(s[:4], p[:4]):
            np.testing.assert_array_equal(a, b)
        assert f"index {i + 1}" in p[4]  # each thread saw its own error message
    plan.close()


def test_calls_do_not_hold_the_gil():
    # While one thread is inside a long C call, this thread keeps running Python. If the
    # call held the GIL, this thread would stall for the whole call, on every attempt; a
    # busy machine may stall it once, so the best of three attempts is judged.
    values = np.random.default_rng(1).uniform(0, 1, 3_000_000)

    def attempt():
        start = time.perf_counter()
        crmcore.rfm_quintiles(values, threads=1)
        duration = time.perf_counter() - start
        done = threading.Event()

        def work():
            crmcore.rfm_quintiles(values, threads=1)
            done.set()

        worker = threading.Thread(target=work)
        last = time.perf_counter()
        max_gap = 0.0
        worker.start()
        while not done.is_set():
            now = time.perf_counter()
            max_gap = max(max_gap, now - last)
            last = now
        worker.join()
        return max_gap / duration

    ratios = []
    for _ in range(3):
        ratios.append(attempt())
        if ratios[-1] < 0.5:
            break
    assert min(ratios) < 0.5, ratios


# --- scalars and taxonomies ----------------------------------------------------------

def test_scalars():
    assert crmcore.satisfaction_ratio(6.0, 5.0) == 6.0 / 5.0
    assert [crmcore.satisfaction_level(c) for c in (0.9, 1.0, 1.19, 1.2)] == [0, 1, 1, 2]
    assert crmcore.satisfaction_level(1.1, satisfied=0.5, very_satisfied=1.05) == 2
    with pytest.raises(crmcore.InvalidArgument):
        crmcore.satisfaction_level(1.0, satisfied=2.0, very_satisfied=1.0)
    rung = lambda **kw: crmcore.taxonomy_id("ladder_rung", crmcore.ladder_rung(**kw))
    assert rung() == "suspect"
    assert rung(qualified_need=True, qualified_ability=True) == "prospect"
    assert rung(purchase_count=1, active_periods_in_window=1) == "first_time_customer"
    assert rung(purchase_count=5, active_periods_in_window=2) == "repeat_customer"
    assert rung(purchase_count=5, active_periods_in_window=3) == "client"
    assert rung(purchase_count=5, active_periods_in_window=3, survey_score=9) == "advocate"
    with pytest.raises(crmcore.InvalidArgument):
        crmcore.ladder_rung(qualified_need=2)
    assert crmcore.retention_value(100.0, 0.8, 0.1) == pytest.approx(100 * 1.1 / 0.3, rel=1e-15)
    assert crmcore.scorecard_score([4.0] * 10) == 4.0
    assert crmcore.scorecard_grade([4.0] * 10) == 0
    assert crmcore.scorecard_grade([2.0] * 10) == 2


def test_taxonomy_labels():
    assert crmcore.taxonomy_count("value_tier") == 4
    assert crmcore.taxonomy_label("value_tier", 0) == "VIP customer"
    assert crmcore.taxonomy_label("value_tier", 0, "zh") == "VIP客户"
    assert crmcore.taxonomy_parse("ladder_rung", "client") == 5
    assert len(crmcore.taxonomies()) == 36
    with pytest.raises(crmcore.InvalidArgument, match="value_tier"):
        crmcore.taxonomy_parse("value_tier", "gold")
    with pytest.raises(crmcore.InvalidArgument):
        crmcore.taxonomy_id("value_tier", 4)


# ---------------------------------------------------------------------------
# Integers crossing into C are range-checked, NULs refused (issue 13 item 6;
# docs/bad-input.md BI-PY-01, BI-PY-02).

def test_out_of_range_integers_raise_naming_the_argument():
    with crmcore.Summary.load(SAMPLE, **CDNOW) as s, crmcore.Model.fit("bgnbd", s) as model:
        with pytest.raises(crmcore.InvalidArgument, match="n_purchases"):
            model.purchase_count_probability(2**64, 5)
        with pytest.raises(crmcore.InvalidArgument, match="n_purchases must be an integer"):
            model.purchase_count_probability(2.5, 5)
        assert 0 <= model.purchase_count_probability(2, 5) <= 1
    for name, value in (("customer", 2**32 + 2), ("minor_digits", 2**31), ("delimiter", -2**40),
                        ("time_unit", 2**33)):
        options = dict(CDNOW)
        options.pop("whitespace") if name == "delimiter" else None
        options[name] = value
        with pytest.raises(crmcore.InvalidArgument, match=name):
            crmcore.Summary.load(SAMPLE, **options)


def test_paths_and_texts_with_a_nul_raise():
    with pytest.raises(crmcore.InvalidArgument, match="NUL"):
        crmcore.Summary.load(str(SAMPLE) + "\0.bak", **CDNOW)
    with pytest.raises(crmcore.InvalidArgument, match="NUL"):
        crmcore.Summary.load(SAMPLE, **dict(CDNOW, date_format="%Y%m%d\0"))


def test_rows_with_extra_fields_are_errors():
    # docs/bad-input.md BI-ING-25: an unquoted "1,234.56" amount is a row error.
    text = "customer_id,date,amount\na,2020-01-01,5\nb,2020-01-02,1,234.56\n"
    with pytest.raises(crmcore.InvalidArgument, match="the row has 4 fields, the header has 3"):
        crmcore.Summary.from_bytes(text)
    with crmcore.Summary.from_bytes(text, lenient=True) as s:
        assert len(s) == 1
        assert s.info()["rows_skipped"] == 1
