"""How much an alliance really covers, and whether its referral network is sound.

Structural coverage (per alliance, or across a registry with :func:`registry_coverage`):

- members by tier, kind and role;
- beds and population **computed** from the members beside the **declared** figures
  (:class:`~medalliance.alliance.DeclaredFigure`, e.g. Zhejiang's "13,000+ beds radiated"),
  with the difference and whether the two can both be true given the figure's qualifier
  (:class:`FigureCheck`). Members without a figure are listed, never counted as 0;
- administrative areas covered (:func:`area_coverage`: e.g. whether every township of a
  county has a hub member, the "full coverage" a county community claims);
- overlap between alliances (:func:`alliance_overlap`: institutions in several).

Referral reachability (:func:`reachability`): for each grassroots member, whether and in how
many hops it reaches an institution of the needed tier, specialty or service
(:class:`ReachTarget`) through referral channels (:mod:`medalliance.channels`), and which
targets are nearest. One hop is a referral between two institutions of one channel.

Resilience: :func:`articulation_points` lists the institutions whose loss splits the
referral network, with the parts left behind; :func:`removal_impact` says what removing one
member (the lead, say) does to reachability.

Rules:

- **Declared vs computed.** A declared figure is a range: ``exact`` v is [v, v];
  ``at_least`` [v, ∞); ``more_than`` (v, ∞); ``up_to`` [0, v]; ``about`` v is
  [v·(1−t), v·(1+t)] with ``about_tolerance`` t (default 0.1). The computed sum is a point
  when every listed member has the figure and the alliance lists every member it declares;
  otherwise it is only a lower bound [sum, ∞). The check is ``consistent`` when a point lies
  in the range, ``inconsistent`` when the two cannot meet, ``undetermined`` when a lower
  bound does not contradict the range, ``not_declared`` when nothing is declared.
- **Targets.** An institution meets a :class:`ReachTarget` when it meets every condition
  given: tier at least ``min_tier``; offers ``specialty`` (its own ``specialties``, or it
  leads a specialty alliance of that specialty); offers every one of ``services`` (its own
  ``services``); is one of ``institutions``. An origin that meets the target itself is 0
  hops away.
- **Channels.** As in referral decisions: only channels a case of the target's specialty may
  use (specialty alliances carry their own specialty only) unless ``all_specialties=True``;
  with ``alliance=...`` only that alliance's channels. Removing an institution removes it
  from every channel; the other members of an alliance-wide channel stay linked.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("shanghai_luwan")
>>> r = reachability(reg, target=ReachTarget(min_tier="tertiary"))
>>> r[0].institution, r[0].hops, r[0].nearest
('dapuqiao_chc', 1, ('ruijin',))
>>> [p.institution for p in articulation_points(reg)]
[]
"""

from __future__ import annotations

import functools
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar, overload

import numpy as np
from pydantic import AfterValidator, ConfigDict, model_validator
from typing_extensions import ParamSpec

from medalliance.alliance import (
    Alliance,
    AllianceForm,
    DeclaredFigure,
    MemberRole,
    Qualifier,
)
from medalliance.channels import ReferralChannels, referral_channels
from medalliance.checks import COUNTED_METRICS
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.institution import Institution, Tier
from medalliance.registry import Registry
from medalliance.types import FrozenModel, Id, Tabular, no_duplicates, paused_gc
from medalliance.vocab import LabelledEnum, ServiceKind, ServiceKindField, Specialty, SpecialtyField

__all__ = [
    "BED_METRICS",
    "POPULATION_METRICS",
    "AllianceCoverage",
    "AllianceOverlap",
    "AlliancePopulation",
    "AreaCoverage",
    "AreaLevel",
    "AreaMembers",
    "Consistency",
    "CutPoint",
    "CutPoints",
    "FigureCheck",
    "HopChange",
    "OriginReach",
    "Overlap",
    "PopulationCoverage",
    "ReachTarget",
    "Reachability",
    "RegistryCoverage",
    "RemovalImpact",
    "SharedInstitution",
    "alliance_coverage",
    "alliance_overlap",
    "area_coverage",
    "articulation_points",
    "population_coverage",
    "reachability",
    "registry_coverage",
    "removal_impact",
]

BED_METRICS = frozenset({"beds", "beds_radiated", "beds_covered"})
"""Declared metrics compared with the sum of the members' ``beds``."""
POPULATION_METRICS = frozenset({"population_covered", "population_served"})
"""Declared metrics compared with the sum of the members' ``population_served``."""

Counts = tuple[tuple[str, int], ...]
_ROLE_ORDER = tuple(MemberRole)
P = ParamSpec("P")
R = TypeVar("R")


def _without_gc(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with the cyclic garbage collector paused.

    Results of national registries allocate many small objects next to the registry's
    millions; each collection would rescan all of them (seconds each). Nothing here creates
    reference cycles, and reference counting still frees memory as usual.
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused_gc():
            return fn(*args, **kwargs)

    return run


# --------------------------------------------------------------------------------------
# structural coverage


class Consistency(LabelledEnum):
    """Whether a computed total and a declared figure can both be true."""

    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"
    UNDETERMINED = "undetermined"
    NOT_DECLARED = "not_declared"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.CONSISTENT: ("一致",),
            cls.INCONSISTENT: ("不一致", "矛盾"),
            cls.UNDETERMINED: ("无法判定", "待定"),
            cls.NOT_DECLARED: ("未申报", "未声明"),
        }


class FigureCheck(FrozenModel):
    """A total computed from the members beside one declared figure (or none)."""

    quantity: str
    """``beds`` or ``population`` (the member field summed: ``beds``, ``population_served``)."""
    computed: int
    """Sum over the members that have the figure."""
    members_counted: int
    """Members whose figure is in the sum."""
    members_missing: tuple[str, ...]
    """Ids of members without the figure (not counted as 0: the sum is then a lower bound)."""
    listing_complete: bool
    """Whether the alliance lists at least as many members as it declares (member counts)."""
    declared: DeclaredFigure | None
    """The declared figure compared with, or ``None``."""
    consistency: Consistency
    """See the module rules."""

    @property
    def exact(self) -> bool:
        """Whether :attr:`computed` is the whole total (no member missing, listing complete)."""
        return not self.members_missing and self.listing_complete

    @property
    def difference(self) -> int | float | None:
        """``declared - computed`` (``None`` with nothing declared)."""
        return None if self.declared is None else self.declared.value - self.computed


