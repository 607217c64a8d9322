"""Dated history in FHIR: every dated field round-trips through ``to_fhir``/``from_fhir``, each
where the mapping puts it (a regression test per field), and malformed history is refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from medalliance import MedAllianceError, Registry
from medalliance.io.fhir import BASE_URL, from_fhir, to_fhir

EXT = BASE_URL + "/StructureDefinition/"


def _registry() -> Registry:
    return Registry(
        sources=[{"id": "s", "title": "某区卫生健康委员会通知"}],
        institutions=[
            {
                "id": "h",
                "name": "某区中心医院",
                "kind": "综合医院",
                "level": "三甲",
                "opened": "1952-10-01",
            },
            {"id": "h2", "name": "某区第二医院", "kind": "综合医院", "level": "二甲"},
            {
                "id": "c",
                "name": "某街道社区卫生服务中心",
                "kind": "社区卫生服务中心",
                "former_names": [
                    {"name": "某公社卫生院", "until": "1984-12-31"},
                    {"name": "某区某街道卫生院", "until": "2015-06-30"},
                ],
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
                "dissolved": "2022-12-31",
                "lead": ["h"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "h2", "joined": "2013-01-01"},
                    {"institution": "c", "joined": "2014-03-01", "left": "2020-12-31"},
                    {"institution": "v", "left": "2017-12-31"},
                ],
                "changes": [
                    {"date": "2016-01-01", "tightness": "紧密型", "form": "医共体"},
                    {
                        "date": "2019-07-01",
                        "lead": ["h2", "h"],
                        "note": "牵头单位调整",
                        "provenance": {"source": "s", "quote": "由第二医院牵头"},
                    },
                ],
            }
        ],
    )


def _resource(bundle: dict[str, Any], rid: str) -> dict[str, Any]:
    res: dict[str, Any] = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == rid)
    return res


def _ext(res: dict[str, Any], name: str) -> list[Any]:
    return [e for e in res.get("extension", []) if e["url"] == EXT + name]


@pytest.mark.parametrize("version", ["R4B", "R5"])
def test_every_dated_field_round_trips(version: Any) -> None:
    reg = _registry()
    assert from_fhir(to_fhir(reg, version=version)) == reg


def test_left_is_the_end_of_the_membership_period() -> None:
    bundle = to_fhir(_registry())
    assert _resource(bundle, "mem-a-2")["period"] == {"start": "2014-03-01", "end": "2020-12-31"}
    assert _resource(bundle, "mem-a-3")["period"] == {"end": "2017-12-31"}
    assert "period" not in _resource(bundle, "mem-a-0")
    assert str(from_fhir(bundle).alliance("a").memberships[3].left) == "2017-12-31"


def test_opened_and_closed_are_date_extensions_of_the_institution() -> None:
    bundle = to_fhir(_registry())
    assert _ext(_resource(bundle, "org-h"), "opened") == [
        {"url": EXT + "opened", "valueDate": "1952-10-01"}
    ]
    assert _ext(_resource(bundle, "org-v"), "closed") == [
        {"url": EXT + "closed", "valueDate": "2017-12-31"}
    ]
    back = from_fhir(bundle)
    assert str(back.institution("h").opened) == "1952-10-01"
    assert str(back.institution("v").closed) == "2017-12-31"


def test_former_names_are_complex_extensions_oldest_first() -> None:
    bundle = to_fhir(_registry())
    found = _ext(_resource(bundle, "org-c"), "former-name")
    assert [[p.get("valueString", p.get("valueDate")) for p in f["extension"]] for f in found] == [
        ["某公社卫生院", "1984-12-31"],
        ["某区某街道卫生院", "2015-06-30"],
    ]
    assert (
        from_fhir(bundle).institution("c").former_names == _registry().institution("c").former_names
    )


def test_dissolved_and_changes_are_extensions_of_the_alliance() -> None:
    bundle = to_fhir(_registry())
    net = _resource(bundle, "net-a")
    assert _ext(net, "dissolved") == [{"url": EXT + "dissolved", "valueDate": "2022-12-31"}]
    changes = _ext(net, "alliance-change")
    assert [c["extension"][0] for c in changes] == [
        {"url": "date", "valueDate": "2016-01-01"},
        {"url": "date", "valueDate": "2019-07-01"},
    ]
    leads = [p["valueReference"] for p in changes[1]["extension"] if p["url"] == "lead"]
    assert len(leads) == 2
    back = from_fhir(bundle).alliance("a")
    assert back.dissolved is not None
    assert back.changes == _registry().alliance("a").changes


def test_malformed_history_is_refused_naming_every_problem() -> None:
    bundle = to_fhir(_registry())
    damaged = copy.deepcopy(bundle)
    for e in damaged["entry"]:
        res = e["resource"]
        if res["id"] == "mem-a-2":
            res["period"] = {"end": "2020-13-01", "until": "x"}
        elif res["id"] == "org-c":
            _ext(res, "former-name")[0]["extension"].pop()  # its 'until'
        elif res["id"] == "net-a":
            change = _ext(res, "alliance-change")[0]
            change["extension"] = change["extension"][1:]  # its 'date'
            _ext(res, "dissolved")[0]["valueDate"] = "someday"
    with pytest.raises(MedAllianceError) as err:
        from_fhir(damaged)
    text = str(err.value)
    for expected in ("period", "'until' sub-extension", "'date' sub-extension", "someday"):
        assert expected in text
    damaged = copy.deepcopy(bundle)
    _resource(damaged, "mem-a-2")["period"] = {"end": "2020-13-01"}
    with pytest.raises(MedAllianceError, match="2020-13-01"):
        from_fhir(damaged)
