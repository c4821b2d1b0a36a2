"""Ingest of a transaction log into the per-customer summary table."""

from __future__ import annotations

import ctypes
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
