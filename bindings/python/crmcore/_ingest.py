"""Ingest of a transaction log into the per-customer summary table."""

from __future__ import annotations

import ctypes
import math
import os
import threading
from ctypes import POINTER, byref, c_char, c_char_p, c_double, c_int32, c_int64, c_size_t

import numpy as np

from ._arrays import _flag, _new_handle_pointer
from ._capi import IngestOptions, _checked_int, _pd
from ._errors import InvalidArgument
from ._loader import _lib


_TIME_UNITS = {"days": 0, "weeks": 1, "months": 2}
SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value", "holdout_frequency",
                   "holdout_monetary_value", "duration_holdout")
SUMMARY_INFO = ("rows_read", "rows_skipped", "skipped_reported", "transactions",
                "customers_in_log", "customers", "customers_first_seen_in_holdout",
                "calibration_transactions", "holdout_transactions", "has_holdout",
                "time_unit", "minor_digits", "first_day", "last_day", "observation_end",
                "holdout_end", "transactions_after_holdout_end")


def _ingest_options(delimiter=",", whitespace=False, header=True, lenient=False,
                    customer=None, date=None, amount=None, minor_digits=2, date_format=None,
                    observation_end=None, time_unit="days", holdout_end=None):
    o = IngestOptions.defaults()
    keep = []  # the encoded strings, alive until the call returns

    def text(value, name):
        b = value.encode("utf-8")
        if b"\0" in b:  # C would read a shorter string
            raise InvalidArgument(1, f"ingest: {name} {value!r} contains a NUL character")
        keep.append(b)
        return b

    if whitespace:
        o.whitespace_delimited = 1
    elif isinstance(delimiter, str):
        if len(delimiter.encode("utf-8")) != 1:
            raise InvalidArgument(1, f"ingest: delimiter {delimiter!r} must be one byte")
        o.delimiter = ord(delimiter)
    else:
        o.delimiter = _checked_int("delimiter", delimiter, c_int32)
    o.has_header = _flag("header", header)
    o.lenient = _flag("lenient", lenient)
    for field, value in (("customer", customer), ("date", date), ("amount", amount)):
        if value is None:
            continue
        if isinstance(value, str):
            setattr(o, f"{field}_column", text(value, field))
        else:
            setattr(o, f"{field}_index", _checked_int(field, value, c_int32))
    o.minor_digits = _checked_int("minor_digits", minor_digits, c_int32)
    if date_format is not None:
        o.date_format = text(date_format, "date_format")
    if observation_end is not None:
        o.observation_end = text(str(observation_end), "observation_end")
    if holdout_end is not None:
        o.holdout_end = text(str(holdout_end), "holdout_end")
    if isinstance(time_unit, str):
        if time_unit not in _TIME_UNITS:
            raise InvalidArgument(1, f"ingest: unknown time_unit {time_unit!r} "
                                     "(days, weeks, months)")
        time_unit = _TIME_UNITS[time_unit]
    o.time_unit = _checked_int("time_unit", time_unit, c_int32)
    return o, keep


