"""Summaries of a registry and its alliances, as frozen result models.

:func:`alliance_summary` gathers what a person wants to see first about an alliance: its
form, unit and tightness, members by tier, kind, role and tightness, provisions and
agreements, shared centres, expert clinics, staff postings, and every declared figure beside
the value computed from the listed members (where one can be computed). The
``medalliance report`` command prints these.

Shared centres whose hosting the source does not state are listed in
:attr:`AllianceSummary.inferred_centres` (the rule is
:func:`~medalliance.sharing.inferred_centres`), and the report marks their hosting as
inferred: an inferred centre is never presented as a reported one.

Declared metrics with a computed counterpart:

- ``member_count``, ``grassroots_members``, ``hospital_members``: counted from the
  memberships (see :data:`medalliance.checks.COUNTED_METRICS`);
- ``beds``, ``beds_radiated``, ``beds_covered``: the sum of members' ``beds`` (members with
  no bed count are reported as unknown);
- ``population_covered``, ``population_served``: the sum of members' ``population_served``.

Beds and population are compared by the rule of :func:`~medalliance.coverage.alliance_coverage`
(:class:`~medalliance.coverage.Consistency`): when a member's figure is missing (or the
alliance lists fewer members than it declares), the sum is only a lower bound, and a declared
figure that the bound does not contradict is ``undetermined``: it has no difference.

Examples
--------
>>> from medalliance import examples
>>> s = alliance_summary(examples.load("shanghai_luwan"), "luwan_ruijin")
>>> s.by_tier
(('tertiary', 1), ('secondary', 2), ('primary', 4))
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter

from medalliance.checks import COUNTED_METRICS, Finding, check_registry
from medalliance.coverage import BED_METRICS, POPULATION_METRICS, Consistency, alliance_coverage
from medalliance.model._as_of import as_date
from medalliance.model._require import require_registry
from medalliance.model.alliance import DeclaredFigure, MemberRole
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel
from medalliance.sharing import inferred_centres

__all__ = [
    "AllianceSummary",
    "FigureComparison",
    "RegistrySummary",
    "alliance_summary",
    "registry_summary",
]


class FigureComparison(FrozenModel):
    """A declared figure beside the value computed from the registry, when computable."""

    figure: DeclaredFigure
    """The figure as declared."""
    computed: int | None
    """Value computed from listed members; ``None`` when the metric is not computable."""
    unknown_members: int = 0
    """Members whose value is missing from the computed sum (beds, population)."""
    consistency: Consistency | None = None
    """For beds and population, whether the declared figure and the members' sum can both be
    true (``undetermined`` when the sum is only a lower bound); ``None`` for other metrics."""

    @property
    def undetermined(self) -> bool:
        """Whether the computed value is only a lower bound that does not settle the figure.

        Examples
        --------
        >>> from medalliance import examples
        >>> s = alliance_summary(examples.load("zhejiang_geriatric"), "zhejiang_geriatric_alliance")
        >>> [(c.figure.metric, c.computed, c.undetermined, c.difference) for c in s.figures
        ...  if c.figure.metric == "beds_radiated"]
        [('beds_radiated', 0, True, None)]
        """
        return self.consistency is Consistency.UNDETERMINED

    @property
    def difference(self) -> int | float | None:
        """``declared - computed`` (``None`` when not computable or :attr:`undetermined`).

        Examples
        --------
        >>> from medalliance import examples
        >>> s = alliance_summary(examples.load("shanghai_luwan"), "luwan_ruijin")
        >>> [(c.figure.metric, c.difference) for c in s.figures][:2]
        [('member_count', 0), ('hospital_members', 0)]
        """
        if self.computed is None or self.undetermined:
            return None
        return self.figure.value - self.computed


class AllianceSummary(FrozenModel):
    """What :func:`alliance_summary` returns. Counts are ``(label, count)`` pairs."""

    alliance_id: str
    name: str
    form: str
    tightness: str
    """The alliance's tightness, or ``per_member (low–high)`` when set member by member."""
    leads: tuple[str, ...]
    member_count: int
    by_tier: tuple[tuple[str, int], ...]
    """Members per tier, highest tier first (tiers with no member omitted)."""
    by_kind: tuple[tuple[str, int], ...]
    """Members per institution kind, most frequent first."""
    by_role: tuple[tuple[str, int], ...]
    """Members per role, in the order of :class:`~medalliance.MemberRole` (lead first)."""
    beds_known: int
    """Sum of the members' beds where known."""
    beds_unknown_members: int
    """Members with no bed count."""
    agreements: int
    inferred_centres: tuple[str, ...]
    """Ids of the shared centres whose hosting is inferred, not stated by the source."""
    figures: tuple[FigureComparison, ...]
    unit: str = "alliance"
    """``alliance``, or ``centre`` for a 诊疗中心 inside an alliance."""
    part_of: str | None = None
    """Id of the alliance it is part of, else that alliance's name (``part_of_name``)."""
    by_tightness: tuple[tuple[str, int], ...] = ()
    """Members per tightness (each member's own, else the alliance's), loosest first."""
    staff_postings: int = 0
    """Staff-posting records."""
    staff_posted: int = 0
    """People those records post (a named person counts 1)."""


