"""Activity volumes, shared prices, and what sharing achieved."""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field, model_validator

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require, require_items, require_registry
from medalliance.model.alliance import FigureUnit, Qualifier
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Id, NonEmptyText, NonNegInt, PositiveInt, Tabular
from medalliance.model.vocab import ServiceKind, ServiceKindField
from medalliance.sharing._common import (
    _SERVICE_CODE,
    _base,
    _Centre,
    _Layout,
    _number,
    _plural,
    _scope,
)


class VolumeEntry(FrozenModel):
    """Activity of one shared centre: how many services it gave (to one member, or in all).

    Examples
    --------
    >>> VolumeEntry(centre="gangkou_lab", count=137, unit="人次").unit
    <FigureUnit.PATIENT_VISITS: 'patient_visits'>
    """

    centre: Id
    """Id of the shared centre."""
    service: ServiceKindField | None = None
    """The service counted; may be omitted when the centre provides exactly one."""
    member: Id | None = None
    """The member the patients or items came from, when the records say."""
    count: NonNegInt
    """How many (patient visits, tests, items)."""
    unit: FigureUnit | None = None
    """Unit of the count, when known."""
    qualifier: Qualifier = Qualifier.EXACT
    """Whether the count is exact, a lower bound, approximate ... (as declared)."""
    period: NonEmptyText | None = None
    """Period the count covers, as the source says (e.g. ``今年``)."""


class ServiceVolumes(FrozenModel):
    """Activity volumes of shared centres (the input of :func:`sharing_summary`).

    Each (centre, service, member) appears at most once.

    Examples
    --------
    >>> v = ServiceVolumes.from_counts({"gangkou_imaging": {"ct": 330, "彩超": 12}}, days=365)
    >>> [(e.service.value, e.count) for e in v.entries]
    [('ct', 330), ('colour_doppler', 12)]
    >>> v
    ServiceVolumes(2 entries for 1 centre, 342 in all, over 365 days)
    """

    entries: tuple[VolumeEntry, ...]
    """The volumes."""
    days: PositiveInt | None = None
    """Length of the period the counts cover, in days (needed for utilisation)."""

    def __repr__(self) -> str:
        centres = len({e.centre for e in self.entries})
        days = "period unknown" if self.days is None else f"over {_plural(self.days, 'day')}"
        return (
            f"ServiceVolumes({_plural(len(self.entries), 'entry', 'entries')} for "
            f"{_plural(centres, 'centre')}, {sum(e.count for e in self.entries):,} in all, {days})"
        )

    __str__ = __repr__

    @model_validator(mode="after")
    def _unique(self) -> ServiceVolumes:
        seen: dict[tuple[str, ServiceKind | None, str | None], int] = {}
        problems = []
        for i, e in enumerate(self.entries):
            key = (e.centre, e.service, e.member)
            if key in seen:
                problems.append(
                    Problem(
                        ("entries", i),
                        f"repeats centre {e.centre!r}, service "
                        f"{None if e.service is None else e.service.value!r} and member "
                        f"{e.member!r} of entries[{seen[key]}]",
                    )
                )
            seen.setdefault(key, i)
        if problems:
            raise MedAllianceError(problems)
        return self

    @classmethod
    def from_counts(
        cls, counts: Mapping[str, int | Mapping[str, int]], *, days: int | None = None
    ) -> ServiceVolumes:
        """Build volumes from ``{centre: count}`` or ``{centre: {service: count}}``.

        Raises
        ------
        MedAllianceError
            For invalid counts or labels, with their paths.

        Examples
        --------
        >>> ServiceVolumes.from_counts({"gangkou_lab": 137}).entries[0].count
        137
        """
        entries: list[dict[str, Any]] = []
        for centre, value in counts.items():
            if isinstance(value, Mapping):
                entries.extend(
                    {"centre": centre, "service": s, "count": c} for s, c in value.items()
                )
            else:
                entries.append({"centre": centre, "count": value})
        return cls.model_validate({"entries": entries, "days": days})


