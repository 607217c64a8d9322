"""Alliances over time: dated records, ``Registry.as_of`` (against a naive oracle), date checks
and the ``as_of=`` option of the analyses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalliance import MedAllianceError, Registry, examples
from medalliance.checks import check_registry
from medalliance.coverage import registry_coverage
from medalliance.model.dates import agreement_in_force, in_force
from medalliance.referral import ReferralCase, evaluate, evaluate_many, referral_channels
from medalliance.report import registry_summary
from medalliance.sharing import service_access
from strategies import dates, referral_registries, registries, registry_data

# -- the naive oracle: the state on a day, written without medalliance.model.dates ------------


def _holds(first: dt.date | None, last: dt.date | None, day: dt.date) -> bool:
    return not (first is not None and day < first) and not (last is not None and day > last)


def _oracle(reg: Registry, day: dt.date) -> dict[str, Any]:
    """Ids, names, members, forms, tightness and leads in force on ``day``, the slow way."""
    names = {}
    for i in reg.institutions:
        if not _holds(i.opened, i.closed, day):
            continue
        name = i.name
        for former in reversed(i.former_names):
            if day <= former.until:
                name = former.name
        names[i.id] = name
    alliances = {}
    for a in reg.alliances:
        if not _holds(a.founded, a.dissolved, day):
            continue
        members = [
            m.institution
            for m in a.memberships
            if m.institution in names and _holds(m.joined, m.left, day)
        ]
        form, tightness, lead = a.form, a.tightness, a.lead
        for c in a.changes:
            if c.date <= day:
                form = c.form if c.form is not None else form
                tightness = c.tightness if c.tightness is not None else tightness
                lead = c.lead if c.lead is not None else lead
        lead = tuple(x for x in lead if x in members)
        if lead:
            alliances[a.id] = (tuple(members), form, tightness, lead)
    agreements = {
        g.id
        for g in reg.agreements
        if g.alliance in alliances
        and _holds(g.valid_from, g.valid_until, day)
        and set(g.parties) <= set(alliances[g.alliance][0])
    }
    return {"names": names, "alliances": alliances, "agreements": agreements}


def _state(view: Registry) -> dict[str, Any]:
    return {
        "names": {i.id: i.name for i in view.institutions},
        "alliances": {a.id: (a.members, a.form, a.tightness, a.lead) for a in view.alliances},
        "agreements": {g.id for g in view.agreements},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries(max_institutions=6, max_alliances=2), day=dates)
def test_as_of_matches_the_naive_oracle_and_keeps_every_reference_valid(
    reg: Registry, day: dt.date
) -> None:
    view = reg.as_of(day)
    assert _state(view) == _oracle(reg, day)
    # every reference valid: the view is a registry its own files accept
    assert Registry.model_validate(view.model_dump()) == view


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries(max_institutions=6, max_alliances=2), day=dates)
def test_as_of_is_idempotent_and_cached(reg: Registry, day: dt.date) -> None:
    view = reg.as_of(day)
    assert view.as_of(day) == view
    assert reg.as_of(day.isoformat()) is view


def _undated(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without any date that can take a record out of force."""
    for i in data["institutions"]:
        for f in ("opened", "closed", "former_names"):
            i.pop(f, None)
    for a in data["alliances"]:
        for f in ("founded", "dissolved", "changes"):
            a.pop(f, None)
        for m in a["memberships"]:
            m.pop("joined", None)
            m.pop("left", None)
        for c in a.get("expert_clinics", []):
            c.pop("start", None)
        for p in a.get("staff_postings", []):
            p.pop("start", None)
            p.pop("end", None)
    for g in data["agreements"]:
        g.pop("valid_from", None)
        g.pop("valid_until", None)
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=registry_data(6, 2), day=dates)
def test_as_of_of_a_registry_without_dates_is_the_registry_itself(
    data: dict[str, Any], day: dt.date
) -> None:
    reg = Registry.model_validate(_undated(data))
    assert reg.as_of(day) is reg


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=registry_data(6, 2), day=st.dates(dt.date(1949, 10, 1), dt.date(2029, 12, 31)))
def test_a_record_dated_after_the_day_never_changes_the_view(
    data: dict[str, Any], day: dt.date
) -> None:
    before = Registry.model_validate(data).as_of(day)
    later = day + dt.timedelta(days=1)
    data["institutions"].append(
        {"id": "zz_new", "name": "某新建卫生院", "kind": "乡镇卫生院", "opened": later}
    )
    for a in data["alliances"]:
        dissolved = a.get("dissolved")
        if dissolved is None or dissolved >= later:
            a["memberships"].append(
                {"institution": "zz_new", "joined": later, "tightness": "loose"}
            )
            data["agreements"].append(
                {
                    "id": f"zz_{a['id']}",
                    "alliance": a["id"],
                    "parties": [a["lead"][0], "zz_new"],
                    "items": ["two_way_referral"],
                    "valid_from": later,
                }
            )
            break
    after = Registry.model_validate(data).as_of(day)
    assert after == before


