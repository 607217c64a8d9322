"""Spreadsheets: a registry from tidy sheets (xlsx, CSV) and back, every problem at its cell."""

from __future__ import annotations

import datetime as dt
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalliance import Grade, MedAllianceError, Registry, Tier, examples
from medalliance.io.sheets import read_sheets, write_sheets
from medalliance.io.tables import RegistryFrames, from_frames
from medalliance.io.tables._columns import _SPECS, written
from medalliance.io.tables._decode import join_list, split_list
from medalliance.io.tables._headers import ALIASES, column_name, normalize
from strategies import registries

# -- helpers -----------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write ``sheets`` (name -> rows, header first) as a workbook the way a person would."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def csv_folder(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def problems(path: Path) -> list[str]:
    with pytest.raises(MedAllianceError) as info:
        read_sheets(path)
    return [p.render() for p in info.value.problems]


BUREAU: dict[str, list[list[Any]]] = {
    "机构": [
        [
            "机构编码",
            "机构名称",
            "机构类别",
            "等级",
            "所属区县",
            "床位数（张）",
            "经度",
            "纬度",
            "专科",
            "所属医联体",
            "角色",
        ],
        [
            "county",
            "某县人民医院",
            "综合医院",
            "三级乙等",
            "某县",
            520,
            112.5,
            30.25,
            "心血管内科、神经内科",
            "某县医共体",
            "牵头单位",
        ],
        [
            "tcm",
            "某县中医医院",
            "中医医院",
            "二甲",
            "某县",
            "180",
            None,
            None,
            None,
            "某县医共体",
            "成员单位",
        ],
        [
            "town",
            "某镇卫生院",
            "乡镇卫生院",
            None,
            "某县",
            None,
            "112.6",
            "30.3",
            None,
            "某县医共体",
            "枢纽",
        ],
    ],
    "医联体": [
        ["编号", "医联体名称", "组织形式", "成立日期", "合作内容"],
        ["a", "某县医共体", "县域医共体", dt.datetime(2019, 6, 1), "双向转诊；远程会诊"],
    ],
}