class RegistrySummary(FrozenModel):
    """What :func:`registry_summary` returns."""

    title: str | None
    institutions: int
    alliances: int
    agreements: int
    by_tier: tuple[tuple[str, int], ...]
    by_form: tuple[tuple[str, int], ...]
    multi_alliance_institutions: int
    """Institutions that belong to more than one alliance."""
    findings: tuple[Finding, ...]


def _comparisons(registry: Registry, alliance: str) -> tuple[FigureComparison, ...]:
    """Each declared figure of ``alliance`` beside its computed value, where there is one."""
    a = registry.alliance(alliance)
    checks = {}
    if any(f.metric in BED_METRICS | POPULATION_METRICS for f in a.declared):
        coverage = alliance_coverage(registry, alliance)
        checks = {id(c.declared): c for c in (*coverage.beds, *coverage.population)}
    out = []
    for fig in a.declared:
        counter = COUNTED_METRICS.get(fig.metric)
        check = checks.get(id(fig))
        if fig.subject not in (None, a.id):
            out.append(FigureComparison(figure=fig, computed=None))
        elif counter is not None:
            out.append(FigureComparison(figure=fig, computed=counter(a, registry)))
        elif check is not None:
            out.append(
                FigureComparison(
                    figure=fig,
                    computed=check.computed,
                    unknown_members=len(check.members_missing),
                    consistency=check.consistency,
                )
            )
        else:
            out.append(FigureComparison(figure=fig, computed=None))
    return tuple(out)


def alliance_summary(
    registry: Registry, alliance: str, *, as_of: _dt.date | str | None = None
) -> AllianceSummary:
    """Summarise one alliance of ``registry``.

    Parameters
    ----------
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Raises
    ------
    UnknownIdError
        If ``alliance`` is not in the registry.

    Examples
    --------
    >>> from medalliance import examples
    >>> s = alliance_summary(examples.load("benxi_central"), "benxi_central_alliance")
    >>> [(c.figure.metric, c.figure.value, c.computed) for c in s.figures][:1]
    [('hospital_members', 9, 1)]
    >>> alliance_summary(examples.load("dingzhou"), "dingzhou_mch_alliance").inferred_centres[:2]
    ('dzm_lab', 'dzm_ecg')
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    a = registry.alliance(alliance)
    members = registry.members_of(alliance)
    tiers = Counter(m.tier for m in members)
    kinds = Counter(m.kind.value for m in members)
    roles = Counter(m.role.value for m in a.memberships)
    role_order = [r.value for r in MemberRole]
    beds = [m.beds for m in members if m.beds is not None]
    levels = Counter(t for m in a.members if (t := a.tightness_of(m)) is not None)
    return AllianceSummary(
        alliance_id=a.id,
        name=a.name,
        form=a.form.value,
        tightness=a.tightness_label,
        leads=a.lead,
        member_count=len(members),
        by_tier=tuple((t.value, tiers[t]) for t in sorted(tiers, reverse=True)),
        by_kind=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_role=tuple((r, roles[r]) for r in role_order if roles[r]),
        beds_known=sum(beds),
        beds_unknown_members=len(members) - len(beds),
        agreements=sum(1 for g in registry.agreements if g.alliance == a.id),
        inferred_centres=inferred_centres(registry, alliance=a.id),
        figures=_comparisons(registry, alliance),
        unit=a.unit.value,
        part_of=a.part_of or a.part_of_name,
        by_tightness=tuple((t.value, levels[t]) for t in sorted(levels)),
        staff_postings=len(a.staff_postings),
        staff_posted=sum(p.people for p in a.staff_postings),
    )


def registry_summary(registry: Registry, *, as_of: _dt.date | str | None = None) -> RegistrySummary:
    """Summarise a whole registry, with the findings of :func:`~medalliance.checks.check_registry`.

    With ``as_of``, the findings' date checks compare with that day instead of today.

    Parameters
    ----------
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Examples
    --------
    >>> from medalliance import examples
    >>> s = registry_summary(examples.load("zhejiang_geriatric"))
    >>> s.by_form
    (('specialty_alliance', 2),)
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    tiers = Counter(i.tier for i in registry.institutions)
    forms = Counter(a.form.value for a in registry.alliances)
    membership = Counter(m for a in registry.alliances for m in a.members)
    return RegistrySummary(
        title=registry.title,
        institutions=len(registry.institutions),
        alliances=len(registry.alliances),
        agreements=len(registry.agreements),
        by_tier=tuple((t.value, tiers[t]) for t in sorted(tiers, reverse=True)),
        by_form=tuple(sorted(forms.items(), key=lambda kv: (-kv[1], kv[0]))),
        multi_alliance_institutions=sum(1 for c in membership.values() if c > 1),
        findings=check_registry(registry, today=None if as_of is None else as_date(as_of)),
    )