class AreaLevel(LabelledEnum):
    """Administrative level of :class:`~medalliance.common.Region` used for area coverage."""

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
        """Expected areas with at least one counted member (all member areas with none given)."""
        return tuple(a.area for a in self.areas if a.members and a.expected)

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Expected areas without a counted member."""
        return tuple(a.area for a in self.areas if not a.members)

    @property
    def outside(self) -> tuple[str, ...]:
        """Areas with a counted member that are not among the expected ones."""
        return tuple(a.area for a in self.areas if not a.expected)

    @property
    def full(self) -> bool | None:
        """Whether every expected area is covered (``None`` when none are expected)."""
        return None if self.expected is None else not self.uncovered

    def rows(self) -> list[dict[str, Any]]:
        """One row per area: area, expected, covered, member count and ids."""
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


class AllianceCoverage(FrozenModel):
    """What :func:`alliance_coverage` returns."""

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
    """Members per role, in the order lead, hub, member, base."""
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


def _figure_range(fig: DeclaredFigure, tol: float) -> tuple[float, bool, float, bool]:
    """Declared range as (low, low open, high, high open)."""
    v = float(fig.value)
    q = fig.qualifier
    if q is Qualifier.AT_LEAST:
        return v, False, float("inf"), True
    if q is Qualifier.MORE_THAN:
        return v, True, float("inf"), True
    if q is Qualifier.UP_TO:
        return 0.0, False, v, False
    if q is Qualifier.ABOUT:
        lo, hi = sorted((v * (1 - tol), v * (1 + tol)))
        return lo, False, hi, False
    return v, False, v, False


def _consistency(fig: DeclaredFigure | None, computed: int, exact: bool, tol: float) -> Consistency:
    if fig is None:
        return Consistency.NOT_DECLARED
    lo, lo_open, hi, hi_open = _figure_range(fig, tol)
    c = float(computed)
    if exact:
        above = c > lo or (c == lo and not lo_open)
        below = c < hi or (c == hi and not hi_open)
        return Consistency.CONSISTENT if above and below else Consistency.INCONSISTENT
    # computed is a lower bound [c, inf): it meets the range unless c already exceeds it
    meets = c < hi or (c == hi and not hi_open)
    return Consistency.UNDETERMINED if meets else Consistency.INCONSISTENT


def _listing_complete(registry: Registry, a: Alliance) -> bool:
    for fig in a.declared:
        count = COUNTED_METRICS.get(fig.metric)
        if count is not None and fig.subject in (None, a.id) and fig.value > count(a, registry):
            return False
    return True


def _figure_checks(
    a: Alliance,
    members: Sequence[Institution],
    *,
    quantity: str,
    metrics: frozenset[str],
    listing_complete: bool,
    tol: float,
) -> tuple[FigureCheck, ...]:
    attr = "beds" if quantity == "beds" else "population_served"
    values = [getattr(m, attr) for m in members]
    computed = sum(v for v in values if v is not None)
    missing = tuple(m.id for m, v in zip(members, values, strict=True) if v is None)
    exact = not missing and listing_complete
    figures: list[DeclaredFigure | None] = [
        f for f in a.declared if f.metric in metrics and f.subject in (None, a.id)
    ]
    return tuple(
        FigureCheck.model_construct(
            quantity=quantity,
            computed=computed,
            members_counted=len(members) - len(missing),
            members_missing=missing,
            listing_complete=listing_complete,
            declared=f,
            consistency=_consistency(f, computed, exact, tol),
        )
        for f in (figures or [None])
    )


def _check_tolerance(about_tolerance: float) -> None:
    if (
        isinstance(about_tolerance, bool)
        or not isinstance(about_tolerance, int | float)
        or not 0 <= about_tolerance < 1
    ):
        raise MedAllianceError(
            [Problem(("about_tolerance",), f"must be a number in [0, 1), got {about_tolerance!r}")]
        )


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
            problems.extend(exc.with_prefix(("roles", i)).problems)
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
        Problem(("expected", i), "must be a non-blank area name")
        for i, e in enumerate(exp)
        if not isinstance(e, str) or not e.strip()
    ]
    try:
        no_duplicates(exp)
    except ValueError as exc:
        problems.append(Problem(("expected",), str(exc)))
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
    expected: Iterable[str] | None = None,
    level: AreaLevel | str = AreaLevel.TOWNSHIP,
    roles: Iterable[MemberRole | str] | None = None,
) -> AreaCoverage:
    """Which administrative areas the members of ``alliance`` are located in.

    A registry does not list every township of a county, so the areas that should be covered
    are given as ``expected`` (names at ``level``, matched exactly against the members'
    :class:`~medalliance.common.Region`). Only members with one of ``roles`` count (e.g.
    ``roles=["hub"]`` for "every township has a hub member").

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str
        Id of the alliance.
    expected : iterable of str, optional
        Area names that should be covered; without them only the covered areas are listed.
    level : AreaLevel or str, default "township"
        ``province``, ``city``, ``county`` or ``township`` (or 省/市/县/乡镇).
    roles : iterable of MemberRole or str, optional
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
    >>> c = area_coverage(reg, "gangkou_community", roles=["hub"],
    ...                   expected=["公车镇", "企沙镇", "光坡镇", "渔洲坪街道", "某街道"])
    >>> c.full, c.uncovered
    (False, ('某街道',))
    >>> c.members_without_area
    ()
    """
    a = registry.alliance(alliance)
    lvl = AreaLevel.parse(level)
    wanted = _roles(roles)
    exp = _expected_areas(expected)
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
    _check_tolerance(about_tolerance)
    a = registry.alliance(alliance)
    areas = area_coverage(
        registry, alliance, expected=expected_areas, level=area_level, roles=area_roles
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


class SharedInstitution(FrozenModel):
    """An institution that belongs to several alliances."""

    institution: str
    """Its id."""
    alliances: tuple[str, ...]
    """The alliances it belongs to, by id."""


class AllianceOverlap(FrozenModel):
    """Two alliances and the number of members they share."""

    first: str
    """Id of the first alliance (the smaller id)."""
    second: str
    """Id of the second alliance."""
    shared: int
    """Institutions in both."""


IntColumn = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True, eq=False)
class Overlap(Tabular):
    """What :func:`alliance_overlap` returns: shared institutions and pairs of alliances.

    A national registry has millions of pairs of alliances sharing members (tertiary hospitals
    sit in many specialty alliances), so the pairs are kept as columns; :meth:`pair`,
    :meth:`pairs` and :meth:`partners` build typed records on demand.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> o = alliance_overlap(synthetic.province(seed=1, cities=1, counties=2, townships=2,
    ...                                         villages_per_township=1))
    >>> len(o) > 0, o.pair(0).shared >= o.pair(len(o) - 1).shared
    (True, True)
    """

    alliance_ids: tuple[str, ...] = field(repr=False)
    """Ids of the registry's alliances (what the pair columns refer to)."""
    institutions: tuple[SharedInstitution, ...]
    """Institutions in more than one alliance, by id."""
    first: IntColumn = field(repr=False)
    """Position in :attr:`alliance_ids` of each pair's first alliance (the smaller id)."""
    second: IntColumn = field(repr=False)
    """Position of each pair's second alliance."""
    shared: IntColumn = field(repr=False)
    """Members each pair shares; pairs are ordered most shared first, then by ids."""

    def __len__(self) -> int:
        return len(self.shared)

    def pair(self, i: int) -> AllianceOverlap:
        """Pair number ``i``."""
        return AllianceOverlap.model_construct(
            first=self.alliance_ids[int(self.first[i])],
            second=self.alliance_ids[int(self.second[i])],
            shared=int(self.shared[i]),
        )

    def pairs(self) -> Iterator[AllianceOverlap]:
        """Every pair, most shared first."""
        for i in range(len(self)):
            yield self.pair(i)

    def partners(self, alliance: str) -> Counts:
        """Alliances sharing members with ``alliance``: ``(id, shared)``, most first.

        Raises
        ------
        UnknownIdError
            If ``alliance`` is not one of the registry's alliances.
        """
        try:
            k = self.alliance_ids.index(alliance)
        except ValueError:
            raise UnknownIdError([Problem((), f"unknown alliance {alliance!r}")]) from None
        mask = (self.first == k) | (self.second == k)
        other = np.where(self.first[mask] == k, self.second[mask], self.first[mask])
        found = [
            (self.alliance_ids[o], s)
            for o, s in zip(other.tolist(), self.shared[mask].tolist(), strict=True)
        ]
        return tuple(sorted(found, key=lambda kv: (-kv[1], kv[0])))

    def rows(self) -> list[dict[str, Any]]:
        """One row per pair of alliances: first, second, shared."""
        ids = self.alliance_ids
        return [
            {"first": ids[f], "second": ids[s], "shared": n}
            for f, s, n in zip(
                self.first.tolist(), self.second.tolist(), self.shared.tolist(), strict=True
            )
        ]


