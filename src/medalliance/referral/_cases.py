"""Many referral cases as columns: the input of the batch path.

:class:`ReferralCases` holds cases as numpy columns (ids as strings, labels as codes);
:meth:`ReferralCases.from_arrays` validates columns and names every bad value with its
column and position; :meth:`ReferralCases.from_cases` converts :class:`ReferralCase` objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medalliance.compiled._core import SERVICE_BIT
from medalliance.errors import ID_PATTERN, MedAllianceError, Problem
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral._model import URGENCY_CODE, ReferralCase, Urgency

__all__ = ["ReferralCases"]

_MAX_LISTED = 100  # problems listed per error before "... and N more"
IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True, eq=False)
class ReferralCases:
    """Many referral cases as columns (the input of :func:`evaluate_many` at scale).

    Build it with :meth:`from_cases` (from :class:`ReferralCase` objects) or
    :meth:`from_arrays` (from id and label columns; labels are validated once per distinct
    value). Position ``i`` of every column describes case ``i``.

    Examples
    --------
    >>> cases = ReferralCases.from_arrays(origin=["v1", "v2"], criterion="chronic_confirmed",
    ...                                   services=[("ct",), ()])
    >>> len(cases), cases.case(0).services
    (2, (<ServiceKind.CT: 'ct'>,))
    """

    origin: np.ndarray[Any, Any]
    """Origin institution ids (str array)."""
    criterion: np.ndarray[Any, Any]
    """Criterion codes (str array)."""
    specialty: np.ndarray[Any, Any]
    """Specialty codes, ``""`` for none (str array)."""
    services: np.ndarray[Any, Any]
    """Needed services as bit masks over :class:`~medalliance.model.vocab.ServiceKind` order."""
    urgency: np.ndarray[Any, Any]
    """0 routine, 1 urgent, 2 emergency (int8)."""
    home: np.ndarray[Any, Any]
    """Home institution ids, ``""`` for none (str array)."""
    lat: np.ndarray[Any, Any]
    """Patient latitude, NaN when not given."""
    lon: np.ndarray[Any, Any]
    """Patient longitude, NaN when not given."""
    condition: np.ndarray[Any, Any]
    """Condition codes, ``""`` for none (str array)."""
    _cases: tuple[ReferralCase, ...] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.origin)

    @classmethod
    def from_cases(cls, cases: Iterable[ReferralCase]) -> ReferralCases:
        """Columns of the given cases (which are kept and returned by :meth:`case`).

        Examples
        --------
        >>> c = ReferralCase(origin="v1", criterion="acute_recovery", urgency="urgent")
        >>> ReferralCases.from_cases([c]).case(0) is c
        True
        """
        kept = tuple(cases)
        for n, c in enumerate(kept):
            if not isinstance(c, ReferralCase):
                raise MedAllianceError(
                    [Problem(("cases", n), f"expected a ReferralCase, got {type(c).__name__}")]
                )
        bit = SERVICE_BIT
        nan = float("nan")
        return cls(
            origin=np.array([c.origin for c in kept], dtype=str),
            criterion=np.array([c.criterion for c in kept], dtype=str),
            specialty=np.array([c.specialty.value if c.specialty else "" for c in kept], dtype=str),
            services=np.array([sum(bit[s] for s in c.services) for c in kept], dtype=np.int64),
            urgency=np.array([URGENCY_CODE[c.urgency] for c in kept], dtype=np.int8),
            home=np.array([c.home or "" for c in kept], dtype=str),
            lat=np.array([nan if c.lat is None else c.lat for c in kept], dtype=np.float64),
            lon=np.array([nan if c.lon is None else c.lon for c in kept], dtype=np.float64),
            condition=np.array([c.condition or "" for c in kept], dtype=str),
            _cases=kept,
        )

    @classmethod
    def from_arrays(
        cls,
        *,
        origin: Sequence[str] | np.ndarray[Any, Any],
        criterion: str | Sequence[str] | np.ndarray[Any, Any],
        specialty: str | Sequence[str | None] | np.ndarray[Any, Any] | None = None,
        services: Sequence[Sequence[str]] | None = None,
        urgency: str | Sequence[str] | np.ndarray[Any, Any] | None = None,
        home: Sequence[str | None] | np.ndarray[Any, Any] | None = None,
        lat: Sequence[float] | np.ndarray[Any, Any] | None = None,
        lon: Sequence[float] | np.ndarray[Any, Any] | None = None,
        condition: Sequence[str | None] | np.ndarray[Any, Any] | None = None,
    ) -> ReferralCases:
        """Columns from arrays; a scalar ``criterion``/``specialty``/``urgency`` applies to all.

        Labels (specialties, services, urgencies; Chinese or English) are parsed once per
        distinct value. Every invalid value is reported with its column and position.

        Raises
        ------
        MedAllianceError
            For columns of different lengths, invalid ids or codes, unknown labels, or
            coordinates out of range or given without their pair.

        Examples
        --------
        >>> ReferralCases.from_arrays(origin=["a", "b"], criterion=["x"])
        Traceback (most recent call last):
        ...
        medalliance.errors.MedAllianceError: 1 problem:
          - criterion: has 1 value(s), expected 2 (one per origin)
        """
        return _cases_from_arrays(
            cls,
            origin=origin,
            criterion=criterion,
            specialty=specialty,
            services=services,
            urgency=urgency,
            home=home,
            lat=lat,
            lon=lon,
            condition=condition,
        )

    def case(self, i: int) -> ReferralCase:
        """Case ``i`` as a :class:`ReferralCase`.

        Examples
        --------
        >>> ReferralCases.from_arrays(origin=["v1"], criterion="postop_recovery").case(0).origin
        'v1'
        """
        if self._cases is not None:
            return self._cases[i]
        kinds = list(ServiceKind)
        mask = int(self.services[i])
        lat, lon = float(self.lat[i]), float(self.lon[i])
        data: dict[str, Any] = {
            "origin": str(self.origin[i]),
            "criterion": str(self.criterion[i]),
            "specialty": str(self.specialty[i]) or None,
            "services": tuple(k for b, k in enumerate(kinds) if mask >> b & 1),
            "urgency": list(Urgency)[int(self.urgency[i])],
            "home": str(self.home[i]) or None,
            "lat": None if np.isnan(lat) else lat,
            "lon": None if np.isnan(lon) else lon,
            "condition": str(self.condition[i]) or None,
        }
        return ReferralCase.model_validate(data)


def _column(
    name: str, value: Any, n: int, problems: list[Problem], *, default: Any = None
) -> np.ndarray[Any, Any]:
    if value is None:
        return np.full(n, default, dtype=object)
    if isinstance(value, str):
        return np.full(n, value, dtype=object)
    arr = _as_array(value)
    if arr.ndim != 1 or len(arr) != n:
        got = len(arr) if arr.ndim == 1 else f"shape {arr.shape}"
        problems.append(Problem((name,), f"has {got} value(s), expected {n} (one per origin)"))
        return np.full(n, default, dtype=object)
    return arr


def _as_array(value: Any) -> np.ndarray[Any, Any]:
    """``value`` as an array: text stays a numpy str array (no Python object per row)."""
    arr = np.asarray(value)
    return arr if arr.dtype.kind == "U" else np.asarray(value, dtype=object)


def _as_text(arr: np.ndarray[Any, Any], *, none: str | None = None) -> np.ndarray[Any, Any]:
    """``arr`` as a str array; with ``none``, ``None`` values become ``none``."""
    if arr.dtype.kind == "U":
        return arr
    if none is not None and len(arr) and None in arr.tolist():
        arr = np.where(arr == None, none, arr)  # noqa: E711  # (elementwise comparison)
    return arr.astype(str) if len(arr) else np.zeros(0, dtype="<U1")


def _first_index(arr: np.ndarray[Any, Any], value: str) -> int:
    return int(np.flatnonzero(arr == value)[0])


_ID = re.compile(ID_PATTERN)
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _id_column(
    name: str, arr: np.ndarray[Any, Any], problems: list[Problem], *, optional: bool
) -> np.ndarray[Any, Any]:
    """Ids as a str column; each distinct value checked once, bad ones named by position."""
    out = _as_text(arr)
    distinct = set(out.tolist())  # by hashing: no sort of the whole column
    bad_values = {
        v for v in distinct if not (optional and v in ("", "None")) and not _ID.fullmatch(v)
    }
    if bad_values:
        listed = 0
        for i, v in enumerate(arr.tolist()):
            if str(v) in bad_values and listed < _MAX_LISTED:
                problems.append(Problem((name, i), f"not a valid id: {v!r}"))
                listed += 1
    return np.where(out == "None", "", out) if optional and "None" in distinct else out


def _label_column(
    name: str,
    col: np.ndarray[Any, Any],
    problems: list[Problem],
    *,
    parse: Any,
    code: Any,
    none: Any,
) -> Any:
    """Parse each distinct label once; return ``code(parsed)`` for every row."""
    keys = _as_text(col, none="")
    if len(keys) == 0:
        return np.array([], dtype=type(none))
    codes: dict[str, Any] = {}
    for k in sorted(set(keys.tolist())):  # (sorted: problems in a stable order)
        try:
            codes[k] = code(parse(k)) if k else none
        except MedAllianceError as exc:
            problems.append(Problem((name, _first_index(keys, k)), exc.problems[0].message))
            codes[k] = none
    if len(codes) == 1:
        return np.full(len(keys), next(iter(codes.values())))
    labels = np.array(list(codes))
    return np.array(list(codes.values()))[np.searchsorted(labels, keys)]


def _criterion_column(criterion: Any, n: int, problems: list[Problem]) -> np.ndarray[Any, Any]:
    before = len(problems)
    crit_s = _as_text(_column("criterion", criterion, n, problems, default=""))
    for v in sorted(set(crit_s.tolist())) if len(problems) == before else ():
        if not _CODE.fullmatch(v):
            msg = f"not a criterion code: {v!r}"
            problems.append(Problem(("criterion", _first_index(crit_s, v)), msg))
    return crit_s


def _service_column(services: Any, n: int, problems: list[Problem]) -> IntArray:
    """Needed services as bit masks; each distinct group parsed once.

    Rows are turned into tuples and looked up in a table of the distinct groups at C speed;
    only the distinct groups are parsed in Python. Anything unusual (a string or a value
    that is not a sequence) takes the row-by-row path, which names the row.
    """
    if services is None:
        return np.zeros(n, dtype=np.int64)
    if len(services) != n:
        msg = f"has {len(services)} value(s), expected {n} (one per origin)"
        problems.append(Problem(("services",), msg))
        return np.zeros(n, dtype=np.int64)
    rows = services.tolist() if isinstance(services, np.ndarray) else services
    try:
        if str in set(map(type, rows)):
            raise TypeError
        keys = list(map(tuple, rows))
        distinct = dict.fromkeys(keys)
    except TypeError:
        return _service_rows(rows, n, problems)
    masks: dict[tuple[Any, ...], int] = {}
    for key in distinct:
        parsed = _service_mask(key)
        if isinstance(parsed, str):
            i = keys.index(key)
            problems.append(Problem(("services", i), parsed))
            masks[key] = 0
        else:
            masks[key] = parsed
    if len(masks) == 1:
        return np.full(n, next(iter(masks.values())), dtype=np.int64)
    return np.fromiter(map(masks.__getitem__, keys), dtype=np.int64, count=n)


def _service_mask(group: Sequence[Any]) -> int | str:
    """The bit mask of a group of service labels, or the problem with it."""
    try:
        kinds = [ServiceKind.parse(str(s)) for s in group]
    except MedAllianceError as exc:
        return exc.problems[0].message
    if len(set(kinds)) != len(kinds):
        return "a service is listed twice"
    return sum(SERVICE_BIT[k] for k in set(kinds))


def _service_rows(rows: Sequence[Any], n: int, problems: list[Problem]) -> IntArray:
    """Needed services row by row, naming every row that is not a sequence of labels."""
    svc = np.zeros(n, dtype=np.int64)
    cache: dict[tuple[str, ...], int] = {}
    for i, group in enumerate(rows):
        if isinstance(group, str) or not isinstance(group, Iterable):
            kind = "a string" if isinstance(group, str) else type(group).__name__
            msg = f"expected a sequence of services, not {kind}"
            problems.append(Problem(("services", i), msg))
            continue
        key = tuple(str(s) for s in group)
        if key not in cache:
            parsed = _service_mask(key)
            if isinstance(parsed, str):
                problems.append(Problem(("services", i), parsed))
                parsed = 0
            cache[key] = parsed
        svc[i] = cache[key]
    return svc


def _coordinates(
    lat: Any, lon: Any, n: int, problems: list[Problem]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Latitude and longitude columns (NaN: none); out of range or unpaired values named."""
    coords = []
    for name, col, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        if col is None:
            coords.append(np.full(n, np.nan))
            continue
        arr = np.asarray(col, dtype=np.float64)
        if arr.shape != (n,):
            problems.append(Problem((name,), f"has shape {arr.shape}, expected ({n},)"))
            coords.append(np.full(n, np.nan))
            continue
        bad = np.flatnonzero(np.isinf(arr) | (np.abs(arr) > limit))
        for i in bad[:_MAX_LISTED].tolist():
            problems.append(Problem((name, i), f"out of range: {float(arr[i])!r}"))
        coords.append(arr.copy())
    lat_a, lon_a = coords
    unpaired = np.flatnonzero(np.isnan(lat_a) != np.isnan(lon_a))
    for i in unpaired[:_MAX_LISTED].tolist():
        problems.append(Problem(("lat", i), "lat and lon must be given together"))
    return lat_a, lon_a