def bureau_frames() -> RegistryFrames:
    """The bureau's sheets as DataFrames, headers and cells as they are."""
    inst, alli = BUREAU["机构"], BUREAU["医联体"]
    return RegistryFrames(
        institutions=pd.DataFrame(inst[1:], columns=inst[0]),
        alliances=pd.DataFrame(alli[1:], columns=alli[0]),
    )


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", examples.names())
def test_every_example_round_trips_through_xlsx_and_csv(name: str, tmp_path: Path) -> None:
    reg = examples.load(name)
    write_sheets(reg, tmp_path / "en.xlsx")
    write_sheets(reg, tmp_path / "zh.xlsx", headers="zh")
    write_sheets(reg, tmp_path / "csv", headers="zh")
    for path in (tmp_path / "en.xlsx", tmp_path / "zh.xlsx", tmp_path / "csv"):
        back = read_sheets(path)
        assert back == reg, path
        assert back.model_dump() == reg.model_dump()


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reg=registries(history="all"), headers=st.sampled_from(["en", "zh"]))
def test_generated_registries_round_trip_losslessly(
    reg: Registry, headers: Literal["en", "zh"], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("round")
    for target in (folder / "r.xlsx", folder / "csv"):
        write_sheets(reg, target, headers=headers)
        back = read_sheets(target)
        assert back == reg
        assert back.model_dump() == reg.model_dump()  # int stays int, float stays float


def test_floats_that_need_17_digits_survive_a_workbook(tmp_path: Path) -> None:
    reg = Registry.model_validate(
        {
            "institutions": [
                {
                    "id": "h",
                    "name": "某院",
                    "kind": "综合医院",
                    "tier": "secondary",
                    "lat": 13.643558147250644,
                    "lon": -179.99999999999997,
                }
            ]
        }
    )
    write_sheets(reg, tmp_path / "r.xlsx")
    assert read_sheets(tmp_path / "r.xlsx") == reg


def test_texts_that_look_like_formulas_numbers_or_lists_stay_text(tmp_path: Path) -> None:
    reg = Registry.model_validate(
        {
            "title": "=SUM(A1:A3)",
            "institutions": [
                {
                    "id": "h",
                    "name": " 某院 ",
                    "kind": "综合医院",
                    "tier": "secondary",
                    "aliases": ["=1+1", "甲、乙", "[x]", "007", " 丙"],
                    "region": {"division_code": "130682"},
                }
            ],
        }
    )
    for target in (tmp_path / "r.xlsx", tmp_path / "csv"):
        write_sheets(reg, target)
        assert read_sheets(target) == reg
    assert not list(tmp_path.rglob("*.tmp"))  # written through temporary files


def test_xlsx_cells_over_the_limit_are_refused_at_their_cell(tmp_path: Path) -> None:
    reg = Registry.model_validate({"description": "长" * 40_000})
    with pytest.raises(MedAllianceError) as info:
        write_sheets(reg, tmp_path / "r.xlsx")
    assert [p.render() for p in info.value.problems] == [
        "registry!2:B (description): 40000 characters: a workbook cell holds at most 32767"
    ]
    assert not (tmp_path / "r.xlsx").exists()
    write_sheets(reg, tmp_path / "csv")  # CSV has no such limit
    assert read_sheets(tmp_path / "csv") == reg


def test_writer_refuses_a_single_csv_file_and_bad_headers(tmp_path: Path) -> None:
    reg = examples.load("gangkou")
    with pytest.raises(MedAllianceError, match=r"not one \.csv file"):
        write_sheets(reg, tmp_path / "x.csv")
    with pytest.raises(MedAllianceError, match="must be 'en' or 'zh'"):
        write_sheets(reg, tmp_path / "x.xlsx", headers="fr")  # type: ignore[arg-type]


# -- a health bureau's own sheets --------------------------------------------------------------


def test_bureau_workbook_with_chinese_headers_level_and_memberships(tmp_path: Path) -> None:
    reg = read_sheets(workbook(tmp_path / "county.xlsx", BUREAU))
    county, tcm, town = (reg.institution(i) for i in ("county", "tcm", "town"))
    assert (county.tier, county.grade, tcm.tier, tcm.grade, tcm.beds) == (
        Tier.TERTIARY,
        Grade.B,
        Tier.SECONDARY,
        Grade.A,
        180,
    )
    assert (county.beds, county.lon, county.lat, county.region.county) == (
        520,
        112.5,
        30.25,
        "某县",
    )
    assert [s.value for s in county.specialties] == ["cardiology", "neurology"]
    assert (town.lon, town.lat) == (112.6, 30.3)
    alliance = reg.alliance("a")
    assert alliance.lead == ("county",)
    assert [(m.institution, m.role.value) for m in alliance.memberships] == [
        ("county", "lead"),
        ("tcm", "member"),
        ("town", "hub"),
    ]
    assert alliance.founded == dt.date(2019, 6, 1)
    assert [p.value for p in alliance.provisions] == ["two_way_referral", "teleconsultation"]


def test_from_frames_accepts_the_same_shapes(tmp_path: Path) -> None:
    assert from_frames(bureau_frames()) == read_sheets(workbook(tmp_path / "b.xlsx", BUREAU))


def test_csv_folder_reads_like_the_workbook(tmp_path: Path) -> None:
    reg = read_sheets(workbook(tmp_path / "county.xlsx", BUREAU))
    files = {
        f"{name}.csv": "\n".join(
            ",".join(
                "" if v is None else str(v.date() if isinstance(v, dt.datetime) else v) for v in row
            )
            for row in rows
        )
        for name, rows in BUREAU.items()
    }
    folder = csv_folder(tmp_path / "csv", files, encoding="utf-8-sig")
    assert read_sheets(folder) == reg
    assert read_sheets(folder / "机构.csv") == reg  # a CSV file stands for its folder
    old_mac = {k: v.replace("\n", "\r") for k, v in files.items()}
    assert read_sheets(csv_folder(tmp_path / "mac", old_mac)) == reg


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("a;b", ("a", "b")),
        ("a；b", ("a", "b")),
        ("a、b", ("a", "b")),
        ("a,b", ("a", "b")),
        ("a，b", ("a", "b")),
        (" a ; b、c ", ("a", "b", "c")),
        ('["a;b", " c"]', ("a;b", " c")),
        ("[]", ()),
    ],
)
def test_list_cells_split_at_every_separator(cell: str, items: tuple[str, ...]) -> None:
    assert split_list(cell) == items
    assert split_list(join_list(items)) == items


