"""The checked parser: tags, keys, digits, encodings, full-width punctuation, dates, the YAML
writer, and both YAML paths (libyaml and PyYAML's pure Python)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medalliance import Institution, MedAllianceError, Registry, examples, limits
from medalliance._parse import _yaml, dump_yaml, load_plain_yaml, loads_json
from medalliance.io import (
    read_activity,
    read_json,
    read_policy,
    read_population,
    read_targets,
    read_yaml,
    registry_from_json,
    registry_from_yaml,
    registry_to_json,
    registry_to_yaml,
    write_yaml,
)
from medalliance.model.types import MAX_COUNT

ROOT = Path(__file__).resolve().parents[1]
PATHS = [pytest.param(True, id="libyaml"), pytest.param(False, id="pure")]
CLINIC = {"id": "v1", "name": "某村卫生室", "kind": "村卫生室"}


@pytest.fixture(params=PATHS)
def libyaml(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param and not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    monkeypatch.setattr(_yaml, "LIBYAML", request.param)
    flag: bool = request.param
    return flag


def _error(text: str) -> str:
    with pytest.raises(MedAllianceError) as info:
        load_plain_yaml(text, source="f.yaml")
    return str(info.value)


# -- tags and keys (issue 13, item 2) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("title: !!int x", "line 1, column 8", "'x' is not an integer (!!int)"),
        ("title: !!float x", "line 1, column 8", "'x' is not a number (!!float)"),
        ('title: !!int ""', "line 1, column 8", "'' is not an integer (!!int)"),
        ("title: !!timestamp x", "line 1, column 8", "'x' is not a date"),
        ("title: !!bool x", "line 1, column 8", "'x' is not true or false"),
        ("title: !!null x", "line 1, column 8", "'x' is not null"),
        ("title: 0b_", "line 1, column 8", "'0b_' is not an integer"),
        ("? [a]\n: 1", "line 1, column 3", "a list or mapping cannot be a key"),
        ("{[a]: 1}", "line 1, column 2", "a list or mapping cannot be a key"),
        ("? {a: 1}\n: 1", "line 1, column 3", "a list or mapping cannot be a key"),
        ("title: !!binary aGk=", "line 1, column 8", "tag !!binary is not accepted"),
        ("title: !!set {a}", "line 1, column 8", "tag !!set is not accepted"),
        ("title: !!omap [a: 1]", "line 1, column 8", "tag !!omap is not accepted"),
        ("title: !!python/name:os.system ''", "line 1, column 8", "tag !!python/name:os.system"),
        ("title: !custom x", "line 1, column 8", "tag !custom is not accepted"),
        ("a: &a [*a]", "line 1, column 4", "refers to a list or mapping that contains it"),
        ("a: 1\n<<: {b: 2}\n<<: {c: 3}", "line 3, column 1", "duplicate key '<<'"),
        ("a: 1\nb: [x]\na: 2", "line 3, column 1", "duplicate key 'a'"),
    ],
)
def test_refused_yaml_names_line_and_column(
    libyaml: bool, text: str, where: str, what: str
) -> None:
    message = _error(text)
    assert f"at {where}: " in message
    assert what in message
    assert "f.yaml" in message


def _population(p: Path, text: str) -> Any:
    p.with_suffix(".yaml").write_text(text, encoding="utf-8")
    return read_population(p.with_suffix(".yaml"))


READERS: dict[str, Callable[[Path], Any]] = {
    "registry": read_yaml,
    "population": read_population,
    "policy": read_policy,
    "targets": read_targets,
    "activity": read_activity,
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize(
    "text",
    [
        "title: !!int x\n",
        "title: !!timestamp x\n",
        "? [a]\n: 1\n",
        "{[a]: 1}\n",
        "t: !!binary aGk=",
    ],
)
def test_every_yaml_reader_refuses_tags_and_complex_keys(
    tmp_path: Path, libyaml: bool, reader: str, text: str
) -> None:
    path = tmp_path / "input.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MedAllianceError, match=r"at line 1, column \d+") as info:
        READERS[reader](path)
    assert str(path) in str(info.value)


def test_plain_data_keeps_what_yaml_means(libyaml: bool) -> None:
    text = (
        "n: 12\nf: 1.5\nb: true\nz: ~\nd: 2024-03-01\nbad_day: 2024-02-30\nhex: 0x1F\n"
        "s: '12'\nv: =\nm: <<\nnel: \"a\\Nb\"\n"
    )
    assert load_plain_yaml(text) == {
        "n": 12,
        "f": 1.5,
        "b": True,
        "z": None,
        "d": dt.date(2024, 3, 1),
        "bad_day": "2024-02-30",  # not a date: left as text for the model to report in place
        "hex": 31,
        "s": "12",
        "v": "=",
        "m": "<<",
        "nel": "a\x85b",
    }


def test_merge_keys_first_listed_wins_and_written_keys_override(libyaml: bool) -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc: {<<: [*a, *b], y: 3}\n"
    assert load_plain_yaml(text)["c"] == {"x": 1, "y": 3, "z": 2}
    assert "'<<' merges a mapping" in _error("a: {<<: [1]}")


def test_aliases_share_one_value_and_keep_data_equal(libyaml: bool) -> None:
    data = load_plain_yaml("a: &a [1, {b: 2}]\nc: *a\nd: *a\n")
    assert data == {"a": [1, {"b": 2}], "c": [1, {"b": 2}], "d": [1, {"b": 2}]}


def test_alias_expansion_limit_can_be_raised(libyaml: bool) -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    assert len(load_plain_yaml(text)["b"]) == 10
    with limits.override(max_alias_nodes=50):
        assert "repeat more than 50 values" in _error(text)


# -- digits (issue 13, item 3) ----------------------------------------------------------------


def test_long_integers_are_refused_in_yaml_and_json(libyaml: bool) -> None:
    digits = "1" * 5_000
    assert "line 2, column 7: an integer of 5,000 digits" in _error(f"a: 1\nbeds: {digits}\n")
    with pytest.raises(MedAllianceError) as info:
        loads_json(f'{{"note": "{digits}",\n "beds": -{digits}}}', source="f.json")
    message = str(info.value)
    assert "more than 100 digits at line 2, column 10" in message
    assert "f.json" in message


def test_max_digits_is_a_setting(libyaml: bool) -> None:
    assert load_plain_yaml("n: 123456") == {"n": 123456}
    with limits.override(max_digits=5):
        assert "an integer of 6 digits; the limit is 5" in _error("n: 123456")
        with pytest.raises(MedAllianceError, match="more than 5 digits"):
            loads_json('{"n": 123456}')
        assert loads_json('{"n": 12345.678}') == {"n": 12345.678}


def test_counts_stop_at_max_count_with_their_path(tmp_path: Path) -> None:
    assert Institution(**CLINIC, beds=MAX_COUNT).beds == MAX_COUNT
    path = tmp_path / "big.json"
    path.write_text(
        '{"institutions": [{"id": "v1", "name": "某村卫生室", "kind": "村卫生室", '
        f'"beds": {MAX_COUNT + 1}}}]}}',
        encoding="utf-8",
    )
    with pytest.raises(MedAllianceError) as info:
        read_json(path)
    assert "institutions[0].beds: Input should be less than or equal to 9007199254740991" in str(
        info.value
    )


def test_population_json_with_a_huge_integer_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pop.json"
    path.write_text('[{"id": "v1", "people": ' + "9" * 5_000 + "}]", encoding="utf-8")
    with pytest.raises(MedAllianceError) as info:
        read_population(path)
    message = str(info.value)
    assert str(path) in message
    assert "an integer of more than 100 digits at line 1, column 25" in message


# -- encodings (issue 12, message 3) ----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_files_with_a_byte_order_mark_are_read(tmp_path: Path, encoding: str) -> None:
    reg = examples.load("gangkou")
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    for suffix, text in ((".yaml", registry_to_yaml(reg)), (".json", registry_to_json(reg))):
        path = tmp_path / f"r{suffix}"
        path.write_bytes(bom + text.encode(encoding))
        assert (read_yaml if suffix == ".yaml" else read_json)(path) == reg
    write_yaml(reg, tmp_path / "out.yaml")  # written back as UTF-8, whatever was read
    assert (tmp_path / "out.yaml").read_bytes().startswith(b"schema_version: 1\n")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("title: 某县".encode("utf-16-le"), "looks like UTF-16 without a byte-order mark"),
        (b"\xff\xfet\x00i\x00\x00\xd8", "starts with a UTF-16 byte-order mark but bytes"),
        ("title: 某县医共体\n".encode("gbk"), "decode as GB18030/GBK"),
    ],
)
def test_other_encodings_are_named(tmp_path: Path, raw: bytes, fragment: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(raw)
    with pytest.raises(MedAllianceError, match=fragment):
        read_yaml(path)


# -- full-width punctuation (issue 12, message 2) ---------------------------------------------


def test_fullwidth_colon_in_a_block_mapping_is_pointed_at(libyaml: bool) -> None:
    text = "institutions:\n  - id: a\n    name：某县人民医院\n    kind: 村卫生室\n"
    with pytest.raises(MedAllianceError) as info:
        registry_from_yaml(text)
    first = info.value.problems[0].message
    assert first == "full-width colon '：' at line 3, column 9: use ':'"


def test_fullwidth_comma_in_a_flow_list_is_pointed_at(libyaml: bool) -> None:
    text = (
        "institutions:\n  - {id: a, name: 甲, kind: 县医院}\n  - {id: b, name: 乙, kind: 卫生院}\n"
        "alliances:\n  - id: x\n    name: 某医共体\n    form: 县域医共体\n    lead: a\n"
        "    memberships: [{institution: a, role: 牵头}, {institution: b}]\n"
        "    provisions: [双向转诊，检查检验结果互认]\n"
    )
    with pytest.raises(MedAllianceError) as info:
        registry_from_yaml(text)
    assert info.value.problems[0].message == "full-width comma '，' at line 10, column 22: use ','"


def test_fullwidth_in_json_is_pointed_at() -> None:
    with pytest.raises(MedAllianceError) as info:
        registry_from_json('{"title": "x",\n "sources": [1，2]}')
    assert "full-width comma '，' at line 2, column 15: use ','" in str(info.value)


def test_valid_text_with_fullwidth_punctuation_gets_no_hint(libyaml: bool) -> None:
    reg = registry_from_yaml("title: 说明：某县，某市；见附件\ninstitutions: []\n")
    assert reg.title == "说明：某县，某市；见附件"
    with pytest.raises(MedAllianceError) as info:  # an unrelated problem: no hint
        registry_from_yaml(
            "title: 说明：某县\ninstitutions: [{id: a, name: 甲, kind: 县医院, beds: -1}]"
        )
    assert "full-width" not in str(info.value)


# -- dates (issue 12, message 5) ---------------------------------------------------------------


@pytest.mark.parametrize("written", ["2024-03-01", "2024-3-1", "2024/3/1", "2024年3月1日"])
def test_dates_in_chinese_and_slashed_forms_are_read_as_iso(libyaml: bool, written: str) -> None:
    reg = registry_from_yaml(f"sources: [{{id: s, title: 某文, published: '{written}'}}]")
    assert reg.sources[0].published == dt.date(2024, 3, 1)
    assert "published: '2024-03-01'" in registry_to_yaml(reg)


@pytest.mark.parametrize("written", ["2024年3月", "3/1/2024", "2024-02-30", "20240301"])
def test_a_date_error_quotes_the_value_once(written: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        registry_from_yaml(f"sources: [{{id: s, title: 某文, published: '{written}'}}]")
    message = str(info.value)
    assert message.count(f"'{written}'") == 1
    assert "sources[0].published" in message


# -- the YAML writer (issue 13, item 7) ---------------------------------------------------------


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_yaml_keeps_line_breaks_other_than_newline(libyaml: bool, char: str) -> None:
    reg = Registry(title=f"某院{char}分院", institutions=[Institution(**CLINIC)])
    text = registry_to_yaml(reg)
    assert char not in text  # escaped, not written raw
    assert registry_from_yaml(text) == reg


def test_both_emitters_write_the_same_bytes() -> None:
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    for name in examples.names():
        reg = examples.load(name)
        texts = set()
        for flag in (True, False):
            _yaml.LIBYAML = flag
            try:
                texts.add(registry_to_yaml(reg))
            finally:
                _yaml.LIBYAML = yaml.__with_libyaml__
        assert len(texts) == 1, name


def test_characters_beyond_the_basic_plane_stay_text(libyaml: bool) -> None:
    assert dump_yaml({"name": "某𤶹村卫生室"}) == "name: 某𤶹村卫生室\n"


CONTROL = frozenset(chr(c) for c in (*range(0x09), *range(0x0B, 0x20), 0x7F))
MODEL_TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"), min_size=1
).filter(lambda s: s.strip() != "" and not any(c in CONTROL for c in s))


@pytest.mark.slow
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=MODEL_TEXT, name=MODEL_TEXT)
def test_any_text_survives_write_yaml_then_read(libyaml: bool, title: str, name: str) -> None:
    reg = Registry(title=title, institutions=[Institution(**{**CLINIC, "name": name})])
    assert registry_from_yaml(registry_to_yaml(reg)) == reg


def test_without_libyaml_the_pure_python_path_is_used(tmp_path: Path) -> None:
    code = (
        "import yaml\n"
        "yaml.__with_libyaml__ = False\n"
        "from medalliance import examples\n"
        "from medalliance._parse import _yaml\n"
        "from medalliance.io import registry_from_yaml, registry_to_yaml\n"
        "assert not _yaml.LIBYAML\n"
        "reg = examples.load('gangkou')\n"
        "text = registry_to_yaml(reg)\n"
        "assert registry_from_yaml(text) == reg\n"
        "print(text)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == registry_to_yaml(examples.load("gangkou")) + "\n"
