"""The one date rule: whether a dated record is in force on a day.

Every dated record of the model has a first and a last day, either of which may be unknown:

============================  ===================  ====================
record                        first day            last day
============================  ===================  ====================
:class:`Institution`          ``opened``           ``closed``
:class:`Alliance`             ``founded``          ``dissolved``
:class:`Membership`           ``joined``           ``left``
:class:`Agreement`            ``valid_from``       ``valid_until``
:class:`StaffPosting`         ``start``            ``end``
:class:`ExpertClinic`         ``start``            (none)
============================  ===================  ====================

**The rule** (:func:`in_force`): a record is in force on day ``d`` when its first day is
unknown or on or before ``d``, and its last day is unknown or on or after ``d``. Both ends
are *inclusive*: the last day is the last day the record holds (an agreement ``valid_until``
2016-12-31 still holds on 31 December; a member that ``left`` on 2019-06-30 is a member that
day and not the next). An unknown date never excludes a record, so a registry without dates
means the same at every date.

An agreement is in force on ``d`` when its stored status is ``in_force`` *and* its dates
cover ``d`` (:func:`agreement_in_force`): the stored status says only what dates cannot
(``proposed``: never signed; ``ended`` without dates: ended at a date the source does not
give). With no date (``on=None``) the rule reads the status alone, which is what every
analysis does on a registry as stored.

:meth:`medalliance.model.registry.Registry.as_of`, the advisory date checks and every
``as_of=`` option use these functions; nothing else compares record dates.

Examples
--------
>>> import datetime as dt
>>> in_force(dt.date(2011, 1, 28), None, dt.date(2011, 1, 28))
True
>>> in_force(None, dt.date(2016, 12, 31), dt.date(2017, 1, 1))
False
>>> in_force(None, None, dt.date(1900, 1, 1))
True
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from typing_extensions import Self

from medalliance.errors import Problem
from medalliance.model.agreement import Agreement, AgreementStatus
from medalliance.model.alliance import Alliance, AllianceChange, ExpertClinic, Membership
from medalliance.model.institution import Institution
from medalliance.model.staffing import StaffPosting

__all__ = [
    "agreement_in_force",
    "alliance_in_force",
    "change_lead_problems",
    "clinic_in_force",
    "in_force",
    "institution_in_force",
    "membership_in_force",
    "period_of",
    "posting_in_force",
    "registry_on",
]


def in_force(first: _dt.date | None, last: _dt.date | None, on: _dt.date) -> bool:
    """Whether a record with first day ``first`` and last day ``last`` holds on ``on``.

    ``None`` for either end means unknown, which never excludes the record. Both ends are
    inclusive.

    Examples
    --------
    >>> import datetime as dt
    >>> in_force(dt.date(2018, 4, 13), dt.date(2020, 1, 1), dt.date(2020, 1, 1))
    True
    >>> in_force(dt.date(2018, 4, 13), None, dt.date(2018, 4, 12))
    False
    """
    return (first is None or first <= on) and (last is None or on <= last)


def period_of(record: Any) -> tuple[_dt.date | None, _dt.date | None]:
    """The first and last day of a dated record (see the table in :mod:`~medalliance.model.dates`).

    Raises
    ------
    TypeError
        If ``record`` is not one of the dated record types.

    Examples
    --------
    >>> from medalliance import Membership
    >>> period_of(Membership(institution="h", joined="2011-01-28", left="2019-06-30"))
    (datetime.date(2011, 1, 28), datetime.date(2019, 6, 30))
    """
    if isinstance(record, Membership):
        return record.joined, record.left
    if isinstance(record, Agreement):
        return record.valid_from, record.valid_until
    if isinstance(record, Alliance):
        return record.founded, record.dissolved
    if isinstance(record, Institution):
        return record.opened, record.closed
    if isinstance(record, StaffPosting):
        return record.start, record.end
    if isinstance(record, ExpertClinic):
        return record.start, None
    msg = f"{type(record).__name__} is not a dated record"
    raise TypeError(msg)


def membership_in_force(membership: Membership, on: _dt.date) -> bool:
    """Whether ``membership`` holds on ``on`` (joined on or before, not left before).

    Examples
    --------
    >>> import datetime as dt
    >>> from medalliance import Membership
    >>> m = Membership(institution="h", joined="2011-01-28", left="2019-06-30")
    >>> membership_in_force(m, dt.date(2019, 6, 30)), membership_in_force(m, dt.date(2019, 7, 1))
    (True, False)
    """
    return in_force(membership.joined, membership.left, on)


def alliance_in_force(alliance: Alliance, on: _dt.date) -> bool:
    """Whether ``alliance`` exists on ``on`` (founded on or before, not dissolved before).

    Examples
    --------
    >>> import datetime as dt
    >>> from medalliance import examples
    >>> luwan = examples.load("shanghai_luwan").alliance("luwan_ruijin")
    >>> before, after = dt.date(2010, 12, 31), dt.date(2012, 1, 1)
    >>> alliance_in_force(luwan, before), alliance_in_force(luwan, after)
    (False, True)
    """
    return in_force(alliance.founded, alliance.dissolved, on)


def institution_in_force(institution: Institution, on: _dt.date) -> bool:
    """Whether ``institution`` is open on ``on``.

    Examples
    --------
    >>> import datetime as dt
    >>> from medalliance import Institution
    >>> i = Institution(id="v", name="某村卫生室", kind="村卫生室", closed="2015-12-31")
    >>> institution_in_force(i, dt.date(2016, 1, 1))
    False
    """
    return in_force(institution.opened, institution.closed, on)


def posting_in_force(posting: StaffPosting, on: _dt.date) -> bool:
    """Whether a staff posting runs on ``on``.

    Examples
    --------
    >>> import datetime as dt
    >>> from medalliance import StaffPosting
    >>> p = StaffPosting(id="p", host="h", site="c", count=2, start="2018-01-01")
    >>> posting_in_force(p, dt.date(2017, 12, 31))
    False
    """
    return in_force(posting.start, posting.end, on)


def clinic_in_force(clinic: ExpertClinic, on: _dt.date) -> bool:
    """Whether an expert-clinic programme has started by ``on``.

    Examples
    --------
    >>> import datetime as dt
    >>> from medalliance import ExpertClinic
    >>> c = ExpertClinic(id="e", host="h", site="c", department="内科", weekdays=("周一",),
    ...                  start="2018-03-01")
    >>> clinic_in_force(c, dt.date(2018, 3, 1))
    True
    """
    return in_force(clinic.start, None, on)


def agreement_in_force(agreement: Agreement, on: _dt.date | None = None) -> bool:
    """Whether ``agreement`` is in force: status ``in_force`` and, on a day, dates covering it.

    With ``on=None`` (a registry as stored) only the status is read; this is the rule every
    analysis applies to a registry's agreements (:func:`medalliance.compiled.agreement_in_force`).

    Examples
    --------
    >>> import datetime as dt
    >>> from medalliance import Agreement
    >>> g = Agreement(id="g", alliance="a", parties=("h", "c"), items=("双向转诊",),
    ...               valid_until="2016-12-31")
    >>> agreement_in_force(g), agreement_in_force(g, dt.date(2017, 1, 1))
    (True, False)
    """
    if agreement.status is not AgreementStatus.IN_FORCE:
        return False
    return on is None or in_force(agreement.valid_from, agreement.valid_until, on)


def change_lead_problems(
    changes: Sequence[AllianceChange], memberships: Sequence[Membership]
) -> list[Problem]:
    """Every new lead of a dated change that is not a member on the change's date.

    A member on the day: a membership of it holds that day (:func:`membership_in_force`:
    joined on or before it, or unknown; not left before it). A new lead that is no member at
    all is the alliance's own error. ``changes`` and ``memberships`` are an alliance's; paths
    start at the alliance (``changes[i].lead[j]``). The registry checks every alliance with
    this, valid or not, so that one error lists every problem.

    Examples
    --------
    >>> from medalliance import Alliance
    >>> a = Alliance(id="a", name="某医联体", form="城市医疗集团", lead=["h"],
    ...              memberships=[{"institution": "h", "role": "lead"},
    ...                           {"institution": "k", "joined": "2019-01-01"}],
    ...              changes=[{"date": "2018-01-01", "lead": ["k"]}])
    >>> [p.render() for p in change_lead_problems(a.changes, a.memberships)]
    ["changes[0].lead[0]: new lead 'k' is not a member on the change's date 2018-01-01 (joined 2019-01-01)"]
    """  # noqa: E501
    problems: list[Problem] = []
    for i, c in enumerate(changes):
        for j, lead in enumerate(c.lead or ()):
            held = [m for m in memberships if m.institution == lead]
            if not held or any(membership_in_force(m, c.date) for m in held):
                continue
            m = held[0]
            when = f"joined {m.joined}" if m.joined and m.joined > c.date else f"left {m.left}"
            problems.append(
                Problem(
                    ("changes", i, "lead", j),
                    f"new lead {lead!r} is not a member on the change's date {c.date} ({when})",
                )
            )
    return problems


class _Dated(Protocol):
    def as_of(self, on: _dt.date | str) -> Self: ...


_R = TypeVar("_R", bound=_Dated)


def registry_on(registry: _R, as_of: _dt.date | str | None) -> _R:
    """The registry an analysis reads: ``registry.as_of(as_of)``, or as stored when ``None``.

    Every ``as_of=`` option of the analyses calls this; the views are cached with the
    registry, one per day, so asking for the same day again costs a dictionary lookup. A
    value that is not a registry is returned as it is, for the analysis to refuse.

    Raises
    ------
    MedAllianceError
        If ``as_of`` is not a date.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("qinghai_oncology")
    >>> registry_on(reg, None) is reg, len(registry_on(reg, "2018-01-01").alliances)
    (True, 0)
    """
    if as_of is None or not callable(getattr(registry, "as_of", None)):
        return registry
    return registry.as_of(as_of)
