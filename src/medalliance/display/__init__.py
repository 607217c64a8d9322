"""Compact HTML summaries for notebooks: what ``_repr_html_`` of the models and results shows.

Jupyter shows an object by calling its ``_repr_html_`` method. The registry, alliances,
institutions, agreements and every table-like result (``medalliance.model.types.Tabular``)
delegate to the functions here, which build small HTML tables a person can read: counts by
tier and form for a registry, members and their roles for an alliance, the fields that are
set for an institution, the first rows of a result followed by "… and K more rows". Every
value is HTML-escaped. Nothing here imports pandas.

:func:`member_table` gives an alliance's members with their names, tiers and roles (which need
the registry) as a table-like result with ``rows()`` and ``to_frame()``.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("shanghai_luwan")
>>> html = registry_html(reg)
>>> html.startswith("<div") and "上海卢湾区域医疗联合体" in html
True
>>> member_table(reg, "luwan_ruijin")
MemberTable('luwan_ruijin', 7 members: tertiary 1, secondary 2, primary 4)
>>> html = html_table(["a", "b"], [[1, "<x>"], [2, "y"], [3, "z"]], max_rows=2)
>>> "<td>&lt;x&gt;</td>" in html, html.count("<tr>"), "… and 1 more row" in html
(True, 4, True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from medalliance._words import count_noun
from medalliance.display._html import (
    MAX_ROWS,
    _box,
    _line,
    html_table,
    model_html,
)
from medalliance.display._html import _cell as _cell  # re-exported: tests check its rules
from medalliance.model._require import require_registry
from medalliance.model.alliance import AllianceUnit, MemberRole, Tightness
from medalliance.model.institution import Grade, InstitutionKind, Tier
from medalliance.model.types import FrozenModel, IsoDate, Tabular, register_html_renderer

if TYPE_CHECKING:
    from medalliance.model.agreement import Agreement
    from medalliance.model.alliance import Alliance
    from medalliance.model.institution import Institution
    from medalliance.model.registry import Registry

__all__ = [
    "MAX_ROWS",
    "Member",
    "MemberTable",
    "agreement_html",
    "alliance_html",
    "html_table",
    "institution_html",
    "member_table",
    "model_html",
    "registry_html",
    "tabular_html",
]

_TIERS_DOWN = tuple(reversed(Tier))


def _counts(counter: Counter[Any], order: Iterable[Any]) -> str:
    return ", ".join(f"{_cell(k)} {counter[k]:,}" for k in order if counter[k])


def registry_html(registry: Registry, *, max_rows: int = MAX_ROWS) -> str:
    """HTML summary of a registry: counts by tier and kind, then its alliances.

    Examples
    --------
    >>> from medalliance import examples
    >>> html = registry_html(examples.load("gangkou"))
    >>> "港口区" in html and "<th>form</th>" in html
    True
    """
    require_registry(registry)
    tiers: Counter[Tier] = Counter(i.tier for i in registry.institutions)
    kinds: Counter[InstitutionKind] = Counter(i.kind for i in registry.institutions)
    n_inst, n_all, n_agr = (
        len(registry.institutions),
        len(registry.alliances),
        len(registry.agreements),
    )
    summary = _line(
        " · ".join(
            (
                count_noun(n_inst, "institution"),
                count_noun(n_all, "alliance"),
                count_noun(n_agr, "agreement"),
                count_noun(len(registry.sources), "source"),
            )
        )
    )
    by_tier = html_table(
        ["tier", "institutions"],
        [[f"{t.value} ({t.label_zh})", tiers[t]] for t in _TIERS_DOWN if tiers[t]],
        caption="by tier",
    )
    by_kind = html_table(
        ["kind", "institutions"],
        [[f"{k.value} ({k.label_zh})", n] for k, n in kinds.most_common()],
        caption="by kind",
        max_rows=8,
    )

    def alliance_rows() -> Iterable[list[Any]]:
        for a in registry.alliances:
            members = registry.members_of(a.id)
            per_tier: Counter[Tier] = Counter(i.tier for i in members)
            yield [
                a.id,
                a.name,
                a.form.label_zh,
                a.tightness_label,
                len(members),
                *(per_tier[t] for t in _TIERS_DOWN),
            ]

    alliances = html_table(
        ["alliance", "name", "form", "tightness", "members", *(t.value for t in _TIERS_DOWN)],
        alliance_rows(),
        caption="alliances",
        max_rows=max_rows,
        total=n_all,
    )
    title = f"Registry: {registry.title}" if registry.title else "Registry"
    counts = f'<div style="display:flex;gap:2em">{by_tier}{by_kind}</div>'
    return _box(title, summary, counts, alliances if n_all else "")


def alliance_html(
    alliance: Alliance, *, registry: Registry | None = None, max_rows: int = MAX_ROWS
) -> str:
    """HTML summary of an alliance: form, tightness, leads, then members with their roles.

    Also its unit and parent when it is a centre or sub-alliance, and how many centres,
    clinics, staff postings and declared figures it has. With ``registry``, members are shown
    with their names and tiers too; a member's own tightness is shown when any is set.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> a = reg.alliances[0]
    >>> "<th>tier</th>" in alliance_html(a, registry=reg), "<th>tier</th>" in alliance_html(a)
    (True, False)
    """
    level = alliance.tightness
    tightness = alliance.tightness_label + (f" ({level.label_zh})" if level is not None else "")
    head = [
        _line(
            f"{alliance.id} · {alliance.form.value} ({alliance.form.label_zh}) · "
            f"{tightness} · lead: {', '.join(alliance.lead)}"
        )
    ]
    extras = []
    if alliance.unit is not AllianceUnit.ALLIANCE:
        extras.append(f"{alliance.unit.value} ({alliance.unit.label_zh})")
    if alliance.part_of or alliance.part_of_name:
        extras.append(f"part of {alliance.part_of or alliance.part_of_name}")
    if alliance.specialty is not None:
        extras.append(f"specialty {alliance.specialty.value}")
    if alliance.founded is not None:
        extras.append(f"founded {alliance.founded.isoformat()}")
    if alliance.region.label():
        extras.append(alliance.region.label())
    for name, n in (
        ("shared centre", len(alliance.shared_centres)),
        ("expert clinic", len(alliance.expert_clinics)),
        ("staff posting", len(alliance.staff_postings)),
        ("declared figure", len(alliance.declared)),
    ):
        if n:
            extras.append(count_noun(n, name))
    if extras:
        head.append(_line(" · ".join(extras)))
    if alliance.provisions:
        head.append(_line("alliance-wide: " + _cell(alliance.provisions)))
    if registry is not None:
        table = tabular_html(member_table(registry, alliance.id), max_rows=max_rows)
    elif any(m.tightness is not None for m in alliance.memberships):
        table = html_table(
            ["institution", "role", "tightness", "joined"],
            (
                [m.institution, m.role, alliance.tightness_of(m.institution), m.joined]
                for m in alliance.memberships
            ),
            caption="members",
            max_rows=max_rows,
            total=len(alliance.memberships),
        )
    else:
        table = html_table(
            ["institution", "role", "joined"],
            ([m.institution, m.role, m.joined] for m in alliance.memberships),
            caption="members",
            max_rows=max_rows,
            total=len(alliance.memberships),
        )
    return _box(alliance.name, *head, table)


def institution_html(institution: Institution) -> str:
    """HTML summary of an institution: the fields that are set, one per row.

    Examples
    --------
    >>> from medalliance import examples
    >>> html = institution_html(examples.load("shanghai_luwan").institution("ruijin"))
    >>> "三级甲等" in html and "<td>beds</td>" not in html
    True
    """
    i = institution
    rows: list[list[Any]] = [
        ["id", i.id],
        ["kind", f"{i.kind.value} ({i.kind.label_zh})"],
        ["level", f"{i.tier.value}{' ' + i.grade.value if i.grade else ''} ({i.level_zh})"],
    ]
    optional: list[tuple[str, Any]] = [
        ("name_en", i.name_en),
        ("aliases", i.aliases or None),
        ("ownership", i.ownership),
        ("region", i.region.label() or None),
        ("division_code", i.region.division_code),
        ("lat, lon", f"{_cell(i.lat)}, {_cell(i.lon)}" if i.has_coordinates else None),
        ("beds", i.beds),
        ("population_served", i.population_served),
        ("specialties", i.specialties or None),
        ("services", i.services or None),
        ("source", i.provenance.source if i.provenance else None),
        ("inferred", (i.provenance.inferred or None) if i.provenance else None),
    ]
    rows += [[k, v] for k, v in optional if v is not None]
    return _box(i.name, html_table(["field", "value"], rows, max_rows=len(rows)))


def agreement_html(agreement: Agreement) -> str:
    """HTML summary of an agreement: parties, items, term and status.

    Examples
    --------
    >>> from medalliance import examples
    >>> g = examples.load("beijing_tongren").agreement("tongren_agreement")
    >>> "two_way_referral" in agreement_html(g)
    True
    """
    g = agreement
    rows: list[list[Any]] = [
        ["alliance", g.alliance],
        ["parties", g.parties],
        ["items", ", ".join(f"{i.value} ({i.label_zh})" for i in g.items)],
        ["status", g.status],
    ]
    for k, v in (
        ("signed", g.signed),
        ("valid_from", g.valid_from),
        ("valid_until", g.valid_until),
    ):
        if v is not None:
            rows.append([k, v])
    title = f"{g.title} ({g.id})" if g.title else f"Agreement {g.id}"
    return _box(title, html_table(["field", "value"], rows, max_rows=len(rows)))


def tabular_html(result: Tabular, *, max_rows: int = MAX_ROWS) -> str:
    """HTML of a table-like result: its first ``max_rows`` rows and how many more there are.

    Columns are the keys of the result's ``rows()``, in first-seen order.

    Examples
    --------
    >>> from medalliance import examples
    >>> html = tabular_html(member_table(examples.load("shanghai_luwan"), "luwan_ruijin"),
    ...                     max_rows=3)
    >>> html.count("<tr>"), "… and 4 more rows" in html  # header, 3 rows, footer
    (5, True)
    """
    rows = result.rows()
    header: dict[str, None] = {}
    for r in rows[:max_rows]:
        header.update(dict.fromkeys(r))
    cols = list(header)
    title = type(result).__name__
    if not rows:
        return _box(title, _line("(no rows)"))
    body = html_table(
        cols,
        ([r.get(c) for c in cols] for r in rows[:max_rows]),
        max_rows=max_rows,
        total=len(rows),
    )
    return _box(f"{title} ({count_noun(len(rows), 'row')})", body)


def frames_html(frames: Any) -> str:
    """HTML of :class:`~medalliance.io.tables.RegistryFrames`: each table's rows and columns.

    Examples
    --------
    >>> from medalliance import examples
    >>> from medalliance.io.tables import to_frames
    >>> "<td>memberships</td><td>7</td>" in frames_html(to_frames(examples.load("shanghai_luwan")))
    True
    """
    rows = []
    for name, df in frames.tables():
        if df is None:
            rows.append([name, 0, 0])
        else:
            rows.append([name, len(df), len(df.columns)])
    return _box("RegistryFrames", html_table(["table", "rows", "columns"], rows))


def _model_or_table(obj: Any) -> str:
    """The display of a model: its table when it is table-like, else its fields."""
    return tabular_html(obj) if isinstance(obj, Tabular) else model_html(obj)


# -- members with their tiers -----------------------------------------------------------------


class Member(FrozenModel):
    """One member of an alliance, with what the registry knows about it."""

    institution: str
    """Institution id."""
    name: str
    """Institution name."""
    role: MemberRole
    """Role in the alliance."""
    tightness: Tightness
    """How tightly it is joined: its own tightness, else the alliance's."""
    tier: Tier
    """Tier of the institution."""
    grade: Grade | None
    """Grade within the tier, when known."""
    kind: InstitutionKind
    """What the institution is."""
    joined: IsoDate | None
    """Date the institution joined, when known."""