# -- analyses with as_of= equal the analyses of the view --------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=referral_registries(max_institutions=6), day=dates, data=st.data())
def test_analyses_with_as_of_equal_the_analyses_of_the_view(
    reg: Registry, day: dt.date, data: st.DataObject
) -> None:
    view = reg.as_of(day)
    assert service_access(reg, as_of=day).rows() == service_access(view).rows()
    assert registry_coverage(reg, as_of=day).rows() == registry_coverage(view).rows()
    assert registry_summary(reg, as_of=day) == registry_summary(view, as_of=day)
    if view.institutions:
        origin = data.draw(st.sampled_from([i.id for i in view.institutions]))
        case = ReferralCase(origin=origin, criterion="critical_or_difficult")
        assert evaluate(reg, case, as_of=day) == evaluate(view, case)
        assert tuple(evaluate_many(reg, [case], as_of=day)) == tuple(evaluate_many(view, [case]))


# -- the example: an agreement that expired ---------------------------------------------


def _expired() -> Registry:
    return Registry(
        institutions=[
            {"id": "h", "name": "某县人民医院", "kind": "综合医院", "level": "二甲"},
            {"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"},
        ],
        alliances=[
            {
                "id": "a",
                "name": "某县医共体",
                "form": "县域医共体",
                "lead": ["h"],
                "memberships": [{"institution": "h", "role": "lead"}, {"institution": "t"}],
            }
        ],
        agreements=[
            {
                "id": "g",
                "alliance": "a",
                "parties": ["h", "t"],
                "items": ["双向转诊"],
                "valid_until": "2016-12-31",
            }
        ],
    )


def test_an_expired_agreement_is_reported_and_left_out_of_the_view() -> None:
    reg = _expired()
    today = dt.date(2024, 6, 1)
    codes = [f.code for f in check_registry(reg, today=today)]
    assert "agreement_expired" in codes
    assert referral_channels(reg).channels  # as stored: the documented default
    assert referral_channels(reg.as_of(today)).channels == ()
    assert len(referral_channels(reg.as_of("2016-12-31")).channels) == 1  # last day inclusive
    assert agreement_in_force(reg.agreements[0])
    assert not agreement_in_force(reg.agreements[0], today)
    with pytest.raises(MedAllianceError, match="agreement_expired"):
        check_registry(reg, today=today, strict=True)


def test_in_force_is_inclusive_at_both_ends() -> None:
    first, last = dt.date(2018, 4, 13), dt.date(2019, 4, 12)
    assert in_force(first, last, first)
    assert in_force(first, last, last)
    assert not in_force(first, last, first - dt.timedelta(days=1))
    assert not in_force(first, last, last + dt.timedelta(days=1))


# -- dated changes, renames and closures ---------------------------------------------------------


def _history() -> Registry:
    return Registry(
        institutions=[
            {"id": "h", "name": "某区中心医院", "kind": "综合医院", "level": "三甲"},
            {"id": "h2", "name": "某区第二医院", "kind": "综合医院", "level": "二甲"},
            {
                "id": "c",
                "name": "某街道社区卫生服务中心",
                "kind": "社区卫生服务中心",
                "former_names": [{"name": "某区某街道卫生院", "until": "2015-06-30"}],
            },
            {
                "id": "v",
                "name": "某社区卫生服务站",
                "kind": "社区卫生服务站",
                "closed": "2017-12-31",
            },
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
                    {"institution": "h2", "joined": "2013-01-01"},
                    {"institution": "c", "joined": "2014-03-01", "left": "2020-12-31"},
                    {"institution": "v"},
                ],
                "changes": [
                    {"date": "2016-01-01", "tightness": "紧密型"},
                    {"date": "2019-07-01", "lead": ["h2"], "note": "牵头单位调整"},
                ],
            }
        ],
    )