@pytest.mark.parametrize("cell", ["a;;b", "a;", "、a", "[1, 2]", "[a, b]"])
def test_bad_list_cells_are_errors(cell: str) -> None:
    with pytest.raises(ValueError, match=r"empty item|JSON list of strings"):
        split_list(cell)


def test_alias_table_is_one_to_one_within_each_table() -> None:
    for table, (names, columns) in ALIASES.items():
        seen: dict[str, str] = {}
        for column, aliases in columns.items():
            assert table == "registry" or column in {c.name for c in _SPECS[table]}, column
            for alias in aliases:
                assert seen.setdefault(normalize(alias), column) == column, (table, alias)
                assert column_name(table, alias) == column, (table, alias)
        if table != "registry":
            for col in written(table):  # headers="zh" has a Chinese name for every column
                assert col.name in columns, (table, col.name)
        assert names


# -- every problem at its cell -----------------------------------------------------------------


def test_cell_problems_are_placed_at_sheet_row_and_column(tmp_path: Path) -> None:
    bad = {name: [list(row) for row in rows] for name, rows in BUREAU.items()}
    inst = bad["机构"]
    inst.insert(2, [None] * len(inst[0]))  # a blank row: skipped, but it keeps its number
    inst[1][5] = 12.5  # beds
    inst[3][5] = "１８０"  # full-width digits
    inst[4][6] = "112,6"  # a decimal comma
    inst[3][3] = "四级"  # no such level
    inst[4][9] = "某市医联体"  # no such alliance
    inst[1][8] = "心血管内科;;神经内科"
    got = problems(workbook(tmp_path / "bad.xlsx", bad))
    assert got == [  # column by column, then the registry's own problems
        "机构!5:G (经度): must be a number written with the digits 0-9, got '112,6'",
        "机构!2:F (床位数（张）): must be a whole number, got 12.5",
        "机构!4:F (床位数（张）): must be a whole number written with the digits 0-9, got '１８０'",
        "机构!2:I (专科): empty item 2 in the list '心血管内科;;神经内科' "
        "(two separators in a row, or one at an end)",
        "机构!5:J (所属医联体): unknown alliance '某市医联体' (not an id or name in the "
        "alliances table)",
        "机构!4:D (等级): unknown hospital level '四级'; accepted forms: 三级甲等, 三甲, "
        "三級甲等, 三级特等, 二级, 二乙, 一级医院, 村级, 未定级, tertiary A, 3A, secondary, "
        "ungraded",
    ]


def test_sheet_and_header_problems_are_listed_together(tmp_path: Path) -> None:
    sheets: dict[str, list[list[Any]]] = {
        "机构": [
            ["机构编码", "机构名称", "床位", "床位数", "bed", None],
            ["h", "某院", 1, 2, 3, "x"],
        ],
        "医联体": [["编号", "医联体名称", "组织形式"]],
        "Sheet1": [["a"]],
        "institutions": [["id"]],
    }
    path = workbook(tmp_path / "bad.xlsx", sheets)
    accepted = "; name it one of: registry (登记册), sources (来源), institutions (机构)"
    got = problems(path)
    assert got[0].startswith(f"Sheet1: not a table of a registry{accepted}")
    assert got[1:] == [
        "institutions: a second institutions table (after '机构')",
        "机构!2:F: a value in column F, which has no header",
        "机构!1:D (床位数): duplicate column: '床位' and '床位数' are both beds",
        "机构!1:E (bed): unknown column (did you mean 'beds'?); the institutions table has "
        "columns: " + ", ".join(c.name for c in _SPECS["institutions"]),
        "机构: required column 'kind' (机构类别) is missing",
    ]


