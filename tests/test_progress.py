"""Progress bars: on standard error when asked or when someone watches large work; else never."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from medalliance import examples, synthetic
from medalliance._progress import bar, quiet, track, wanted
from medalliance.accessibility import Population, Supply, costs_from_coordinates
from medalliance.cli import main
from medalliance.io import _staged, read_json, read_registry, write_json, write_yaml
from medalliance.io.fhir import to_fhir


class Terminal(io.StringIO):
    """A standard error that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """Make standard error a terminal (inside the test: pytest resets it after fixtures)."""
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def test_forced_on_draws_on_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    data = synthetic.national_data(seed=0, scale=0.002, progress=True)
    err = capsys.readouterr().err
    assert "synthetic registry" in err
    assert "province" in err
    assert data == synthetic.national_data(seed=0, scale=0.002, progress=False)
    assert capsys.readouterr().err == ""


def test_auto_is_silent_when_standard_error_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_staged, "LARGE_FILE", 0)
    path = tmp_path / "r.json"
    write_json(examples.load("gangkou"), path, progress=False)
    assert read_json(path) == examples.load("gangkou")
    assert capsys.readouterr().err == ""
    assert not wanted(None, size=10**9, large=1)


def test_auto_draws_for_large_work_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    terminal = on_terminal(monkeypatch)
    reg = examples.load("gangkou")
    path = tmp_path / "r.yaml"
    write_yaml(reg, path)
    read_registry(path)
    assert terminal.getvalue() == ""  # small work: no bar
    monkeypatch.setattr(_staged, "LARGE_FILE", 0)
    assert read_registry(path) == reg
    assert "reading r.yaml" in terminal.getvalue()
    with quiet():
        read_registry(path)
        assert not wanted(None, size=10**9, large=1)
    assert wanted(True, size=0, large=1)


def test_off_is_silent_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    synthetic.national_data(seed=0, scale=0.002, progress=False)
    to_fhir(examples.load("gangkou"), progress=False)
    assert terminal.getvalue() == ""


def test_every_long_operation_can_show_a_bar(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reg = examples.load("beijing_tongren")
    assert to_fhir(reg, progress=True) == to_fhir(reg, progress=False)
    assert "FHIR export" in capsys.readouterr().err
    write_json(reg, tmp_path / "r.json", progress=True)
    assert "writing r.json" in capsys.readouterr().err
    assert read_registry(tmp_path / "r.json", progress=True) == reg
    assert "reading r.json" in capsys.readouterr().err
    pop = Population(["a", "b"], [10, 20], lat=[30.0, 30.1], lon=[120.0, 120.0])
    sites = Supply(["s"], [5], lat=[30.05], lon=[120.0])
    with_bar = costs_from_coordinates(pop, sites, speed_kmh=30, cutoff_min=60, progress=True)
    assert "travel times" in capsys.readouterr().err
    plain = costs_from_coordinates(pop, sites, speed_kmh=30, cutoff_min=60)
    assert with_bar.rows() == plain.rows()


def test_cli_quiet_turns_bars_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(_staged, "LARGE_FILE", 0)
    path = tmp_path / "r.json"
    write_json(examples.load("gangkou"), path)
    out = io.StringIO()
    assert main(["export", str(path), "--format", "yaml", "-q"], out=out, err=out) == 0
    assert main(["validate", str(path), "--quiet"], out=out, err=out) == 0
    assert terminal.getvalue() == ""
    assert main(["export", str(path), "--format", "yaml"], out=out, err=out) == 0
    assert "reading r.json" in terminal.getvalue()


def test_without_tqdm_bars_are_a_no_op(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    assert list(track(range(3), desc="x", progress=True)) == [0, 1, 2]
    with bar(total=1, desc="x", progress=True) as b:
        b.update()
        b.stage("done")
    assert capsys.readouterr().err == ""


def test_import_does_not_load_tqdm() -> None:
    code = "import sys, medalliance; assert 'tqdm' not in sys.modules, 'tqdm imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
