"""Advisory checks of the model alone: findings about a valid registry to look at.

A registry that validates can still be odd: a county community whose lead ranks below a
member, an alliance whose declared member count differs from the members it lists, an
institution in no alliance, a centre with a member its parent alliance does not list.
``check_*`` functions return :class:`Finding` objects instead of logging or raising; pass
``strict=True`` to raise on any warning.

Declared-figure metrics compared with the listed members:

- ``member_count``: every member, leads included;
- ``grassroots_members``: members of a grassroots kind (社区医院, 社区卫生服务中心/站,
  乡镇卫生院, 村卫生室, 门诊部, 诊所);
- ``hospital_members``: non-lead members that are not grassroots.

Examples
--------
>>> from medalliance import examples
>>> findings = check_declared_counts(examples.load("benxi_central"))
>>> [f.code for f in findings if f.code == "declared_exceeds_listed"][:1]
['declared_exceeds_listed']
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from typing import Any

from medalliance.model._require import require_registry
from medalliance.model.agreement import Agreement, AgreementStatus
from medalliance.model.alliance import Alliance, AllianceForm
from medalliance.model.dates import in_force
from medalliance.model.divisions import Division, DivisionTable, division_table
from medalliance.model.institution import Institution, InstitutionKind
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, NonEmptyText
from medalliance.model.vocab import LabelledEnum

__all__ = [
    "COUNTED_METRICS",
    "Finding",
    "Severity",
    "check_dates",
    "check_declared_counts",
    "check_lead_tiers",
    "check_sub_units",
    "check_unaffiliated",
]


class Severity(LabelledEnum):
    """How much a finding matters: ``info`` (worth knowing) or ``warning`` (likely an error)."""

    INFO = "info"
    WARNING = "warning"


class Finding(FrozenModel):
    """One advisory finding."""

    code: NonEmptyText
    """Machine-readable code, e.g. ``lead_below_member``."""
    severity: Severity
    """``info`` or ``warning``."""
    subject: NonEmptyText
    """Id of the alliance, institution or agreement concerned."""
    message: NonEmptyText
    """What was found, in English."""

    def __str__(self) -> str:
        return f"[{self.severity.value}] {self.subject}: {self.message}"


def _members(reg: Registry, a: Alliance) -> list[Institution]:
    return [reg.institution(m) for m in a.members]


def _count_members(a: Alliance, reg: Registry) -> int:
    return len(a.memberships)


_HUB_KINDS = frozenset(
    {
        InstitutionKind.TOWNSHIP_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HEALTH_CENTRE,
        InstitutionKind.COMMUNITY_HOSPITAL,
    }
)
"""Kinds that can be the hub (枢纽) layer of a county community."""


def _count_grassroots(a: Alliance, reg: Registry) -> int:
    return sum(1 for i in _members(reg, a) if i.is_grassroots)


def _count_hospitals(a: Alliance, reg: Registry) -> int:
    leads = set(a.lead)
    return sum(1 for i in _members(reg, a) if not i.is_grassroots and i.id not in leads)


COUNTED_METRICS: dict[str, Callable[[Alliance, Registry], int]] = {
    "member_count": _count_members,
    "grassroots_members": _count_grassroots,
    "hospital_members": _count_hospitals,
}
"""Declared metrics that count listed members, and how each is computed."""


def check_declared_counts(registry: Registry) -> tuple[Finding, ...]:
    """Compare declared member counts with the members each alliance lists.

    A declared count above the listed one is ``info`` (the source did not name them all);
    below it is a ``warning`` (more members listed than the source states).

    Examples
    --------
    >>> from medalliance import examples
    >>> [f.message for f in check_declared_counts(examples.load("xuzhou_mch"))][:1]
    ['declares member_count 11 but lists 7 (4 not itemised)']
    """
    require_registry(registry)
    out: list[Finding] = []
    for a in registry.alliances:
        for fig in a.declared:
            count = COUNTED_METRICS.get(fig.metric)
            if count is None or fig.subject not in (None, a.id):
                continue
            listed = count(a, registry)
            declared = fig.value
            if declared > listed:
                out.append(
                    Finding(
                        code="declared_exceeds_listed",
                        severity=Severity.INFO,
                        subject=a.id,
                        message=f"declares {fig.metric} {declared} but lists {listed} "
                        f"({declared - listed} not itemised)",
                    )
                )
            elif declared < listed:
                out.append(
                    Finding(
                        code="listed_exceeds_declared",
                        severity=Severity.WARNING,
                        subject=a.id,
                        message=f"declares {fig.metric} {declared} but lists {listed}",
                    )
                )
    return tuple(out)


def check_lead_tiers(registry: Registry) -> tuple[Finding, ...]:
    """Flag leads that rank below a member and county communities without a hub.

    A lead below one of its members is a ``warning``; a county medical community with no
    township or community health centre is ``info``.

    Examples
    --------
    >>> from medalliance import examples
    >>> check_lead_tiers(examples.load("shanghai_luwan"))
    ()
    """
    require_registry(registry)
    out: list[Finding] = []
    for a in registry.alliances:
        members = _members(registry, a)
        top = max(registry.institution(x).tier for x in a.lead)
        higher = [i.id for i in members if i.tier > top]
        if higher:
            out.append(
                Finding(
                    code="lead_below_member",
                    severity=Severity.WARNING,
                    subject=a.id,
                    message=f"every lead ranks below member(s) {', '.join(higher[:5])}",
                )
            )
        if a.form is AllianceForm.COUNTY_MEDICAL_COMMUNITY and not any(
            i.kind in _HUB_KINDS for i in members
        ):
            out.append(
                Finding(
                    code="county_community_without_hub",
                    severity=Severity.INFO,
                    subject=a.id,
                    message=(
                        "county medical community lists no township or community health centre "
                        "or community hospital"
                    ),
                )
            )
    return tuple(out)


def check_unaffiliated(registry: Registry) -> tuple[Finding, ...]:
    """Note institutions that belong to no alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> check_unaffiliated(examples.load("dingzhou"))
    ()
    """
    require_registry(registry)
    member_ids = {m for a in registry.alliances for m in a.members}
    return tuple(
        Finding(
            code="unaffiliated",
            severity=Severity.INFO,
            subject=i.id,
            message="belongs to no alliance",
        )
        for i in registry.institutions
        if i.id not in member_ids
    )


def check_sub_units(registry: Registry) -> tuple[Finding, ...]:
    """Flag members of a centre or sub-alliance that its parent alliance does not list.

    A unit inside an alliance (:attr:`~medalliance.model.alliance.Alliance.part_of`) is made
    of the parent's members, so the registry expects every member of the unit to be listed in
    the parent too. It does not require it (a source may list the parent's members
    incompletely, or a centre may take in an outside partner): each member missing from the
    parent is a ``warning`` (``member_outside_parent``). A unit's provisions, centres and
    agreements apply among its own members; nothing passes between the unit and its parent.

    Examples
    --------
    >>> reg = Registry(
    ...     institutions=[{"id": "h", "name": "某省人民医院", "kind": "综合医院", "level": "三甲"},
    ...                   {"id": "c", "name": "某县人民医院", "kind": "综合医院", "level": "二甲"}],
    ...     alliances=[
    ...         {"id": "region", "name": "某省区域医联体", "form": "城市医疗集团",
    ...          "lead": ["h"], "memberships": [{"institution": "h", "role": "lead"}]},
    ...         {"id": "onco", "name": "某省区域医联体肿瘤诊疗中心", "form": "专科联盟",
    ...          "specialty": "肿瘤科", "unit": "诊疗中心", "part_of": "region", "lead": ["h"],
    ...          "memberships": [{"institution": "h", "role": "lead"}, {"institution": "c"}]}])
    >>> [str(f) for f in check_sub_units(reg)]
    ["[warning] onco: member 'c' is not a member of the alliance it is part of ('region')"]
    """
    require_registry(registry)
    out: list[Finding] = []
    for a in registry.alliances:
        parent = registry.parent_of(a.id)
        if parent is None:
            continue
        listed = set(parent.members)
        out.extend(
            Finding(
                code="member_outside_parent",
                severity=Severity.WARNING,
                subject=a.id,
                message=f"member {m!r} is not a member of the alliance it is part of "
                f"({parent.id!r})",
            )
            for m in a.members
            if m not in listed
        )
    return tuple(out)


def _finding(code: str, severity: Severity, subject: str, message: str) -> Finding:
    return Finding(code=code, severity=severity, subject=subject, message=message)


def check_dates(registry: Registry, *, today: _dt.date | None = None) -> tuple[Finding, ...]:
    """Records whose dates say they are not in force ``today``, and dates that disagree.

    A registry is analysed as stored: every record counts, whatever its dates, until
    ``registry.as_of(day)`` (or ``as_of=day``) is asked for. These findings name what the
    registry as stored counts although its dates say it is not in force ``today``
    (``agreement_expired``, ``agreement_not_started``: warnings, as such an agreement opens
    channels; ``member_left``, ``alliance_dissolved``, ``institution_closed``,
    ``changes_not_applied``: info), and dates that disagree across records:
    ``party_not_member`` (an agreement party not a member for the whole term),
    ``lead_joined_late`` (a lead that joined after the founding date) and
    ``joined_before_founded``.

    Division codes (:mod:`medalliance.model.divisions`; the bundled table with the
    registry's own ``divisions``): one finding per division named by a region outside its
    validity, with the code as subject and the records listed — ``division_expired`` (info:
    it ended before ``today``; ``as_of`` shows its successor) or ``division_not_started``
    (warning: its first day is after ``today``) — and per record
    ``division_name_mismatch`` (warning: the county name differs from the code's name) and,
    only when the registry gives its own ``divisions``, ``division_unknown`` (warning: a
    county-level code the table does not list — a warning, not an error, because a table
    may list only the changes it needs).

    Parameters
    ----------
    registry : Registry
        The registry to check.
    today : datetime.date, optional
        The day to compare with (default: the current date; give one for reproducible runs).

    Examples
    --------
    >>> import datetime as dt
    >>> reg = Registry(
    ...     institutions=[{"id": "h", "name": "某县医院", "kind": "综合医院", "level": "二甲"},
    ...                   {"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"}],
    ...     alliances=[{"id": "a", "name": "某县医共体", "form": "县域医共体", "lead": ["h"],
    ...                 "memberships": [{"institution": "h", "role": "lead"},
    ...                                 {"institution": "t"}]}],
    ...     agreements=[{"id": "g", "alliance": "a", "parties": ["h", "t"],
    ...                  "items": ["双向转诊"], "valid_until": "2016-12-31"}])
    >>> [f.code for f in check_dates(reg, today=dt.date(2024, 1, 1))]
    ['agreement_expired']
    >>> reg.as_of("2024-01-01").agreements
    ()
    """
    require_registry(registry)
    day = today or _dt.date.today()
    out: list[Finding] = []
    for i in registry.institutions:
        if i.closed is not None and i.closed < day:
            out.append(_finding("institution_closed", Severity.INFO, i.id, f"closed on {i.closed}"))
    for a in registry.alliances:
        out += _alliance_date_findings(a, day)
    for g in registry.agreements:
        out += _agreement_date_findings(registry, g, day)
    return (*out, *_division_date_findings(registry, day))


def _division_date_findings(registry: Registry, day: _dt.date) -> list[Finding]:
    """Division findings of :func:`check_dates`.

    One per division outside its validity (subject: the code), one per record whose region
    contradicts the table.
    """
    table = division_table(registry.divisions)
    own = bool(registry.divisions)
    out: list[Finding] = []
    outside: dict[str, tuple[Division, list[str]]] = {}
    regions = [(i.id, i.region) for i in registry.institutions]
    regions += [(a.id, a.region) for a in registry.alliances]
    for subject, region in regions:
        out += _region_findings(subject, region, table, own)
        records = table.of_region(region)
        if records:
            d = table.record(records[0].code, day) or records[-1]
            if table.record(d.code, day) is None:
                outside.setdefault(d.code, (d, []))[1].append(subject)
    for code, (d, subjects) in sorted(outside.items()):
        unsure = " (date uncertain)" if d.uncertain else ""
        named = f"named by {len(subjects)} record(s): {', '.join(sorted(subjects))}"
        if d.valid_until is not None and d.valid_until < day:
            now = table.on(code, day)
            then = f", succeeded by {now.code} {now.name}" if now is not None else ""
            out.append(
                _finding(
                    "division_expired",
                    Severity.INFO,
                    code,
                    f"{d.name} was valid until {d.valid_until}{unsure}{then}; {named} "
                    "(as_of shows the division of the day)",
                )
            )
        else:
            out.append(
                _finding(
                    "division_not_started",
                    Severity.WARNING,
                    code,
                    f"{d.name} is valid from {d.valid_from}{unsure}, after {day}; {named}",
                )
            )
    return out


def _region_findings(subject: str, region: Any, table: DivisionTable, own: bool) -> list[Finding]:
    """Findings about one region: a code the registry's table lacks, a name not the code's."""
    records = table.of_region(region)
    code = region.division_code if region.township is None else None
    if code is None:
        return []
    if not records:
        if not own:
            return []
        message = f"division code {code} is not in the registry's division table"
        return [_finding("division_unknown", Severity.WARNING, subject, message)]
    names = {r.name for r in records}
    if region.county is None or region.county in names:
        return []
    message = f"county {region.county!r} but division code {code} is {' / '.join(sorted(names))}"
    return [_finding("division_name_mismatch", Severity.WARNING, subject, message)]


def _alliance_date_findings(a: Alliance, day: _dt.date) -> list[Finding]:
    out: list[Finding] = []
    if a.dissolved is not None and a.dissolved < day:
        out.append(
            _finding("alliance_dissolved", Severity.INFO, a.id, f"dissolved on {a.dissolved}")
        )
    if a.changes:
        out.append(
            _finding(
                "changes_not_applied",
                Severity.INFO,
                a.id,
                f"has {len(a.changes)} dated change(s); analyses of the registry as stored use "
                "the values before them (use as_of to apply them)",
            )
        )
    leads = set(a.lead)
    for m in a.memberships:
        if m.left is not None and m.left < day:
            out.append(
                _finding("member_left", Severity.INFO, a.id, f"{m.institution!r} left on {m.left}")
            )
        if m.joined is None or a.founded is None or m.joined <= a.founded:
            continue
        if m.institution in leads:
            out.append(
                _finding(
                    "lead_joined_late",
                    Severity.WARNING,
                    a.id,
                    f"lead {m.institution!r} joined on {m.joined}, after the alliance was "
                    f"founded ({a.founded}): as_of leaves the alliance out in between",
                )
            )
    for m in a.memberships:
        if m.joined is not None and a.founded is not None and m.joined < a.founded:
            out.append(
                _finding(
                    "joined_before_founded",
                    Severity.INFO,
                    a.id,
                    f"{m.institution!r} joined on {m.joined}, before the alliance was founded "
                    f"({a.founded})",
                )
            )
    return out


def _agreement_date_findings(registry: Registry, g: Agreement, day: _dt.date) -> list[Finding]:
    out: list[Finding] = []
    if g.status is AgreementStatus.IN_FORCE and not in_force(g.valid_from, g.valid_until, day):
        if g.valid_until is not None and g.valid_until < day:
            said = f"valid until {g.valid_until}"
            code = "agreement_expired"
        else:
            said = f"valid from {g.valid_from}"
            code = "agreement_not_started"
        out.append(
            _finding(
                code,
                Severity.WARNING,
                g.id,
                f"{said}, so not in force on {day}, yet it opens channels in the registry "
                "as stored (use as_of to leave it out)",
            )
        )
    members = {m.institution: m for m in registry.alliance(g.alliance).memberships}
    for p in g.parties:
        m = members[p]
        late = m.joined is not None and g.valid_from is not None and m.joined > g.valid_from
        early = m.left is not None and (g.valid_until is None or m.left < g.valid_until)
        if late or early:
            out.append(
                _finding(
                    "party_not_member",
                    Severity.WARNING,
                    g.id,
                    f"party {p!r} is a member from {m.joined or 'unknown'} to "
                    f"{m.left or 'now'}, not for the whole term ({g.valid_from or 'unknown'} "
                    f"to {g.valid_until or 'open'})",
                )
            )
    return out
