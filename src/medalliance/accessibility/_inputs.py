"""Population points (demand) and supply sites, and supply from a registry's institutions."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from medalliance.accessibility._common import (
    _LISTED,
    FloatArray,
    IdArray,
    _as_amounts,
    _as_coords,
    _as_ids,
    _lookup,
)
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry, require_sequence
from medalliance.model.dates import registry_on
from medalliance.model.institution import Institution, InstitutionKind, Tier
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular

# --------------------------------------------------------------------------------------
# population and supply


class _Points(Tabular):
    """Shared shape of :class:`Population` and :class:`Supply` (ids, amounts, coordinates)."""

    _amount: ClassVar[str]

    ids: IdArray
    lat: FloatArray | None
    lon: FloatArray | None

    def _set(
        self,
        ids: ArrayLike,
        amounts: ArrayLike,
        lat: ArrayLike | None,
        lon: ArrayLike | None,
        **extra: Any,
    ) -> None:
        problems: list[Problem] = []
        data: dict[str, Any] = dict(extra)
        try:
            data["ids"] = _as_ids(ids, "ids")
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        if np.ndim(ids) != 1:
            raise MedAllianceError(problems)
        n = len(np.asarray(ids))
        try:
            data[self._amount] = _as_amounts(amounts, n, self._amount)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        try:
            data["lat"], data["lon"] = _as_coords(lat, lon, n)
        except MedAllianceError as exc:
            problems.extend(exc.problems)
        if problems:
            raise MedAllianceError(problems)
        for name, value in data.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_coordinates(self) -> bool:
        """Whether the points have latitudes and longitudes."""
        return self.lat is not None

    def _amounts(self) -> FloatArray:
        out: FloatArray = getattr(self, self._amount)
        return out

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({len(self)} points, {self._amount} total "
            f"{float(self._amounts().sum()):g}, "
            f"coordinates={'yes' if self.has_coordinates else 'no'})"
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row per point: ``id``, the amount, ``lat`` and ``lon`` (``None`` if absent).

        Examples
        --------
        >>> Population(["a"], [12.5], lat=[30.0], lon=[120.0]).rows()
        [{'id': 'a', 'people': 12.5, 'lat': 30.0, 'lon': 120.0}]
        """
        n = len(self)
        lat = self.lat.tolist() if self.lat is not None else [None] * n
        lon = self.lon.tolist() if self.lon is not None else [None] * n
        return [
            {"id": i, self._amount: a, "lat": la, "lon": lo}
            for i, a, la, lo in zip(
                self.ids.tolist(), self._amounts().tolist(), lat, lon, strict=True
            )
        ]


class Population(_Points):
    """Population points (demand): ids, number of people and optional coordinates.

    Parameters
    ----------
    ids : sequence of str or int
        Unique id of every point (a census block, a village, a grid cell).
    people : sequence of float
        People at each point (>= 0; fractional values from raster estimates are fine).
    lat, lon : sequence of float, optional
        WGS84 degrees, both or neither; needed by
        :func:`~medalliance.accessibility.costs_from_coordinates`.

    Attributes
    ----------
    ids : numpy.ndarray
        Read-only array of the ids (``str`` or ``int64``).
    people : numpy.ndarray
        Read-only ``float64`` array.
    lat, lon : numpy.ndarray or None
        Read-only ``float64`` arrays, or ``None``.

    Raises
    ------
    MedAllianceError
        Duplicate ids, wrong lengths, negative or non-finite values, coordinates out of
        range — every problem with its position.

    Examples
    --------
    >>> pop = Population(["v1", "v2"], [1200, 800], lat=[36.6, 36.7], lon=[101.7, 101.8])
    >>> pop
    Population(2 points, people total 2000, coordinates=yes)
    >>> pop.people.tolist()
    [1200.0, 800.0]
    >>> Population(["v1", "v1"], [1, -1])
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - ids[1]: duplicate id 'v1'
      - people[1]: must be >= 0, got -1.0
    """

    _amount = "people"
    people: FloatArray

    def __init__(
        self,
        ids: ArrayLike,
        people: ArrayLike,
        *,
        lat: ArrayLike | None = None,
        lon: ArrayLike | None = None,
    ) -> None:
        self._set(ids, people, lat, lon)

    @property
    def total(self) -> float:
        """Total number of people.

        Examples
        --------
        >>> Population([1, 2], [10, 5.5]).total
        15.5
        """
        return float(self.people.sum())