class SharedPrice(FrozenModel):
    """The price of a service at the shared centre, against its usual (list) price.

    Give either ``shared_price_yuan`` or ``discount`` (a fraction of the list price).

    Examples
    --------
    >>> SharedPrice(service="CT检查", list_price_yuan=300, discount=0.1).unit_price_yuan
    270.0
    """

    service: ServiceKindField
    """The service."""
    list_price_yuan: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    """What a patient pays without sharing (yuan per unit)."""
    shared_price_yuan: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """What a patient pays at the shared centre (yuan per unit)."""
    discount: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    """Reduction as a fraction of the list price (0.1 = 10% less)."""

    @model_validator(mode="after")
    def _one_price(self) -> SharedPrice:
        if (self.shared_price_yuan is None) == (self.discount is None):
            raise MedAllianceError(
                [Problem(("discount",), "give exactly one of shared_price_yuan and discount")]
            )
        if self.shared_price_yuan is not None and self.shared_price_yuan > self.list_price_yuan:
            raise MedAllianceError(
                [Problem(("shared_price_yuan",), "must not exceed list_price_yuan")]
            )
        return self

    @property
    def unit_price_yuan(self) -> float:
        """The price per unit with sharing.

        Examples
        --------
        >>> SharedPrice(service="lab", list_price_yuan=80, shared_price_yuan=60).unit_price_yuan
        60.0
        """
        if self.shared_price_yuan is not None:
            return self.shared_price_yuan
        return self.list_price_yuan * (1.0 - (self.discount or 0.0))


class CentreUtilisation(FrozenModel):
    """Activity of one shared centre.

    A centre whose hosting is inferred (``inferred``; see
    :func:`~medalliance.sharing.inferred_centres`) says so in its one-line form.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> c = sharing_summary(reg, volumes_from_declared(reg)).centres[0]
    >>> c.centre, c.volume, c.utilisation, c.inferred
    ('gangkou_imaging', 342, None, False)
    >>> c
    CentreUtilisation('gangkou_imaging', volume 342 in 2 services, utilisation unknown)
    >>> pcr = sharing_summary(reg, volumes_from_declared(reg)).centres[-1]
    >>> pcr  # doctest: +NORMALIZE_WHITESPACE
    CentreUtilisation('gangkou_pcr' (host inferred), volume 11,745 in 1 service,
                      utilisation unknown)
    """

    centre: str
    """Centre id."""
    alliance: str
    """The alliance it belongs to."""
    kind: str
    """Centre kind."""
    host: str
    """Hosting institution."""
    inferred: bool
    """Whether the hosting is inferred rather than stated by the source."""
    volume: int
    """Services given in the period (all services)."""
    by_service: tuple[tuple[ServiceKind, int], ...]
    """Volume per service (service order)."""
    by_member: tuple[tuple[str, int], ...]
    """Volume per member, where the records name the member (registry order)."""
    capacity_per_day: int | None
    """The centre's capacity, when known."""
    days: int | None
    """Length of the period, when known."""
    utilisation: float | None
    """``volume / (capacity_per_day * days)`` when both are known and capacity is positive."""

    def __repr__(self) -> str:
        util = "unknown" if self.utilisation is None else f"{self.utilisation:.1%}"
        mark = " (host inferred)" if self.inferred else ""
        return (
            f"CentreUtilisation({self.centre!r}{mark}, volume {self.volume:,} in "
            f"{_plural(len(self.by_service), 'service')}, utilisation {util})"
        )

    __str__ = __repr__


class ServiceSaving(FrozenModel):
    """Patients' cost of one priced service, without and with sharing.

    Examples
    --------
    >>> saving = ServiceSaving(service="ct", volume=10, list_cost_yuan=3000.0,
    ...                        shared_cost_yuan=2700.0)
    >>> saving.savings_yuan
    300.0
    >>> saving
    ServiceSaving(ct: 10 units, 3,000 → 2,700 yuan, 300 yuan saved)
    """

    service: ServiceKind
    """The service."""
    volume: int
    """Units given (all centres)."""
    list_cost_yuan: float
    """Cost at list prices."""
    shared_cost_yuan: float
    """Cost at shared prices."""

    def __repr__(self) -> str:
        return (
            f"ServiceSaving({self.service.value}: {_plural(self.volume, 'unit')}, "
            f"{_number(self.list_cost_yuan)} → {_number(self.shared_cost_yuan)} yuan, "
            f"{_number(self.savings_yuan)} yuan saved)"
        )

    __str__ = __repr__

    @property
    def savings_yuan(self) -> float:
        """What patients saved.

        Examples
        --------
        >>> ServiceSaving(service="lab", volume=2, list_cost_yuan=100.0,
        ...               shared_cost_yuan=90.0).savings_yuan
        10.0
        """
        return self.list_cost_yuan - self.shared_cost_yuan


