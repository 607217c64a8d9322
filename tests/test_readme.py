"""The README and the docs tell the truth.

The README's commands are the CI commands, its Python example runs, and every Python example on
a docs page runs and prints what the page shows.
"""

from __future__ import annotations

import ast
import contextlib
import io
import itertools
import re
from pathlib import Path

import pytest

from medalliance import read_yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_commands() -> None:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    commands = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert "pip install . && medalliance report" in commands
    assert "pip install '.[test]' && pytest" in commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet . && " in ci
    assert "pip install --quiet '.[test]' && pytest" in ci


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [code] = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert read_yaml(tmp_path / "my_alliance.yaml") == namespace["mine"]


DOCS = sorted((ROOT / "docs").rglob("*.md"))


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of a docs page, in order."""
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)


PAGES = [page for page in DOCS if python_blocks(page)]
"""The docs pages that hold Python examples (the others have nothing to run)."""


def shown_outputs(code: str) -> list[tuple[ast.stmt, str]]:
    """Each top-level statement of ``code`` that prints, with the output the page shows for it.

    The docs show what a statement prints as whole-line comments right after it::

        print(reg)
        # Registry('上海卢湾区域医疗联合体', institutions=7, alliances=1, agreements=0)

    A comment line starting with ``...`` stands for any text (an elision). Statements that print
    without such comments (for example with a trailing ``# note`` on the same line) are run but
    their output is not compared.
    """
    lines = code.splitlines()
    found = []
    for stmt in ast.parse(code).body:
        prints = any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
            for node in ast.walk(stmt)
        )
        end = stmt.end_lineno or stmt.lineno
        comments = list(
            itertools.takewhile(lambda line: line.lstrip().startswith("#"), lines[end:])
        )
        if prints and comments:
            found.append((stmt, "\n".join(line.lstrip()[1:] for line in comments)))
    return found


def matches(shown: str, printed: str) -> bool:
    """Whether ``printed`` is the ``shown`` output, up to whitespace and ``...`` elisions."""
    parts = [
        r".*?" if line.strip().startswith("...") else re.escape(" ".join(line.split()))
        for line in shown.splitlines()
    ]
    return re.fullmatch(r"\s*".join(parts), " ".join(printed.split()), flags=re.S) is not None


KNOWN_DRIFT: dict[tuple[str, str], str] = {}
"""Shown outputs known to differ from what the code prints: they still run, and each must keep
differing (fixing the page fails the test until its entry here is removed)."""


def test_docs_pages_with_python_examples_are_collected() -> None:
    names = {page.name for page in PAGES}
    assert {"getting-started.md", "concepts.md", "referral-rules.md"} <= names
    assert len(PAGES) < len(DOCS)  # index and API reference pages hold no examples
    shown = [out for page in PAGES for code in python_blocks(page) for out in shown_outputs(code)]
    assert len(shown) >= 20  # the output-checking convention is in use, not silently unparsed


def test_known_drift_names_printing_statements_on_their_pages() -> None:
    for page_name, source in KNOWN_DRIFT:
        [page] = [page for page in PAGES if page.name == page_name]
        sources = {
            ast.get_source_segment(code, stmt)
            for code in python_blocks(page)
            for stmt, _ in shown_outputs(code)
        }
        assert source in sources, (page_name, source)


def test_matches_allows_whitespace_and_elisions_only() -> None:
    assert matches("(1,\n  2)", "(1, 2)\n")
    assert matches("a\n... and more\nz", "a\nb\nc\nz\n")
    assert not matches("a b", "a c")
    assert not matches("a", "a\nb")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_docs_python_examples_print_what_the_page_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").symlink_to(ROOT / "docs")  # pages read their sample files as docs/...
    wrong = []
    for i, code in enumerate(python_blocks(page)):
        shown = {stmt.lineno: out for stmt, out in shown_outputs(code)}
        namespace: dict[str, object] = {}
        for stmt in ast.parse(code).body:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                module = ast.Module(body=[stmt], type_ignores=[])
                exec(compile(module, f"{page.name}[{i}]", "exec"), namespace)
            if stmt.lineno not in shown:
                continue
            source = ast.get_source_segment(code, stmt)
            ok = matches(shown[stmt.lineno], printed.getvalue())
            if (page.name, source) in KNOWN_DRIFT:
                assert not ok, f"{page.name}: {source} now matches; remove it from KNOWN_DRIFT"
            elif not ok:
                wrong.append(
                    f"{page.name}[{i}] {source}\nshown:\n{shown[stmt.lineno]}\n"
                    f"printed:\n{printed.getvalue()}"
                )
    assert not wrong, "\n\n".join(wrong)
