"""Referral and posting indicators: who counts as referred down, persons or referrals."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from medalliance.indicators._activity import Activity, ReferralRecord, ResidentCount
from medalliance.indicators._places import Places
from medalliance.indicators._values import Counted, Value, growth, none, ratio
from medalliance.model.institution import Institution, InstitutionKind, Tier
from medalliance.model.registry import Registry

CHRONIC_CARE_KINDS = frozenset({InstitutionKind.NURSING_REHAB})
"""Kinds read as 慢性病医疗机构 (chronic-disease medical institutions): 护理院 and 康复医院/机构.

养老机构 (``elderly_care``) is not a medical institution and is not one of them."""


def is_official_down(origin: Institution, destination: Institution) -> bool:
    """Whether a referral counts for 二、三级医院向基层医疗卫生机构、慢性病医疗机构转诊.

    The origin is a secondary or tertiary institution that is not grassroots (a township
    centre rated 二级 is still a grassroots institution, not a 二级医院); the destination is
    a grassroots institution (:attr:`~medalliance.model.institution.Institution.is_grassroots`)
    or a chronic-care institution (:data:`CHRONIC_CARE_KINDS`).

    Examples
    --------
    >>> from medalliance import synthetic
    >>> reg = synthetic.county(seed=5, townships=2, villages_per_township=1)
    >>> hospital, town, village = (reg.institution(i) for i in ("k-h", "k-t00", "k-t00v00"))
    >>> is_official_down(hospital, town), is_official_down(town, village)
    (True, False)
    """
    return (
        origin.tier >= Tier.SECONDARY
        and not origin.is_grassroots
        and (destination.is_grassroots or destination.kind in CHRONIC_CARE_KINDS)
    )


def counting(
    activity: Activity, periods: Iterable[str | None]
) -> tuple[Counted | None, str | None]:
    """Persons when every referral record of ``periods`` names one, else referrals (人次).

    Returns what is counted and, for referrals, the note saying so (``None`` without records).
    """
    wanted = {p for p in periods if p is not None}
    records = [r for r in activity.referrals if r.period in wanted]
    if not records:
        return None, None
    unnamed = sum(1 for r in records if r.person is None)
    if not unnamed:
        return "persons", None
    return "visits", (
        f"counts referrals (人次), not persons: {unnamed} referral record(s) of the period(s) "
        "name no person"
    )


def _tally(records: Iterable[ReferralRecord], counted: Counted | None) -> int:
    if counted == "persons":
        return len({r.person for r in records if r.count > 0})
    return sum(r.count for r in records)


class _Referrals:
    """The referrals of a period in scope, with their two ends (internal)."""

    def __init__(self, registry: Registry, activity: Activity, places: Places) -> None:
        self.registry = registry
        self.activity = activity
        self.places = places

    def select(
        self, period: str, keep: Callable[[Institution, Institution], bool]
    ) -> list[ReferralRecord]:
        out = []
        for r in self.activity.referrals:
            if r.period != period:
                continue
            o, d = self.registry.institution(r.origin), self.registry.institution(r.destination)
            if not (self.places.inside(self.places.of(o)) or self.places.inside(self.places.of(d))):
                continue
            if keep(o, d):
                out.append(r)
        return out


def referral_values(
    registry: Registry,
    activity: Activity,
    places: Places,
    *,
    period: str,
    previous_period: str | None,
) -> dict[str, Value]:
    """``down_referral_growth`` and ``up_down_ratio``."""
    refs = _Referrals(registry, activity, places)
    counted, note = counting(activity, (period, previous_period))
    down = _tally(refs.select(period, is_official_down), counted)
    what = "persons referred down" if counted == "persons" else "down-referrals"
    if previous_period is None:
        before = 0
    else:
        before = _tally(refs.select(previous_period, is_official_down), counted)
    grow = growth(down, before, previous_period, what)
    up = _tally(refs.select(period, lambda o, d: d.tier > o.tier), counted)
    all_down = _tally(refs.select(period, lambda o, d: d.tier < o.tier), counted)
    ratio_value = ratio(up, all_down, f"the number of {what} (to a lower tier)")
    for v in (grow, ratio_value):
        v.counted, v.note = counted, note
    return {"down_referral_growth": grow, "up_down_ratio": ratio_value}


def postings(registry: Registry, activity: Activity, places: Places, period: str) -> Value:
    """``expert_postings_per_10k``: posted doctors per 10,000 residents."""
    posted = 0
    for p in activity.postings:
        if p.period != period:
            continue
        host, site = registry.institution(p.host), registry.institution(p.site)
        if not places.inside(places.of(site)):
            continue
        if host.tier >= Tier.SECONDARY and site.is_grassroots:
            posted += p.count
    found = residents_of(activity, places, period)
    if isinstance(found, str):
        return none(found, numerator=posted)
    if found.count == 0:
        return none("the resident population is 0: the rate is undefined", numerator=posted)
    return Value(posted / (found.count / 10_000), posted, found.count / 10_000)


def residents_of(activity: Activity, places: Places, period: str) -> ResidentCount | str:
    """The resident count of the county evaluated (or of the whole area), or why there is none."""
    if places.scope is None:
        found = [
            r
            for r in activity.residents
            if r.period == period and r.county is None and r.county_code is None
        ]
    else:
        found = [
            r
            for r in activity.residents
            if r.period == period
            and (r.county is not None or r.county_code is not None)
            and places.inside(places.residents_place(r))
        ]
    if not found:
        where = f" of {places.scope.label()!r}" if places.scope is not None else ""
        return f"no resident population{where} for period {period!r}"
    if len(found) > 1:
        return f"{len(found)} resident counts for period {period!r} match the county"
    return found[0]
