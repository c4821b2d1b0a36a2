"""The exception classes of crm_status codes and the errcheck that raises them."""

from __future__ import annotations

from ._loader import _lib


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


def _status_name(status: int) -> str:
    # crm_status_name's prototype (restype c_char_p) is declared in _capi, which imports this
    # module; no error is raised before it is (the version check runs after the prototypes).
    return _lib.crm_status_name(status).decode("ascii")


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
