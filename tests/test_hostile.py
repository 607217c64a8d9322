"""Hostile input: every reader ends in a short MedAllianceError, quickly, never a traceback.

The reproductions of issue 13 and the red team's passing cases. Cases that could exhaust the
machine (alias bombs, endless devices, deep nesting) run in a subprocess with a time limit
(a hang fails the test) and an address-space limit (a blow-up fails it); the message each
prints must be short. Nothing here asserts how fast anything is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from medalliance import Institution, MedAllianceError, Registry, limits
from medalliance.errors import quote
from medalliance.indicators import Activity
from medalliance.io import (
    read_graphml,
    read_registry,
    read_yaml,
    registry_from_dict,
    registry_from_json,
    registry_from_yaml,
    write_graphml,
)
from medalliance.io._files import read_text

ROOT = Path(__file__).resolve().parents[1]
MEMORY = 2 * 1024**3  # address space of a bounded case: a blow-up fails, a refusal fits
SECONDS = 60  # generous: a refusal takes well under a second; a hang fails


def alias_bomb(levels: int = 8) -> str:
    """The 340-byte file of issue 13: each level repeats the one before nine times."""
    lines = ["a: &a [x,x,x,x,x,x,x,x,x]"]
    names = "abcdefghijklmnopqrstuvwxyz"
    for k in range(1, levels):
        previous = names[k - 1]
        lines.append(f"{names[k]}: &{names[k]} [" + ",".join([f"*{previous}"] * 9) + "]")
    last = names[levels - 1]
    lines.append(f"institutions: [{{id: a, name: x, kind: 村卫生室, services: *{last}}}]")
    return "\n".join(lines) + "\n"


def bounded(code: str) -> str:
    """Run ``code`` in a fresh interpreter under the limits; return what it printed."""
    prelude = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY}, {MEMORY}))
        from medalliance import MedAllianceError
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=SECONDS,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def refused(call: str) -> str:
    """Code that runs ``call``, expects a MedAllianceError and prints its message."""
    return f"""
    try:
        {call}
    except MedAllianceError as exc:
        print(exc)
    else:
        raise SystemExit("accepted")
    """


@pytest.mark.slow
@pytest.mark.parametrize("levels", [8, 9])
def test_alias_bomb_is_refused_with_a_short_message(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(levels), encoding="utf-8")
    assert len(path.read_bytes()) < 400
    out = bounded(refused(f"from medalliance.io import read_yaml; read_yaml({str(path)!r})"))
    assert "line 6, column 4: aliases (*name) repeat more than 100,000 values" in out
    assert "bomb.yaml" in out
    assert len(out) < 500


@pytest.mark.slow
def test_alias_bomb_through_merge_keys_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 {k0: x}"]
    for k in range(1, 30):
        keys = ", ".join(f"<<: *a{k - 1}" if j == 0 else f"m{j}: *a{k - 1}" for j in range(3))
        lines.append(f"a{k}: &a{k} {{{keys}}}")
    path = tmp_path / "merge_bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = bounded(refused(f"from medalliance.io import read_yaml; read_yaml({str(path)!r})"))
    assert "repeat more than 100,000 values" in out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("deep.yaml", "title: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("deep_map.yaml", "title: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n"),
        ("deep_block.yaml", "".join("  " * k + "- \n" for k in range(20_000)) + "x\n"),
    ],
)
def test_deep_nesting_is_refused(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    call = f"from medalliance.io import read_registry; read_registry({str(path)!r})"
    out = bounded(refused(call))
    assert "nested too deeply" in out or "malformed" in out
    assert len(out) < 1000


@pytest.mark.slow
def test_an_endless_device_stops_at_the_file_size_limit(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    out = bounded(refused(f"from medalliance.io import read_yaml; read_yaml({str(link)!r})"))
    assert "too big to read" in out
    assert "536,870,912 bytes (medalliance.limits max_file_bytes)" in out


def test_file_size_limit_is_a_setting(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("title: " + "x" * 5_000 + "\n", encoding="utf-8")
    assert read_yaml(path).title == "x" * 5_000
    with limits.override(max_file_bytes=1_000), pytest.raises(MedAllianceError) as info:
        read_yaml(path)
    assert "the file is too big to read: 5,008 bytes; the limit is 1,000 bytes" in str(info.value)
    if Path("/dev/zero").exists():
        with limits.override(max_file_bytes=1_000), pytest.raises(MedAllianceError):
            read_text("/dev/zero")


def test_many_invalid_records_give_a_short_message() -> None:
    data = {
        "institutions": [
            {"id": f"i{k}", "name": "某院", "kind": f"bad{k}", "beds": -1} for k in range(100_000)
        ]
    }
    with pytest.raises(MedAllianceError) as info:
        registry_from_dict(data, source="big.json")
    message = str(info.value)
    assert len(info.value.problems) == 200_000
    assert len(message) < 20_000
    assert message.startswith("200,000 problems in big.json:")
    assert message.count("村卫生室") == 1  # the accepted labels, listed once
    assert "… and 99,901 more problems" in message  # 99 kinds + one line for 100,000 beds
    with limits.override(max_problems_listed=3):
        assert len(str(MedAllianceError(info.value.problems))) < 3_000


def test_repeated_problems_are_one_line_with_a_count() -> None:
    data = {
        "institutions": [
            {"id": f"i{k}", "name": "某院", "kind": "村卫生室", "beds": -1} for k in range(50_000)
        ]
    }
    with pytest.raises(MedAllianceError) as info:
        registry_from_dict(data)
    lines = str(info.value).splitlines()
    assert lines == [
        "50,000 problems:",
        "  - institutions[0].beds, institutions[1].beds, institutions[2].beds and 49,997 more: "
        "Input should be greater than or equal to 0 (got -1)",
    ]


def test_quoted_values_are_bounded() -> None:
    long_name = "某" * 1_000_000 + "\x01"
    with pytest.raises(MedAllianceError) as info:
        registry_from_dict({"institutions": [{"id": "a", "name": long_name, "kind": "x" * 10**6}]})
    message = str(info.value)
    assert len(message) < 5_000
    assert "… (1,000,000 characters)" in message
    assert quote(10**100_000) == "<an integer of about 100,001 digits>"
    with limits.override(max_quoted_chars=5):
        assert quote("abcdefgh") == "'abcde'… (8 characters)"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"institutions": [{"id": "a", "name": "某院", "kind": "村卫生室", "lat": NaN}]}', "lat"),
        (
            '{"institutions": [{"id": "a", "name": "某院", "kind": "村卫生室", "lon": -Infinity}]}',
            "lon",
        ),
        ('{"title": "a\\ud800b"}', "title: Input should be a valid string"),
        ('{"title": "a\\u0000b"}', "title: contains control character U+0000"),
        (
            '{"title": 1' + "0" * 5_000 + "}",
            "an integer of more than 100 digits at line 1, column 11",
        ),
        ('{"title": "a", "title": "b"}', "duplicate key 'title'"),
    ],
)
def test_hostile_json_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        registry_from_json(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("title: a\x00b\n", "U+0000 at line 1, column 9 is not allowed in YAML"),
        ("title: ok\n\ntitle2: \x07\n", "U+0007 at line 3, column 9"),
        ('title: "a\\ud800b"\n', "line 1, column 12: found invalid Unicode character escape"),
        ("title: a\ud800b\n", "character U+D800 at line 1, column 9 is not text"),
        ("title: .nan\ninstitutions: [{id: a, name: x, kind: 村卫生室, lat: .nan}]", "lat"),
        ("institutions: [{id: a, name: x, kind: 村卫生室, beds: 1" + "0" * 200 + "}]", "digits"),
        ("institutions: !!python/object/apply:os.system ['echo hi']", "is not accepted"),
        ("--- a\n--- b\n", "line 2, column 1: but found another document"),
    ],
)
def test_hostile_yaml_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        registry_from_yaml(text)
    assert fragment in str(info.value)


def test_graphml_entities_are_not_expanded(tmp_path: Path) -> None:
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{k} "' + f"&l{k - 1};" * 10 + '">' for k in range(1, 10)
    ]
    bomb = tmp_path / "laughs.graphml"
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE g [{"".join(entities)}]><graphml><x>&l9;</x></graphml>',
        encoding="utf-8",
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    xxe = tmp_path / "xxe.graphml"
    xxe.write_text(
        f'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY s SYSTEM "file://{secret}">]>'
        "<graphml><x>&s;</x></graphml>",
        encoding="utf-8",
    )
    for path in (bomb, xxe):
        with pytest.raises(MedAllianceError) as info:
            read_graphml(path)
        assert "TOP-SECRET" not in str(info.value)
        assert len(str(info.value)) < 1_000


def test_graphml_with_a_huge_integer_attribute(tmp_path: Path) -> None:
    path = tmp_path / "r.graphml"
    hospital = Institution(id="h", name="某县人民医院", kind="县医院", tier="二级", beds=500)
    write_graphml(Registry(institutions=[hospital]), path)
    text = path.read_text(encoding="utf-8")
    key = next(
        line.split('id="')[1].split('"')[0]
        for line in text.splitlines()
        if 'attr.name="beds"' in line and 'for="node"' in line
    )
    start = text.index(f'<data key="{key}">') + len(f'<data key="{key}">')
    for digits, fragment in ((5_000, "too many digits"), (30, "less than or equal")):
        patched = text[:start] + "9" * digits + text[text.index("</data>", start) :]
        path.write_text(patched, encoding="utf-8")
        with pytest.raises(MedAllianceError, match=fragment) as info:
            read_registry(path)
        assert str(path) in str(info.value)


def test_counts_too_large_for_indicators_are_refused() -> None:
    record = {"period": "2019", "origin": "a", "destination": "b", "count": 10**400}
    with pytest.raises(MedAllianceError) as info:
        Activity.model_validate({"referrals": [record]})
    message = str(info.value)
    assert "referrals[0].count: Input should be less than or equal to 9007199254740991" in message
    assert "<an integer of about 401 digits>" in message
