"""What changed between two registries (or one registry on two days): :func:`diff`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from medalliance.model._require import require_registry
from medalliance.model.agreement import Agreement
from medalliance.model.alliance import Alliance
from medalliance.model.dates import agreement_in_force
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular

__all__ = ["Difference", "RegistryDiff", "diff"]


@dataclass(frozen=True)
class Difference:
    """One difference: what kind, about which record, and the values before and after."""

    kind: str
    """``institution_opened``/``_closed``/``_renamed``/``_region_changed`` (e.g. its district
    merged into another), ``alliance_founded``/``_dissolved``,
    ``member_joined``/``member_left``, ``form_changed``, ``tightness_changed``,
    ``lead_changed``, ``agreement_started``/``agreement_ended``."""
    subject: str
    """Id of the institution, alliance or agreement."""
    member: str | None = None
    """The member concerned (``member_joined``/``member_left``)."""
    before: str | None = None
    """The value before (renames, regions, and form, tightness and lead changes)."""
    after: str | None = None
    """The value after."""


@dataclass(frozen=True)
class RegistryDiff(Tabular):
    """The differences from ``before`` to ``after``, in a fixed order (kind, subject, member).

    Empty (and false) when nothing differs. :meth:`rows` / :meth:`to_frame` give the compact
    table.
    """

    before: str
    """Label of the earlier registry (a date, or ``before``)."""
    after: str
    """Label of the later registry."""
    differences: tuple[Difference, ...]
    """Every difference."""

    def __len__(self) -> int:
        return len(self.differences)

    def __bool__(self) -> bool:
        return bool(self.differences)

    def rows(self) -> list[dict[str, Any]]:
        """One row per difference.

        Examples
        --------
        >>> from medalliance import examples
        >>> d = diff(examples.load("qinghai_oncology"), "2018-04-12", "2018-04-13")
        >>> d.rows()[0]["kind"]
        'alliance_founded'
        """
        return [
            {
                "kind": x.kind,
                "subject": x.subject,
                "member": x.member,
                "before": x.before,
                "after": x.after,
            }
            for x in self.differences
        ]

    def __repr__(self) -> str:
        return f"RegistryDiff({self.before} -> {self.after}: {len(self)} differences)"

    def __str__(self) -> str:
        lines = [repr(self)]
        for x in self.differences[:20]:
            what = f" {x.member}" if x.member else ""
            change = f": {x.before} -> {x.after}" if x.before or x.after else ""
            lines.append(f"  {x.kind:<20} {x.subject}{what}{change}")
        if len(self) > 20:
            lines.append(f"  ... {len(self) - 20} more")
        return "\n".join(lines)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return " ".join(str(getattr(v, "value", v)) for v in value)
    return str(getattr(value, "value", value))


def _institution_differences(a: Registry, b: Registry) -> list[Difference]:
    before = {i.id: i for i in a.institutions}
    after = {i.id: i for i in b.institutions}
    out = [Difference("institution_opened", i) for i in after if i not in before]
    out += [Difference("institution_closed", i) for i in before if i not in after]
    out += [
        Difference("institution_renamed", i, before=before[i].name, after=after[i].name)
        for i in before
        if i in after and before[i].name != after[i].name
    ]
    out += [
        Difference(
            "institution_region_changed",
            i,
            before=_region_text(before[i].region),
            after=_region_text(after[i].region),
        )
        for i in before
        if i in after and before[i].region != after[i].region
    ]
    return out


def _region_text(region: Any) -> str:
    label = str(region.label())
    return f"{label} ({region.division_code})" if region.division_code else label


def _alliance_differences(x: Alliance, y: Alliance) -> list[Difference]:
    out = []
    for field in ("form", "tightness", "lead"):
        old, new = getattr(x, field), getattr(y, field)
        if old != new:
            out.append(Difference(f"{field}_changed", x.id, before=_text(old), after=_text(new)))
    old_members, new_members = set(x.members), set(y.members)
    out += [Difference("member_joined", x.id, m) for m in y.members if m not in old_members]
    out += [Difference("member_left", x.id, m) for m in x.members if m not in new_members]
    return out


def _agreements_in_force(r: Registry) -> dict[str, Agreement]:
    return {g.id: g for g in r.agreements if agreement_in_force(g)}


def diff(
    before: Registry, after: Registry | _dt.date | str, end: _dt.date | str | None = None
) -> RegistryDiff:
    """What changed from ``before`` to ``after``: two registries, or one registry on two days.

    ``diff(r1, r2)`` compares two registries (two editions of a file, say); ``diff(r, d1,
    d2)`` compares ``r.as_of(d1)`` with ``r.as_of(d2)``. An agreement counts as started or
    ended when it comes into or goes out of force (:mod:`medalliance.model.dates`).

    Parameters
    ----------
    before : Registry
        The earlier registry, or the registry to compare on two days.
    after : Registry, datetime.date or str
        The later registry, or the first day.
    end : datetime.date or str, optional
        The second day (only with a day for ``after``).

    Returns
    -------
    RegistryDiff
        Members joined and left, agreements started and ended, form, tightness and lead
        changes, alliances founded and dissolved, institutions opened, closed, renamed and
        with another region (a district merged into another, on views of two days).

    Raises
    ------
    MedAllianceError
        If a day is not a date, or ``end`` is missing (or given with two registries).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("benxi_central")
    >>> d = diff(reg, "2016-05-26", "2016-05-27")
    >>> [x.kind for x in d.differences]
    ['alliance_founded', 'agreement_started']
    >>> diff(reg, reg)
    RegistryDiff(before -> after: 0 differences)
    """
    from medalliance.errors import MedAllianceError, Problem
    from medalliance.model._as_of import as_date

    require_registry(before)
    if isinstance(after, Registry):
        if end is not None:
            raise MedAllianceError([Problem(("end",), "give end only with a day for after")])
        a, b, labels = before, after, ("before", "after")
    else:
        if end is None:
            raise MedAllianceError([Problem(("end",), "required with a day for after")])
        start, stop = as_date(after, where="after"), as_date(end, where="end")
        a, b, labels = before.as_of(start), before.as_of(stop), (str(start), str(stop))
    out = _institution_differences(a, b)
    old = {x.id: x for x in a.alliances}
    new = {x.id: x for x in b.alliances}
    out += [Difference("alliance_founded", i) for i in new if i not in old]
    out += [Difference("alliance_dissolved", i) for i in old if i not in new]
    for i, x in old.items():
        if i in new:
            out += _alliance_differences(x, new[i])
    old_g, new_g = _agreements_in_force(a), _agreements_in_force(b)
    out += [Difference("agreement_started", g) for g in new_g if g not in old_g]
    out += [Difference("agreement_ended", g) for g in old_g if g not in new_g]
    order = {k: n for n, k in enumerate(_KINDS)}
    out.sort(key=lambda x: (order[x.kind], x.subject, x.member or ""))
    return RegistryDiff(before=labels[0], after=labels[1], differences=tuple(out))


_KINDS = (
    "institution_opened",
    "institution_closed",
    "institution_renamed",
    "institution_region_changed",
    "alliance_founded",
    "alliance_dissolved",
    "form_changed",
    "tightness_changed",
    "lead_changed",
    "member_joined",
    "member_left",
    "agreement_started",
    "agreement_ended",
)
