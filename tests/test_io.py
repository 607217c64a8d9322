"""Files: lossless round trips (Hypothesis), canonical output, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from medalliance import (
    MedAllianceError,
    Registry,
    SchemaError,
    read_json,
    read_registry,
    read_yaml,
    write_json,
    write_yaml,
)
from medalliance._parse import decode_text
from medalliance.io._files import (
    registry_from_dict,
    registry_from_json,
    registry_from_yaml,
    registry_to_dict,
    registry_to_json,
    registry_to_yaml,
)
from medalliance.io._graphml import read_graphml, write_graphml
from strategies import registries

SETTINGS = settings(max_examples=60)


@pytest.mark.slow
@SETTINGS
@given(registries())
def test_json_round_trip(reg: Registry) -> None:
    assert registry_from_json(registry_to_json(reg)) == reg


@pytest.mark.slow
@SETTINGS
@given(registries())
def test_yaml_round_trip(reg: Registry) -> None:
    assert registry_from_yaml(registry_to_yaml(reg)) == reg


# every example writes its own file over the previous one, so sharing tmp_path is safe
@settings(
    max_examples=25,
    suppress_health_check=[
        *settings().suppress_health_check,  # the profile's, plus:
        HealthCheck.function_scoped_fixture,
    ],
)
@given(registries())
def test_graphml_round_trip(tmp_path: Path, reg: Registry) -> None:
    path = tmp_path / "r.graphml"
    write_graphml(reg, path)
    assert read_graphml(path) == reg


@pytest.mark.slow
@SETTINGS
@given(registries())
def test_output_is_canonical(reg: Registry) -> None:
    text = registry_to_json(reg)
    assert registry_to_json(registry_from_json(text)) == text
    assert registry_to_yaml(reg) == registry_to_yaml(registry_from_yaml(registry_to_yaml(reg)))
    assert next(iter(registry_to_dict(reg))) == "schema_version"


def test_files_keep_chinese_as_text(tmp_path: Path) -> None:
    reg = registry_from_dict(
        {"institutions": [{"id": "c", "name": "某镇卫生院", "kind": "乡镇卫生院"}]}
    )
    write_json(reg, tmp_path / "r.json")
    write_yaml(reg, tmp_path / "r.yaml")
    for name in ("r.json", "r.yaml"):
        raw = (tmp_path / name).read_bytes()
        assert "某镇卫生院".encode() in raw
        assert b"\\u" not in raw
        assert read_registry(tmp_path / name) == reg


def test_read_json_and_yaml_by_suffix(tmp_path: Path) -> None:
    reg = registry_from_dict(
        {"institutions": [{"id": "c", "name": "某镇卫生院", "kind": "乡镇卫生院"}]}
    )
    write_json(reg, tmp_path / "r.json")
    write_yaml(reg, tmp_path / "r.yml")
    assert read_json(tmp_path / "r.json") == read_yaml(tmp_path / "r.yml") == reg


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bad.json", b'{"institutions": [', "malformed JSON at line 1, column 19"),
        ("dup.json", b'{"institutions": [], "institutions": []}', "duplicate key 'institutions'"),
        (
            "list.json",
            b"[1, 2]",
            "expected a mapping with institutions/alliances/agreements, got list",
        ),
        ("ver.json", b'{"schema_version": 99}', "unsupported schema_version 99"),
        (
            "gbk.json",
            '{"title": "某县医共体"}'.encode("gbk"),
            "not UTF-8: byte 0xcf at offset 13 (line 1)",
        ),
        ("gbk.yaml", "title: 某县医共体\n".encode("gbk"), "decode as GB18030/GBK"),
        ("bad.yaml", b"institutions: [\n", "malformed or unsafe YAML"),
        (
            "tag.yaml",
            b"title: !!python/object/apply:os.system ['echo hi']\n",
            "tag !!python/object/apply:os.system is not accepted",
        ),
        ("dup.yaml", b"title: a\ntitle: b\n", "at line 2, column 1: duplicate key 'title'"),
        ("scalar.yaml", b"just text\n", "expected a mapping"),
        ("empty.yaml", b"", "expected a mapping"),
        ("data.csv", b"a,b\n", "unknown file type '.csv'"),
    ],
)
def test_bad_files_raise_clear_errors(
    tmp_path: Path, name: str, content: bytes, fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MedAllianceError) as info:
        read_registry(path)
    message = str(info.value)
    assert fragment in message
    assert name in message


def test_unknown_file_type_also_says_missing_or_directory(tmp_path: Path) -> None:
    for target, expected in (
        (tmp_path / "nosuch", ["file not found", "unknown file type ''"]),
        (tmp_path / "nosuch.txt", ["file not found", "unknown file type '.txt'"]),
        (tmp_path, ["is a directory, not a file"]),
    ):
        with pytest.raises(SchemaError) as info:
            read_registry(target)
        assert info.value.source == str(target)
        messages = [p.message for p in info.value.problems]
        assert len(messages) == len(expected)
        for message, start in zip(messages, expected, strict=True):
            assert message.startswith(start)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("deep.yaml", "title: " + "[" * 5_000 + "]" * 5_000 + "\n"),
        ("deep_block.yaml", "- " * 3_000 + "x\n"),
    ],
)
def test_nesting_too_deep_is_an_error_not_a_recursion_error(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        read_registry(path)
    assert [p.render() for p in info.value.problems] == [
        f"<root>: malformed {'JSON' if name.endswith('json') else 'YAML'}: "
        "lists or mappings nested too deeply to read"
    ]


def test_graphml_attribute_nested_too_deep_is_an_error(tmp_path: Path) -> None:
    import networkx as nx

    from medalliance import examples, to_graph
    from medalliance.io import graph_for_graphml

    G = graph_for_graphml(to_graph(examples.load("gangkou")))
    G.graph["sources"] = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.graphml"
    nx.write_graphml(G, path)
    with pytest.raises(
        MedAllianceError, match=r"graph\.sources: expected JSON text: .* too deeply"
    ):
        read_registry(path)


def test_yaml_merge_keys_may_be_overridden_but_not_repeated() -> None:
    text = (
        "institutions:\n"
        "  - &base {id: a, name: 甲村卫生室, kind: 村卫生室}\n"
        "  - {<<: *base, id: b, name: 乙村卫生室}\n"
    )
    reg = registry_from_yaml(text)
    assert [(i.id, i.name) for i in reg.institutions] == [("a", "甲村卫生室"), ("b", "乙村卫生室")]
    with pytest.raises(SchemaError, match="duplicate key 'id'"):
        registry_from_yaml(text.replace("id: b,", "id: b, id: c,"))


def test_bom_is_accepted() -> None:
    assert decode_text("\ufefftitle: x".encode()) == "title: x"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="file not found"):
        read_yaml(tmp_path / "nope.yaml")
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(SchemaError, match="is a directory"):
        read_json(tmp_path / "dir.json")


def test_invalid_content_lists_every_problem_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "institutions:\n"
        "  - {id: h, name: 某医院, kind: 综合医院, tier: 二级, beds: -1}\n"
        "  - {id: v, name: 某村卫生室, kind: 村卫生室, tier: 三级}\n"
        "alliances:\n"
        "  - {id: a, name: 某医共体, form: 县域医共体, lead: [x],\n"
        "     memberships: [{institution: h, role: lead}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(MedAllianceError) as info:
        read_yaml(path)
    assert [p.render() for p in info.value.problems] == [
        "institutions[0].beds: Input should be greater than or equal to 0 (got -1)",
        "institutions[1].tier: a village_clinic cannot be tertiary (allowed: village)",
        "alliances[0].lead[0]: lead 'x' is not a member",
        "alliances[0].memberships[0].role: 'h' has role 'lead' but is not in 'lead'",
    ]
    assert str(path) in str(info.value)


def test_unreadable_graphml(tmp_path: Path) -> None:
    path = tmp_path / "x.graphml"
    path.write_text("<graphml><oops", encoding="utf-8")
    with pytest.raises(SchemaError, match="unreadable GraphML"):
        read_graphml(path)