class Supply(_Points):
    """Supply sites: ids, capacity (beds, doctors, sessions) and optional coordinates.

    Parameters
    ----------
    ids : sequence of str or int
        Unique id of every site (institution ids when built by :func:`supply_from_registry`).
    capacity : sequence of float
        Capacity of each site (>= 0).
    lat, lon : sequence of float, optional
        WGS84 degrees, both or neither.
    skipped : sequence of str, optional
        Ids left out when the supply was built (see :func:`supply_from_registry`).

    Attributes
    ----------
    ids, capacity, lat, lon : numpy.ndarray
        Read-only arrays (``lat``/``lon`` may be ``None``).
    skipped : tuple of str
        Ids of institutions left out for lack of capacity or coordinates.

    Examples
    --------
    >>> Supply(["h1", "h2"], [300, 45]).capacity.tolist()
    [300.0, 45.0]
    """

    _amount = "capacity"
    capacity: FloatArray
    skipped: tuple[str, ...]

    def __init__(
        self,
        ids: ArrayLike,
        capacity: ArrayLike,
        *,
        lat: ArrayLike | None = None,
        lon: ArrayLike | None = None,
        skipped: Iterable[str] = (),
    ) -> None:
        self._set(ids, capacity, lat, lon, skipped=tuple(str(s) for s in skipped))

    @property
    def total(self) -> float:
        """Total capacity.

        Examples
        --------
        >>> Supply(["h"], [30]).total
        30.0
        """
        return float(self.capacity.sum())


_CAPACITY_FIELDS = ("beds", "population_served")


def _labels(values: Any, name: str, parse: Callable[[Any], Any]) -> set[Any] | None:
    """The parsed labels of an optional list argument (``None``: no filter)."""
    return None if values is None else {parse(v) for v in require_sequence(values, name)}


