"""Command line output and interruption (issue 13 #8): one line and a status, never a traceback.

The in-process tests use streams that fail like a full disk, a closed pipe or a closed standard
output; the subprocess tests (marked slow) check the same with real descriptors, where Python's
own flush at exit could otherwise still print "Exception ignored" and exit with 120.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from medalliance.cli import main
from medalliance.cli._guard import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED


class _Failing(io.StringIO):
    """A text stream whose writes fail with ``error``."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


def run(*args: str, out: io.StringIO | None = None) -> tuple[int, str, str]:
    out = io.StringIO() if out is None else out
    err = io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "args", [["export", "gangkou", "--format", "json"], ["report"], ["schema"], ["--help"]]
)
def test_a_full_disk_is_one_line_and_status_1(args: list[str]) -> None:
    full = _Failing(OSError(errno.ENOSPC, "No space left on device"))
    code, _, err = run(*args, out=full)
    assert code == 1
    assert err == "error: cannot write the output: No space left on device\n"


def test_a_closed_pipe_is_quiet_with_status_141() -> None:
    gone = _Failing(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    code, _, err = run("export", "gangkou", "--format", "json", out=gone)
    assert code == EXIT_BROKEN_PIPE == 141
    assert err == ""


def test_a_closed_pipe_keeps_the_messages_meant_for_standard_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"institutions": [{"id": "x"}]}', encoding="utf-8")
    gone = _Failing(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    code, _, err = run("validate", str(bad), "--json", out=gone)
    assert code == EXIT_BROKEN_PIPE
    assert err.startswith("error: ")
    assert "institutions[0].name" in err


def test_closed_standard_output_via_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Python sets sys.stdout to None when descriptor 1 is closed at start-up (`>&-`)
    monkeypatch.setattr(sys, "stdout", None)
    err = io.StringIO()
    assert main(["report"], err=err) == 1
    assert err.getvalue() == "error: cannot write the output: standard output is closed\n"
    # a command that writes nothing to standard output still succeeds
    err = io.StringIO()
    target = tmp_path / "out.json"
    assert main(["export", "gangkou", "--format", "json", "-o", str(target)], err=err) == 0
    assert target.read_text(encoding="utf-8").startswith("{")


def test_empty_output_name_is_a_usage_error_not_standard_output() -> None:
    code, out, err = run("export", "gangkou", "--format", "json", "-o", "")
    assert code == 2
    assert out == ""
    assert "argument -o/--output: must not be empty" in err
    for args in (
        ["report", ""],
        ["validate", ""],
        ["coverage", "gangkou", "--population", ""],
        ["refer", "gangkou", "--from", "x", "--criterion", "y", "--policy", ""],
    ):
        code, _, err = run(*args)
        assert code == 2, args
        assert "must not be empty" in err


def test_help_goes_to_the_given_stream() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "usage: medalliance" in out


def test_interrupt_in_process_is_one_line_and_130(monkeypatch: pytest.MonkeyPatch) -> None:
    from medalliance.cli import _validate

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(_validate, "run", interrupted)
    code, out, err = run("validate", "gangkou")
    assert code == EXIT_INTERRUPTED == 130
    assert (out, err) == ("", "error: interrupted\n")


# -- real descriptors -------------------------------------------------------------------------


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "medalliance.cli", *args]


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [["export", "gangkou", "--format", "json"], ["report"], ["schema"]]
)
def test_dev_full_exits_1_with_one_line(args: list[str]) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        proc = subprocess.run(
            _cli(*args), stdout=full, stderr=subprocess.PIPE, text=True, check=False
        )
    assert proc.returncode == 1
    assert proc.stderr == "error: cannot write the output: No space left on device\n"


@pytest.mark.slow
def test_reader_gone_before_a_large_output_exits_141_quietly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    institutions = ",".join(
        f'{{"id": "i{n}", "name": "x", "kind": "火星医院"}}' for n in range(300)
    )
    bad.write_text(f'{{"institutions": [{institutions}]}}', encoding="utf-8")
    proc = subprocess.Popen(
        _cli("validate", str(bad), "--json"), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.close()  # like `| head -1` that has read its line: nobody reads any more
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_BROKEN_PIPE
    text = err.decode("utf-8")
    assert "Traceback" not in text
    assert "Exception ignored" not in text
    assert text.startswith("error: 300 problems in")


@pytest.mark.slow
def test_closed_standard_output_does_not_exit_0() -> None:
    proc = subprocess.run(
        ["sh", "-c", '"$0" -m medalliance.cli report >&-', sys.executable],
        check=False,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr == "error: cannot write the output: standard output is closed\n"


@pytest.mark.slow
def test_ctrl_c_exits_130_with_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "never.json"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        _cli("validate", str(fifo)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # the command is running once it has the FIFO open (then it waits for data forever)
    deadline = time.monotonic() + 60
    while True:
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:
            assert time.monotonic() < deadline, "the command never opened the file"
            time.sleep(0.05)
    try:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(writer)
    assert proc.returncode == EXIT_INTERRUPTED
    assert (out, err) == ("", "error: interrupted\n")


@pytest.mark.slow
def test_endless_input_ends_in_one_line_not_a_traceback(tmp_path: Path) -> None:
    # a link to /dev/zero: the reading limit stops it, or (without one) memory runs out;
    # either way one line and status 1. `ulimit -v` (2 GiB) keeps the test from taking the
    # machine.
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    script = 'ulimit -v 2097152 && exec "$0" -m medalliance.cli validate "$1"'
    proc = subprocess.run(
        ["sh", "-c", script, sys.executable, str(zero)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) <= 3