def test_registry_problems_point_at_the_cells_that_made_them(tmp_path: Path) -> None:
    sheets: dict[str, list[list[Any]]] = {
        "机构": [
            ["机构编码", "机构名称", "机构类别", "等级", "所属医联体", "角色"],
            ["v", "某村卫生室", "村卫生室", "三甲", "a", "成员"],
            ["h", "某县医院", "综合医院", "二级", "a;b", "牵头;成员;枢纽"],
            ["x", "某院", "综合医院", "二级", None, "成员"],
        ],
        "医联体": [["编号", "医联体名称", "组织形式"], ["a", "某医共体", "县域医共体"]],
    }
    got = problems(workbook(tmp_path / "bad.xlsx", sheets))
    assert got == [
        "机构!3:F (角色): 3 roles for 2 alliances: give one role, or one for each alliance",
        "机构!4:F (角色): a role needs the alliance it is in",
        "医联体!2 (lead): no lead: fill in the lead (牵头单位), or give a member the role lead",
        "机构!2:D (等级): a village_clinic cannot be tertiary (allowed: village)",
    ]


def test_merged_cells_and_formula_errors_are_reported(tmp_path: Path) -> None:
    path = workbook(tmp_path / "m.xlsx", BUREAU)
    book = openpyxl.load_workbook(path)
    ws = book["机构"]
    ws.merge_cells("J2:J4")
    ws["F3"] = "#N/A"
    ws["F3"].data_type = "e"
    book.save(path)
    assert problems(path) == [
        "机构!2:J: merged cells J2:J4: unmerge them and fill in every cell",
        "机构!3:F: the cell holds the error #N/A",
    ]


def test_csv_problems_name_the_file(tmp_path: Path) -> None:
    gbk = csv_folder(tmp_path / "gbk", {"机构.csv": "机构编码,机构名称\nh,某院\n"}, "gbk")
    [got] = problems(gbk)
    assert got.startswith("机构.csv: not UTF-8")
    assert "GB18030/GBK" in got
    huge = csv_folder(tmp_path / "huge", {"institutions.csv": "id,name\nh," + "x" * 140_000})
    [too_long] = problems(huge)
    assert too_long.startswith("institutions.csv!2: not a readable CSV file: field larger")
    numbers = 'id,name,kind,tier,beds\na,甲,综合医院,二级,1_000\nb,乙,综合医院,二级,"1,200"\n'
    assert problems(csv_folder(tmp_path / "num", {"institutions.csv": numbers})) == [
        "institutions.csv!2:E (beds): must be a whole number written with the digits 0-9, "
        "got '1_000'",
        "institutions.csv!3:E (beds): must be a whole number written with the digits 0-9, "
        "got '1,200'",
    ]


def test_missing_files_and_damaged_workbooks(tmp_path: Path) -> None:
    with pytest.raises(MedAllianceError, match="file not found"):
        read_sheets(tmp_path / "none.xlsx")
    with pytest.raises(MedAllianceError, match="file not found"):
        read_sheets(tmp_path / "none.csv")
    with pytest.raises(MedAllianceError, match=r"no \.csv files"):
        read_sheets(tmp_path)
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(MedAllianceError, match=r"not a readable \.xlsx workbook"):
        read_sheets(tmp_path / "fake.xlsx")


def test_missing_openpyxl_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match=r"medalliance\[sheets\]"):
        read_sheets(tmp_path / "x.xlsx")
    with pytest.raises(ImportError, match=r"medalliance\[sheets\]"):
        write_sheets(examples.load("gangkou"), tmp_path / "x.xlsx")


def test_csv_needs_no_pandas_nor_openpyxl(tmp_path: Path) -> None:
    write_sheets(examples.load("gangkou"), tmp_path)
    code = (
        "import sys\nfrom medalliance.io.sheets import read_sheets\n"
        f"reg = read_sheets({str(tmp_path)!r})\n"
        "print(len(reg.institutions), sorted(m for m in ('pandas', 'openpyxl') "
        "if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "5 []"


# -- the sample workbook of the how-to page ----------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def _sheet_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_sample_workbook_is_what_its_script_writes(tmp_path: Path) -> None:
    script = runpy.run_path(str(ROOT / "docs" / "_ext" / "county_workbook.py"))
    script["write"](tmp_path / "county.xlsx")
    committed = ROOT / "docs" / "data" / "county.xlsx"
    assert _sheet_values(tmp_path / "county.xlsx") == _sheet_values(committed)
    reg = read_sheets(committed)
    assert reg == read_sheets(tmp_path / "county.xlsx")
    assert {a.id: a.lead for a in reg.alliances} == {
        "chest_pain": ("city_first",),
        "county_community": ("county_hosp",),
    }