def supply_from_registry(
    registry: Registry,
    *,
    capacity: str | Callable[[Institution], float | None] = "beds",
    kinds: Iterable[InstitutionKind | str] | None = None,
    tiers: Iterable[Tier | str] | None = None,
    coordinates: bool = True,
    skip_missing: bool = False,
    as_of: _dt.date | str | None = None,
) -> Supply:
    """The institutions of a registry as supply sites, with a capacity field.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    capacity : {"beds", "population_served"} or callable, default "beds"
        The institution field giving the capacity, or a function of an
        :class:`~medalliance.model.institution.Institution` returning a number or ``None``
        (missing).
    kinds : iterable of InstitutionKind or str, optional
        Keep only these kinds (any accepted label, e.g. ``"乡镇卫生院"``).
    tiers : iterable of Tier or str, optional
        Keep only these tiers (e.g. ``"二级"``, ``"tertiary"``).
    coordinates : bool, default True
        Take each institution's ``lat``/``lon`` (needed by
        :func:`~medalliance.accessibility.costs_from_coordinates`); with ``False`` the supply
        has no coordinates and none are required.
    skip_missing : bool, default False
        Leave out institutions without a capacity (or coordinates) and list their ids in
        :attr:`Supply.skipped`, instead of raising.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    Supply
        Sites in the registry's (id) order.

    Raises
    ------
    MedAllianceError
        When a selected institution has no capacity or no coordinates (unless
        ``skip_missing``), naming each one; for an unknown capacity field or label; when a
        capacity function returns a negative or non-finite number.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> reg = synthetic.county(seed=0)
    >>> towns = supply_from_registry(reg, kinds=["乡镇卫生院"])
    >>> len(towns), towns.has_coordinates, towns.total > 0
    (12, True, True)
    >>> supply_from_registry(reg, kinds=["村卫生室"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 180 problems:
      - institutions[...].beds: institution ... has no beds
    ...
    >>> len(supply_from_registry(reg, kinds=["村卫生室"], skip_missing=True).skipped)
    180
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    problems: list[Problem] = []
    get: Callable[[Institution], Any]
    if callable(capacity):
        get = capacity
        label = "capacity"
    elif capacity in _CAPACITY_FIELDS:
        field = str(capacity)
        label = field

        def get(inst: Institution) -> Any:
            return getattr(inst, field)
    else:
        msg = f"unknown capacity field {capacity!r}; use one of {', '.join(_CAPACITY_FIELDS)}"
        raise MedAllianceError([Problem(("capacity",), msg + " or a function")])
    want_kinds = _labels(kinds, "kinds", InstitutionKind.parse)
    want_tiers = _labels(tiers, "tiers", Tier.parse)
    ids: list[str] = []
    caps: list[float] = []
    lats: list[float | None] = []
    lons: list[float | None] = []
    skipped: list[str] = []
    missing: list[Problem] = []
    for pos, inst in enumerate(registry.institutions):
        if want_kinds is not None and inst.kind not in want_kinds:
            continue
        if want_tiers is not None and inst.tier not in want_tiers:
            continue
        value = get(inst)
        gaps: list[Problem] = []
        amount = 0.0
        if value is None:
            gaps.append(
                Problem(("institutions", pos, label), f"institution {inst.id!r} has no {label}")
            )
        elif isinstance(value, bool) or not isinstance(value, int | float | np.number):
            msg = f"capacity must be a number, got {value!r}"
            problems.append(Problem(("institutions", pos, label), msg))
            continue
        else:
            amount = float(value)
            if not (math.isfinite(amount) and amount >= 0):
                msg = f"capacity must be a finite number >= 0, got {value!r}"
                problems.append(Problem(("institutions", pos, label), msg))
                continue
        if coordinates and (inst.lat is None or inst.lon is None):
            gaps.append(
                Problem(("institutions", pos, "lat"), f"institution {inst.id!r} has no coordinates")
            )
        if gaps:
            if skip_missing:
                skipped.append(inst.id)
            else:
                missing.extend(gaps)
            continue
        ids.append(inst.id)
        caps.append(amount)
        if coordinates:
            lats.append(inst.lat)
            lons.append(inst.lon)
    problems.extend(missing)
    if problems:
        raise MedAllianceError(problems)
    return Supply(
        np.array(ids, dtype=str),
        np.asarray(caps, dtype=np.float64),
        lat=np.asarray(lats) if coordinates else None,
        lon=np.asarray(lons) if coordinates else None,
        skipped=skipped,
    )


def _aligned(
    values: Population | Supply | ArrayLike,
    ids: IdArray,
    field: str,
    what: str,
) -> FloatArray:
    """Amounts in the order of ``ids`` (the cost structure's), from points or a plain array."""
    if isinstance(values, Population | Supply):
        amounts: FloatArray = values.people if isinstance(values, Population) else values.capacity
        if len(values.ids) == len(ids) and np.array_equal(values.ids, ids):
            return amounts
        problems: list[Problem] = []
        if values.ids.dtype.kind != ids.dtype.kind:
            msg = f"{what} ids are of another type than the cost structure's"
            raise MedAllianceError([Problem((field,), msg)])
        missing = np.setdiff1d(ids, values.ids)
        extra = np.setdiff1d(values.ids, ids)
        for x in missing[:_LISTED].tolist():
            problems.append(Problem((field,), f"no {what} value for id {x!r}"))
        for x in extra[:_LISTED].tolist():
            problems.append(Problem((field,), f"{what} id {x!r} is not in the cost structure"))
        if len(missing) + len(extra) > 2 * _LISTED:
            problems.append(Problem((field,), "... and more ids that do not match"))
        if problems:
            raise MedAllianceError(problems)
        pos = _lookup(values.ids, ids, field, what)
        out: FloatArray = amounts[pos]
        return out
    return _as_amounts(values, len(ids), field)