def _cases_from_arrays(
    cls: type[ReferralCases],
    *,
    origin: Any,
    criterion: Any,
    specialty: Any,
    services: Any,
    urgency: Any,
    home: Any,
    lat: Any,
    lon: Any,
    condition: Any,
) -> ReferralCases:
    """Validate and encode case columns (see :meth:`ReferralCases.from_arrays`)."""
    problems: list[Problem] = []
    origin_arr = _as_array(origin)
    if origin_arr.ndim != 1:
        raise MedAllianceError([Problem(("origin",), "must be a one-dimensional sequence")])
    n = len(origin_arr)
    origin_s = (
        _id_column("origin", origin_arr, problems, optional=False)
        if n
        else np.zeros(0, dtype="<U1")
    )
    crit_s = _criterion_column(criterion, n, problems)
    spec_s = _label_column(
        "specialty",
        _column("specialty", specialty, n, problems),
        problems,
        parse=Specialty.parse,
        code=lambda v: v.value,
        none="",
    ).astype(str)
    urg = _label_column(
        "urgency",
        _column("urgency", urgency, n, problems, default="routine"),
        problems,
        parse=Urgency.parse,
        code=URGENCY_CODE.__getitem__,
        none=0,
    ).astype(np.int8)
    svc = _service_column(services, n, problems)
    home_col = _column("home", home, n, problems, default="")
    home_s = _id_column("home", home_col, problems, optional=True)  # (None reads as "None")
    cond_s = _as_text(_column("condition", condition, n, problems, default=""), none="")
    lat_a, lon_a = _coordinates(lat, lon, n, problems)
    if problems:
        raise MedAllianceError(problems)
    return cls(
        origin=origin_s,
        criterion=crit_s,
        specialty=spec_s,
        services=svc,
        urgency=urg,
        home=home_s,
        lat=lat_a,
        lon=lon_a,
        condition=cond_s,
    )