def _membership_matrix(registry: Registry) -> Any:
    """The alliance × institution membership matrix (CSR, int32 ones)."""
    from scipy import sparse

    alliances = registry.alliances
    position = {inst.id: i for i, inst in enumerate(registry.institutions)}
    sizes = np.fromiter((len(a.memberships) for a in alliances), np.int64, len(alliances))
    indptr = np.zeros(len(alliances) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    cols = np.fromiter(
        (position[m] for a in alliances for m in a.members), np.int64, int(indptr[-1])
    )
    m = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.int32), cols, indptr),
        shape=(len(alliances), len(registry.institutions)),
    )
    m.sort_indices()
    return m


@_without_gc
def _overlap(registry: Registry, m: Any) -> tuple[Overlap, Any]:
    alliances = registry.alliances
    per_inst = np.diff(m.tocsc().indptr)
    multi = np.flatnonzero(per_inst > 1)
    mt = m[:, multi].T.tocsr()
    shared_insts = tuple(
        SharedInstitution.model_construct(
            institution=registry.institutions[i].id,
            alliances=tuple(alliances[j].id for j in mt.indices[mt.indptr[k] : mt.indptr[k + 1]]),
        )
        for k, i in enumerate(multi.tolist())
    )
    # only institutions in several alliances create pairs
    sub = m[:, multi]
    prod = (sub @ sub.T).tocsr()
    upper = prod.tocoo()
    keep = upper.row < upper.col
    row, col, data = upper.row[keep], upper.col[keep], upper.data[keep]
    order = np.lexsort((col, row, -data))
    overlap = Overlap(
        alliance_ids=tuple(a.id for a in alliances),
        institutions=shared_insts,
        first=row[order].astype(np.int64),
        second=col[order].astype(np.int64),
        shared=data[order].astype(np.int64),
    )
    return overlap, prod


def alliance_overlap(registry: Registry) -> Overlap:
    """Institutions in several alliances, and how many members each pair of alliances shares.

    Computed as the sparse product of the alliance × institution membership matrix (limited
    to institutions in several alliances) with its transpose, so the cost follows the shared
    memberships, never the number of alliance pairs.

    Examples
    --------
    >>> from medalliance import examples
    >>> o = alliance_overlap(examples.load("shanghai_luwan"))
    >>> len(o), o.institutions
    (0, ())
    """
    overlap, _ = _overlap(registry, _membership_matrix(registry))
    return overlap