class SharingSummary(FrozenModel, Tabular):
    """What :func:`sharing_summary` returns.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> s = sharing_summary(reg, volumes_from_declared(reg))
    >>> len(s.centres), s.patient_savings_yuan is None
    (4, True)
    >>> s
    SharingSummary(4 centres, volume 13,188; no prices)
    """

    centres: tuple[CentreUtilisation, ...]
    """Every centre with a volume, in centre order."""
    savings: tuple[ServiceSaving, ...]
    """Priced services (service order); empty without prices."""

    def __repr__(self) -> str:
        volume = sum(c.volume for c in self.centres)
        head = f"SharingSummary({_plural(len(self.centres), 'centre')}, volume {volume:,}"
        saved, change = self.patient_savings_yuan, self.patient_cost_change_percent
        if saved is None or change is None:
            return f"{head}; no prices)"
        return (
            f"{head}; {_plural(len(self.savings), 'priced service')}: "
            f"{_number(saved)} yuan saved, {change:+.1f}%)"
        )

    __str__ = __repr__

    @property
    def patient_savings_yuan(self) -> float | None:
        """Savings over every priced service (``None`` without prices).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> p = [SharedPrice(service="lab", list_price_yuan=50, discount=0.2)]
        >>> sharing_summary(reg, volumes_from_declared(reg), prices=p).patient_savings_yuan
        1370.0
        """
        if not self.savings:
            return None
        return math.fsum(s.savings_yuan for s in self.savings)

    @property
    def patient_cost_change_percent(self) -> float | None:
        """Change of patients' cost of the priced services, in percent (negative = saving).

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> p = [SharedPrice(service="lab", list_price_yuan=50, discount=0.2)]
        >>> sharing_summary(reg, volumes_from_declared(reg), prices=p).patient_cost_change_percent
        -20.0
        """
        if not self.savings:
            return None
        before = math.fsum(s.list_cost_yuan for s in self.savings)
        after = math.fsum(s.shared_cost_yuan for s in self.savings)
        return 0.0 if before == 0 else (after - before) / before * 100.0

    def rows(self) -> list[dict[str, Any]]:
        """One row per centre and service, with the centre's host and whether it is inferred.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("gangkou")
        >>> sharing_summary(reg, volumes_from_declared(reg)).rows()[1]["volume"]
        12
        """
        out: list[dict[str, Any]] = []
        for c in self.centres:
            for s, count in c.by_service:
                out.append(
                    {
                        "centre": c.centre,
                        "alliance": c.alliance,
                        "kind": c.kind,
                        "host": c.host,
                        "inferred": c.inferred,
                        "service": s.value,
                        "volume": count,
                        "centre_volume": c.volume,
                        "capacity_per_day": c.capacity_per_day,
                        "utilisation": c.utilisation,
                    }
                )
        return out


def volumes_from_declared(registry: Registry, *, alliance: str | None = None) -> ServiceVolumes:
    """The centres' volumes a registry declares (``service_volume`` figures about a centre).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Only this alliance's figures.

    Returns
    -------
    ServiceVolumes
        One entry per figure, with its unit, qualifier and period; ``days`` unknown.

    Examples
    --------
    >>> from medalliance import examples
    >>> v = volumes_from_declared(examples.load("gangkou"))
    >>> [(e.centre, e.service.value, e.count) for e in v.entries]  # doctest: +NORMALIZE_WHITESPACE
    [('gangkou_imaging', 'ct', 330), ('gangkou_imaging', 'colour_doppler', 12),
     ('gangkou_lab', 'lab', 137), ('gangkou_sterilisation', 'sterilisation_supply', 964),
     ('gangkou_pcr', 'pcr', 11745)]
    """
    require_registry(registry)
    scope = _scope(registry, alliance)
    entries: list[VolumeEntry] = []
    for a in registry.alliances if scope is None else (scope,):
        centre_ids = {c.id for c in a.shared_centres}
        for f in a.declared:
            if f.metric != "service_volume" or f.subject not in centre_ids:
                continue
            if not f.unit.is_count or not isinstance(f.value, int):
                continue
            entries.append(
                VolumeEntry(
                    centre=f.subject,
                    service=f.service,
                    count=f.value,
                    unit=f.unit,
                    qualifier=f.qualifier,
                    period=f.period,
                )
            )
    return ServiceVolumes(entries=tuple(entries))