def test_changes_renames_and_closures_apply_on_their_days() -> None:
    reg = _history()
    early = reg.as_of("2014-01-01")
    assert early.alliance("a").members == ("h", "h2", "v")
    assert early.alliance("a").tightness == "loose"
    mid = reg.as_of("2016-01-01")
    assert mid.institution("c").name == "某街道社区卫生服务中心"
    assert reg.as_of("2015-06-30").institution("c").name == "某区某街道卫生院"
    assert mid.alliance("a").tightness == "tight"
    late = reg.as_of("2019-07-01")
    a = late.alliance("a")
    assert a.lead == ("h2",)
    assert a.role_of("h2") == "lead"
    assert a.role_of("h") == "member"
    assert not late.has_institution("v")
    assert reg.as_of("2021-01-01").alliance("a").members == ("h", "h2")
    assert reg.as_of("2012-12-31").alliances == ()


def test_every_date_problem_is_listed_with_its_path() -> None:
    data = _history().model_dump(mode="json")  # institutions in id order: c, h, h2, v
    a = data["alliances"][0]
    a["dissolved"] = "2012-01-01"
    a["memberships"][2]["left"] = "2014-01-01"
    a["changes"].append({"date": "2020-01-01", "lead": ["ghost"]})
    data["institutions"][3]["opened"] = "2018-01-01"
    data["institutions"][0]["former_names"][0]["until"] = "2015-02-30"
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = "\n".join(p.render() for p in info.value.problems)
    for expected in (
        "institutions[0].former_names[0].until",
        "institutions[3].closed: closed (2017-12-31) before opened (2018-01-01)",
        "alliances[0].dissolved: dissolved (2012-01-01) before founded (2013-01-01)",
        "alliances[0].memberships[2].left: left (2014-01-01) before joined (2014-03-01)",
        "alliances[0].changes[2].lead[0]: new lead 'ghost' is not a member",
        "alliances[0].changes[0].date: change dated 2016-01-01 is outside",
    ):
        assert expected in rendered, rendered


def test_a_lead_may_not_leave_while_it_leads() -> None:
    data = _history().model_dump(mode="json")
    data["alliances"][0]["memberships"][0]["left"] = "2018-12-31"
    with pytest.raises(MedAllianceError, match="while it still leads"):
        Registry.model_validate(data)
    data["alliances"][0]["memberships"][0]["left"] = "2019-06-30"  # the day before the change
    assert Registry.model_validate(data).as_of("2019-06-30").alliance("a").lead == ("h",)


def test_a_new_lead_must_be_a_member_on_the_change_date() -> None:
    data = _history().model_dump(mode="json")  # institutions in id order: c, h, h2, v
    data["alliances"][0]["memberships"][1]["joined"] = "2019-07-02"  # h2: a day too late
    data["alliances"][0]["changes"].append({"date": "2021-01-01", "lead": ["c", "h2"]})
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    rendered = "\n".join(p.render() for p in info.value.problems)
    assert (
        "alliances[0].changes[1].lead[0]: new lead 'h2' is not a member on the change's date "
        "2019-07-01 (joined 2019-07-02)" in rendered
    ), rendered
    assert "changes[2].lead[0]: new lead 'c' is not a member on the change's date" in rendered
    assert "(left 2020-12-31)" in rendered
    data["alliances"][0]["memberships"][1]["joined"] = "2019-07-01"  # the change's own day
    data["alliances"][0]["changes"].pop()
    assert Registry.model_validate(data).as_of("2019-07-01").alliance("a").lead == ("h2",)


def test_unknown_change_field_and_bad_date_are_errors() -> None:
    data = _history().model_dump(mode="json")
    data["alliances"][0]["changes"][0] = {"date": "2016-13-01", "colour": "red"}
    with pytest.raises(MedAllianceError) as info:
        Registry.model_validate(data)
    paths = {p.path for p in info.value.problems}
    assert ("alliances", 0, "changes", 0, "date") in paths
    assert ("alliances", 0, "changes", 0, "colour") in paths
    with pytest.raises(MedAllianceError, match="as_of"):
        _history().as_of("yesterday")


def test_examples_found_their_alliances_on_the_seed_dates() -> None:
    for name, alliance, founded in (
        ("shanghai_luwan", "luwan_ruijin", "2011-01-28"),
        ("benxi_central", None, "2016-05-27"),
        ("qinghai_oncology", None, "2018-04-13"),
    ):
        reg = examples.load(name)
        aid = alliance or reg.alliances[0].id
        day = dt.date.fromisoformat(founded)
        assert reg.as_of(day).has_institution(reg.alliance(aid).lead[0])
        assert aid in {a.id for a in reg.as_of(day).alliances}
        assert aid not in {a.id for a in reg.as_of(day - dt.timedelta(days=1)).alliances}