class RegistryCoverage(FrozenModel, Tabular):
    """What :func:`registry_coverage` returns."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    institutions: int
    """Institutions in the registry."""
    in_alliances: int
    """Institutions that belong to at least one alliance."""
    by_tier: Counts
    """Institutions per tier, highest first."""
    alliances: tuple[AllianceCoverage, ...]
    """Coverage of every alliance, by id."""
    overlap: Overlap
    """Institutions in several alliances and pairs of alliances sharing members."""

    def rows(self) -> list[dict[str, Any]]:
        """One row per alliance: members, grassroots, beds and population vs declared."""
        out = []
        for c in self.alliances:
            beds, pop = c.beds[0], c.population[0]
            out.append(
                {
                    "alliance": c.alliance,
                    "form": c.form,
                    "members": c.members,
                    "grassroots": c.grassroots,
                    "beds_computed": beds.computed,
                    "beds_missing": len(beds.members_missing),
                    "beds_declared": None if beds.declared is None else beds.declared.value,
                    "beds_consistency": beds.consistency.value,
                    "population_computed": pop.computed,
                    "population_missing": len(pop.members_missing),
                    "population_declared": None if pop.declared is None else pop.declared.value,
                    "population_consistency": pop.consistency.value,
                    "areas_covered": len(c.areas.covered),
                    "members_elsewhere": c.members_elsewhere,
                    "sharing_alliances": c.sharing_alliances,
                }
            )
        return out


@_without_gc
def registry_coverage(
    registry: Registry,
    *,
    area_level: AreaLevel | str = AreaLevel.TOWNSHIP,
    about_tolerance: float = 0.1,
) -> RegistryCoverage:
    """Structural coverage of every alliance of ``registry``, and the overlap between them.

    Areas are the members' areas at ``area_level`` (no expected list: use
    :func:`area_coverage` per alliance for a full-coverage claim). Each alliance's result
    equals :func:`alliance_coverage` of it.

    Raises
    ------
    MedAllianceError
        For an unknown level or a tolerance outside [0, 1).

    Examples
    --------
    >>> from medalliance import examples
    >>> c = registry_coverage(examples.load("shanghai_luwan"))
    >>> c.institutions, c.in_alliances, c.alliances[0].by_tier
    (7, 7, (('tertiary', 1), ('secondary', 2), ('primary', 4)))
    """
    _check_tolerance(about_tolerance)
    lvl = AreaLevel.parse(area_level)
    m = _membership_matrix(registry)
    overlap, prod = _overlap(registry, m)
    # members also in another alliance, and other alliances sharing a member, per alliance
    in_several = (np.diff(m.tocsc().indptr) > 1).astype(np.int64)
    elsewhere = np.asarray(m @ in_several).ravel()
    partners = np.diff(prod.indptr) - (prod.diagonal() > 0)
    partners = np.zeros(len(registry.alliances), dtype=np.int64) + partners
    tiers = Counter(i.tier for i in registry.institutions)
    area_of = {i.id: getattr(i.region, lvl.value) for i in registry.institutions}
    return RegistryCoverage.model_construct(
        institutions=len(registry.institutions),
        in_alliances=int((np.diff(m.tocsc().indptr) > 0).sum()),
        by_tier=tuple((t.value, tiers[t]) for t in sorted(tiers, reverse=True)),
        alliances=tuple(
            _alliance_coverage(
                registry,
                a,
                areas=_area_coverage(a, area_of, lvl, None, ()),
                members_elsewhere=int(elsewhere[k]),
                sharing_alliances=int(partners[k]),
                tol=about_tolerance,
            )
            for k, a in enumerate(registry.alliances)
        ),
        overlap=overlap,
    )


# --------------------------------------------------------------------------------------
# reachability


def _in_order(values: tuple[ServiceKind, ...]) -> tuple[ServiceKind, ...]:
    order = {s: i for i, s in enumerate(ServiceKind)}
    return tuple(sorted(values, key=order.__getitem__))


class ReachTarget(FrozenModel):
    """What an origin must reach: conditions an institution must all meet.

    Examples
    --------
    >>> ReachTarget(min_tier="二级", services=("CT",)).describe()
    'tier >= secondary, services ct'
    >>> ReachTarget()
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: name at least one of min_tier, specialty, services, ...
    """

    min_tier: Tier | None = None
    """Lowest acceptable tier."""
    specialty: SpecialtyField | None = None
    """Specialty the institution must offer."""
    services: Annotated[
        tuple[ServiceKindField, ...], AfterValidator(no_duplicates), AfterValidator(_in_order)
    ] = ()
    """Services the institution must all offer."""
    institutions: Annotated[tuple[Id, ...], AfterValidator(no_duplicates)] = ()
    """Restrict the targets to these institutions."""

    @model_validator(mode="after")
    def _check(self) -> ReachTarget:
        if (
            self.min_tier is None
            and self.specialty is None
            and not self.services
            and not self.institutions
        ):
            raise MedAllianceError(
                [Problem((), "name at least one of min_tier, specialty, services, institutions")]
            )
        return self

    def describe(self) -> str:
        """The conditions in words."""
        parts = []
        if self.min_tier is not None:
            parts.append(f"tier >= {self.min_tier.value}")
        if self.specialty is not None:
            parts.append(f"specialty {self.specialty.value}")
        if self.services:
            parts.append("services " + " ".join(s.value for s in self.services))
        if self.institutions:
            parts.append("one of " + " ".join(self.institutions))
        return ", ".join(parts)

    def matches(self, registry: Registry, institution: str) -> bool:
        """Whether ``institution`` of ``registry`` meets every condition.

        Raises
        ------
        UnknownIdError
            If the institution does not exist.

        Examples
        --------
        >>> from medalliance import examples
        >>> reg = examples.load("zhejiang_geriatric")
        >>> ReachTarget(specialty="老年医学").matches(reg, "zhejiang_hospital")
        True
        """
        registry.institution(institution)
        c = _compiled(registry)
        if self.institutions:
            _positions(registry, self.institutions, "institutions")
        return bool(c.target_mask(self)[c.position[institution]])


class OriginReach(FrozenModel):
    """How one origin reaches the target."""

    institution: str
    """Id of the origin."""
    reachable: bool
    """Whether some target is reachable through referral channels (or the origin is one)."""
    hops: int | None
    """Referrals needed to the nearest target (0: the origin is a target), ``None`` if none."""
    nearest: tuple[str, ...]
    """Ids of the targets at that distance, sorted."""


@dataclass(frozen=True, eq=False)
class Reachability(Tabular, Sequence[OriginReach]):
    """What :func:`reachability` returns: one :class:`OriginReach` per origin, as columns.

    ``result[i]`` (and iteration) builds the :class:`OriginReach` of origin ``i``;
    :meth:`of` looks one up by id.

    Examples
    --------
    >>> from medalliance import examples
    >>> r = reachability(examples.load("county_township"), target=ReachTarget(services=("ct",)))
    >>> r.of("township_centre").hops, r.unreachable
    (1, ())
    """

    target: ReachTarget
    """The target."""
    alliance: str | None
    """The alliance whose channels were used (``None``: every channel)."""
    removed: tuple[str, ...]
    """Institutions left out of the network."""
    origins: tuple[str, ...]
    """Ids of the origins, in registry order."""
    hops: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Hops of each origin to its nearest target, ``-1`` when unreachable."""
    nearest_indptr: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """CSR rows of :attr:`nearest` (one per origin)."""
    nearest: np.ndarray[Any, np.dtype[np.int64]] = field(repr=False)
    """Positions in :attr:`institutions` of each origin's nearest targets."""
    institutions: tuple[str, ...] = field(repr=False)
    """Institution ids of the registry (what :attr:`nearest` positions refer to)."""

    def __len__(self) -> int:
        return len(self.origins)

    @overload
    def __getitem__(self, i: int) -> OriginReach: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[OriginReach, ...]: ...

    def __getitem__(self, i: int | slice) -> OriginReach | tuple[OriginReach, ...]:
        if isinstance(i, slice):
            return tuple(self._one(k) for k in range(*i.indices(len(self))))
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._one(i)

    def __iter__(self) -> Iterator[OriginReach]:
        for k in range(len(self)):
            yield self._one(k)

    def _one(self, k: int) -> OriginReach:
        h = int(self.hops[k])
        near = self.nearest[self.nearest_indptr[k] : self.nearest_indptr[k + 1]]
        return OriginReach.model_construct(
            institution=self.origins[k],
            reachable=h >= 0,
            hops=h if h >= 0 else None,
            nearest=tuple(self.institutions[j] for j in near.tolist()),
        )

    def of(self, institution: str) -> OriginReach:
        """The result of origin ``institution``.

        Raises
        ------
        UnknownIdError
            If it is not one of the origins.
        """
        try:
            k = self.origins.index(institution)
        except ValueError:
            raise UnknownIdError([Problem((), f"{institution!r} is not an origin")]) from None
        return self._one(k)

    @property
    def unreachable(self) -> tuple[str, ...]:
        """Origins with no path to any target."""
        return tuple(self.origins[k] for k in np.flatnonzero(self.hops < 0).tolist())

    @property
    def reachable_count(self) -> int:
        """Origins that reach a target."""
        return int((self.hops >= 0).sum())

    def hop_counts(self) -> Counts:
        """``(hops, origins)`` pairs, fewest hops first, then ``("none", unreachable)``.

        Examples
        --------
        >>> from medalliance import examples
        >>> reachability(examples.load("shanghai_luwan"),
        ...              target=ReachTarget(min_tier="tertiary")).hop_counts()
        (('1', 4),)
        """
        counts = np.bincount(self.hops[self.hops >= 0]) if len(self.hops) else np.zeros(0)
        out = [(str(h), int(c)) for h, c in enumerate(counts.tolist()) if c]
        missing = int((self.hops < 0).sum())
        if missing:
            out.append(("none", missing))
        return tuple(out)

    def rows(self) -> list[dict[str, Any]]:
        """One row per origin: institution, reachable, hops, nearest (space-separated ids)."""
        return [
            {
                "institution": r.institution,
                "reachable": r.reachable,
                "hops": r.hops,
                "nearest": " ".join(r.nearest),
            }
            for r in self
        ]


