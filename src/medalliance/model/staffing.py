"""Staff postings (派驻 / 下沉): staff of one member sent to work at another member's site.

A posting is not an expert clinic. An :class:`~medalliance.model.alliance.ExpertClinic` is a
timetable of sessions (专家坐诊 on fixed weekdays); a :class:`StaffPosting` records people who
move to work at the site for a period (派驻主任医师等业务骨干进驻基层医疗卫生服务机构工作), named
one by one (``person``) or counted (``count``), with their professional title
(:class:`ProfessionalTitle`, 专业技术职务) when the source gives it.

Examples
--------
>>> ProfessionalTitle.parse("主任医师")
<ProfessionalTitle.CHIEF_PHYSICIAN: 'chief_physician'>
>>> p = StaffPosting(id="p1", host="h", site="c", count=3, title="副主任医师",
...                  specialty="心内科", start="2018-03-01", end="2018-08-31")
>>> p.people, p.title.label_zh, p.specialty.value
(3, '副主任医师', 'cardiology')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import model_validator

from medalliance.errors import MedAllianceError, Problem, duplicate_problems
from medalliance.model.common import Provenance
from medalliance.model.types import FrozenModel, Id, IsoDate, NonEmptyText, PositiveInt
from medalliance.model.vocab import LabelledEnum, SpecialtyField

__all__ = ["ProfessionalTitle", "StaffPosting", "posting_problems"]


class ProfessionalTitle(LabelledEnum):
    """Professional title of health technical staff (卫生专业技术职务).

    Four series of five titles each, from the most senior down: physicians (医), nurses (护),
    pharmacists (药) and other health technicians (技), as the title system of health
    technical staff names them. An enum rather than free text so that postings can be counted
    by title (e.g. how many chief physicians a county hospital posted) and so that 主任医师,
    主任醫師 and ``chief physician`` are the same title.
    """

    CHIEF_PHYSICIAN = "chief_physician"
    ASSOCIATE_CHIEF_PHYSICIAN = "associate_chief_physician"
    ATTENDING_PHYSICIAN = "attending_physician"
    PHYSICIAN = "physician"
    ASSISTANT_PHYSICIAN = "assistant_physician"
    CHIEF_NURSE = "chief_nurse"
    ASSOCIATE_CHIEF_NURSE = "associate_chief_nurse"
    NURSE_IN_CHARGE = "nurse_in_charge"
    SENIOR_NURSE = "senior_nurse"
    NURSE = "nurse"
    CHIEF_PHARMACIST = "chief_pharmacist"
    ASSOCIATE_CHIEF_PHARMACIST = "associate_chief_pharmacist"
    PHARMACIST_IN_CHARGE = "pharmacist_in_charge"
    PHARMACIST = "pharmacist"
    ASSISTANT_PHARMACIST = "assistant_pharmacist"
    CHIEF_TECHNICIAN = "chief_technician"
    ASSOCIATE_CHIEF_TECHNICIAN = "associate_chief_technician"
    TECHNICIAN_IN_CHARGE = "technician_in_charge"
    TECHNICIAN = "technician"
    ASSISTANT_TECHNICIAN = "assistant_technician"

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        t = cls
        return {
            t.CHIEF_PHYSICIAN: ("主任医师", "chief physician"),
            t.ASSOCIATE_CHIEF_PHYSICIAN: ("副主任医师", "associate chief physician"),
            t.ATTENDING_PHYSICIAN: ("主治医师", "主管医师", "attending physician", "attending"),
            t.PHYSICIAN: ("医师", "住院医师", "resident physician", "resident"),
            t.ASSISTANT_PHYSICIAN: ("医士", "assistant physician"),
            t.CHIEF_NURSE: ("主任护师", "chief nurse"),
            t.ASSOCIATE_CHIEF_NURSE: ("副主任护师", "associate chief nurse"),
            t.NURSE_IN_CHARGE: ("主管护师", "nurse in charge", "nurse-in-charge"),
            t.SENIOR_NURSE: ("护师", "senior nurse"),
            t.NURSE: ("护士",),
            t.CHIEF_PHARMACIST: ("主任药师", "chief pharmacist"),
            t.ASSOCIATE_CHIEF_PHARMACIST: ("副主任药师", "associate chief pharmacist"),
            t.PHARMACIST_IN_CHARGE: ("主管药师", "pharmacist in charge"),
            t.PHARMACIST: ("药师",),
            t.ASSISTANT_PHARMACIST: ("药士", "assistant pharmacist"),
            t.CHIEF_TECHNICIAN: ("主任技师", "chief technician"),
            t.ASSOCIATE_CHIEF_TECHNICIAN: ("副主任技师", "associate chief technician"),
            t.TECHNICIAN_IN_CHARGE: ("主管技师", "technician in charge"),
            t.TECHNICIAN: ("技师",),
            t.ASSISTANT_TECHNICIAN: ("技士", "assistant technician"),
        }


class StaffPosting(FrozenModel):
    """Staff of ``host`` posted to work at ``site`` (派驻 / 下沉), for a period.

    Give either ``person`` (one named person) or ``count`` (how many people, when the source
    does not name them), never both. ``title`` and ``specialty`` describe the people posted,
    when the source says.
    """

    id: Id
    """Unique posting id (unique across the registry)."""
    host: Id
    """Id of the member that sends the staff (their employer)."""
    site: Id
    """Id of the member where they work."""
    person: NonEmptyText | None = None
    """Name of the person posted, when the record is about one named person."""
    count: PositiveInt | None = None
    """Number of people posted, when they are not named (at least 1)."""
    title: ProfessionalTitle | None = None
    """Professional title (专业技术职务) of the people posted, when known."""
    specialty: SpecialtyField | None = None
    """Department / specialty of the people posted, when known."""
    start: IsoDate | None = None
    """First day of the posting, when known."""
    end: IsoDate | None = None
    """Last day of the posting, when known (not before ``start``)."""
    provenance: Provenance | None = None
    """Source of the record and which values were inferred."""

    @model_validator(mode="after")
    def _check(self) -> StaffPosting:
        problems: list[Problem] = []
        if self.host == self.site:
            problems.append(Problem(("site",), "a staff posting's site must differ from its host"))
        if (self.person is None) == (self.count is None):
            problems.append(
                Problem(
                    ("count",) if self.person is None else ("person",),
                    "give either person (one named person) or count (how many), not "
                    + ("neither" if self.person is None else "both"),
                )
            )
        if self.start is not None and self.end is not None and self.end < self.start:
            problems.append(
                Problem(
                    ("end",),
                    f"the posting ends ({self.end.isoformat()}) before it starts "
                    f"({self.start.isoformat()})",
                )
            )
        if problems:
            raise MedAllianceError(problems)
        return self

    @property
    def people(self) -> int:
        """How many people the record is about: ``count``, or 1 for a named person.

        Examples
        --------
        >>> StaffPosting(id="p", host="h", site="c", person="张医生").people
        1
        """
        return 1 if self.count is None else self.count


def posting_problems(postings: Iterable[StaffPosting], members: Iterable[str]) -> list[Problem]:
    """Problems of an alliance's postings that need its members: unknown host or site, repeats.

    Paths start at ``staff_postings``. Used by
    :class:`~medalliance.model.alliance.Alliance`; ids must also be unique across the
    registry, which :class:`~medalliance.model.registry.Registry` checks.

    Examples
    --------
    >>> p = StaffPosting(id="p", host="h", site="x", count=2)
    >>> [q.render() for q in posting_problems([p, p], ["h", "c"])]  # doctest: +NORMALIZE_WHITESPACE
    ["staff_postings[0].site: site 'x' is not a member",
     "staff_postings[1].site: site 'x' is not a member",
     "staff_postings[1].id: duplicate id 'p'"]
    """
    listed = tuple(postings)
    if not listed:
        return []
    known = frozenset(members)
    problems = [
        Problem(("staff_postings", i, fld), f"{fld} {getattr(p, fld)!r} is not a member")
        for i, p in enumerate(listed)
        for fld in ("host", "site")
        if getattr(p, fld) not in known
    ]
    return problems + duplicate_problems("staff_postings", [p.id for p in listed])
