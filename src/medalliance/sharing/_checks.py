"""Advisory findings about resource sharing."""

from __future__ import annotations

from collections.abc import Sequence

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_items, require_registry
from medalliance.model.agreement import CooperationItem
from medalliance.model.checks import Finding, Severity
from medalliance.model.registry import Registry
from medalliance.sharing._common import _base, _Centre, _Layout
from medalliance.sharing._recognition import RecognitionClaim, recognises
from medalliance.sharing._volumes import ServiceVolumes, _resolve


def _finding(code: str, severity: Severity, subject: str, message: str) -> Finding:
    return Finding(code=code, severity=severity, subject=subject, message=message)


def _centre_finding(code: str, severity: Severity, c: _Centre, message: str) -> Finding:
    """A finding about a centre; says so when the centre's hosting is inferred."""
    if c.inferred:
        message += f" (its host {c.centre.host!r} is inferred, not stated by the source)"
    return _finding(code, severity, c.centre.id, message)


def check_sharing(
    registry: Registry,
    *,
    volumes: ServiceVolumes | None = None,
    claims: Sequence[RecognitionClaim] = (),
) -> tuple[Finding, ...]:
    """Advisory findings about resource sharing.

    From the registry alone (these run in :func:`~medalliance.checks.check_registry`):

    - ``centre_serves_nobody`` (warning): a centre whose ``serves`` list is empty;
    - ``centre_serves_outside_alliance`` (info): a shared-services agreement opens a centre
      to an institution outside the centre's alliance (legitimate, but worth knowing);
    - ``shared_services_without_centre`` (info): an alliance provision or agreement grants
      shared services, but no centre providing services is there to share.

    A finding about a centre whose hosting is inferred
    (:func:`~medalliance.sharing.inferred_centres`) says so in its message.

    From activity records, when given:

    - ``centre_serves_outsider`` (warning): a volume entry names a member outside the centre's
      alliance, and no shared-services agreement links it to the centre's host;
    - ``centre_serves_unlisted`` (info): the member is in the alliance but not in the centre's
      ``serves`` list, and no agreement links it to the host;
    - ``recognition_without_alliance`` (warning): a recognition claim between institutions
      that share no alliance;
    - ``recognition_not_granted`` (info): a claim between institutions of a common alliance
      that no provision, agreement or shared centre gives (:func:`recognises`).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    volumes : ServiceVolumes, optional
        Activity volumes whose entries may name the member served.
    claims : sequence of RecognitionClaim, optional
        Statements that one institution accepts another's results.

    Returns
    -------
    tuple of Finding
        In the order: registry findings, volume findings, claim findings.

    Raises
    ------
    MedAllianceError
        For volumes or claims naming unknown centres, institutions or services.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("dingzhou")
    >>> check_sharing(reg)
    ()
    >>> v = ServiceVolumes(entries=[{"centre": "dzp_lab", "member": "mingyue_chc", "count": 5}])
    >>> [f.code for f in check_sharing(reg, volumes=v)]
    ['centre_serves_outsider']
    >>> print(check_sharing(reg, volumes=v)[0].message)  # doctest: +NORMALIZE_WHITESPACE
    volume recorded for 'mingyue_chc', which is outside alliance 'dingzhou_peoples_alliance'
    and has no shared-services agreement with the host (its host 'dingzhou_peoples' is
    inferred, not stated by the source)
    >>> claim = RecognitionClaim(by="qingfeng_chc", of="mingyue_chc", test_kind="检验")
    >>> check_sharing(reg, claims=[claim])[0].code
    'recognition_without_alliance'
    """
    require_registry(registry)
    layout = _base(registry).layout
    out: list[Finding] = []
    for c in layout.centres:
        if c.centre.serves != "all" and not c.centre.serves:
            out.append(
                _centre_finding(
                    "centre_serves_nobody",
                    Severity.WARNING,
                    c,
                    f"shared centre of {c.alliance.id!r} lists no member in 'serves'",
                )
            )
    for g in layout.sharing_agreements:
        for q in g.parties:
            for c in layout.centres_by_host.get(q, ()):
                if not c.services:
                    continue
                members = set(c.alliance.members)
                outside = [p for p in g.parties if p != q and p not in members]
                if outside:
                    out.append(
                        _centre_finding(
                            "centre_serves_outside_alliance",
                            Severity.INFO,
                            c,
                            f"serves {', '.join(outside)} outside alliance {c.alliance.id!r} "
                            f"through agreement {g.id!r}",
                        )
                    )
    for a in registry.alliances:
        if CooperationItem.SHARED_SERVICES in a.provisions and not any(
            c.effective_services for c in a.shared_centres
        ):
            out.append(
                _finding(
                    "shared_services_without_centre",
                    Severity.INFO,
                    a.id,
                    "provides shared services alliance-wide but lists no centre providing any",
                )
            )
    for g in layout.sharing_agreements:
        if not any(c.services for p in g.parties for c in layout.centres_by_host.get(p, ())):
            out.append(
                _finding(
                    "shared_services_without_centre",
                    Severity.INFO,
                    g.id,
                    "grants shared services but no party hosts a centre providing any",
                )
            )
    if volumes is not None:
        out.extend(_volume_findings(registry, layout, volumes))
    out.extend(_claim_findings(registry, require_items(claims, RecognitionClaim, "claims")))
    return tuple(out)


