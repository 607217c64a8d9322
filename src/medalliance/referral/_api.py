"""The public referral functions: one case, many cases, escalation paths.

The rules they follow are written in :mod:`medalliance.referral._rules` (and the ranking in
:mod:`medalliance.referral._rank`); the arrays they run on are compiled once per registry.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require, require_registry, require_sequence
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.vocab import ServiceKind, Specialty
from medalliance.referral._batch import ReferralBatch, decide_many
from medalliance.referral._cases import ReferralCases
from medalliance.referral._index import index_of
from medalliance.referral._model import ReferralCase, ReferralDecision, ReferralPath
from medalliance.referral._paths import paths
from medalliance.referral._rules import prepare
from medalliance.referral.policy import ReferralPolicy, default_policy

__all__ = ["evaluate", "evaluate_many", "referral_paths"]


def evaluate(
    registry: Registry,
    case: ReferralCase,
    *,
    policy: ReferralPolicy | None = None,
    outside_options: int = 0,
    as_of: _dt.date | str | None = None,
) -> ReferralDecision:
    """Decide where ``case`` may be referred under ``policy`` (default: the shipped policy).

    The decision lists the destinations reachable through an alliance's two-way referral
    channel, with that channel's priority flags, ranked as the policy's
    :class:`~medalliance.referral.policy.Ranking` says for the case's urgency; ``eligible``
    means there is at least one. Referral outside an alliance is never forbidden: ask for
    ``outside_options`` to see capable institutions the patient may go to without the
    alliance's privileges.

    Parameters
    ----------
    registry : Registry
        Institutions, alliances and agreements; not modified.
    case : ReferralCase
        The patient to refer.
    policy : ReferralPolicy, optional
        Criteria to apply; :func:`~medalliance.referral.policy.default_policy` when omitted.
    outside_options : int, default 0
        List up to this many capable institutions that share no referral channel with the
        origin (nearest first when coordinates are known), in
        :attr:`ReferralDecision.outside_options`: possible, without the alliance's privileges
        (they do not make the case ``eligible``, which is about alliance channels).
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    ReferralDecision
        Eligibility, ranked destinations and every reason.

    Raises
    ------
    MedAllianceError
        For an unknown origin or home institution, an unknown criterion, ``lat`` without
        ``lon`` (or the reverse), all named at once; or for a negative ``outside_options``.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> d = evaluate(reg, ReferralCase(origin="wuliqiao_chc", criterion="critical_or_difficult"))
    >>> [x.institution for x in d.destinations][:2], d.direction.value
    (['luwan_dongnan', 'ruijin_luwan_branch'], 'up')
    >>> evaluate(reg, ReferralCase(origin="nowhere", criterion="vibes"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.UnknownIdError: 2 problems:
      - origin: unknown institution 'nowhere'
      - criterion: unknown referral criterion 'vibes'; known: ...
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    require(case, ReferralCase, "case")
    problems: list[Problem] = []
    if isinstance(outside_options, bool) or not isinstance(outside_options, int):
        problems.append(Problem(("outside_options",), "must be an integer"))
    elif outside_options < 0:
        problems.append(Problem(("outside_options",), "must be >= 0"))
    policy = _policy(policy)
    try:
        needs = prepare(registry, case, policy)
    except MedAllianceError as exc:
        raise type(exc)([*exc.problems, *problems]) from None
    if problems:
        raise MedAllianceError(problems)
    return index_of(registry).decide(case, needs, policy, outside_options=outside_options)


def evaluate_many(
    registry: Registry,
    cases: Iterable[ReferralCase] | ReferralCases,
    *,
    policy: ReferralPolicy | None = None,
    as_of: _dt.date | str | None = None,
) -> ReferralBatch:
    """Decide many cases at once, on arrays compiled from the registry.

    The registry's channels, tiers and capabilities are compiled once (and cached with the
    registry); every case is then decided with array operations, without a Python loop per
    case. ``batch[i]`` equals ``evaluate(registry, case_i, policy=policy)`` (tested on
    generated registries and cases).

    Parameters
    ----------
    registry : Registry
        Institutions, alliances and agreements; not modified.
    cases : iterable of ReferralCase, or ReferralCases
        The cases; columns (:meth:`ReferralCases.from_arrays`) are the fast input at scale.
    policy : ReferralPolicy, optional
        Criteria to apply; the shipped default when omitted.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    ReferralBatch
        Summary columns for every case; full decisions on demand.

    Raises
    ------
    MedAllianceError
        Listing every case with an unknown origin, home or criterion (with its position).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> cases = [ReferralCase(origin="township_centre", criterion="needs_inpatient_bed"),
    ...          ReferralCase(origin="county_hospital", criterion="convalescence")]
    >>> batch = evaluate_many(reg, cases)
    >>> [batch.best_destination(i) for i in range(2)]
    ['county_hospital', 'township_centre']
    >>> tuple(batch) == tuple(evaluate(reg, c) for c in cases)
    True
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    policy = _policy(policy)
    if isinstance(cases, ReferralCases):
        table = cases
    else:
        table = ReferralCases.from_cases(require_sequence(cases, "cases", "ReferralCase objects"))
    columns = decide_many(index_of(registry), table, policy)
    return ReferralBatch(registry=registry, policy=policy, cases=table, **columns)


def referral_paths(
    registry: Registry,
    origin: str,
    *,
    specialty: Specialty | str | None = None,
    service: ServiceKind | str | None = None,
    max_hops: int = 4,
    as_of: _dt.date | str | None = None,
) -> tuple[ReferralPath, ...]:
    """Escalation paths from ``origin`` up the tiers through referral channels.

    Each hop follows a referral channel to an institution of a strictly higher tier
    (village → township → county → provincial). Without a target, a path ends at each
    institution reachable upwards from which no channel leads higher; with
    ``specialty``/``service``, at each institution that offers them (and it is not climbed
    past). For every end, the path with the fewest hops is given (ties: the smallest ids
    along it); an origin that itself offers the target gives a path of 0 hops. Paths are
    listed shortest first, then by the ids along them.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    origin : str
        Id of the starting institution.
    specialty, service : optional
        What the patient needs (labels accepted). Specialty-alliance channels are followed
        only for their own specialty.
    max_hops : int, default 4
        Longest path considered (four hops climb all four tiers).
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    tuple of ReferralPath
        One shortest upward path per end institution.

    Raises
    ------
    MedAllianceError
        For an unknown origin, an unknown label or ``max_hops`` < 1.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("shanghai_luwan")
    >>> [(p.institutions, p.hops) for p in referral_paths(reg, "wuliqiao_chc")]
    [(('wuliqiao_chc', 'ruijin'), 1)]
    >>> county = examples.load("county_township")
    >>> [p.institutions for p in referral_paths(county, "township_centre", service="CT检查")]
    [('township_centre', 'county_hospital')]
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    if isinstance(max_hops, bool) or not isinstance(max_hops, int) or max_hops < 1:
        raise MedAllianceError([Problem(("max_hops",), "must be an integer >= 1")])
    registry.institution(origin)
    spec = Specialty.parse(specialty) if specialty is not None else None
    svc = ServiceKind.parse(service) if service is not None else None
    return paths(index_of(registry), origin, spec, svc, max_hops)


def _policy(policy: object) -> ReferralPolicy:
    """The policy to apply: the shipped default for ``None``, else a checked ReferralPolicy."""
    return default_policy() if policy is None else require(policy, ReferralPolicy, "policy")
