"""Expert clinics (专家坐诊): sessions by site and department, members not reached."""

from __future__ import annotations

import datetime as _dt
from typing import Any, NamedTuple

from medalliance.errors import MedAllianceError, Problem
from medalliance.model._require import require_registry
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Tabular
from medalliance.model.vocab import Specialty, Weekday
from medalliance.sharing._common import _plural, _scope


class ClinicSessions(NamedTuple):
    """Expert-clinic sessions at one site in one department.

    Examples
    --------
    >>> from medalliance import examples
    >>> s = expert_clinic_coverage(examples.load("county_township")).sessions[0]
    >>> s.department.value, [d.value for d in s.weekdays]
    ('cardiology', ['wed', 'fri'])
    """

    site: str
    """Institution where the clinics are held."""
    department: Specialty
    """Department of the experts."""
    sessions: int
    """Sessions in the period (one per programme and clinic day)."""
    weekdays: tuple[Weekday, ...]
    """Days of the week with a session (Monday first)."""
    hosts: tuple[str, ...]
    """Institutions sending the experts."""
    clinics: tuple[str, ...]
    """Expert-clinic programme ids."""


class ExpertCoverage(FrozenModel, Tabular):
    """What :func:`expert_clinic_coverage` returns.

    Examples
    --------
    >>> from medalliance import examples
    >>> cov = expert_clinic_coverage(examples.load("county_township"), weeks=4)
    >>> cov.total_sessions
    16
    >>> cov
    ExpertCoverage(4 weeks: 16 sessions at 1 site in 2 departments; 0 members not reached)
    """

    weeks: int
    """Length of the period counted, in weeks."""
    sessions: tuple[ClinicSessions, ...]
    """Sessions by site and department (registry order of sites, then department order)."""
    uncovered: tuple[str, ...]
    """Members (other than leads) that are the site of no programme, in registry order."""

    def __repr__(self) -> str:
        sites = len({s.site for s in self.sessions})
        departments = len({s.department for s in self.sessions})
        return (
            f"ExpertCoverage({_plural(self.weeks, 'week')}: "
            f"{_plural(self.total_sessions, 'session')} at {_plural(sites, 'site')} in "
            f"{_plural(departments, 'department')}; "
            f"{_plural(len(self.uncovered), 'member')} not reached)"
        )

    __str__ = __repr__

    @property
    def total_sessions(self) -> int:
        """Sessions at every site in the period.

        Examples
        --------
        >>> from medalliance import examples
        >>> expert_clinic_coverage(examples.load("county_township")).total_sessions
        4
        """
        return sum(s.sessions for s in self.sessions)

    def sessions_at(self, site: str) -> int:
        """Sessions held at ``site`` in the period (0 when none).

        Examples
        --------
        >>> from medalliance import examples
        >>> expert_clinic_coverage(examples.load("county_township")).sessions_at("county_hospital")
        0
        """
        return sum(s.sessions for s in self.sessions if s.site == site)

    def rows(self) -> list[dict[str, Any]]:
        """One row per site and department.

        Examples
        --------
        >>> from medalliance import examples
        >>> expert_clinic_coverage(examples.load("county_township")).rows()[1]["department"]
        'neurology'
        """
        return [
            {
                "site": s.site,
                "department": s.department.value,
                "sessions": s.sessions,
                "weekdays": " ".join(w.value for w in s.weekdays),
                "hosts": " ".join(s.hosts),
                "clinics": " ".join(s.clinics),
            }
            for s in self.sessions
        ]


def expert_clinic_coverage(
    registry: Registry,
    *,
    weeks: int = 1,
    alliance: str | None = None,
    as_of: _dt.date | str | None = None,
) -> ExpertCoverage:
    """Expert-clinic sessions by site and department, and the members no programme reaches.

    Every programme (:class:`~medalliance.model.alliance.ExpertClinic`) holds one session on each
    of its weekdays every week, so it gives ``len(weekdays) * weeks`` sessions in the period.
    Programmes at the same site in the same department add up.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    weeks : int, default 1
        Length of the period in weeks (>= 1).
    alliance : str, optional
        Only this alliance's programmes and members.
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    ExpertCoverage
        Sessions per site and department; members (leads excepted) that are the site of no
        programme.

    Raises
    ------
    MedAllianceError
        For ``weeks`` that is not a whole number >= 1, or an unknown alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> cov = expert_clinic_coverage(examples.load("county_township"))
    >>> [(s.site, s.department.value, s.sessions) for s in cov.sessions]
    [('township_centre', 'cardiology', 2), ('township_centre', 'neurology', 2)]
    >>> expert_clinic_coverage(examples.load("county_township"), weeks=15).total_sessions
    60
    >>> expert_clinic_coverage(examples.load("gangkou")).uncovered[:2]
    ('gongche_thc', 'guangpo_thc')
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise MedAllianceError([Problem(("weeks",), f"must be a whole number >= 1, got {weeks!r}")])
    scope = _scope(registry, alliance)
    alliances = registry.alliances if scope is None else (scope,)
    order = {inst.id: i for i, inst in enumerate(registry.institutions)}
    dept_order = {d: i for i, d in enumerate(Specialty)}
    found: dict[tuple[str, Specialty], list[Any]] = {}
    for a in alliances:
        for e in a.expert_clinics:
            entry = found.setdefault((e.site, e.department), [0, set(), [], []])
            entry[0] += len(e.weekdays) * weeks
            entry[1].update(e.weekdays)
            if e.host not in entry[2]:
                entry[2].append(e.host)
            entry[3].append(e.id)
    sessions = tuple(
        ClinicSessions(
            site,
            dept,
            n,
            tuple(sorted(days, key=lambda w: w.number)),
            tuple(sorted(hosts, key=order.__getitem__)),
            tuple(sorted(clinics)),
        )
        for (site, dept), (n, days, hosts, clinics) in sorted(
            found.items(), key=lambda kv: (order[kv[0][0]], dept_order[kv[0][1]])
        )
    )
    sites = {site for site, _ in found}
    candidates: set[str] = set()
    for a in alliances:
        leads = set(a.lead)
        candidates.update(m for m in a.members if m not in leads)
    uncovered = tuple(sorted(candidates - sites, key=order.__getitem__))
    return ExpertCoverage(weeks=weeks, sessions=sessions, uncovered=uncovered)