def _id_column(values):
    """(c_char_p array, None) for string ids, (None, int64 array) for exact integers."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        if array.dtype.kind == "u" and len(array) and array.max() > np.iinfo(np.int64).max:
            raise InvalidArgument(1, "Summary.from_arrays: customer ids beyond int64")
        return None, np.ascontiguousarray(array, dtype=np.int64)
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.floor(array)) & (np.abs(array) < 2.0 ** 63)
        if not whole.all():
            row = int(np.argmin(whole))
            raise InvalidArgument(1, f"Summary.from_arrays: customer id row {row}: "
                                     f"{array[row]!r} is not a whole number")
        return None, array.astype(np.int64)
    encoded = []
    for row, value in enumerate(array.tolist()):
        # pandas' missing markers (pd.NA, pd.NaT) by type name: pandas is not required.
        if (value is None or type(value).__name__ in ("NAType", "NaTType")
                or (isinstance(value, float) and math.isnan(value))):
            raise InvalidArgument(1, f"Summary.from_arrays: customer id row {row} is missing")
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidArgument(1, f"Summary.from_arrays: customer id row {row} is not "
                                         "UTF-8") from None
        elif isinstance(value, float):  # as a float64 column would be read
            if value != math.floor(value) or abs(value) >= 2.0 ** 63:
                raise InvalidArgument(1, f"Summary.from_arrays: customer id row {row}: "
                                         f"{value!r} is not a whole number")
            value = int(value)
        elif isinstance(value, bool):
            raise InvalidArgument(1, f"Summary.from_arrays: customer id row {row} is a bool")
        text = value if isinstance(value, str) else str(value)
        data = text.encode("utf-8")
        if b"\0" in data:
            raise InvalidArgument(1, f"Summary.from_arrays: customer id row {row} "
                                     "contains a NUL character")
        encoded.append(data)
    return (c_char_p * len(encoded))(*encoded), None


def _day_column(values):
    """Days since 1970-01-01 as int32, from datetime64, dates or ISO strings."""
    array = np.asarray(values)
    if array.dtype.kind == "O" and any(getattr(v, "tzinfo", None) is not None
                                       for v in array.tolist()):
        # numpy would convert to UTC and move late-evening purchases to the next day.
        raise InvalidArgument(1, "Summary.from_arrays: dates with a time zone: convert them "
                                 "to local dates first (e.g. pandas .dt.tz_localize(None))")
    if array.dtype.kind != "M":
        try:
            array = np.array(array.tolist(), dtype="datetime64[D]")
        except (ValueError, TypeError):
            for row, value in enumerate(array.tolist()):
                try:
                    np.datetime64(value, "D")
                except (ValueError, TypeError):
                    raise InvalidArgument(1, f"Summary.from_arrays: date row {row}: "
                                             f"cannot read {value!r} as a date") from None
            raise
    days = array.astype("datetime64[D]")
    missing = np.isnat(days)
    if missing.any():
        raise InvalidArgument(1, f"Summary.from_arrays: date row {int(np.argmax(missing))} "
                                 "is missing (NaT)")
    numbers = days.astype(np.int64)
    # The C API checks years 1..9999 and names the row; int32 must hold it first.
    out_of_range = (numbers < np.iinfo(np.int32).min) | (numbers > np.iinfo(np.int32).max)
    if out_of_range.any():
        row = int(np.argmax(out_of_range))
        raise InvalidArgument(1, f"Summary.from_arrays: date row {row}: {days[row]} is "
                                 "outside years 1..9999")
    return np.ascontiguousarray(numbers, dtype=np.int32)


def _minor_unit_column(values, minor_digits):
    """Exact minor units (int64) of amounts in major units."""
    array = np.asarray(values)
    digits = _checked_int("minor_digits", minor_digits, c_int32)
    if not 0 <= digits <= 18:  # as the library's money type; checked before 10 ** digits
        raise InvalidArgument(1, f"Summary.from_arrays: minor_digits must be in 0..18, got "
                                 f"{digits}")
    if array.dtype.kind == "b":
        raise InvalidArgument(1, "Summary.from_arrays: amounts must be numbers, got bools")
    scale = 10 ** digits
    if array.dtype.kind in "iu":
        limit = np.iinfo(np.int64).max // scale
        if len(array) and (array.max() > limit or array.min() < -limit):
            row = int(np.argmax((array > limit) | (array < -limit)))
            raise InvalidArgument(1, f"Summary.from_arrays: amount row {row}: {array[row]} "
                                     "overflows int64 minor units")
        return np.ascontiguousarray(array, dtype=np.int64) * scale
    try:
        array = array.astype(np.float64)
    except (ValueError, TypeError):
        raise InvalidArgument(1, "Summary.from_arrays: amounts must be numbers") from None
    scaled = array * scale
    rounded = np.rint(scaled)
    bad = ~np.isfinite(scaled) | (np.abs(rounded) >= 2.0 ** 63)
    # Within 1e-6 of a whole minor unit, or a few ulps where doubles are coarser than that.
    bad |= np.abs(scaled - rounded) > np.maximum(1e-6, 4 * np.spacing(np.abs(scaled)))
    if bad.any():
        row = int(np.argmax(bad))
        raise InvalidArgument(1, f"Summary.from_arrays: amount row {row}: {array[row]!r} is not "
                                 f"a whole number of minor units (minor_digits={minor_digits})")
    return rounded.astype(np.int64)


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
    inclusive; default the last date), holdout_end ("YYYY-MM-DD", inclusive: later rows are
    ignored, as lifetimes' calibration_and_holdout_data observation_period_end; needs
    observation_end), time_unit ("days", "weeks", "months")."""

    def __init__(self, pointer):
        self._memory = _SummaryMemory(pointer)
        self._close_lock = threading.Lock()

    @classmethod
    def load(cls, path, **options) -> "Summary":
        """Loads the log at `path`. NotFound when there is no such file; InvalidArgument
        with "PATH:LINE:COLUMN: ..." for a malformed row."""
        o, keep = _ingest_options(**options)
        encoded = os.fsencode(path)
        if b"\0" in encoded:  # C would open a shorter path
            raise InvalidArgument(1, f"Summary.load: path {path!r} contains a NUL character")
        pointer = _new_handle_pointer()
        _lib.crm_summary_load_path(encoded, byref(o), byref(pointer))
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

    @classmethod
    def from_arrays(cls, customer_ids, dates, amounts, *, minor_digits=2,
                    observation_end=None, time_unit="days") -> "Summary":
        """Summarizes a transaction log held in arrays, with no CSV round trip (through
        crm_summary_from_columns): customer ids (str, or exact integers), dates (numpy
        datetime64, datetime.date, or ISO "YYYY-MM-DD" strings; a time of day is dropped)
        and amounts in major units (floats must be whole minor units within 1e-6; integers
        are exact). Bad values raise InvalidArgument naming the row."""
        ids, numbers = _id_column(customer_ids)
        days = _day_column(dates)
        minor = _minor_unit_column(amounts, minor_digits)
        n = len(days)
        lengths = {len(ids) if ids is not None else len(numbers), n, len(minor)}
        if len(lengths) != 1:
            raise InvalidArgument(1, "Summary.from_arrays: customer_ids, dates and amounts "
                                     f"must have equal lengths, got {sorted(lengths)}")
        o, keep = _ingest_options(minor_digits=minor_digits, observation_end=observation_end,
                                  time_unit=time_unit)
        pointer = _new_handle_pointer()
        _lib.crm_summary_from_columns(
            ids, None if numbers is None else numbers.ctypes.data_as(POINTER(c_int64)),
            days.ctypes.data_as(POINTER(c_int32)), minor.ctypes.data_as(POINTER(c_int64)),
            n, byref(o), byref(pointer))
        return cls(pointer)

    @classmethod
    def from_frame(cls, frame, customer="customer_id", date="date", amount="amount",
                   **options) -> "Summary":
        """Summary.from_arrays on three columns of a pandas DataFrame (or any mapping of
        columns), named by `customer`, `date` and `amount`."""
        def column(name):
            values = frame[name]
            return values.to_numpy() if hasattr(values, "to_numpy") else values
        return cls.from_arrays(column(customer), column(date), column(amount), **options)

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
    duration_holdout = property(lambda self: self.column("duration_holdout"))

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
