"""Batch scoring over columns and the mergeable partial states of the engine."""

from __future__ import annotations

from ctypes import byref, c_double, c_int8, c_int64, c_size_t, c_uint8, sizeof
from typing import Mapping, Sequence

import numpy as np

from ._arrays import (_Handle, _as_array, _engine_options, _flag, _handle_of,
                      _new_handle_pointer, _out, _ptr, _same_length)
from ._capi import Column, PyramidFractions, _pu8
from ._errors import InvalidArgument
from ._loader import _lib
from ._scalars import taxonomy_count, taxonomy_id


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