def _volume_findings(registry: Registry, layout: _Layout, volumes: ServiceVolumes) -> list[Finding]:
    out: list[Finding] = []
    for c, _, e in _resolve(registry, layout, volumes):
        m = e.member
        if m is None or m == c.centre.host:
            continue
        members = c.alliance.members
        listed = m in members and (c.centre.serves == "all" or m in c.centre.serves)
        if listed:
            continue
        linked = any(
            m in g.parties and c.centre.host in g.parties for g in layout.sharing_agreements
        )
        if linked:
            continue
        if m not in members:
            out.append(
                _centre_finding(
                    "centre_serves_outsider",
                    Severity.WARNING,
                    c,
                    f"volume recorded for {m!r}, which is outside alliance {c.alliance.id!r} "
                    "and has no shared-services agreement with the host",
                )
            )
        else:
            out.append(
                _centre_finding(
                    "centre_serves_unlisted",
                    Severity.INFO,
                    c,
                    f"volume recorded for {m!r}, a member the centre's 'serves' list omits",
                )
            )
    return out


def _claim_findings(registry: Registry, claims: Sequence[RecognitionClaim]) -> list[Finding]:
    problems: list[Problem] = []
    for i, claim in enumerate(claims):
        if not isinstance(claim, RecognitionClaim):
            problems.append(Problem(("claims", i), "must be a RecognitionClaim"))
            continue
        for name in ("by", "of"):
            iid = getattr(claim, name)
            if not registry.has_institution(iid):
                problems.append(Problem(("claims", i, name), f"unknown institution {iid!r}"))
    if problems:
        raise MedAllianceError(problems)
    out: list[Finding] = []
    for claim in claims:
        a, b, kind = claim.by, claim.of, claim.test_kind
        if recognises(registry, a, b, kind):
            continue
        common = {x.id for x in registry.alliances_of(a)} & {x.id for x in registry.alliances_of(b)}
        what = f"claims to recognise {kind.value} results of {b}"
        if not common:
            out.append(
                _finding(
                    "recognition_without_alliance",
                    Severity.WARNING,
                    a,
                    f"{what}, but they share no alliance",
                )
            )
        else:
            out.append(
                _finding(
                    "recognition_not_granted",
                    Severity.INFO,
                    a,
                    f"{what}, but no provision, agreement or shared centre of "
                    f"{', '.join(sorted(common))} gives it",
                )
            )
    return out