class _Compiled:
    """Arrays of one registry for reachability and resilience (built once per registry)."""

    def __init__(self, registry: Registry) -> None:
        insts = registry.institutions
        n = len(insts)
        # a weak reference: the cache must not keep the registry alive
        self._registry = weakref.ref(registry)
        self.ids: tuple[str, ...] = tuple(i.id for i in insts)
        self.position = {iid: k for k, iid in enumerate(self.ids)}
        tier_rank = {t: t.rank for t in Tier}
        self.rank = np.fromiter((tier_rank[i.tier] for i in insts), np.int8, n)
        self.grassroots = np.fromiter((i.is_grassroots for i in insts), bool, n)
        service_bit = {s: 1 << k for k, s in enumerate(ServiceKind)}
        specialty_bit = {s: 1 << k for k, s in enumerate(Specialty)}
        self.service_bit = service_bit
        self.specialty_bit = specialty_bit
        self.services = _bitmasks([i.services for i in insts], service_bit)
        self.specialties = _bitmasks([i.specialties for i in insts], specialty_bit)
        self.in_alliance = np.zeros(n, dtype=bool)
        position = self.position
        self.in_alliance[[position[m] for a in registry.alliances for m in a.members]] = True
        self._channels: dict[tuple[str | None, Specialty | None, bool], ReferralChannels] = {}
        self._leads: dict[Specialty, np.ndarray[Any, np.dtype[np.bool_]]] = {}

    @property
    def registry(self) -> Registry:
        found = self._registry()
        assert found is not None  # only reached through a live registry
        return found

    def channels(
        self, alliance: str | None, specialty: Specialty | None, all_specialties: bool
    ) -> ReferralChannels:
        key = (alliance, None if all_specialties else specialty, all_specialties)
        found = self._channels.get(key)
        if found is None:
            if alliance is None:
                with paused_gc():
                    found = referral_channels(
                        self.registry, specialty=specialty, all_specialties=all_specialties
                    )
            else:
                found = _alliance_channels(
                    self.channels(None, specialty, all_specialties), alliance
                )
            self._channels[key] = found
        return found

    def leads(self, specialty: Specialty) -> np.ndarray[Any, np.dtype[np.bool_]]:
        found = self._leads.get(specialty)
        if found is None:
            found = np.zeros(len(self.ids), dtype=bool)
            for a in self.registry.alliances:
                if a.form is AllianceForm.SPECIALTY_ALLIANCE and a.specialty == specialty:
                    found[[self.position[x] for x in a.lead]] = True
            self._leads[specialty] = found
        return found

    def target_mask(self, target: ReachTarget) -> np.ndarray[Any, np.dtype[np.bool_]]:
        mask = np.ones(len(self.ids), dtype=bool)
        if target.min_tier is not None:
            mask &= self.rank >= target.min_tier.rank
        if target.specialty is not None:
            bit = self.specialty_bit[target.specialty]
            mask &= ((self.specialties & bit) != 0) | self.leads(target.specialty)
        if target.services:
            bits = sum(self.service_bit[s] for s in target.services)
            mask &= (self.services & bits) == bits
        if target.institutions:
            only = np.zeros(len(self.ids), dtype=bool)
            only[[self.position[x] for x in target.institutions]] = True
            mask &= only
        return mask


