"""How much an alliance really covers, and whether its referral network is sound.

Structural coverage (per alliance, or across a registry with :func:`registry_coverage`):

- members by tier, kind and role;
- beds and population **computed** from the members beside the **declared** figures
  (:class:`~medalliance.model.alliance.DeclaredFigure`, e.g. Zhejiang's "13,000+ beds radiated"),
  with the difference and whether the two can both be true given the figure's qualifier
  (:class:`FigureCheck`). Members without a figure are listed, never counted as 0;
- administrative areas covered (:func:`area_coverage`: e.g. whether every township of a
  county has a hub member, the "full coverage" a county community claims);
- overlap between alliances (:func:`alliance_overlap`: institutions in several).

Referral reachability (:func:`reachability`): for each grassroots member, whether and in how
many hops it reaches an institution of the needed tier, specialty or service
(:class:`ReachTarget`) through referral channels (:mod:`medalliance.compiled.channels`), and which
targets are nearest. One hop is a referral between two institutions of one channel.

Resilience: :func:`articulation_points` lists the institutions whose loss splits the
referral network, with the parts left behind; :func:`removal_impact` says what removing one
member (the lead, say) does to reachability, and :func:`removal_impact_all` answers the same
question for every institution at once (which origins lose every target) from one block-cut pass.

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

from medalliance.coverage._figures import (
    BED_METRICS,
    POPULATION_METRICS,
    Consistency,
    FigureCheck,
)
from medalliance.coverage._overlap import (
    AllianceOverlap,
    Overlap,
    RegistryCoverage,
    SharedInstitution,
    alliance_overlap,
    registry_coverage,
)
from medalliance.coverage._population import (
    AlliancePopulation,
    PopulationCoverage,
    population_coverage,
)
from medalliance.coverage._reachability import OriginReach, Reachability, ReachTarget, reachability
from medalliance.coverage._removal import RemovalImpacts, removal_impact_all
from medalliance.coverage._resilience import (
    CutPoint,
    CutPoints,
    HopChange,
    RemovalImpact,
    articulation_points,
    removal_impact,
)
from medalliance.coverage._structure import (
    AllianceCoverage,
    AreaCoverage,
    AreaLevel,
    AreaMembers,
    alliance_coverage,
    area_coverage,
)

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
    "RemovalImpacts",
    "SharedInstitution",
    "alliance_coverage",
    "alliance_overlap",
    "area_coverage",
    "articulation_points",
    "population_coverage",
    "reachability",
    "registry_coverage",
    "removal_impact",
    "removal_impact_all",
]
