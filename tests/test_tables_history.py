"""Dated history in the tables and sheets: an alliance's ``changes`` and an institution's
``former_names`` in tables of their own, round trips lossless (a regression test per field),
and rows that name unknown records are errors at their cell."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from medalliance import MedAllianceError, Registry
from medalliance.io.sheets import read_sheets, write_sheets
from medalliance.io.tables import from_frames, to_frames


def _registry() -> Registry:
    return Registry(
        sources=[{"id": "s", "title": "某区卫生健康委员会通知"}],
        institutions=[
            {"id": "h", "name": "某区中心医院", "kind": "综合医院", "level": "三甲"},
            {"id": "h2", "name": "某区第二医院", "kind": "综合医院", "level": "二甲"},
            {
                "id": "c",
                "name": "某街道社区卫生服务中心",
                "kind": "社区卫生服务中心",
                "opened": "1958-01-01",
                "closed": "2030-12-31",
                "former_names": [
                    {"name": "某公社卫生院", "until": "1984-12-31"},
                    {"name": "某区某街道卫生院", "until": "2015-06-30"},
                ],
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
                ],
                "changes": [
                    {"date": "2016-01-01", "tightness": "紧密型", "form": "医共体"},
                    {
                        "date": "2019-07-01",
                        "lead": ["h2", "h"],
                        "note": "牵头单位调整",
                        "provenance": {"source": "s", "note": "据通知"},
                    },
                ],
            }
        ],
    )


def test_changes_are_a_table_of_their_own() -> None:
    frames = to_frames(_registry())
    rows = frames.changes.to_dict("records")
    assert [r["alliance"] for r in rows] == ["a", "a"]
    assert rows[0]["form"] == "county_medical_community"
    assert rows[0]["tightness"] == "tight"
    assert rows[0]["lead"] == ()
    assert rows[1]["lead"] == ("h2", "h")
    assert rows[1]["note"] == "牵头单位调整"
    assert rows[1]["provenance_note"] == "据通知"
    assert from_frames(frames).alliance("a").changes == _registry().alliance("a").changes


def test_former_names_are_a_table_of_their_own_oldest_first() -> None:
    frames = to_frames(_registry())
    rows = frames.former_names.to_dict("records")
    assert [(r["institution"], r["name"]) for r in rows] == [
        ("c", "某公社卫生院"),
        ("c", "某区某街道卫生院"),
    ]
    back = from_frames(frames).institution("c")
    assert back.former_names == _registry().institution("c").former_names


@pytest.mark.parametrize("target", ["reg.xlsx", "csv"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_history_round_trips_through_sheets(target: str, headers: Any, tmp_path: Path) -> None:
    reg = _registry()
    write_sheets(reg, tmp_path / target, headers=headers)
    assert read_sheets(tmp_path / target) == reg


def test_chinese_sheet_names_and_headers(tmp_path: Path) -> None:
    write_sheets(_registry(), tmp_path / "reg.xlsx", headers="zh")
    book = openpyxl.load_workbook(tmp_path / "reg.xlsx", read_only=True)
    assert {"医联体变更", "机构曾用名"} <= set(book.sheetnames)
    header = [c.value for c in next(book["机构曾用名"].iter_rows(max_row=1))]
    assert header == ["机构编码", "曾用名", "使用截止日期"]
    header = [c.value for c in next(book["医联体变更"].iter_rows(max_row=1))]
    assert header[:6] == [
        "所属医联体",
        "变更日期",
        "新组织形式",
        "新紧密程度",
        "新牵头单位",
        "变更说明",
    ]
    book.close()


def test_rows_naming_unknown_records_are_errors_at_their_cell() -> None:
    frames = to_frames(_registry())
    bad = frames.former_names.copy()
    bad.loc[1, "institution"] = "nowhere"
    changes = frames.changes.copy()
    changes.loc[0, "alliance"] = "elsewhere"
    changes.loc[1, "lead"] = ("nobody",)
    with pytest.raises(MedAllianceError) as err:
        from_frames(replace(frames, former_names=bad, changes=changes))
    text = str(err.value)
    assert "former_names[1].institution: unknown institution 'nowhere'" in text
    assert "changes[0].alliance: unknown alliance 'elsewhere'" in text
    assert "changes[1].lead" in text
