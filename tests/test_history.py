"""diff, timeline and panel (issue 14), and the CLI's --as-of."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import HealthCheck, given, settings

from medalliance import Registry, examples
from medalliance.cli import main
from medalliance.history import diff, panel, timeline
from strategies import dates, registries


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries(max_institutions=6, max_alliances=2))
def test_diff_of_a_registry_with_itself_is_empty(reg: Registry) -> None:
    assert not diff(reg, reg)
    assert diff(reg, reg).rows() == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries(max_institutions=6, max_alliances=2), first=dates, second=dates)
def test_diff_between_days_matches_the_views(
    reg: Registry, first: dt.date, second: dt.date
) -> None:
    """The naive check: the differences are exactly the set differences of the two views."""
    a, b = reg.as_of(first), reg.as_of(second)
    d = diff(reg, first, second)
    kinds = {(x.kind, x.subject, x.member) for x in d.differences}
    old = {x.id: set(x.members) for x in a.alliances}
    new = {x.id: set(x.members) for x in b.alliances}
    want: set[tuple[str, str, str | None]]
    want = {("alliance_founded", i, None) for i in new.keys() - old.keys()}
    want |= {("alliance_dissolved", i, None) for i in old.keys() - new.keys()}
    for i in old.keys() & new.keys():
        want |= {("member_joined", i, m) for m in new[i] - old[i]}
        want |= {("member_left", i, m) for m in old[i] - new[i]}
    got = {k for k in kinds if k[0].startswith(("alliance_", "member_"))}
    assert got == want
    assert not diff(reg, first, first)


def _history() -> Registry:
    return Registry(
        institutions=[
            {"id": "h", "name": "某区中心医院", "kind": "综合医院", "level": "三甲"},
            {"id": "h2", "name": "某区第二医院", "kind": "综合医院", "level": "二甲"},
            {"id": "c", "name": "某街道社区卫生服务中心", "kind": "社区卫生服务中心"},
        ],
        alliances=[
            {
                "id": "a",
                "name": "某区医联体",
                "form": "城市医疗集团",
                "founded": "2013-01-01",
                "lead": ["h"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "h2"},
                    {"institution": "c", "joined": "2014-03-01", "left": "2020-12-31"},
                ],
                "changes": [
                    {"date": "2016-01-01", "tightness": "紧密型"},
                    {"date": "2019-07-01", "lead": ["h2"]},
                ],
            }
        ],
        agreements=[
            {
                "id": "g",
                "alliance": "a",
                "parties": ["h", "c"],
                "items": ["双向转诊"],
                "valid_from": "2014-03-01",
                "valid_until": "2016-12-31",
            }
        ],
    )


def test_diff_names_members_agreements_and_changes() -> None:
    d = diff(_history(), "2014-01-01", "2019-12-31")
    assert [(x.kind, x.subject, x.member, x.before, x.after) for x in d.differences] == [
        ("tightness_changed", "a", None, "loose", "tight"),
        ("lead_changed", "a", None, "h", "h2"),
        ("member_joined", "a", "c", None, None),
    ]
    assert diff(_history(), "2015-01-01", "2017-01-01").rows()[-1]["kind"] == "agreement_ended"
    assert repr(d) == "RegistryDiff(2014-01-01 -> 2019-12-31: 3 differences)"
    assert "tightness_changed    a: loose -> tight" in str(d)
    assert d.to_frame().shape == (3, 5)


def test_timeline_lists_every_dated_event_in_order() -> None:
    t = timeline(_history())
    assert [(str(e.date), e.kind) for e in t.events] == [
        ("2013-01-01", "alliance_founded"),
        ("2014-03-01", "agreement_valid_from"),
        ("2014-03-01", "member_joined"),
        ("2016-01-01", "change"),
        ("2016-12-31", "agreement_valid_until"),
        ("2019-07-01", "change"),
        ("2020-12-31", "member_left"),
    ]
    assert t.events[3].detail == "tightness=tight"
    assert len(t.to_frame()) == 7


def test_panel_is_a_long_table_with_a_row_per_alliance_for_in_force() -> None:
    p = panel(
        _history(), ["2012-12-31", "2015-06-30"], measures=["in_force", "members", "coverage"]
    )
    rows = p.rows()
    assert rows[0] == {
        "date": dt.date(2012, 12, 31),
        "alliance": "a",
        "measure": "in_force",
        "value": 0,
    }
    by = {(r["date"].year, r["measure"]): r["value"] for r in rows}
    assert by[(2015, "members")] == 3
    assert (2012, "members") not in by
    frame = p.to_frame()
    assert list(frame.columns) == ["date", "alliance", "measure", "value"]


def test_panel_names_every_bad_day_and_measure() -> None:
    import pytest

    from medalliance import MedAllianceError

    with pytest.raises(MedAllianceError) as info:
        panel(_history(), ["2015-01-01", "someday"], measures=["members", "mood"])
    paths = [p.path for p in info.value.problems]
    assert paths == [("measures", 1), ("days", 1)]


def _cli(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_cli_as_of_reads_the_registry_on_that_day() -> None:
    code, text = _cli("report", "qinghai_oncology", "--as-of", "2018-01-01")
    assert code == 0
    assert "as of 2018-01-01" in text
    assert "0 alliances" in text
    code, text = _cli("validate", "qinghai_oncology", "--as-of", "2018-13-01")
    assert code != 0
    assert "as_of" in text
    assert examples.load("qinghai_oncology").as_of("2018-01-01").alliances == ()