class MemberTable(FrozenModel, Tabular):
    """The members of one alliance with names, roles and tiers (:func:`member_table`)."""

    alliance: str
    """Alliance id."""
    members: tuple[Member, ...]
    """Members in the alliance's order."""

    def rows(self) -> list[dict[str, Any]]:
        """One row per member: institution, name, role, tightness, tier, grade, kind, joined.

        Examples
        --------
        >>> from medalliance import examples
        >>> member_table(examples.load("county_township"), "county_township_community"
        ...              ).rows()[0]["role"]
        'lead'
        """
        return [
            {
                "institution": m.institution,
                "name": m.name,
                "role": m.role.value,
                "tightness": m.tightness.value,
                "tier": m.tier.value,
                "grade": None if m.grade is None else m.grade.value,
                "kind": m.kind.value,
                "joined": m.joined,
            }
            for m in self.members
        ]

    def __repr__(self) -> str:
        tiers: Counter[Tier] = Counter(m.tier for m in self.members)
        return (
            f"MemberTable({self.alliance!r}, {count_noun(len(self.members), 'member')}: "
            f"{_counts(tiers, _TIERS_DOWN)})"
        )

    __str__ = __repr__

    def _repr_html_(self) -> str:
        return tabular_html(self)


def member_table(registry: Registry, alliance: str) -> MemberTable:
    """The members of ``alliance`` with their names, roles and tiers.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Alliance id.

    Returns
    -------
    MemberTable
        Members in the alliance's order; ``to_frame()`` gives a DataFrame.

    Raises
    ------
    UnknownIdError
        If the alliance does not exist.

    Examples
    --------
    >>> from medalliance import examples
    >>> t = member_table(examples.load("shanghai_luwan"), "luwan_ruijin")
    >>> [(m.institution, m.role.value, m.tier.value) for m in t.members][:2]
    [('ruijin', 'lead', 'tertiary'), ('ruijin_luwan_branch', 'member', 'secondary')]
    """
    require_registry(registry)
    a = registry.alliance(alliance)
    members = []
    for m in a.memberships:
        i = registry.institution(m.institution)
        tightness = a.tightness_of(m.institution)
        assert tightness is not None  # a member of a valid alliance
        members.append(
            Member(
                institution=i.id,
                name=i.name,
                role=m.role,
                tightness=tightness,
                tier=i.tier,
                grade=i.grade,
                kind=i.kind,
                joined=m.joined,
            )
        )
    return MemberTable(alliance=a.id, members=tuple(members))


register_html_renderer("registry", registry_html)
register_html_renderer("alliance", alliance_html)
register_html_renderer("institution", institution_html)
register_html_renderer("agreement", agreement_html)
register_html_renderer("tabular", tabular_html)
register_html_renderer("model", _model_or_table)
