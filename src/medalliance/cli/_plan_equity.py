"""``medalliance plan equity``: how fairly access is spread, option by option, people-weighted.

The values come from CSV columns (one option per ``--value`` column) or from the JSON that
``medalliance access --json`` writes for a 2SFCA-family measure (one option per file, named
by the file). :func:`medalliance.planning.equity_table` computes the measures.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import (
    add_format_flag,
    output_format,
    path_argument,
    plural,
    print_csv,
    print_json,
    table,
)
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers

_HEADER = ("option", "mean", "gini", "theil", "palma", "concentration", "fgt0", "fgt1", "fgt2")


def add_parser(subparsers: Subparsers) -> None:
    """Register ``plan equity`` and its options."""
    eq = subparsers.add_parser(
        "equity", help="Gini, Theil, Palma (and CI, FGT) of access values, people-weighted"
    )
    eq.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        type=path_argument,
        help="a CSV with an id column and value columns, or `medalliance access --json` output",
    )
    eq.add_argument(
        "--value",
        action="append",
        metavar="COL",
        help="a CSV column of access values: one option each (repeatable)",
    )
    eq.add_argument("--id-column", default="id", metavar="COL", help="CSV id column (default id)")
    people = eq.add_mutually_exclusive_group()
    people.add_argument(
        "--population",
        metavar="FILE",
        type=path_argument,
        help="people per origin: CSV id,people (matched by id)",
    )
    people.add_argument("--people-column", metavar="COL", help="CSV column of people per origin")
    eq.add_argument(
        "--rank-by", metavar="COL", help="CSV column ranking the origins (income): adds the CI"
    )
    eq.add_argument(
        "--poverty-line", type=float, metavar="X", help="adds FGT 0, 1 and 2 at this access"
    )
    add_format_flag(eq)
    eq.set_defaults(func=run)


class _Options:
    """The options read from the files: ids, each option's values, people and ranks."""

    def __init__(self) -> None:
        self.ids: list[str] | None = None
        self.values: dict[str, list[float]] = {}
        self.people: list[float] | None = None
        self.rank: list[float] | None = None

    def add(self, name: str, ids: list[str], values: list[float], source: str) -> None:
        """Add an option, its values put in the order of the first file's ids."""
        if name in self.values:
            msg = f"option {name!r} is given twice"
            raise MedAllianceError([Problem((), msg)], source=source)
        if self.ids is None:
            self.ids = ids
            self.values[name] = values
            return
        if set(ids) != set(self.ids) or len(ids) != len(self.ids):
            missing = sorted(set(self.ids) - set(ids))[:10]
            extra = sorted(set(ids) - set(self.ids))[:10]
            msg = (
                f"its origins differ from the first file's (missing {missing or '-'}, "
                f"extra {extra or '-'}): every option must cover the same origins"
            )
            raise MedAllianceError([Problem((), msg)], source=source)
        where = dict(zip(ids, values, strict=True))
        self.values[name] = [where[i] for i in self.ids]


def _read_csv(path: str, args: argparse.Namespace, opts: _Options, first: bool) -> None:
    """The ``--value`` columns (and people and rank columns of the first file) of a CSV."""
    from medalliance.cli._plan_files import cell, fail, number, read_rows

    table_ = read_rows(path, f"{args.id_column},<value columns>")
    problems: list[Problem] = []
    if not args.value:
        problems.append(Problem(("--value",), f"name the value column(s) of {path}"))
    extra = [c for c in (args.people_column, args.rank_by) if c is not None] if first else []
    wanted = [args.id_column, *(args.value or []), *extra]
    pos: dict[str, int] = {}
    for name in dict.fromkeys(wanted):
        hits = [i for i, h in enumerate(table_.header) if h == name]
        if not hits:
            known = ", ".join(table_.header)
            problems.append(Problem(("row 1",), f"no column {name!r}; the columns are {known}"))
        elif len(hits) > 1:
            problems.append(Problem(("row 1",), f"column {name!r} is named twice"))
        else:
            pos[name] = hits[0]
    fail(problems, path)
    ids: list[str] = []
    columns: dict[str, list[float]] = {c: [] for c in wanted[1:]}
    seen: set[str] = set()
    for n, cells in table_.rows:
        ident = cell(cells, pos[args.id_column])
        if not ident:
            problems.append(Problem((f"row {n}, column {args.id_column}",), "missing"))
        elif ident in seen:
            problems.append(Problem((f"row {n}, column {args.id_column}",), f"{ident!r} twice"))
        seen.add(ident)
        ids.append(ident)
        for c, column in columns.items():
            what = "people" if c == args.people_column else "access"
            got = number(cell(cells, pos[c]), (f"row {n}, column {c}",), problems, what=what)
            column.append(0.0 if got is None else got)
    fail(problems, path)
    for c in args.value or []:
        opts.add(c, ids, columns[c], path)
    if args.people_column is not None and first:
        opts.people = columns[args.people_column]
    if args.rank_by is not None and first:
        opts.rank = columns[args.rank_by]


