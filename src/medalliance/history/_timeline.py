"""Every dated event of a registry, in order: :func:`timeline`."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from medalliance.model._require import require_registry
from medalliance.model.divisions import Division, division_table
from medalliance.model.registry import Registry
from medalliance.model.types import Tabular

__all__ = ["Event", "Timeline", "timeline"]


@dataclass(frozen=True)
class Event:
    """One dated event."""

    date: _dt.date
    """The day. End events (``left``, ``dissolved``, ``closed``, ``valid_until``, a posting's
    ``end``) are dated on the last day the record held."""
    kind: str
    """What happened, e.g. ``member_joined``, ``agreement_valid_until``, ``change``."""
    subject: str
    """Id of the institution, alliance or agreement."""
    detail: str | None = None
    """The member, the new values of a change, a former name, or the posting / clinic id."""


@dataclass(frozen=True)
class Timeline(Tabular):
    """Every dated event of a registry, ordered by date, then kind and subject."""

    events: tuple[Event, ...]
    """The events."""

    def __len__(self) -> int:
        return len(self.events)

    def rows(self) -> list[dict[str, Any]]:
        """One row per event (``date`` as an ISO date).

        Examples
        --------
        >>> from medalliance import examples
        >>> timeline(examples.load("shanghai_luwan")).rows()[0]
        {'date': '2011-01-28', 'kind': 'alliance_founded', 'subject': 'luwan_ruijin', 'detail': None}
        """  # noqa: E501
        return [
            {"date": e.date.isoformat(), "kind": e.kind, "subject": e.subject, "detail": e.detail}
            for e in self.events
        ]

    def __repr__(self) -> str:
        return f"Timeline({len(self)} events)"

    def __str__(self) -> str:
        lines = [repr(self)]
        lines += [
            f"  {e.date}  {e.kind:<22} {e.subject}" + (f" {e.detail}" if e.detail else "")
            for e in self.events[:20]
        ]
        if len(self) > 20:
            lines.append(f"  ... {len(self) - 20} more")
        return "\n".join(lines)


def _change_text(change: Any) -> str:
    parts = []
    for f in ("form", "tightness", "lead"):
        v = getattr(change, f)
        if v is not None:
            shown = " ".join(v) if isinstance(v, tuple) else v.value
            parts.append(f"{f}={shown}")
    return ", ".join(parts)


def _alliance_events(a: Any) -> list[Event]:
    out = []
    if a.founded:
        out.append(Event(a.founded, "alliance_founded", a.id))
    if a.dissolved:
        out.append(Event(a.dissolved, "alliance_dissolved", a.id))
    out += [Event(c.date, "change", a.id, _change_text(c)) for c in a.changes]
    for m in a.memberships:
        if m.joined:
            out.append(Event(m.joined, "member_joined", a.id, m.institution))
        if m.left:
            out.append(Event(m.left, "member_left", a.id, m.institution))
    out += [Event(c.start, "clinic_started", a.id, c.id) for c in a.expert_clinics if c.start]
    for p in a.staff_postings:
        if p.start:
            out.append(Event(p.start, "posting_started", a.id, p.id))
        if p.end:
            out.append(Event(p.end, "posting_ended", a.id, p.id))
    return out


def _division_events(registry: Registry) -> list[Event]:
    """``division_changed``: an institution's district (or county) code ended with a successor."""
    table = division_table(registry.divisions)
    out = []
    for i in registry.institutions:
        if not table.changes_region(i.region):
            continue
        record: Division | None = table.of_region(i.region)[0]
        seen: set[str] = set()
        while record is not None and record.code not in seen:
            seen.add(record.code)
            if record.valid_until is None or record.successor is None:
                break
            nxt = table.record(record.successor)
            shown = f"{record.successor} {nxt.name}" if nxt is not None else record.successor
            detail = f"{record.code} {record.name} → {shown}"
            out.append(Event(record.valid_until, "division_changed", i.id, detail))
            record = nxt
    return out


def timeline(registry: Registry) -> Timeline:
    """Every dated event of ``registry`` in order.

    Institutions opened, closed and renamed (dated on the last day of the former name), the
    division (district or county code) of an institution ending with a successor
    (``division_changed``, dated on its last day, from the registry's and the bundled
    division records),
    alliances founded and dissolved, dated changes, members joined and left, agreements
    signed, valid from and valid until, clinics started, postings started and ended.

    Examples
    --------
    >>> from medalliance import examples
    >>> t = timeline(examples.load("benxi_central"))
    >>> [(str(e.date), e.kind) for e in t.events][:2]
    [('2016-05-27', 'agreement_signed'), ('2016-05-27', 'alliance_founded')]
    """
    require_registry(registry)
    out: list[Event] = []
    for i in registry.institutions:
        if i.opened:
            out.append(Event(i.opened, "institution_opened", i.id))
        if i.closed:
            out.append(Event(i.closed, "institution_closed", i.id))
        out += [Event(f.until, "renamed_from", i.id, f.name) for f in i.former_names]
    out += _division_events(registry)
    for a in registry.alliances:
        out += _alliance_events(a)
    for g in registry.agreements:
        for field in ("signed", "valid_from", "valid_until"):
            day = getattr(g, field)
            if day:
                kind = "agreement_signed" if field == "signed" else f"agreement_{field}"
                out.append(Event(day, kind, g.id))
    out.sort(key=lambda e: (e.date, e.kind, e.subject, e.detail or ""))
    return Timeline(events=tuple(out))
