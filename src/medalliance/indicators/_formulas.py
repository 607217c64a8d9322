"""The formulas: each indicator's value from the records, or the reason it has none."""

from __future__ import annotations

from medalliance.indicators._activity import Activity, ActivityKind, CareRecord, ReferralRecord
from medalliance.model.institution import Institution, Tier
from medalliance.model.registry import Registry


def _where(registry: Registry, c: CareRecord) -> str | None:
    if c.county is not None:
        return c.county
    assert c.institution is not None  # checked by CareRecord
    return registry.institution(c.institution).region.county


def _county_of(inst: Institution) -> str | None:
    return inst.region.county


class _Value:
    """A computed value or the reason there is none (internal)."""

    __slots__ = ("denominator", "numerator", "reason", "value")

    def __init__(
        self,
        value: float | None,
        numerator: float | None = None,
        denominator: float | None = None,
        reason: str | None = None,
    ) -> None:
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.reason = reason


def _none(reason: str, numerator: float | None = None, denominator: float | None = None) -> _Value:
    return _Value(None, numerator, denominator, reason)


def _ratio(num: float, den: float, what: str) -> _Value:
    if den == 0:
        return _none(f"{what} is 0: the ratio is undefined", num, den)
    return _Value(num / den, num, den)


def _grassroots_share(registry: Registry, care: list[CareRecord], county: str | None) -> _Value:
    visits = [c for c in care if c.kind is ActivityKind.VISIT]
    if county is not None:
        unplaced = sum(1 for c in visits if _where(registry, c) is None)
        if unplaced:
            return _none(f"{unplaced} visit record(s) have no county: scope unknown")
        visits = [c for c in visits if _where(registry, c) == county]
    unnamed = [c for c in visits if c.institution is None]
    if unnamed:
        return _none(
            f"{len(unnamed)} visit record(s) name no institution: cannot tell whether they are "
            "grassroots"
        )
    if not visits:
        return _none("no visits recorded in scope")
    total = sum(c.count for c in visits)
    grassroots = sum(
        c.count
        for c in visits
        if c.institution is not None and registry.institution(c.institution).is_grassroots
    )
    return _ratio(grassroots, total, "the number of visits")


def _within_county(
    registry: Registry, care: list[CareRecord], county: str | None, kinds: set[ActivityKind]
) -> _Value:
    if county is None:
        return _none("needs a county (evaluate_indicators(..., county=...))")
    mine = [c for c in care if c.kind in kinds and c.resident_county == county]
    if not mine:
        return _none(f"no records of care for residents of {county!r}")
    unplaced = sum(1 for c in mine if _where(registry, c) is None)
    if unplaced:
        return _none(f"{unplaced} record(s) of residents' care have no county: place unknown")
    inside = sum(c.count for c in mine if _where(registry, c) == county)
    outside = [c for c in mine if _where(registry, c) != county]
    if not outside:
        return _none(
            "only a numerator: no record of care outside the county (e.g. from insurance "
            "settlement); record count 0 outside the county if none left",
            numerator=inside,
        )
    return _ratio(inside, inside + sum(c.count for c in outside), "residents' care")


def _direction_counts(
    registry: Registry, referrals: list[ReferralRecord], county: str | None
) -> tuple[int, int]:
    up = down = 0
    for r in referrals:
        o, d = registry.institution(r.origin), registry.institution(r.destination)
        if county is not None and county not in (_county_of(o), _county_of(d)):
            continue
        if d.tier > o.tier:
            up += r.count
        elif d.tier < o.tier:
            down += r.count
    return up, down


def _postings(registry: Registry, activity: Activity, period: str, county: str | None) -> _Value:
    posted = 0
    for p in activity.postings:
        if p.period != period:
            continue
        host, site = registry.institution(p.host), registry.institution(p.site)
        if county is not None and _county_of(site) != county:
            continue
        if host.tier >= Tier.SECONDARY and site.is_grassroots:
            posted += p.count
    found = [r for r in activity.residents if r.period == period and r.county == county]
    if not found:
        where = f" of {county!r}" if county is not None else ""
        return _none(f"no resident population{where} for period {period!r}", numerator=posted)
    residents = found[0].count
    if residents == 0:
        return _none("the resident population is 0: the rate is undefined", numerator=posted)
    return _Value(posted / (residents / 10_000), posted, residents / 10_000)


def _down_referral_growth(
    registry: Registry,
    referrals: tuple[ReferralRecord, ...],
    down: int,
    previous_period: str | None,
    county: str | None,
) -> _Value:
    """Growth of down-referrals from ``previous_period`` to ``down`` this period."""
    if previous_period is None:
        return _none("needs the previous period (previous_period=...)", numerator=down)
    _, before = _direction_counts(
        registry, [r for r in referrals if r.period == previous_period], county
    )
    if before == 0:
        return _none(f"no down-referrals in {previous_period!r}: growth is undefined", down, before)
    return _Value((down - before) / before, down, before)


def _values(
    registry: Registry,
    activity: Activity,
    *,
    period: str,
    previous_period: str | None,
    county: str | None,
) -> dict[str, _Value]:
    """The value (or the reason there is none) of every indicator, by code."""
    care = [c for c in activity.care if c.period == period]
    up, down = _direction_counts(
        registry, [r for r in activity.referrals if r.period == period], county
    )
    return {
        "grassroots_visit_share": _grassroots_share(registry, care, county),
        "within_county_care_rate": _within_county(
            registry, care, county, {ActivityKind.VISIT, ActivityKind.ADMISSION}
        ),
        "within_county_inpatient_share": _within_county(
            registry, care, county, {ActivityKind.ADMISSION}
        ),
        "down_referral_growth": _down_referral_growth(
            registry, activity.referrals, down, previous_period, county
        ),
        "up_down_ratio": _ratio(up, down, "the number of down-referrals"),
        "expert_postings_per_10k": _postings(registry, activity, period, county),
    }
