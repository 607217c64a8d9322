"""Referral policy as data: criteria for two-way referral (双向转诊) and condition catalogues.

A :class:`ReferralPolicy` lists the :class:`Criterion` s that justify a referral, the
direction(s) each justifies — up (上转) to a higher tier or the lead, down (下转) to a lower
tier, grassroots, rehabilitation or nursing, lateral (平转) to a same-tier institution with a
capability the origin lacks — and, where the sources say so, the tiers a referral may go to
(``target_tiers``) and the specialties a destination must offer (``specialties``). Its
:class:`Ranking` says how destinations are ordered for each urgency. The default policy ships
inside the package (``medalliance/data/referral_policy.yaml``) and is built from the source
articles and official texts, each criterion with its source and quote; criteria whose wording
rests on text that could not be verified are marked ``uncertain`` with a note.

A :class:`ConditionCatalogue` (分级诊疗病种目录) maps condition codes (e.g. ICD-10 prefixes) to
the lowest tier and/or the specialty that treats them. No catalogue is official truth here: the
one shipped (``example_catalogue()``) is labelled illustrative, and users supply their own.

Examples
--------
>>> policy = default_policy()
>>> [c.code for c in policy.criteria_for(Direction.DOWN)][:3]
['acute_recovery', 'postop_recovery', 'critical_stabilised']
>>> policy.criterion("critical_or_difficult").name_zh
'危重疑难病症'
>>> example_catalogue().lookup("I63.9").specialty
<Specialty.NEUROLOGY: 'neurology'>
>>> policy.ranking.emergency
('distance', 'green', 'flags', 'step', 'id')
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StrictBool, model_validator

from medalliance._parse import bundled_yaml
from medalliance.errors import (
    MedAllianceError,
    Problem,
    SchemaError,
    UnknownIdError,
    duplicate_problems,
)
from medalliance.model.institution import Tier, TierField
from medalliance.model.labels import did_you_mean
from medalliance.model.types import FrozenModel, NonEmptyText, Tabular, no_duplicates
from medalliance.model.vocab import LabelledEnum, ServiceKindField, SpecialtyField
from medalliance.referral._rank import RANK_FIELDS

__all__ = [
    "CatalogueEntry",
    "ConditionCatalogue",
    "Criterion",
    "Direction",
    "Ranking",
    "ReferralPolicy",
    "default_policy",
    "example_catalogue",
    "policy_from_data",
]


class Direction(LabelledEnum):
    """Direction of a referral relative to the institutions' tiers."""

    UP = "up"
    DOWN = "down"
    LATERAL = "lateral"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.UP: ("上转", "向上转诊", "upward"),
            cls.DOWN: ("下转", "向下转诊", "downward"),
            cls.LATERAL: ("平转", "横向转诊", "same level"),
        }


CriterionCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


