"""docs/cli.md shows real output: every ``$ medalliance ...`` transcript is run and compared.

The transcripts run in order, in a copy of ``docs/cli-examples`` (the files the page uses), so
a file one command writes can be read by the next. A transcript is a ```text block whose first
line starts with ``$ ``; each ``$`` line is a command and the lines up to the next one are what
it prints (standard output, then standard error). Supported: ``medalliance ARGS``, ``cat FILE``,
``echo $?`` (the status of the previous command), and after a command ``> FILE``,
``| head -n N`` or ``| tail -n N`` (the first or last N lines of standard output), then
``; echo $?``.

After changing the command line, regenerate the page's transcripts by running them::

    PYTHONPATH=src python tests/test_cli_docs.py --write
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "cli.md"
FILES = ROOT / "docs" / "cli-examples"
_BLOCK = re.compile(r"```text\n(\$ .*?)```", flags=re.S)


def _run_one(line: str, status: int) -> tuple[str, int]:
    """What ``line`` prints and the status it leaves (``status``: the previous one)."""
    from medalliance.cli import main

    echo = line.endswith("; echo $?")
    line = line.removesuffix("; echo $?")
    lines: slice | None = None
    match = re.fullmatch(r"(.*?) \| (head|tail) -n (\d+)", line)
    if match:
        n = int(match.group(3))
        line, lines = (
            match.group(1),
            slice(None, n) if match.group(2) == "head" else slice(-n, None),
        )
    target = None
    match = re.fullmatch(r"(.*?) > (\S+)", line)
    if match:
        line, target = match.group(1), match.group(2)
    words = shlex.split(line)
    if words == ["echo", "$?"]:
        return f"{status}\n", status
    if words[0] == "cat":
        return Path(words[1]).read_text(encoding="utf-8"), 0
    if words[0] != "medalliance":
        msg = f"cannot run {line!r} in a transcript"
        raise ValueError(msg)
    out, err = io.StringIO(), io.StringIO()
    if target is not None:
        with open(target, "w", encoding="utf-8") as file:
            status = main(words[1:], out=file, err=err)
    else:
        status = main(words[1:], out=out, err=err)
    text = out.getvalue()
    if lines is not None:
        text = "".join(text.splitlines(keepends=True)[lines])
    text += err.getvalue()
    return text + (f"{status}\n" if echo else ""), status


@contextlib.contextmanager
def _in_example_folder() -> Iterator[None]:
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(FILES, work)
        columns = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "80"  # argparse wraps usage lines to the terminal's width
        os.chdir(work)
        try:
            yield
        finally:
            os.chdir(before)
            if columns is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = columns


def regenerated(page: str) -> str:
    """The page with every transcript's output replaced by what its commands print now."""
    status = 0

    def redo(match: re.Match[str]) -> str:
        nonlocal status
        commands = [line[2:] for line in match.group(1).splitlines() if line.startswith("$ ")]
        parts = []
        for command in commands:
            text, status = _run_one(command, status)
            parts.append(f"$ {command}\n{text}")
        return "```text\n" + "".join(parts) + "```"

    with _in_example_folder():
        return _BLOCK.sub(redo, page)


def test_cli_page_transcripts_are_real_output() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert len(_BLOCK.findall(page)) >= 20
    new = regenerated(page)
    if new != page:  # show the first transcript that differs
        old_blocks, new_blocks = _BLOCK.findall(page), _BLOCK.findall(new)
        first = next(o for o, n in zip(old_blocks, new_blocks, strict=True) if o != n)
        shown = next(n for o, n in zip(old_blocks, new_blocks, strict=True) if o != n)
        hint = "regenerate with: PYTHONPATH=src python tests/test_cli_docs.py --write"
        assert first == shown, hint


def test_every_command_and_option_is_on_the_page() -> None:
    from medalliance.cli import _parser

    sections = PAGE.read_text(encoding="utf-8").split("\n## ")
    parser = _parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert isinstance(sub.choices, dict)
    commands: list[tuple[str, argparse.ArgumentParser]] = []
    for name, command in sub.choices.items():
        nested = [
            a for a in command._actions if isinstance(a.choices, dict) and not a.option_strings
        ]
        if nested:  # a command with sub-commands (`plan centre`, ...): one section each
            assert isinstance(nested[0].choices, dict)
            commands += [(f"{name} {n}", c) for n, c in nested[0].choices.items()]
        else:
            commands.append((name, command))
    for name, command in commands:
        [section] = [s for s in sections if re.match(rf"`medalliance {name}[ `]", s)]
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    word = rf"(?<![\w-]){re.escape(option)}(?![\w-])"
                    assert re.search(word, section), f"{name} {option}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: PYTHONPATH=src python tests/test_cli_docs.py --write")
    PAGE.write_text(regenerated(PAGE.read_text(encoding="utf-8")), encoding="utf-8")