def _read_access_json(path: str, opts: _Options) -> None:
    """The values of ``medalliance access --json`` output (a 2SFCA-family measure)."""
    from medalliance._parse import loads_json
    from medalliance.io._files import read_text

    doc = loads_json(read_text(path), source=path)
    rows = doc.get("rows") if isinstance(doc, dict) else None
    ok = isinstance(rows, list) and all(
        isinstance(r, dict) and isinstance(r.get("origin"), str) for r in rows
    )
    if not ok or not isinstance(rows, list):
        msg = "not the output of `medalliance access --json`: no list of rows with an origin"
        raise MedAllianceError([Problem(("rows",), msg)], source=path)
    problems: list[Problem] = []
    values: list[float] = []
    for k, r in enumerate(rows):
        v = r.get("accessibility")
        good = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        if not good or v < 0:
            msg = f"accessibility must be a number >= 0, got {v!r} (a 2SFCA-family measure)"
            problems.append(Problem(("rows", k), msg))
        values.append(float(v) if good else 0.0)
    if problems:
        raise MedAllianceError(problems[:20], source=path)
    opts.add(Path(path).stem, [r["origin"] for r in rows], values, path)


def _check(args: argparse.Namespace) -> None:
    problems: list[Problem] = []
    csvs = [f for f in args.files if Path(f).suffix.lower() == ".csv"]
    if args.value and not csvs:
        problems.append(Problem(("--value",), "applies to CSV files"))
    for option, value in (("--people-column", args.people_column), ("--rank-by", args.rank_by)):
        if value is not None and (not args.files or Path(args.files[0]).suffix.lower() != ".csv"):
            problems.append(Problem((option,), "names a column of the first file, a CSV"))
    line = args.poverty_line
    if line is not None and not (math.isfinite(line) and line > 0):
        problems.append(Problem(("--poverty-line",), f"must be a finite number > 0, got {line:g}"))
    if problems:
        raise MedAllianceError(problems)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Print one row per option: mean, Gini, Theil, Palma (CI and FGT when asked)."""
    from medalliance.planning import equity_table

    fmt = output_format(args)
    _check(args)
    opts = _Options()
    for k, path in enumerate(args.files):
        if Path(path).suffix.lower() == ".json":
            _read_access_json(path, opts)
        else:
            _read_csv(path, args, opts, first=k == 0)
    assert opts.ids is not None
    population: Any = opts.people
    if args.population is not None:
        population = _people_by_id(args.population, opts.ids)
    result = equity_table(
        opts.values, population, rank_by=opts.rank, poverty_line=args.poverty_line
    )
    rows = result.rows()
    header = [h for h in _HEADER if any(h in r for r in rows)]
    if fmt == "json":
        weights = "unweighted" if population is None else "people"
        print_json({"files": args.files, "weights": weights, "options": rows}, out)
        return 0
    if fmt == "csv":
        print_csv(rows, header, out)
        return 0
    weighted = "each origin counts 1" if population is None else "weighted by people"
    print(
        f"{plural(len(rows), 'option')} over {plural(len(opts.ids), 'origin')} ({weighted})",
        file=out,
    )
    cells = [[_fmt(r.get(h)) for h in header] for r in rows]
    table(cells, header, out)
    return 0


def _people_by_id(path: str, ids: list[str]) -> list[float]:
    """People of each origin from a population file; every origin must be in it."""
    from medalliance.io import read_population

    pop = read_population(path)
    people = dict(zip([str(x) for x in pop.ids.tolist()], pop.people.tolist(), strict=True))
    missing = [i for i in ids if i not in people]
    if missing:
        shown = ", ".join(repr(i) for i in missing[:10])
        msg = f"{plural(len(missing), 'origin')} of the values not in the file: {shown}"
        raise MedAllianceError([Problem((), msg)], source=path)
    return [people[i] for i in ids]


def _fmt(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return f"{value:.4g}"