def _bitmasks(
    values: list[tuple[Any, ...]], bit: dict[Any, int]
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """One bit mask per tuple of labels (each distinct tuple computed once)."""
    seen: dict[tuple[Any, ...], int] = {}
    out = np.zeros(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        if v:
            mask = seen.get(v)
            if mask is None:
                mask = seen[v] = sum(bit[x] for x in v)
            out[k] = mask
    return out


_COMPILED: dict[int, _Compiled] = {}


def _compiled(registry: Registry) -> _Compiled:
    """The compiled arrays of ``registry`` (built on first use, freed with the registry)."""
    found = _COMPILED.get(id(registry))
    if found is None or found._registry() is not registry:
        with paused_gc():  # millions of small objects, no cycles: skip the collector's rescans
            found = _Compiled(registry)
        _COMPILED[id(registry)] = found
        weakref.finalize(registry, _COMPILED.pop, id(registry), None)
    return found


def _alliance_channels(ch: ReferralChannels, alliance: str) -> ReferralChannels:
    from medalliance._reach import gather

    keep = [c for c, a in enumerate(ch.alliance) if a == alliance]
    sizes = np.diff(ch.indptr)[keep]
    indptr = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    indices = gather(ch.indptr, ch.indices.astype(np.int64), np.asarray(keep, dtype=np.int64))
    return ReferralChannels(
        institutions=ch.institutions,
        channels=tuple(ch.channels[c] for c in keep),
        alliance=tuple(ch.alliance[c] for c in keep),
        specialty=tuple(ch.specialty[c] for c in keep),
        items=tuple(ch.items[c] for c in keep),
        indptr=indptr,
        indices=indices.astype(np.int32),
    )


def _channels(
    registry: Registry,
    *,
    alliance: str | None,
    specialty: Specialty | None,
    all_specialties: bool,
) -> ReferralChannels:
    if alliance is not None:
        registry.alliance(alliance)
    return _compiled(registry).channels(alliance, specialty, all_specialties)


def _positions(
    registry: Registry, ids: Iterable[str], what: str
) -> np.ndarray[Any, np.dtype[np.int64]]:
    if isinstance(ids, str):
        ids = (ids,)
    position = _compiled(registry).position
    out: list[int] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for k, x in enumerate(ids):
        p = position.get(x) if isinstance(x, str) else None
        if p is None:
            problems.append(Problem((what, k), f"unknown institution {x!r}"))
        elif x in seen:
            problems.append(Problem((what, k), f"{x!r} is listed twice"))
        else:
            seen.add(x)
            out.append(p)
    if problems:
        raise UnknownIdError(problems)
    return np.asarray(sorted(out), dtype=np.int64)


def _default_origins(
    registry: Registry, alliance: str | None
) -> np.ndarray[Any, np.dtype[np.int64]]:
    c = _compiled(registry)
    if alliance is None:
        members = c.in_alliance
    else:
        members = np.zeros(len(c.ids), dtype=bool)
        members[[c.position[m] for m in registry.alliance(alliance).members]] = True
    return np.flatnonzero(members & c.grassroots).astype(np.int64)


@_without_gc
def _reach(
    registry: Registry,
    target: ReachTarget,
    *,
    origins: Iterable[str] | None,
    alliance: str | None,
    all_specialties: bool,
    without: Iterable[str],
) -> Reachability:
    from medalliance._reach import gather_positions, nearest_hops

    if not isinstance(target, ReachTarget):
        raise MedAllianceError([Problem(("target",), "must be a ReachTarget")])
    if target.institutions:
        _positions(registry, target.institutions, "target.institutions")
    gone = _positions(registry, without, "without")
    if origins is None:
        org = _default_origins(registry, alliance)
    else:
        if alliance is not None:
            registry.alliance(alliance)
        org = _positions(registry, origins, "origins")
    n = len(registry.institutions)
    removed = np.zeros(n, dtype=bool)
    removed[gone] = True
    org = org[~removed[org]]
    ch = _channels(
        registry, alliance=alliance, specialty=target.specialty, all_specialties=all_specialties
    )
    mask = _compiled(registry).target_mask(target)
    result = nearest_hops(ch.indptr, ch.indices.astype(np.int64), n, mask, removed)
    lengths = result.nearest_indptr[org + 1] - result.nearest_indptr[org]
    indptr = np.zeros(len(org) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    near = result.nearest[gather_positions(result.nearest_indptr, org)]
    ids = ch.institutions
    return Reachability(
        target=target,
        alliance=alliance,
        removed=tuple(ids[p] for p in gone.tolist()),
        origins=tuple(ids[p] for p in org.tolist()),
        hops=result.hops[org],
        nearest_indptr=indptr,
        nearest=near,
        institutions=ids,
    )


def reachability(
    registry: Registry,
    *,
    target: ReachTarget,
    origins: Iterable[str] | None = None,
    alliance: str | None = None,
    all_specialties: bool = False,
    without: Iterable[str] = (),
) -> Reachability:
    """Whether, and in how many referral hops, each origin reaches an institution of ``target``.

    Hops are counted on the channel structure (a multi-source breadth-first search from every
    target over the channel × institution incidence), never by expanding channels into
    institution pairs, so a county community of 300 members costs 300 entries.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    target : ReachTarget
        What must be reached.
    origins : iterable of str, optional
        Origin institution ids; default: every grassroots member (of ``alliance`` when
        given, else of any alliance).
    alliance : str, optional
        Use only this alliance's referral channels.
    all_specialties : bool, default False
        Use every specialty alliance's channels, whatever the target's specialty.
    without : iterable of str, default ()
        Institutions to leave out of the network (and out of the origins and targets).

    Returns
    -------
    Reachability
        Per origin (in registry order): reachable, hops, nearest targets.

    Raises
    ------
    MedAllianceError
        For an unknown or repeated id, or an unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("xuzhou_mch")
    >>> counties = [i.id for i in reg.institutions if i.tier.value == "secondary"]
    >>> mch = reachability(reg, target=ReachTarget(min_tier="三级", specialty="妇幼"),
    ...                    origins=counties)
    >>> mch.hop_counts(), mch[0].nearest
    ((('1', 6),), ('xuzhou_mch_hospital',))

    The specialty alliance's channel carries only its own specialty:

    >>> reachability(reg, target=ReachTarget(min_tier="三级"), origins=counties).hop_counts()
    (('none', 6),)
    """
    return _reach(
        registry,
        target,
        origins=origins,
        alliance=alliance,
        all_specialties=all_specialties,
        without=without,
    )


# --------------------------------------------------------------------------------------
# resilience


class CutPoint(FrozenModel):
    """An institution whose loss splits the referral network."""

    institution: str
    """Its id."""
    pieces: int
    """Connected parts the rest of its component falls into without it (at least 2)."""
    cut_off: int
    """Institutions outside the largest of those parts: cut off from the bulk of the network."""
    component: int
    """Institutions in its component before the loss (itself included)."""


class CutPoints(FrozenModel, Tabular):
    """What :func:`articulation_points` returns, most cut off first."""

    points: tuple[CutPoint, ...]
    """The articulation points, by ``cut_off`` (descending), then id."""

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[CutPoint]:  # type: ignore[override]
        return iter(self.points)

    def __getitem__(self, i: int) -> CutPoint:
        return self.points[i]

    def rows(self) -> list[dict[str, Any]]:
        """One row per point: institution, pieces, cut_off, component."""
        return [p.model_dump() for p in self.points]


@_without_gc
def articulation_points(
    registry: Registry,
    *,
    alliance: str | None = None,
    specialty: Specialty | str | None = None,
    all_specialties: bool = False,
) -> CutPoints:
    """Institutions whose loss disconnects others in the referral network.

    Two institutions are linked when they share a referral channel. An articulation point is
    an institution whose removal increases the number of connected parts among the others.
    Found in linear time on the institution-channel graph (iterative Tarjan DFS), never on
    institution pairs.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    alliance : str, optional
        Use only this alliance's channels.
    specialty : Specialty or str, optional
        Include the channels of specialty alliances of this specialty.
    all_specialties : bool, default False
        Include every channel.

    Returns
    -------
    CutPoints
        The articulation points with the parts their removal leaves.

    Raises
    ------
    MedAllianceError
        For an unknown alliance or specialty.

    Examples
    --------
    A county hospital in a city group and in its county community, where referral runs
    through agreements county hospital - township centre - village clinic:

    >>> from medalliance import Registry
    >>> def inst(id, kind, level=None):
    ...     return {"id": id, "name": id, "kind": kind, "level": level}
    >>> reg = Registry(
    ...     institutions=[inst("city", "综合医院", "三级甲等"), inst("county", "综合医院", "二级"),
    ...                   inst("town", "乡镇卫生院"), inst("village", "村卫生室")],
    ...     alliances=[
    ...         {"id": "group", "name": "市医疗集团", "form": "城市医疗集团", "lead": ["city"],
    ...          "provisions": ["双向转诊"], "memberships": [
    ...              {"institution": "city", "role": "牵头"}, {"institution": "county"}]},
    ...         {"id": "community", "name": "县医共体", "form": "县域医共体", "lead": ["county"],
    ...          "memberships": [{"institution": "county", "role": "牵头"},
    ...                          {"institution": "town", "role": "枢纽"},
    ...                          {"institution": "village", "role": "基础"}]}],
    ...     agreements=[
    ...         {"id": "g1", "alliance": "community", "parties": ["county", "town"],
    ...          "items": ["双向转诊"]},
    ...         {"id": "g2", "alliance": "community", "parties": ["town", "village"],
    ...          "items": ["双向转诊"]}])
    >>> [(p.institution, p.pieces, p.cut_off) for p in articulation_points(reg)]
    [('county', 2, 1), ('town', 2, 1)]

    In the bundled examples every alliance links all its members, so none has one:

    >>> from medalliance import examples
    >>> len(articulation_points(examples.load("shanghai_luwan")))
    0
    """
    from medalliance._reach import cut_points

    spec = Specialty.parse(specialty) if specialty is not None else None
    ch = _channels(registry, alliance=alliance, specialty=spec, all_specialties=all_specialties)
    cuts = cut_points(ch.indptr, ch.indices.astype(np.int64), len(ch.institutions))
    points = sorted(
        (
            CutPoint.model_construct(
                institution=ch.institutions[p], pieces=k, cut_off=c, component=s
            )
            for p, k, c, s in zip(
                cuts.points.tolist(),
                cuts.pieces.tolist(),
                cuts.cut_off.tolist(),
                cuts.component.tolist(),
                strict=True,
            )
        ),
        key=lambda p: (-p.cut_off, p.institution),
    )
    return CutPoints.model_construct(points=tuple(points))


class HopChange(FrozenModel):
    """An origin whose distance to the target changes when an institution is removed."""

    institution: str
    """Id of the origin."""
    before: int | None
    """Hops before (``None``: unreachable)."""
    after: int | None
    """Hops after (``None``: unreachable)."""


class RemovalImpact(FrozenModel, Tabular):
    """What :func:`removal_impact` returns."""

    removed: str
    """Id of the institution removed."""
    target: ReachTarget
    """The target."""
    origins: int
    """Origins compared (the removed institution itself is not one)."""
    reachable_before: int
    """Origins reaching a target with the institution."""
    reachable_after: int
    """Origins reaching a target without it."""
    changed: tuple[HopChange, ...]
    """Origins whose hops change (all get longer or unreachable), in registry order."""

    @property
    def lost(self) -> tuple[str, ...]:
        """Origins that reached a target before and reach none after."""
        return tuple(c.institution for c in self.changed if c.after is None)

    def rows(self) -> list[dict[str, Any]]:
        """One row per changed origin: institution, before, after."""
        return [c.model_dump() for c in self.changed]


def removal_impact(
    registry: Registry,
    institution: str,
    *,
    target: ReachTarget,
    origins: Iterable[str] | None = None,
    alliance: str | None = None,
    all_specialties: bool = False,
) -> RemovalImpact:
    """What removing ``institution`` (e.g. the lead) does to reachability of ``target``.

    Reachability is computed with and without the institution (see :func:`reachability`);
    the institution itself is left out of the origins both times.

    Raises
    ------
    MedAllianceError
        For an unknown institution, origin or alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> impact = removal_impact(reg, "gangkou_peoples", target=ReachTarget(min_tier="二级"))
    >>> impact.reachable_before, impact.reachable_after
    (4, 0)
    >>> impact.changed[0]
    HopChange(institution='gongche_thc', before=1, after=None)
    """
    registry.institution(institution)
    if origins is not None:
        org_ids: tuple[str, ...] = (origins,) if isinstance(origins, str) else tuple(origins)
        _positions(registry, org_ids, "origins")
        org_ids = tuple(x for x in org_ids if x != institution)
    else:
        pos = _default_origins(registry, alliance)
        org_ids = tuple(
            registry.institutions[p].id
            for p in pos.tolist()
            if registry.institutions[p].id != institution
        )
    kw: dict[str, Any] = {
        "origins": org_ids,
        "alliance": alliance,
        "all_specialties": all_specialties,
    }
    before = _reach(registry, target, without=(), **kw)
    after = _reach(registry, target, without=(institution,), **kw)
    changed = np.flatnonzero(before.hops != after.hops).tolist()

    def hop(h: int) -> int | None:
        return h if h >= 0 else None

    return RemovalImpact.model_construct(
        removed=institution,
        target=target,
        origins=len(before),
        reachable_before=before.reachable_count,
        reachable_after=after.reachable_count,
        changed=tuple(
            HopChange.model_construct(
                institution=before.origins[k],
                before=hop(int(before.hops[k])),
                after=hop(int(after.hops[k])),
            )
            for k in changed
        ),
    )


# --------------------------------------------------------------------------------------
# population within reach of members


class AlliancePopulation(FrozenModel):
    """People within a travel-time threshold of some member of an alliance."""

    alliance: str | None
    """Id of the alliance; ``None`` for the members of every alliance together."""
    sites: int
    """Members with coordinates (the sites people travel to)."""
    without_coordinates: tuple[str, ...]
    """Members left out for lack of coordinates."""
    people_within: float
    """People whose nearest such member is within the threshold."""
    share: float | None
    """``people_within`` / all people; ``None`` when the population is empty."""


class PopulationCoverage(FrozenModel, Tabular):
    """What :func:`population_coverage` returns."""

    threshold_min: float
    """Travel-time threshold in minutes (e.g. 15 for the 15-minute health circle)."""
    speed_kmh: float
    """Assumed straight-line travel speed."""
    detour_factor: float
    """Road distance / straight-line distance assumed."""
    people: float
    """All people of the population."""
    points: int
    """Population points."""
    overall: AlliancePopulation
    """Within reach of a member of any alliance."""
    alliances: tuple[AlliancePopulation, ...]
    """Per alliance, by id."""

    def rows(self) -> list[dict[str, Any]]:
        """One row for all alliances together, then one per alliance."""
        return [
            {
                "alliance": a.alliance,
                "sites": a.sites,
                "without_coordinates": len(a.without_coordinates),
                "people_within": a.people_within,
                "share": a.share,
            }
            for a in (self.overall, *self.alliances)
        ]


@_without_gc
def population_coverage(
    registry: Registry,
    population: Any,
    *,
    threshold_min: float,
    speed_kmh: float,
    detour_factor: float = 1.0,
) -> PopulationCoverage:
    """People within ``threshold_min`` of a member, per alliance and for all alliances.

    Travel times come from coordinates (:func:`medalliance.accessibility.costs_from_coordinates`:
    great-circle distance × ``detour_factor`` at ``speed_kmh``, found with a KD-tree within
    the threshold); a point is covered when its nearest member is within the threshold
    (inclusive), as in :func:`medalliance.accessibility.coverage_within`. The per-alliance
    shares come from one sparse product of the (point, member) pairs with the member ×
    alliance incidence, not from one pass per alliance.

    Parameters
    ----------
    registry : Registry
        The registry; not modified. Members without coordinates are listed, not used.
    population : medalliance.accessibility.Population
        Population points with coordinates.
    threshold_min : float
        Largest travel time counted as within reach, in minutes.
    speed_kmh : float
        Assumed straight-line travel speed (an assumption of the analysis, not a fact).
    detour_factor : float, default 1.0
        Ratio of road distance to straight-line distance.

    Returns
    -------
    PopulationCoverage
        People within reach, overall and per alliance.

    Raises
    ------
    MedAllianceError
        When the population has no coordinates or a parameter is out of range.

    Examples
    --------
    >>> from medalliance import synthetic
    >>> from medalliance.accessibility import Population
    >>> reg = synthetic.county(seed=1, townships=3, villages_per_township=2)
    >>> town = reg.institution("k-t00")
    >>> pop = Population(["near", "far"], [800, 200], lat=[town.lat, town.lat + 1.0],
    ...                  lon=[town.lon, town.lon])
    >>> c = population_coverage(reg, pop, threshold_min=15, speed_kmh=30)
    >>> c.overall.people_within, c.overall.share
    (800.0, 0.8)
    """
    from scipy import sparse

    from medalliance.accessibility import (
        Population,
        Supply,
        costs_from_coordinates,
        coverage_within,
    )

    if not isinstance(population, Population):
        raise MedAllianceError([Problem(("population",), "must be an accessibility.Population")])
    position = {inst.id: i for i, inst in enumerate(registry.institutions)}
    member_pos = sorted({position[m] for a in registry.alliances for m in a.members})
    insts = registry.institutions
    sites = [p for p in member_pos if insts[p].lat is not None]
    supply = Supply(
        [insts[p].id for p in sites],
        np.ones(len(sites)),
        lat=np.asarray([insts[p].lat for p in sites], dtype=np.float64),
        lon=np.asarray([insts[p].lon for p in sites], dtype=np.float64),
    )
    costs = costs_from_coordinates(
        population,
        supply,
        speed_kmh=speed_kmh,
        cutoff_min=threshold_min,
        detour_factor=detour_factor,
    )
    overall = coverage_within(costs, population, threshold=threshold_min)
    total = overall.total_people
    people = np.asarray(population.people, dtype=np.float64)
    site_of = {p: k for k, p in enumerate(sites)}
    n_a = len(registry.alliances)
    rows: list[int] = []
    cols: list[int] = []
    for k, a in enumerate(registry.alliances):
        for m in a.members:
            j = site_of.get(position[m])
            if j is not None:
                rows.append(j)
                cols.append(k)
    incidence = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(sites), n_a)
    )
    pairs = sparse.csr_matrix(
        (np.ones(len(costs.indices), dtype=np.int32), costs.indices, costs.indptr),
        shape=(len(population), len(sites)),
    )
    covered = (pairs @ incidence).tocsc()
    covered.data[:] = 1
    within = covered.T @ people  # people covered per alliance

    def share(x: float) -> float | None:
        return x / total if total > 0 else None

    per = []
    for k, a in enumerate(registry.alliances):
        missing = tuple(m for m in a.members if insts[position[m]].lat is None)
        per.append(
            AlliancePopulation.model_construct(
                alliance=a.id,
                sites=len(a.members) - len(missing),
                without_coordinates=missing,
                people_within=float(within[k]),
                share=share(float(within[k])),
            )
        )
    missing_all = tuple(insts[p].id for p in member_pos if insts[p].lat is None)
    return PopulationCoverage.model_construct(
        threshold_min=float(threshold_min),
        speed_kmh=float(speed_kmh),
        detour_factor=float(detour_factor),
        people=total,
        points=len(population),
        overall=AlliancePopulation.model_construct(
            alliance=None,
            sites=len(sites),
            without_coordinates=missing_all,
            people_within=overall.covered_people,
            share=share(overall.covered_people),
        ),
        alliances=tuple(per),
    )