def _at_least_one(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Reject an empty tuple (an ``AfterValidator``).

    Unlike ``Field(min_length=1)``, this runs only once every item is valid: pydantic checks
    a tuple's length after dropping its invalid items, so one bad item of a one-item list
    would also be reported as "at least 1 item", and again for each tuple around it.

    Examples
    --------
    >>> _at_least_one(("up",))
    ('up',)
    >>> _at_least_one(())
    Traceback (most recent call last):
    ...
    ValueError: must list at least one item
    """
    if not values:
        msg = "must list at least one item"
        raise ValueError(msg)
    return values


NonEmpty = AfterValidator(_at_least_one)


class Criterion(FrozenModel):
    """A reason that justifies a referral in one or more directions."""

    code: CriterionCode
    """Machine code, e.g. ``postop_recovery``."""
    name_en: NonEmptyText
    """English wording."""
    name_zh: NonEmptyText
    """Chinese wording as the sources put it."""
    directions: Annotated[tuple[Direction, ...], NonEmpty, AfterValidator(no_duplicates)]
    """Directions the criterion justifies."""
    needs_capability: StrictBool = False
    """Whether the destination must offer the specialty/services the case needs."""
    target_tiers: Annotated[tuple[TierField, ...], AfterValidator(no_duplicates)] = ()
    """The only tiers a referral under this criterion may go to (empty: any tier the
    direction allows), e.g. ``[secondary]`` for patients a tertiary hospital sends down to
    二级 hospitals."""
    specialties: Annotated[tuple[SpecialtyField, ...], AfterValidator(no_duplicates)] = ()
    """Specialties of which a destination must offer at least one (empty: none), e.g.
    obstetrics or maternal and child health for a high-risk pregnancy."""
    source: NonEmptyText | None = None
    """Where the criterion comes from (seed article, policy document, address)."""
    quote: NonEmptyText | None = None
    """The source sentence(s) the criterion rests on, as written."""
    uncertain: StrictBool = False
    """True when the wording or a value rests on text that could not be verified."""
    note: NonEmptyText | None = None
    """Why a value is uncertain, or how the source was read."""

    def allows_tier(self, tier: Tier) -> bool:
        """Whether the criterion lets a referral go to an institution of ``tier``.

        Examples
        --------
        >>> c = default_policy().criterion("postop_recovery")
        >>> c.allows_tier(Tier.SECONDARY), c.allows_tier(Tier.PRIMARY)
        (True, False)
        """
        return not self.target_tiers or tier in self.target_tiers


ConditionCode = Annotated[str, Field(pattern=r"^[A-Z][0-9A-Z]{0,2}(\.[0-9A-Z]{0,4})?$")]


class CatalogueEntry(FrozenModel):
    """One row of a condition catalogue: a code prefix and who should treat it."""

    code: ConditionCode
    """Condition code prefix, e.g. ``I10`` or ``I63`` (ICD-10 style)."""
    label: NonEmptyText | None = None
    """What the code stands for."""
    min_tier: TierField | None = None
    """Lowest tier that should treat the condition."""
    specialty: SpecialtyField | None = None
    """Specialty that treats it."""
    services: Annotated[tuple[ServiceKindField, ...], AfterValidator(no_duplicates)] = ()
    """Services needed to treat it."""

    @model_validator(mode="after")
    def _says_something(self) -> CatalogueEntry:
        if self.min_tier is None and self.specialty is None and not self.services:
            msg = "an entry needs min_tier, specialty or services"
            raise MedAllianceError([Problem(("code",), msg)])
        return self


class ConditionCatalogue(FrozenModel):
    """A per-tier condition catalogue (分级诊疗病种目录), matched by longest code prefix."""

    name: NonEmptyText
    """What the catalogue is."""
    illustrative: StrictBool = False
    """True for example data that is not clinical guidance."""
    source: NonEmptyText | None = None
    """Where the catalogue comes from."""
    entries: Annotated[tuple[CatalogueEntry, ...], NonEmpty]
    """The rows."""

    @model_validator(mode="after")
    def _unique_codes(self) -> ConditionCatalogue:
        problems = duplicate_problems(
            "entries", [e.code for e in self.entries], key="code", what="code"
        )
        if problems:
            raise MedAllianceError(problems)
        return self

    def lookup(self, code: str) -> CatalogueEntry | None:
        """The entry with the longest code prefix of ``code``, or ``None``.

        Examples
        --------
        >>> cat = example_catalogue()
        >>> cat.lookup("I10").min_tier
        <Tier.PRIMARY: 'primary'>
        >>> cat.lookup("Z99") is None
        True
        """
        best: CatalogueEntry | None = None
        for e in self.entries:
            if code.startswith(e.code) and (best is None or len(e.code) > len(best.code)):
                best = e
        return best


def _rank_fields(order: tuple[str, ...]) -> tuple[str, ...]:
    """Check one ranking order: known field names, each once, ending with the id tie-break."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for k, f in enumerate(order):
        if f not in RANK_FIELDS:
            known = ", ".join(RANK_FIELDS)
            problems.append(Problem((k,), f"unknown ranking field {f!r}; known: {known}"))
        elif f in seen:
            problems.append(Problem((k,), f"duplicate ranking field {f!r}"))
        seen.add(f)
    if not order or order[-1] != "id":
        problems.append(Problem((), "must end with 'id', the final tie-break"))
    if problems:
        raise MedAllianceError(problems)
    return order


RankOrder = Annotated[tuple[str, ...], AfterValidator(_rank_fields)]


class Ranking(FrozenModel):
    """How destinations are ranked, best first: one order of fields per urgency.

    The fields and what they mean are written in :mod:`medalliance.referral._rank`
    (``home``, ``green``, ``flags``, ``distance``, ``step``, ``id``); an order lists the
    fields compared, most important first, and ends with ``id``.

    Examples
    --------
    >>> r = default_policy().ranking
    >>> r.order("emergency"), r.distance_band_km
    (('distance', 'green', 'flags', 'step', 'id'), 0.0)
    >>> Ranking(routine=("flags", "id"), urgent=("id",), emergency=("distance", "distance"))
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems:
      - emergency[1]: duplicate ranking field 'distance'
      - emergency: must end with 'id', the final tie-break
    """

    routine: RankOrder
    """Order for routine (常规) referrals."""
    urgent: RankOrder
    """Order for urgent (紧急) referrals."""
    emergency: RankOrder
    """Order for emergencies (急诊): the default puts the nearest capable institution first."""
    distance_band_km: Annotated[float, Field(ge=0.0, le=1000.0, allow_inf_nan=False)] = 0.0
    """Destinations within this many km of the case's nearest one share its ``distance``
    value, so that the fields after ``distance`` decide between them (0: exact distances)."""
    source: NonEmptyText | None = None
    """Where the orders come from."""

    def order(self, urgency: str) -> tuple[str, ...]:
        """The order of fields for ``urgency`` (``routine``, ``urgent`` or ``emergency``).

        Examples
        --------
        >>> default_policy().ranking.order("routine")
        ('home', 'flags', 'distance', 'step', 'id')
        """
        orders: dict[str, tuple[str, ...]] = {
            "routine": self.routine,
            "urgent": self.urgent,
            "emergency": self.emergency,
        }
        return orders[urgency]


def _default_ranking() -> Ranking:
    """The shipped policy's ranking (the default of a policy that gives none)."""
    return default_policy().ranking


class ReferralPolicy(FrozenModel, Tabular):
    """The rules referral decisions follow: criteria, ranking, optional catalogue.

    A referral the policy decides is one through an alliance's two-way referral channel
    (双向转诊通道), with the priority that channel gives; a patient may still go to any
    institution outside the alliance (no policy forbids it), without those privileges.

    As a table (:meth:`rows`, ``to_frame()``, the notebook display) it lists its criteria.
    """

    name: NonEmptyText
    """Name of the policy."""
    criteria: Annotated[tuple[Criterion, ...], NonEmpty]
    """Criteria, each with the directions it justifies."""
    ranking: Ranking = Field(default_factory=_default_ranking)
    """How destinations are ranked for each urgency (default: the shipped policy's)."""
    catalogue: ConditionCatalogue | None = None
    """Optional condition catalogue."""
    source: NonEmptyText | None = None
    """Where the policy comes from."""

    @model_validator(mode="after")
    def _unique_codes(self) -> ReferralPolicy:
        problems = duplicate_problems(
            "criteria", [c.code for c in self.criteria], key="code", what="criterion"
        )
        if problems:
            raise MedAllianceError(problems)
        return self

    def rows(self) -> list[dict[str, Any]]:
        """One row per criterion: code, names, directions, what it requires, source.

        Examples
        --------
        >>> row = default_policy().rows()[0]
        >>> row["code"], row["directions"], row["needs_capability"]
        ('critical_or_difficult', 'up', False)
        """
        return [
            {
                "code": c.code,
                "name_en": c.name_en,
                "name_zh": c.name_zh,
                "directions": " ".join(d.value for d in c.directions),
                "needs_capability": c.needs_capability,
                "target_tiers": " ".join(t.value for t in c.target_tiers),
                "specialties": " ".join(x.value for x in c.specialties),
                "uncertain": c.uncertain,
                "source": c.source,
            }
            for c in self.criteria
        ]

    def __repr__(self) -> str:
        catalogue = f", catalogue={self.catalogue.name!r}" if self.catalogue is not None else ""
        return f"ReferralPolicy({self.name!r}, criteria={len(self.criteria)}{catalogue})"

    __str__ = __repr__

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code``.

        Raises
        ------
        UnknownIdError
            For an unknown code; the message names the closest codes, or lists them all.

        Examples
        --------
        >>> default_policy().criterion("chronic_confirmed").directions
        (<Direction.DOWN: 'down'>,)
        >>> default_policy().criterion("boredom")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        medalliance.errors.UnknownIdError: unknown referral criterion 'boredom'; known: ...
        >>> default_policy().criterion("postop_recovry")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        medalliance.errors.UnknownIdError: ...; did you mean 'postop_recovery' or ...
        """
        for c in self.criteria:
            if c.code == code:
                return c
        codes = [c.code for c in self.criteria]
        hint = did_you_mean(code, codes) or f"; known: {', '.join(codes)}"
        raise UnknownIdError([Problem((), f"unknown referral criterion {code!r}{hint}")])

    def criteria_for(self, direction: Direction | str) -> tuple[Criterion, ...]:
        """Criteria that justify ``direction`` (a member or label such as ``下转``).

        Examples
        --------
        >>> [c.code for c in default_policy().criteria_for("上转")][:2]
        ['critical_or_difficult', 'beyond_capability']
        """
        d = Direction.parse(direction)
        return tuple(c for c in self.criteria if d in c.directions)


def policy_from_data(data: object, *, source: str | None = None) -> ReferralPolicy:
    """Validate plain data (a parsed YAML/JSON document) as a :class:`ReferralPolicy`.

    Raises
    ------
    MedAllianceError
        Listing every problem with its path (and ``source`` when given).

    Examples
    --------
    >>> policy_from_data([])
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: expected a mapping with name and criteria
    """
    if not isinstance(data, dict):
        raise SchemaError([Problem((), "expected a mapping with name and criteria")], source=source)
    try:
        return ReferralPolicy.model_validate(data)
    except MedAllianceError as exc:
        raise (exc.with_source(source) if source is not None else exc) from None


@cache
def default_policy() -> ReferralPolicy:
    """The policy shipped with medalliance, built from the source articles' criteria.

    Examples
    --------
    >>> len(default_policy().criteria)
    16
    """
    return policy_from_data(
        bundled_yaml("referral_policy.yaml"), source="medalliance default referral policy"
    )


@cache
def example_catalogue() -> ConditionCatalogue:
    """A small, illustrative condition catalogue (not clinical guidance).

    Examples
    --------
    >>> example_catalogue().illustrative
    True
    """
    return ConditionCatalogue.model_validate(bundled_yaml("example_catalogue.yaml"))