def _resolve(
    registry: Registry, layout: _Layout, volumes: ServiceVolumes
) -> list[tuple[_Centre, ServiceKind, VolumeEntry]]:
    """Check volume entries against the registry; name the service of each."""
    require(volumes, ServiceVolumes, "volumes")
    problems: list[Problem] = []
    out: list[tuple[_Centre, ServiceKind, VolumeEntry]] = []
    for i, e in enumerate(volumes.entries):
        path: tuple[str | int, ...] = ("entries", i)
        c = layout.centre_by_id.get(e.centre)
        if c is None:
            problems.append(Problem((*path, "centre"), f"unknown shared centre {e.centre!r}"))
        if e.member is not None and not registry.has_institution(e.member):
            problems.append(Problem((*path, "member"), f"unknown institution {e.member!r}"))
        if c is None:
            continue
        offered = sorted(c.services, key=_SERVICE_CODE.__getitem__)
        service = e.service
        if service is None:
            if len(offered) != 1:
                names = ", ".join(s.value for s in offered) or "none"
                problems.append(
                    Problem(
                        (*path, "service"),
                        f"name the service: centre {e.centre!r} provides {names}",
                    )
                )
                continue
            service = offered[0]
        elif service not in c.services:
            names = ", ".join(s.value for s in offered) or "none"
            problems.append(
                Problem(
                    (*path, "service"),
                    f"centre {e.centre!r} does not provide {service.value!r} (it provides {names})",
                )
            )
            continue
        out.append((c, service, e))
    if problems:
        raise MedAllianceError(problems)
    return out


def sharing_summary(
    registry: Registry,
    volumes: ServiceVolumes,
    *,
    prices: Sequence[SharedPrice] | None = None,
    as_of: _dt.date | str | None = None,
) -> SharingSummary:
    """Utilisation of each shared centre from activity volumes, and patients' savings.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    volumes : ServiceVolumes
        Volumes per centre (and service, and member); e.g. :func:`volumes_from_declared`.
    prices : sequence of SharedPrice, optional
        Shared prices or discounts per service; savings are computed on the volumes of the
        priced services.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    SharingSummary
        Per centre: volume by service and member, and utilisation when the centre's
        ``capacity_per_day`` and the volumes' ``days`` are known; per priced service: cost
        without and with sharing.

    Raises
    ------
    MedAllianceError
        For an unknown centre or member, a service the centre does not provide, a missing
        service where the centre provides several, or a service priced twice.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> prices = [SharedPrice(service=s, list_price_yuan=p, discount=0.10)
    ...           for s, p in (("ct", 300.0), ("colour_doppler", 150.0), ("lab", 80.0))]
    >>> s = sharing_summary(reg, volumes_from_declared(reg), prices=prices)
    >>> round(s.patient_cost_change_percent, 2), round(s.patient_savings_yuan, 2)
    (-10.0, 11176.0)
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    layout = _base(registry).layout
    resolved = _resolve(registry, layout, volumes)
    price_by: dict[ServiceKind, SharedPrice] = {}
    problems: list[Problem] = []
    for i, p in enumerate(() if prices is None else require_items(prices, SharedPrice, "prices")):
        if p.service in price_by:
            problems.append(Problem(("prices", i, "service"), f"{p.service.value!r} priced twice"))
        price_by.setdefault(p.service, p)
    if problems:
        raise MedAllianceError(problems)
    order = {inst.id: i for i, inst in enumerate(registry.institutions)}
    per_centre: dict[int, list[tuple[ServiceKind, VolumeEntry]]] = {}
    per_service: dict[ServiceKind, int] = {}
    for c, s, e in resolved:
        per_centre.setdefault(c.index, []).append((s, e))
        per_service[s] = per_service.get(s, 0) + e.count
    centres = []
    for index in sorted(per_centre):
        c = layout.centres[index]
        by_service: dict[ServiceKind, int] = {}
        by_member: dict[str, int] = {}
        for s, e in per_centre[index]:
            by_service[s] = by_service.get(s, 0) + e.count
            if e.member is not None:
                by_member[e.member] = by_member.get(e.member, 0) + e.count
        volume = sum(by_service.values())
        cap = c.centre.capacity_per_day
        util = None
        if cap and volumes.days is not None:
            util = volume / (cap * volumes.days)
        centres.append(
            CentreUtilisation(
                centre=c.centre.id,
                alliance=c.alliance.id,
                kind=c.centre.kind.value,
                host=c.centre.host,
                inferred=c.inferred,
                volume=volume,
                by_service=tuple(sorted(by_service.items(), key=lambda kv: _SERVICE_CODE[kv[0]])),
                by_member=tuple(sorted(by_member.items(), key=lambda kv: order[kv[0]])),
                capacity_per_day=cap,
                days=volumes.days,
                utilisation=util,
            )
        )
    savings = tuple(
        ServiceSaving(
            service=s,
            volume=per_service.get(s, 0),
            list_cost_yuan=per_service.get(s, 0) * p.list_price_yuan,
            shared_cost_yuan=per_service.get(s, 0) * p.unit_price_yuan,
        )
        for s, p in sorted(price_by.items(), key=lambda kv: _SERVICE_CODE[kv[0]])
    )
    return SharingSummary(centres=tuple(centres), savings=savings)
