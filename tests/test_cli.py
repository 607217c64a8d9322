"""Command line: every command, exit codes, and no tracebacks on bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from medalliance import examples, read_registry
from medalliance.cli import main


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_report_default_example() -> None:
    code, out, err = run("report")
    assert code == 0, err
    reg = examples.load(examples.DEFAULT)
    for a in reg.alliances:
        assert a.name in out
        assert f"[{a.id}]" in out
    assert "members:" in out
    assert "Findings" in out


def test_no_command_means_report() -> None:
    assert run()[1] == run("report")[1]


@pytest.mark.parametrize("name", examples.names())
def test_report_every_example(name: str) -> None:
    code, out, err = run("report", name)
    assert code == 0, err
    assert examples.load(name).alliances[0].name in out


def test_report_json_is_machine_readable() -> None:
    code, out, _ = run("report", "shanghai_luwan", "--json")
    assert code == 0
    data = json.loads(out)
    [alliance] = data["alliances"]
    assert alliance["alliance_id"] == "luwan_ruijin"
    assert alliance["member_count"] == 7
    assert data["summary"]["institutions"] == 7


def test_report_one_alliance_and_unknown_alliance() -> None:
    code, out, _ = run(
        "report", "dingzhou", "--alliance", examples.load("dingzhou").alliances[0].id
    )
    assert code == 0
    assert out.count("== ") == 1
    code, _, err = run("report", "dingzhou", "--alliance", "nope")
    assert code == 1
    assert "unknown alliance 'nope'" in err
    assert "Traceback" not in err


def test_list() -> None:
    code, out, _ = run("list")
    assert code == 0
    for name in examples.names():
        assert name in out
    code, out, _ = run("list", "--json")
    assert [d["name"] for d in json.loads(out)] == list(examples.names())


def test_validate_valid_and_invalid(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    code, _, _ = run("export", "gangkou", "--format", "yaml", "-o", str(good))
    assert code == 0
    code, out, _ = run("validate", str(good))
    assert code == 0
    assert "valid" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "institutions:\n"
        "  - {id: h, name: 某医院, kind: 综合医院, beds: -2}\n"
        "  - {id: h, name: 某医院, kind: 火星医院}\n",
        encoding="utf-8",
    )
    code, out, err = run("validate", str(bad))
    assert code == 1
    assert out == ""
    assert "institutions[0].tier: required: state the tier" in err
    assert "institutions[0].beds" in err
    assert "institutions[1].kind: unknown institution kind '火星医院'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["json", "yaml", "graphml"])
def test_export_round_trips(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"out.{fmt}"
    code, _, err = run("export", "xuzhou_mch", "--format", fmt, "-o", str(target))
    assert code == 0, err
    assert read_registry(target) == examples.load("xuzhou_mch")
    code, out, _ = run("export", "xuzhou_mch", "--format", fmt)
    assert code == 0
    assert out == target.read_text(encoding="utf-8")


def test_export_file_to_file(tmp_path: Path) -> None:
    src = tmp_path / "in.json"
    run("export", "beijing_tongren", "--format", "json", "-o", str(src))
    code, out, _ = run("export", str(src), "--format", "yaml")
    assert code == 0
    assert "北京同仁医院" in out


def test_export_to_unwritable_output_exits_1_without_traceback(tmp_path: Path) -> None:
    for target, why in (
        (tmp_path, "is a directory"),
        (tmp_path / "no" / "such" / "dir.json", "cannot write: No such file or directory"),
    ):
        code, out, err = run("export", "gangkou", "--format", "json", "-o", str(target))
        assert code == 1
        assert out == ""
        assert f"in {target}" in err
        assert why in err
        assert "Traceback" not in err


def test_report_empty_alliance_id_is_unknown_not_all() -> None:
    code, out, err = run("report", "dingzhou", "--alliance", "")
    assert code == 1
    assert out == ""
    assert "unknown alliance ''" in err


def test_unknown_target_and_usage_errors() -> None:
    code, _, err = run("report", "atlantis")
    assert code == 1
    assert "neither a bundled example" in err
    assert run("export", "gangkou")[0] == 2  # --format is required
    assert run("frobnicate")[0] == 2


def test_schema_command() -> None:
    code, out, _ = run("schema")
    assert code == 0
    assert json.loads(out)["title"] == "medalliance registry"


@pytest.mark.slow
def test_console_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "medalliance.cli", "validate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "malformed JSON" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_refer_prints_ranked_destinations_and_reasons() -> None:
    code, out, _ = run(
        "refer",
        "county_township",
        "--from",
        "township_centre",
        "--criterion",
        "needs_equipment_or_exam",
        "--service",
        "CT",
    )
    assert code == 0
    assert "eligible: 上转 (up)" in out
    assert "county_hospital" in out
    assert "priority_examination" in out
    code, out, _ = run(
        "refer",
        "xuzhou_mch",
        "--from",
        "pizhou_mch",
        "--criterion",
        "critical_or_difficult",
        "--specialty",
        "妇幼保健",
        "--json",
    )
    data = json.loads(out)
    assert data["eligible"] is True
    assert data["destinations"][0]["institution"] == "xuzhou_mch_hospital"


def test_refer_bad_input_exits_1_without_traceback(tmp_path: Path) -> None:
    code, _, err = run("refer", "gangkou", "--from", "nobody", "--criterion", "chronic_confirmed")
    assert code == 1
    assert "unknown institution 'nobody'" in err
    code, _, err = run("refer", "gangkou", "--from", "gangkou_peoples", "--criterion", "vibes")
    assert code == 1
    assert "unknown referral criterion 'vibes'" in err
    bad = tmp_path / "policy.yaml"
    bad.write_text("name: p\ncriteria: [\n", encoding="utf-8")
    code, _, err = run(
        "refer", "gangkou", "--from", "gangkou_peoples", "--criterion", "x", "--policy", str(bad)
    )
    assert code == 1
    assert "malformed or unsafe YAML" in err
    assert "Traceback" not in err


def test_refer_names_bad_labels_unknown_ids_and_options_together() -> None:
    code, out, err = run(
        "refer", "gangkou", "--from", "nobody", "--criterion", "vibes", "--home", "ghost",
        "--specialty", "astrology", "--outside-options", "-2", "--json",
    )  # fmt: skip
    assert code == 1
    paths = [p["path"] for p in json.loads(out)["problems"]]
    assert paths == ["specialty", "origin", "criterion", "home", "outside_options"]
    assert "unknown institution 'nobody'" in err
    assert "unknown institution 'ghost'" in err
    assert "unknown referral criterion 'vibes'" in err
    # an id that is malformed is reported once, as malformed
    code, out, _ = run(
        "refer", "gangkou", "--from", "no body", "--criterion", "vibes", "--urgency", "x", "--json"
    )
    assert code == 1
    paths = [p["path"] for p in json.loads(out)["problems"]]
    assert paths == ["origin", "urgency", "criterion"]


def test_refer_paths_say_which_service_they_lead_to() -> None:
    code, out, err = run(
        "refer", "county_township", "--from", "township_centre",
        "--criterion", "needs_equipment_or_exam", "--service", "MRI", "--service", "CT", "--paths",
    )  # fmt: skip
    assert code == 0, err
    # the paths follow one service (the first in canonical order), and the output says which
    assert "escalation paths to an institution with service ct:" in out
    assert "township_centre → county_hospital" in out


def test_validate_json_reports_problems_on_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "institutions:\n  - {id: v, name: 某村卫生室, kind: 村卫生室, beds: -1}\n", encoding="utf-8"
    )
    code, out, err = run("validate", str(bad), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False
    assert data["source"] == str(bad)
    assert data["problems"] == [
        {
            "path": "institutions[0].beds",
            "message": "Input should be greater than or equal to 0 (got -1)",
        }
    ]
    assert "error:" in err


def test_refer_urgency_paths_and_outside_options() -> None:
    code, out, err = run(
        "refer",
        "shanghai_luwan",
        "--from",
        "dapuqiao_chc",
        "--criterion",
        "critical_or_difficult",
        "--urgency",
        "紧急",
        "--paths",
        "--json",
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["case"]["urgency"] == "urgent"
    assert doc["paths"]
    assert all(p["hops"] >= 1 for p in doc["paths"])
    code, out, err = run(
        "refer",
        "shanghai_luwan",
        "--from",
        "dapuqiao_chc",
        "--criterion",
        "critical_or_difficult",
        "--paths",
    )
    assert code == 0, err
    assert "escalation paths:" in out
    code, _, err = run(
        "refer",
        "shanghai_luwan",
        "--from",
        "dapuqiao_chc",
        "--criterion",
        "critical_or_difficult",
        "--outside-options",
        "-1",
    )
    assert code == 1
    assert "outside_options" in err
    assert "Traceback" not in err
