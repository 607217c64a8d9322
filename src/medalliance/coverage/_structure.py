"""Structural coverage: members, declared against computed figures, areas."""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from medalliance.coverage._common import _ROLE_ORDER, Counts
from medalliance.coverage._figures import (
    BED_METRICS,
    POPULATION_METRICS,
    FigureCheck,
    _check_tolerance,
    _figure_checks,
    _listing_complete,
)
from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.alliance import Alliance, MemberRole
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Tabular, no_duplicates
from medalliance.model.vocab import LabelledEnum

# --------------------------------------------------------------------------------------
# structural coverage


class AreaLevel(LabelledEnum):
    """Administrative level of :class:`~medalliance.model.common.Region` used for area coverage."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.PROVINCE: ("省", "省级"),
            cls.CITY: ("市", "地市", "地级市"),
            cls.COUNTY: ("县", "县区", "区县", "县级"),
            cls.TOWNSHIP: ("乡镇", "乡镇街道", "街道", "乡"),
        }


class AreaMembers(FrozenModel):
    """One area and the members located in it."""

    area: str
    """Area name at the level (e.g. a township)."""
    expected: bool
    """Whether the area is among the expected ones (always ``True`` with none given)."""
    members: tuple[str, ...]
    """Ids of the counted members located in the area (empty when uncovered)."""


class AreaCoverage(FrozenModel, Tabular):
    """Which administrative areas an alliance's members cover (see :func:`area_coverage`)."""

    alliance: str
    """Id of the alliance."""
    level: AreaLevel
    """Level compared (the ``Region`` field)."""
    roles: tuple[MemberRole, ...]
    """Roles of the members counted (empty: every member)."""
    expected: tuple[str, ...] | None
    """Areas expected to be covered, or ``None`` when not given."""
    areas: tuple[AreaMembers, ...]
    """Every expected area (covered or not) and every other area with a member, by name."""
    members_without_area: tuple[str, ...]
    """Counted members whose region does not give the level."""

    @property
    def covered(self) -> tuple[str, ...]:
        """Expected areas with at least one counted member (all member areas with none given).

        Examples
        --------
        >>> from medalliance import examples
        >>> c = area_coverage(examples.load("gangkou"), "gangkou_community", area_roles=["hub"],
        ...                   expected_areas=["企沙镇", "光坡镇", "公车镇", "江山乡"])
        >>> c.covered
        ('企沙镇', '光坡镇', '公车镇')
        """
        return tuple(a.area for a in self.areas if a.members and a.expected)

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Expected areas without a counted member.

        Examples
        --------
        >>> from medalliance import examples
        >>> c = area_coverage(examples.load("gangkou"), "gangkou_community", area_roles=["hub"],
        ...                   expected_areas=["企沙镇", "光坡镇", "公车镇", "江山乡"])
        >>> c.uncovered
        ('江山乡',)
        """
        return tuple(a.area for a in self.areas if not a.members)

    @property
    def outside(self) -> tuple[str, ...]:
        """Areas with a counted member that are not among the expected ones.

        Examples
        --------
        >>> from medalliance import examples
        >>> c = area_coverage(examples.load("gangkou"), "gangkou_community", area_roles=["hub"],
        ...                   expected_areas=["企沙镇", "光坡镇", "公车镇", "江山乡"])
        >>> c.outside
        ('渔洲坪街道',)
        """
        return tuple(a.area for a in self.areas if not a.expected)

    @property
    def full(self) -> bool | None:
        """Whether every expected area is covered (``None`` when none are expected).

        Examples
        --------
        >>> from medalliance import examples
        >>> c = area_coverage(examples.load("gangkou"), "gangkou_community", area_roles=["hub"],
        ...                   expected_areas=["企沙镇", "光坡镇", "公车镇", "江山乡"])
        >>> c.full, area_coverage(examples.load("gangkou"), "gangkou_community").full
        (False, None)
        """
        return None if self.expected is None else not self.uncovered

    def rows(self) -> list[dict[str, Any]]:
        """One row per area: area, expected, covered, member count and ids.

        Examples
        --------
        >>> from medalliance import examples
        >>> c = area_coverage(examples.load("gangkou"), "gangkou_community", area_roles=["hub"],
        ...                   expected_areas=["企沙镇", "光坡镇", "公车镇", "江山乡"])
        >>> [(r["area"], r["expected"], r["covered"], r["member_ids"]) for r in c.rows()[-2:]]
        [('江山乡', True, False, ''), ('渔洲坪街道', False, True, 'yuzhouping_chc')]
        """
        return [
            {
                "area": a.area,
                "expected": a.expected,
                "covered": bool(a.members),
                "members": len(a.members),
                "member_ids": " ".join(a.members),
            }
            for a in self.areas
        ]


class AllianceCoverage(FrozenModel, Tabular):
    """What :func:`alliance_coverage` returns; as a table, one ``measure``/``value`` row each."""

    alliance: str
    """Id of the alliance."""
    form: str
    """Its form."""
    members: int
    """Members listed (leads included)."""
    by_tier: Counts
    """Members per tier, highest first (tiers without a member left out)."""
    by_kind: Counts
    """Members per institution kind, most frequent first, then by kind."""
    by_role: Counts
    """Members per role, in the order of :class:`~medalliance.MemberRole` (lead first)."""
    grassroots: int
    """Members of a grassroots kind."""
    beds: tuple[FigureCheck, ...]
    """One check per declared bed figure (or one with ``declared=None``)."""
    population: tuple[FigureCheck, ...]
    """One check per declared population figure (or one with ``declared=None``)."""
    areas: AreaCoverage
    """Areas covered by the members."""
    members_elsewhere: int
    """Members that also belong to another alliance."""
    sharing_alliances: int
    """Other alliances with at least one member in common."""

    def rows(self) -> list[dict[str, Any]]:
        """Every count and check as a ``measure``/``value`` row (``to_frame()``, notebooks).

        Examples
        --------
        >>> from medalliance import examples
        >>> rows = alliance_coverage(examples.load("shanghai_luwan"), "luwan_ruijin").rows()
        >>> rows[0], rows[1]
        ({'measure': 'members', 'value': 7}, {'measure': 'tier: tertiary', 'value': 1})
        """
        out: list[tuple[str, Any]] = [("members", self.members)]
        for prefix, counts in (("tier", self.by_tier), ("role", self.by_role)):
            out += [(f"{prefix}: {k}", n) for k, n in counts]
        out += [(f"kind: {k}", n) for k, n in self.by_kind]
        out.append(("grassroots", self.grassroots))
        for c in (*self.beds, *self.population):
            q = c.quantity + (f" ({c.declared.metric})" if c.declared is not None else "")
            out.append((f"{q}: computed", c.computed))
            out.append((f"{q}: members missing", len(c.members_missing)))
            if c.declared is not None:
                out.append((f"{q}: declared", c.declared.value))
            out.append((f"{q}: consistency", c.consistency.value))
        out += [
            ("areas covered", len(self.areas.covered)),
            ("members without area", len(self.areas.members_without_area)),
            ("members elsewhere", self.members_elsewhere),
            ("sharing alliances", self.sharing_alliances),
        ]
        return [{"measure": m, "value": v} for m, v in out]


def _roles(roles: Iterable[MemberRole | str] | None) -> tuple[MemberRole, ...]:
    if roles is None:
        return ()
    if isinstance(roles, str):
        roles = (roles,)
    problems: list[Problem] = []
    out: list[MemberRole] = []
    for i, r in enumerate(roles):
        try:
            role = MemberRole.parse(r)
        except MedAllianceError as exc:
            problems.extend(exc.with_prefix(("area_roles", i)).problems)
            continue
        if role not in out:
            out.append(role)
    if problems:
        raise MedAllianceError(problems)
    return tuple(sorted(out, key=_ROLE_ORDER.index))


def _expected_areas(expected: Iterable[str] | None) -> tuple[str, ...] | None:
    if expected is None:
        return None
    exp = (expected,) if isinstance(expected, str) else tuple(expected)
    problems = [
        Problem(("expected_areas", i), "must be a non-blank area name")
        for i, e in enumerate(exp)
        if not isinstance(e, str) or not e.strip()
    ]
    try:
        no_duplicates(exp)
    except ValueError as exc:
        problems.append(Problem(("expected_areas",), str(exc)))
    if problems:
        raise MedAllianceError(problems)
    return exp


def _area_coverage(
    a: Alliance,
    area_of: dict[str, str | None],
    lvl: AreaLevel,
    exp: tuple[str, ...] | None,
    wanted: tuple[MemberRole, ...],
) -> AreaCoverage:
    by_area: dict[str, list[str]] = {}
    without: list[str] = []
    for m in a.memberships:
        if wanted and m.role not in wanted:
            continue
        name = area_of[m.institution]
        if name is None:
            without.append(m.institution)
        else:
            by_area.setdefault(name, []).append(m.institution)
    areas: list[AreaMembers] = []
    if exp is not None:
        areas += [
            AreaMembers.model_construct(area=e, expected=True, members=tuple(by_area.get(e, ())))
            for e in exp
        ]
        others = sorted(set(by_area) - set(exp))
    else:
        others = sorted(by_area)
    areas += [
        AreaMembers.model_construct(area=x, expected=exp is None, members=tuple(by_area[x]))
        for x in others
    ]
    return AreaCoverage.model_construct(
        alliance=a.id,
        level=lvl,
        roles=wanted,
        expected=exp,
        areas=tuple(areas),
        members_without_area=tuple(without),
    )


def area_coverage(
    registry: Registry,
    alliance: str,
    *,
    expected_areas: Iterable[str] | None = None,
    area_level: AreaLevel | str = AreaLevel.TOWNSHIP,
    area_roles: Iterable[MemberRole | str] | None = None,
) -> AreaCoverage:
    """Which administrative areas the members of ``alliance`` are located in.

    A registry does not list every township of a county, so the areas that should be covered
    are given as ``expected_areas`` (names at ``area_level``, matched exactly against the members'
    :class:`~medalliance.model.common.Region`). Only members with one of ``area_roles`` count (e.g.
    ``area_roles=["hub"]`` for "every township has a hub member").

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Id of the alliance.
    expected_areas : iterable of str, optional
        Area names that should be covered; without them only the covered areas are listed.
    area_level : AreaLevel or str, default "township"
        ``province``, ``city``, ``county`` or ``township`` (or 省/市/县/乡镇).
    area_roles : iterable of MemberRole or str, optional
        Roles of the members that count; every member when omitted.

    Returns
    -------
    AreaCoverage
        Expected areas first (in the order given, covered or not), then other member areas
        by name; members with no area at that level listed apart.

    Raises
    ------
    MedAllianceError
        For an unknown alliance, level or role, or an expected area listed twice or blank.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> c = area_coverage(reg, "gangkou_community", area_roles=["hub"],
    ...                   expected_areas=["公车镇", "企沙镇", "光坡镇", "渔洲坪街道", "某街道"])
    >>> c.full, c.uncovered
    (False, ('某街道',))
    >>> c.members_without_area
    ()
    """
    require_registry(registry)
    a = registry.alliance(alliance)
    lvl = AreaLevel.parse(area_level)
    wanted = _roles(area_roles)
    exp = _expected_areas(expected_areas)
    area_of = {m: getattr(registry.institution(m).region, lvl.value) for m in a.members}
    return _area_coverage(a, area_of, lvl, exp, wanted)


def _alliance_coverage(
    registry: Registry,
    a: Alliance,
    *,
    areas: AreaCoverage,
    members_elsewhere: int,
    sharing_alliances: int,
    tol: float,
) -> AllianceCoverage:
    members = registry.members_of(a.id)
    tiers = Counter(m.tier for m in members)
    kinds = Counter(m.kind.value for m in members)
    roles = Counter(m.role for m in a.memberships)
    complete = _listing_complete(registry, a)
    return AllianceCoverage.model_construct(
        alliance=a.id,
        form=a.form.value,
        members=len(members),
        by_tier=tuple((t.value, tiers[t]) for t in sorted(tiers, reverse=True)),
        by_kind=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_role=tuple((r.value, roles[r]) for r in _ROLE_ORDER if roles[r]),
        grassroots=sum(1 for m in members if m.is_grassroots),
        beds=_figure_checks(
            a, members, quantity="beds", metrics=BED_METRICS, listing_complete=complete, tol=tol
        ),
        population=_figure_checks(
            a,
            members,
            quantity="population",
            metrics=POPULATION_METRICS,
            listing_complete=complete,
            tol=tol,
        ),
        areas=areas,
        members_elsewhere=members_elsewhere,
        sharing_alliances=sharing_alliances,
    )


def alliance_coverage(
    registry: Registry,
    alliance: str,
    *,
    expected_areas: Iterable[str] | None = None,
    area_level: AreaLevel | str = AreaLevel.TOWNSHIP,
    area_roles: Iterable[MemberRole | str] | None = None,
    about_tolerance: float = 0.1,
    as_of: _dt.date | str | None = None,
) -> AllianceCoverage:
    """Structural coverage of one alliance: members, beds, population, areas, overlap.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Id of the alliance.
    expected_areas, area_level, area_roles
        Passed to :func:`area_coverage` as ``expected``, ``level`` and ``roles``.
    about_tolerance : float, default 0.1
        Relative half-width of the range of an ``about`` (约) figure.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    AllianceCoverage
        Counts by tier, kind and role; bed and population checks; areas; how many members
        and other alliances it shares (see :func:`alliance_overlap` for the pairs).

    Raises
    ------
    MedAllianceError
        For an unknown alliance, bad area arguments or a tolerance outside [0, 1).

    Examples
    --------
    >>> from medalliance import examples
    >>> c = alliance_coverage(examples.load("zhejiang_geriatric"), "zhejiang_geriatric_alliance")
    >>> beds = c.beds[0]
    >>> beds.declared.value, beds.declared.qualifier.value, beds.computed, beds.members_missing
    (13000, 'more_than', 0, ('zhejiang_hospital',))
    >>> beds.consistency.value, beds.difference
    ('undetermined', 13000)
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    _check_tolerance(about_tolerance)
    a = registry.alliance(alliance)
    areas = area_coverage(
        registry,
        alliance,
        expected_areas=expected_areas,
        area_level=area_level,
        area_roles=area_roles,
    )
    elsewhere = 0
    others: set[str] = set()
    for m in a.members:
        theirs = [x.id for x in registry.alliances_of(m) if x.id != a.id]
        elsewhere += bool(theirs)
        others.update(theirs)
    return _alliance_coverage(
        registry,
        a,
        areas=areas,
        members_elsewhere=elsewhere,
        sharing_alliances=len(others),
        tol=about_tolerance,
    )
