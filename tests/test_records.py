"""Population and activity files: hostile input, strict cells, Chinese headers, row numbers.

Issue 13 items 4 and 5 (every hostile CSV/JSON ends in a MedAllianceError naming the place;
nothing is converted silently) and issue 12 "Population and activity files" (Chinese headers,
rows numbered as the file shows them, an unknown suffix named as such).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from medalliance import limits
from medalliance.cli import main
from medalliance.errors import MedAllianceError, quote
from medalliance.indicators import CareRecord, PostingRecord, ReferralRecord, ResidentCount
from medalliance.io.records import (
    HEADER_ALIASES,
    read_activity,
    read_activity_csv,
    read_policy,
    read_population,
    read_targets,
)
from medalliance.io.records._headers import field_of, header_key

DOCS = Path(__file__).parents[1] / "docs"


def problems(read: Any, path: Path, text: str | bytes) -> list[str]:
    """The rendered problems of ``read(path)`` after writing ``text`` there."""
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    with pytest.raises(MedAllianceError) as exc:
        read(path)
    assert exc.value.source == str(path)
    return [p.render() for p in exc.value.problems]


def population_problems(path: Path, text: str | bytes) -> list[str]:
    return problems(read_population, path, text)


def referral_problems(path: Path, text: str | bytes) -> list[str]:
    return problems(lambda p: read_activity_csv(referrals=p), path, text)


# -- issue 13, item 4: hostile CSV ---------------------------------------------------------------


def test_a_cell_past_the_csv_field_limit(tmp_path: Path) -> None:
    big = "1" * 140_000
    assert population_problems(tmp_path / "p.csv", f"id,people\nv1,2\nv2,{big}\n") == [
        "row 3: a cell has more than 131,072 characters; the file is not read further"
    ]
    assert referral_problems(
        tmp_path / "r.csv", f"period,origin,destination,count\n2019,a,{big},1\n"
    )[0].startswith("row 2: a cell has more than 131,072 characters")


def test_the_cli_reports_a_hostile_population_file(tmp_path: Path) -> None:
    pop = tmp_path / "p.csv"
    pop.write_text("id,people\nv1," + "9" * 140_000 + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["coverage", "gangkou", "--population", str(pop)], out=out, err=err)
    assert code == 1
    assert "row 2: a cell has more than 131,072 characters" in err.getvalue()
    assert "Traceback" not in err.getvalue()
    assert len(err.getvalue()) < 1000


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending_is_read(tmp_path: Path, newline: str) -> None:
    # old Mac exports end lines with \r alone: read, not refused
    text = newline.join(["id,people,lat,lon", "v1,12,36.6,101.7", "v2,13,36.7,101.8", ""])
    (tmp_path / "p.csv").write_text(text, encoding="utf-8", newline="")
    pop = read_population(tmp_path / "p.csv")
    assert pop.ids.tolist() == ["v1", "v2"]
    assert pop.people.tolist() == [12.0, 13.0]
    text = newline.join(["period,origin,destination,count", "2019,a,b,1", "2019,a,c,2", ""])
    (tmp_path / "r.csv").write_text(text, encoding="utf-8", newline="")
    assert [r.count for r in read_activity_csv(referrals=tmp_path / "r.csv").referrals] == [1, 2]
    # the row numbers are the same whatever the line ending
    text = newline.join(["id,people", "v1,12", "", "v2,x", ""])
    assert population_problems(tmp_path / "bad.csv", text) == [
        "row 4, column people: must be a number, got 'x'"
    ]


def test_a_repeated_column_is_refused(tmp_path: Path) -> None:
    assert population_problems(tmp_path / "p.csv", "id,people,people\nv1,1,2\n") == [
        "row 1, column people: column people appears twice (columns 2 and 3)"
    ]
    assert population_problems(tmp_path / "q.csv", "id,人口,people\nv1,1,2\n") == [
        "row 1, column people: columns 人口 and people both give people"
    ]
    assert referral_problems(tmp_path / "r.csv", "period,origin,destination,count,次数\n") == [
        "row 1, column 次数: columns count and 次数 both give count"
    ]


def test_integers_past_the_digit_limit(tmp_path: Path) -> None:
    # the limit of whole numbers is medalliance.limits max_digits, in CSV cells as in JSON/YAML
    digits = "1" * 5000
    assert referral_problems(
        tmp_path / "r.csv", f"period,origin,destination,count\n2019,a,b,{digits}\n"
    ) == [
        "row 2, column count: a whole number of 5,000 digits; the limit is "
        "medalliance.limits max_digits (100)"
    ]
    assert population_problems(tmp_path / "p.csv", f"id,people\nv1,{digits}\n") == [
        "row 2, column people: a whole number of 5,000 digits; the limit is "
        "medalliance.limits max_digits (100)"
    ]
    with limits.override(max_digits=6000):
        assert population_problems(tmp_path / "p.csv", f"id,people\nv1,{digits}\n") == [
            f"row 2, column people: must be a finite number, got {quote(digits)}"
        ]
    assert population_problems(
        tmp_path / "p.json",
        '[{"id": "v1", "people": 1},\n {"id": "v2", "people": ' + digits + "}]",
    ) == [
        "<root>: an integer of more than 100 digits at line 2, column 25; the limit is "
        "medalliance.limits max_digits"
    ]
    # within the digit limit but past a float: refused, not an OverflowError
    with limits.override(max_digits=1000):
        assert population_problems(
            tmp_path / "q.json", '[{"id": "v1", "people": 1' + "0" * 400 + "}]"
        ) == ["points[0].people: is too large: <an integer of about 401 digits>"]


def test_random_text_gives_a_population_or_an_error(tmp_path: Path) -> None:
    @settings(max_examples=300)
    @given(
        st.text(
            st.sampled_from(list('id,people\n\r" 1234567890.-+e_村名人口纬度经度１\x00')),
            max_size=60,
        ),
        st.sampled_from([".csv", ".json", ".yaml"]),
    )
    def check(text: str, suffix: str) -> None:
        path = tmp_path / f"p{suffix}"
        path.write_text(text, encoding="utf-8", newline="")
        with contextlib.suppress(MedAllianceError):  # anything else fails the test
            read_population(path)

    check()


# -- issue 13, item 5: nothing converted silently -------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("null", "missing (null)"),
        ("[1, 2]", "must be text, got list [1, 2]"),
        ("1001", 'must be text: write it in quotes ("1001")'),
        ("true", "must be text, got bool True"),
        ("1.5", "must be text, got float 1.5"),
        ('{"a": 1}', "must be text, got dict {'a': 1}"),
        ('"  "', "must not be empty"),
    ],
)
def test_json_ids_are_text(tmp_path: Path, value: str, message: str) -> None:
    text = f'[{{"id": {value}, "people": 1}}]'
    assert population_problems(tmp_path / "p.json", text) == [f"points[0].id: {message}"]


def test_yaml_ids_are_text_too(tmp_path: Path) -> None:
    # YAML reads 0130 as 88 and 1:30 as 90: a number id could not be kept as written
    assert population_problems(tmp_path / "p.yaml", "- {id: 0130, people: 1}\n") == [
        'points[0].id: must be text: write it in quotes ("88")'
    ]
    (tmp_path / "q.yaml").write_text("- {id: '0130', people: 1}\n", encoding="utf-8")
    assert read_population(tmp_path / "q.yaml").ids.tolist() == ["0130"]


@pytest.mark.parametrize(
    ("cell", "hint"),
    [
        ("1_000", ": write the digits without separators"),
        ("1,000", ": write the digits without separators"),
        ("１２００", ": write the digits as 0-9 (not full-width or other digits)"),
        ("١٢٠٠", ": write the digits as 0-9 (not full-width or other digits)"),
        ("१२००", ": write the digits as 0-9 (not full-width or other digits)"),
        ("0x10", ""),
        ("infinity", ""),
        ("nan", ""),
        ("1e", ""),
        (" 12 3", ""),
    ],
)
def test_numbers_are_written_with_the_digits_0_to_9(tmp_path: Path, cell: str, hint: str) -> None:
    # Python's float() and int() accept 1_000 and other scripts' digits; the readers do not
    text = f'id,people\nv1,"{cell}"\n'
    expected = f"row 2, column people: must be a number, got {cell.strip()!r}{hint}"
    assert population_problems(tmp_path / "p.csv", text) == [expected]
    text = f'period,origin,destination,count\n2019,a,b,"{cell}"\n'
    expected = f"row 2, column count: must be a whole number, got {cell.strip()!r}{hint}"
    assert referral_problems(tmp_path / "r.csv", text) == [expected]


def test_money_and_flags_are_strict_too(tmp_path: Path) -> None:
    path = tmp_path / "care.csv"
    path.write_text(
        "period,kind,county,count,cost_yuan,insurance_fund_yuan,tcm\n"
        "2024,visit,某县,1,１０,1_0,maybe\n"
        "2024,visit,某县,12.0,10,1e3,是\n",
        encoding="utf-8",
    )
    with pytest.raises(MedAllianceError) as exc:
        read_activity_csv(care=path)
    assert [p.render() for p in exc.value.problems] == [
        "row 2, column cost_yuan: must be a number, got '１０': write the digits as 0-9 "
        "(not full-width or other digits)",
        "row 2, column insurance_fund_yuan: must be a number, got '1_0': write the digits "
        "without separators",
        "row 2, column tcm: must be true or false (是/否), got 'maybe'",
        "row 3, column count: must be a whole number, got '12.0'",
    ]


def test_json_numbers_are_numbers(tmp_path: Path) -> None:
    assert population_problems(
        tmp_path / "p.json",
        '[{"id": "a", "people": "1200"}, {"id": "b", "people": true}, {"id": "c", "people": null}]',
    ) == [
        "points[0].people: must be a number, got str '1200': write it without quotes",
        "points[1].people: must be a number, got bool True",
        "points[2].people: missing (null)",
    ]


def test_unknown_keys_beside_points_are_listed(tmp_path: Path) -> None:
    text = '{"points": [{"id": "a", "people": 1}], "note": "x", "year": 2020}'
    assert population_problems(tmp_path / "p.json", text) == [
        "<root>: unknown key(s) beside points: note, year; a population file has only 'points'"
    ]
    assert population_problems(tmp_path / "q.yaml", "pts: []\n") == [
        "<root>: expected a list of points, or a mapping with 'points'; got a mapping with pts"
    ]
    (tmp_path / "r.yaml").write_text("points:\n  - {id: a, people: 3}\n", encoding="utf-8")
    assert read_population(tmp_path / "r.yaml").people.tolist() == [3.0]


def test_a_point_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert population_problems(tmp_path / "p.json", '[{"id": "a", "people": 1}, 5, [1]]') == [
        "points[1]: expected a mapping with id and people, got 5",
        "points[2]: expected a mapping with id and people, got [1]",
    ]


# -- issue 12: Chinese headers, rows as the file shows them, suffixes -----------------------------


def test_chinese_headers(tmp_path: Path) -> None:
    (tmp_path / "村.csv").write_text(
        "村名,人口（人）,纬度,经度\n甲村,1200,36.6,101.7\n乙村,800,36.7,101.8\n", encoding="utf-8"
    )
    (tmp_path / "v.csv").write_text(
        "id,people,lat,lon\n甲村,1200,36.6,101.7\n乙村,800,36.7,101.8\n", encoding="utf-8"
    )
    a, b = read_population(tmp_path / "村.csv"), read_population(tmp_path / "v.csv")
    assert a.ids.tolist() == b.ids.tolist()
    assert a.people.tolist() == b.people.tolist()
    (tmp_path / "names.csv").write_text("名称,人数\n甲村,5\n", encoding="utf-8")
    assert read_population(tmp_path / "names.csv").people.tolist() == [5.0]
    (tmp_path / "care.csv").write_text(
        "期间,类别,机构,区县,次数,医保基金支出(元),中医\n2024,住院,county,某县,20,120000,否\n",
        encoding="utf-8",
    )
    care = read_activity_csv(care=tmp_path / "care.csv").care[0]
    assert (care.period, care.kind.value, care.institution, care.county, care.count) == (
        "2024",
        "admission",
        "county",
        "某县",
        20,
    )
    assert (care.insurance_fund_yuan, care.tcm) == (120_000.0, False)


def test_problems_name_columns_as_the_file_does_and_come_in_row_order(tmp_path: Path) -> None:
    text = "村名,人口,纬度,经度\n甲村,-5,21.6,108.3\n\n乙村,abc,91,200\n甲村,3,21,108\n"
    assert population_problems(tmp_path / "p.csv", text) == [
        "row 2, column 人口: must be >= 0, got -5.0",
        "row 4, column 人口: must be a number, got 'abc'",
        "row 4, column 纬度: must be a number within ±90 degrees, got 91.0",
        "row 4, column 经度: must be a number within ±180 degrees, got 200.0",
        "row 5, column 村名: duplicate id '甲村'",
    ]
    # a quoted cell over several lines is one row, as a spreadsheet shows it
    text = 'id,people\n"v\n1",1\nv2,-1\n'
    assert population_problems(tmp_path / "q.csv", text) == [
        "row 3, column people: must be >= 0, got -1.0"
    ]


def test_unknown_and_missing_columns_once_at_the_header(tmp_path: Path) -> None:
    assert population_problems(tmp_path / "p.csv", "村名,颜色\n甲村,red\n乙村,blue\n") == [
        "row 1: unknown column(s): 颜色; expected id (村名), people (人口), lat (纬度), lon (经度)",
        "row 1: missing column(s): people (人口)",
    ]
    assert referral_problems(tmp_path / "r.csv", "期间,转出机构,次数\n2019,a,1\n2019,b,2\n") == [
        "row 1: missing column(s): destination (转入机构)"
    ]


def test_values_in_a_column_without_a_name(tmp_path: Path) -> None:
    # trailing empty columns (a spreadsheet's export) are fine; a value there would be lost
    (tmp_path / "ok.csv").write_text("id,people,,\nv1,1,,\n", encoding="utf-8")
    assert read_population(tmp_path / "ok.csv").ids.tolist() == ["v1"]
    assert population_problems(tmp_path / "p.csv", "id,people,\nv1,1,x\n") == [
        "row 2, column 3: a value in a column without a name: 'x'"
    ]


def test_problems_in_several_activity_files_name_each_file(tmp_path: Path) -> None:
    care, refs = tmp_path / "care.csv", tmp_path / "referrals.csv"
    care.write_text("period,kind,county,count\n2024,visit,某县,-1\n", encoding="utf-8")
    refs.write_text("period,origin,destination,count\n2024,a,a,1\n", encoding="utf-8")
    with pytest.raises(MedAllianceError) as exc:
        read_activity_csv(care=care, referrals=refs)
    assert exc.value.source == f"{care}, {refs}"
    assert [p.render() for p in exc.value.problems] == [
        f"{care}, row 2, column count: Input should be greater than or equal to 0 (got -1)",
        f"{refs}, row 2, column destination: a referral's destination must differ from its origin",
    ]


def test_unknown_suffixes_are_named(tmp_path: Path) -> None:
    path = tmp_path / "pop.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    assert population_problems(path, b"\xd0\xcf\x11\xe0") == [
        "<root>: unknown file type '.xls': use .csv, .json or .yaml"
    ]
    assert problems(read_activity, tmp_path / "a.csv", "period,count\n") == [
        "<root>: unknown file type '.csv': use .json or .yaml; a CSV file holds one kind of "
        "record: read it with read_activity_csv(care=..., referrals=..., postings=..., "
        "residents=...)"
    ]
    assert problems(lambda p: read_activity_csv(care=p), tmp_path / "c.txt", "x") == [
        "<root>: unknown file type '.txt': use .csv"
    ]
    for read in (read_targets, read_policy):
        assert problems(read, tmp_path / "t.txt", "x") == [
            "<root>: unknown file type '.txt': use .json or .yaml"
        ]
    with pytest.raises(MedAllianceError) as exc:
        read_population(tmp_path / "missing")
    assert [p.render() for p in exc.value.problems] == [
        "<root>: file not found",
        "<root>: unknown file type '': use .csv, .json or .yaml",
    ]


def test_json_population_is_strict_json(tmp_path: Path) -> None:
    # a .json file is read as JSON (not as YAML, which would accept 1_000 or unquoted keys)
    assert population_problems(tmp_path / "p.json", "[{id: a, people: 1_000}]")[0].startswith(
        "<root>: malformed JSON at line 1, column 3"
    )


# -- the alias table: one place, documented -------------------------------------------------------


def test_every_record_field_has_names_and_no_name_means_two_fields() -> None:
    models: dict[str, type[BaseModel]] = {
        "care": CareRecord,
        "referrals": ReferralRecord,
        "postings": PostingRecord,
        "residents": ResidentCount,
    }
    for kind, model in models.items():
        assert list(HEADER_ALIASES[kind]) == list(model.model_fields), kind
    assert list(HEADER_ALIASES["population"]) == ["id", "people", "lat", "lon"]
    for kind, fields in HEADER_ALIASES.items():
        seen: dict[str, str] = {}
        for field, names in fields.items():
            assert names[0] == field
            for name in names:
                assert seen.setdefault(header_key(name), field) == field, (kind, name)
                assert field_of(kind, name) == field


def test_the_docs_list_every_column_name() -> None:
    page = (DOCS / "records.md").read_text(encoding="utf-8")
    for kind, fields in HEADER_ALIASES.items():
        for field, names in fields.items():
            row = f"| {kind} | `{field}` | {', '.join(names[1:])} |"
            assert row in page, row


@settings(max_examples=60)
@given(
    rows=st.lists(
        st.tuples(
            st.from_regex(r"[a-z0-9\u4e00-\u4e10]{1,6}", fullmatch=True),
            st.integers(0, 10**6),
            st.floats(-90, 90, allow_nan=False),
            st.floats(-180, 180, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
        unique_by=lambda r: r[0],
    ),
    names=st.tuples(
        *(st.sampled_from(HEADER_ALIASES["population"][f]) for f in ("id", "people", "lat", "lon"))
    ),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_csv_and_json_give_the_same_population(
    tmp_path_factory: pytest.TempPathFactory, rows: list[Any], names: tuple[str, ...], newline: str
) -> None:
    d = tmp_path_factory.mktemp("pop")
    lines = [",".join(names)] + [f"{i},{p},{lat!r},{lon!r}" for i, p, lat, lon in rows]
    (d / "p.csv").write_text(newline.join(lines) + newline, encoding="utf-8", newline="")
    points = [{"id": i, "people": p, "lat": lat, "lon": lon} for i, p, lat, lon in rows]
    (d / "p.json").write_text(json.dumps({"points": points}), encoding="utf-8")
    a, b = read_population(d / "p.csv"), read_population(d / "p.json")
    assert a.ids.tolist() == b.ids.tolist() == [r[0] for r in rows]
    assert a.people.tolist() == b.people.tolist()
    assert a.lat is not None
    assert b.lat is not None
    assert a.lat.tolist() == b.lat.tolist()
