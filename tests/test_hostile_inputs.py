"""Hostile inputs the red team of issue 13 found handled: each ends in MedAllianceError or a
correct result, within limits on time and memory.

Every case runs in a fresh interpreter (:func:`_read`) whose address space is capped with
``resource.setrlimit`` and which is killed after a generous timeout, so a hang or a memory
blow-up fails one case instead of the test run. The limits are far above what a correct
reader needs (it answers each case in well under a second) and far below what the attacks
need when they work (gigabytes, minutes).
"""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("resource")

TIMEOUT_S = 30
"""Per case; a hostile file that works takes minutes, so this only catches hangs."""
MEMORY_BYTES = 2 * 1024**3
"""Address space of the reading process (the interpreter with numpy needs a few hundred MB)."""
MESSAGE_CHARS = 100_000
"""An error message longer than this quotes the attack instead of naming it."""

_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
    from medalliance.errors import MedAllianceError
    from medalliance import io
    from medalliance.cli._load import load_registry
    readers = {{
        "registry": io.read_registry,
        "bundle": lambda p: load_registry(p)[0],
        "population": io.read_population,
        "policy": io.read_policy,
    }}
    try:
        result = readers[sys.argv[1]](sys.argv[2])
    except MedAllianceError as exc:
        text = str(exc)
        print("refused", len(text))
        print(text[:2000])
    else:
        print("read")
        if hasattr(result, "model_dump_json"):
            print(result.model_dump_json())
    """
)


def _read(tmp_path: Path, name: str, data: bytes, reader: str = "registry") -> tuple[str, str]:
    """Read ``data`` saved as ``name`` in a capped subprocess: ("read"|"refused", the rest)."""
    path = tmp_path / name
    path.write_bytes(data)
    script = _SCRIPT.format(memory=MEMORY_BYTES)
    env = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script, reader, str(path)],
        capture_output=True,
        timeout=TIMEOUT_S,
        env=env,
        check=False,
    )
    out = done.stdout.decode("utf-8", "replace")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-3000:]
    first, _, rest = out.partition("\n")
    outcome = first.split()[0]
    if outcome == "refused":
        assert int(first.split()[1]) < MESSAGE_CHARS
    return outcome, rest


def _refused(tmp_path: Path, name: str, data: bytes, reader: str = "registry") -> str:
    outcome, rest = _read(tmp_path, name, data, reader)
    assert outcome == "refused", rest[:500]
    return rest


_MINIMAL = {
    "schema_version": 1,
    "institutions": [{"id": "a", "name": "某院", "kind": "村卫生室"}],
}


def _minimal_json(**extra: object) -> bytes:
    return json.dumps({**_MINIMAL, **extra}, ensure_ascii=False).encode()


def test_minimal_registry_reads(tmp_path: Path) -> None:
    """The baseline the other cases change: a one-institution registry reads."""
    outcome, rest = _read(tmp_path, "ok.json", _minimal_json())
    assert outcome == "read"
    assert "某院" in rest


def test_yaml_billion_laughs_under_an_unknown_key(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    text = "\n".join(lines) + "\nschema_version: 1\ninstitutions: []\n"
    _refused(tmp_path, "laughs.yaml", text.encode())


def test_graphml_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d0" for="graph" attr.name="title" attr.type="string"/>'
        '<graph edgedefault="directed"><data key="d0">&x;</data></graph></graphml>'
    )
    outcome, rest = _read(tmp_path, "xxe.graphml", xml.encode())
    assert "TOPSECRET" not in rest
    assert outcome == "refused"


def test_graphml_entity_expansion_bomb(tmp_path: Path) -> None:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE g [{entities}]>'
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key id="d0" for="graph" attr.name="title" attr.type="string"/>'
        '<graph edgedefault="directed"><data key="d0">&l9;</data></graph></graphml>'
    )
    _refused(tmp_path, "lol.graphml", xml.encode())


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting(tmp_path: Path, suffix: str) -> None:
    depth = 100_000
    _refused(tmp_path, f"deep{suffix}", b"[" * depth + b"]" * depth)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_deep_nesting_of_mappings(tmp_path: Path, suffix: str) -> None:
    depth = 100_000
    _refused(tmp_path, f"deep{suffix}", b'{"a":' * depth + b"1" + b"}" * depth)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_numbers(tmp_path: Path, value: str) -> None:
    text = (
        _minimal_json()
        .decode()
        .replace('"kind": "村卫生室"', f'"kind": "村卫生室", "beds": {value}')
    )
    _refused(tmp_path, "nan.json", text.encode())


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_yaml_non_finite_numbers(tmp_path: Path, value: str) -> None:
    row = f"{{id: a, name: 某院, kind: 村卫生室, beds: {value}}}"
    text = f"schema_version: 1\ninstitutions:\n  - {row}\n"
    _refused(tmp_path, "nan.yaml", text.encode())


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_utf8_bom_is_a_correct_parse_or_refused(tmp_path: Path, suffix: str) -> None:
    outcome, rest = _read(tmp_path, f"bom{suffix}", codecs.BOM_UTF8 + _minimal_json())
    assert outcome == "refused" or "某院" in rest


@pytest.mark.parametrize("encoding", ["gbk", "big5", "utf-16"])
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_other_encodings(tmp_path: Path, encoding: str, suffix: str) -> None:
    text = _minimal_json().decode().replace("某院", "醫院").replace("村卫生室", "village_clinic")
    data = text.encode(encoding)
    outcome, rest = _read(tmp_path, f"enc{suffix}", data)
    # never a mojibake name: either refused or read as written
    assert outcome == "refused" or "醫院" in rest


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_nul_byte(tmp_path: Path, suffix: str) -> None:
    _refused(tmp_path, f"nul{suffix}", _minimal_json().replace("某院".encode(), b"a\x00b"))


def test_nul_byte_graphml(tmp_path: Path) -> None:
    xml = (
        b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        b'<key id="d0" for="graph" attr.name="title" attr.type="string"/>'
        b'<graph edgedefault="directed"><data key="d0">a\x00b</data></graph></graphml>'
    )
    _refused(tmp_path, "nul.graphml", xml)


def test_lone_surrogate_escape_in_json(tmp_path: Path) -> None:
    data = _minimal_json().replace("某院".encode(), rb"a\ud800b")
    _refused(tmp_path, "surrogate.json", data)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_lone_surrogate_bytes(tmp_path: Path, suffix: str) -> None:
    data = _minimal_json().replace("某院".encode(), b"a\xed\xa0\x80b")
    _refused(tmp_path, f"surrogate{suffix}", data)


def test_duplicate_keys_json(tmp_path: Path) -> None:
    data = _minimal_json()[:-1] + b', "schema_version": 1}'
    _refused(tmp_path, "dup.json", data)


def test_duplicate_keys_yaml(tmp_path: Path) -> None:
    text = "schema_version: 1\nschema_version: 1\ninstitutions: []\n"
    _refused(tmp_path, "dup.yaml", text.encode())


def test_yaml_python_tag_is_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"title: !!python/object/apply:os.system ['touch {marker}']\ninstitutions: []\n"
    _refused(tmp_path, "tag.yaml", text.encode())
    assert not marker.exists()


def test_fhir_bundle_deep_nesting(tmp_path: Path) -> None:
    depth = 100_000
    data = b'{"resourceType": "Bundle", "entry": ' + b"[" * depth + b"]" * depth + b"}"
    _refused(tmp_path, "bundle.json", data, reader="bundle")


def test_population_duplicate_keys(tmp_path: Path) -> None:
    data = b'{"points": [{"id": "v", "people": 1, "people": 2}]}'
    _refused(tmp_path, "pop.json", data, reader="population")
