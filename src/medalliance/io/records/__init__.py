r"""Readers for the record files the metric modules take: activity, targets, population.

An edge module (it reads files); the metric modules themselves stay pure.

- :func:`read_activity`: activity records (:class:`~medalliance.indicators.Activity`) from a
  JSON or YAML file with the keys ``care``, ``referrals``, ``postings``, ``residents``;
  :func:`read_activity_csv`: the same from one CSV file per kind of record, with a header
  naming the fields in English or Chinese (empty cells are left out).
- :func:`read_targets`: indicator targets
  (:class:`~medalliance.indicators.IndicatorTargets`) from YAML or JSON, in the format of
  the bundled ``data/indicator_targets.yaml``.
- :func:`read_population`: population points
  (:class:`~medalliance.accessibility.Population`) from CSV (columns ``id``, ``people`` and
  optionally ``lat``, ``lon``, or 村名, 人口, 纬度, 经度) or from JSON/YAML (a list of such
  mappings).
- :func:`read_policy`: a referral policy from YAML or JSON.

The file type is told by the suffix (``.csv``, ``.json``, ``.yaml``/``.yml``); any other is
an error that names it. CSV files are read as a spreadsheet shows them: the header is row 1,
rows are numbered as the file shows them (blank lines count; ``\n``, ``\r\n`` and old-Mac
``\r`` line endings are all read), the column names are looked up in
:data:`HEADER_ALIASES` and numbers are written with the digits 0-9. Every reader raises a
:class:`~medalliance.errors.MedAllianceError` naming the file and every problem with its
place (``row 3, column 人口``; ``points[2].people`` and ``care[3].count`` in JSON/YAML),
in the order of the file.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "pop.csv").write_text("id,people,lat,lon\nv1,1200,36.6,101.7\n", encoding="utf-8")
>>> read_population(d / "pop.csv").people.tolist()
[1200.0]
>>> _ = (d / "村.csv").write_text("村名,人口,纬度,经度\n甲村,1200,36.6,101.7\n", encoding="utf-8")
>>> read_population(d / "村.csv").ids.tolist()
['甲村']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from medalliance._parse import load_plain_yaml, loads_json
from medalliance.accessibility import Population
from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.indicators import Activity, IndicatorTargets
from medalliance.io._files import read_text
from medalliance.io.records._activity import read_activity_files
from medalliance.io.records._csv import suffix_problem
from medalliance.io.records._headers import HEADER_ALIASES
from medalliance.io.records._population import (
    build_population,
    population_from_csv,
    population_from_data,
)
from medalliance.referral.policy import ReferralPolicy, policy_from_data

__all__ = [
    "HEADER_ALIASES",
    "read_activity",
    "read_activity_csv",
    "read_policy",
    "read_population",
    "read_targets",
]

PathLike = str | Path
_STRUCTURED = (".json", ".yaml", ".yml")


def _structured(path: PathLike, *, hint: str = "") -> Any:
    """Parsed JSON (``.json``) or YAML (``.yaml``, ``.yml``) of ``path``."""
    suffix = Path(path).suffix.lower()
    if suffix not in _STRUCTURED:
        raise suffix_problem(path, (".json", ".yaml"), hint)
    load = loads_json if suffix == ".json" else load_plain_yaml
    return load(read_text(path), source=str(path))


def _validated(model: Any, data: Any, source: str) -> Any:
    try:
        return model.model_validate(data)
    except MedAllianceError as exc:
        raise exc.with_source(source) from None


def read_activity(path: PathLike) -> Activity:
    r"""Read activity records from a JSON or YAML file.

    Raises
    ------
    MedAllianceError
        For a missing or malformed file, or invalid records (every problem, with its path).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "activity.yaml"
    >>> _ = p.write_text("referrals:\n  - {period: '2019', origin: a, destination: b, "
    ...                  "count: 55}\n", encoding="utf-8")
    >>> read_activity(p).referrals[0].count
    55
    """
    hint = (
        "; a CSV file holds one kind of record: read it with read_activity_csv(care=..., "
        "referrals=..., postings=..., residents=...)"
        if Path(path).suffix.lower() == ".csv"
        else ""
    )
    data = _structured(path, hint=hint)
    if not isinstance(data, dict):
        raise SchemaError(
            [Problem((), "expected a mapping with care, referrals, postings, residents")],
            source=str(path),
        )
    result: Activity = _validated(Activity, data, str(path))
    return result


def read_targets(path: PathLike) -> IndicatorTargets:
    """Read indicator targets from a YAML or JSON file.

    Raises
    ------
    MedAllianceError
        For a missing or malformed file, or invalid targets.

    Examples
    --------
    >>> read_targets("missing.yaml")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in missing.yaml:
      - <root>: file not found
    """
    data = _structured(path)
    if not isinstance(data, dict):
        raise SchemaError([Problem((), "expected a mapping with targets")], source=str(path))
    result: IndicatorTargets = _validated(IndicatorTargets, data, str(path))
    return result


def read_activity_csv(
    *,
    care: PathLike | None = None,
    referrals: PathLike | None = None,
    postings: PathLike | None = None,
    residents: PathLike | None = None,
) -> Activity:
    r"""Read activity records from CSV files, one per kind of record.

    Each file has a header naming the fields of its record, in English or Chinese (see
    :data:`HEADER_ALIASES`; e.g. ``period,kind,institution,county,resident_county,count`` or
    ``期间,类别,机构,区县,参保地,次数`` for care, optionally with ``county_code``,
    ``resident_county_code``, ``insurance_fund_yuan``, ``cost_yuan`` and ``tcm``;
    ``period,origin,destination,count[,person]`` for referrals; ``period,host,site,count``
    for postings; ``period,county,count[,signed]`` for residents). Empty cells are left out;
    ``count`` and ``signed`` must be whole numbers and the ``_yuan`` columns numbers, written
    with the digits 0-9; ``tcm`` is true/false (是/否).

    Raises
    ------
    MedAllianceError
        For a missing file or one that is not ``.csv``, and every problem of every file in
        row order, at its row and column as the file shows them (the header is row 1):
        unknown, repeated or missing columns, rows with more cells than the header names,
        cells that are not what their column needs, and every rule of the records. With
        problems in several files, each location starts with its file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "referrals.csv"
    >>> _ = p.write_text("period,origin,destination,count\n2019,h,t,55\n2018,h,t,45\n",
    ...                  encoding="utf-8")
    >>> [r.count for r in read_activity_csv(referrals=p).referrals]
    [55, 45]
    >>> _ = p.write_text("期间,转出机构,转入机构,次数\n2019,h,t,1_000\n2019,h,h,5\n",
    ...                  encoding="utf-8")
    >>> read_activity_csv(referrals=p)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 2 problems in ...referrals.csv:
      - row 2, column 次数: must be a whole number, got '1_000': write the digits without separators
      - row 3, column 转入机构: a referral's destination must differ from its origin
    """
    given = {"care": care, "referrals": referrals, "postings": postings, "residents": residents}
    return read_activity_files({kind: p for kind, p in given.items() if p is not None})


def read_population(path: PathLike) -> Population:
    r"""Read population points from CSV (``.csv``), JSON (``.json``) or YAML (``.yaml``).

    A CSV file has the columns ``id,people[,lat,lon]``, or their Chinese names
    (``村名,人口[,纬度,经度]``; every accepted name is in :data:`HEADER_ALIASES`). A JSON or
    YAML file holds a list of points with the keys ``id``, ``people`` and optionally ``lat``
    and ``lon``, or a mapping whose only key ``points`` holds that list. Ids are text: in
    JSON and YAML write them as strings (``"1001"``; a number, ``null`` or a list is an
    error, never converted). Numbers are written with the digits 0-9; in JSON and YAML they
    are numbers, not text. When some points have coordinates, all must.

    Raises
    ------
    MedAllianceError
        Naming every problem at once, in the order of the file: an unknown file type, a
        missing, empty or malformed file; unknown, repeated or missing columns (once, at the
        header, which is row 1) or keys; a missing value or one that is not a finite number;
        and every problem :class:`~medalliance.accessibility.Population` finds in the values
        (duplicate ids, negative people, coordinates out of range). A CSV problem is at its
        row and column as the file shows them (``row 3, column 人口``), a JSON/YAML problem
        at its point (``points[2].people``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "pop.csv"
    >>> _ = p.write_text("村名,人口\n甲村,1200\n乙村,１２００\n", encoding="utf-8")
    >>> read_population(p)
    Traceback (most recent call last):
    ...
    medalliance.errors.MedAllianceError: 1 problem in ...pop.csv:
      - row 3, column 人口: must be a number, got '１２００': write the digits as 0-9 (not full-width or other digits)
    """  # noqa: E501
    source = str(path)
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        found = population_from_csv(path)
    elif suffix in _STRUCTURED:
        found = population_from_data(_structured(path), source)
    else:
        raise suffix_problem(path, (".csv", ".json", ".yaml"))
    return build_population(found, source)


def read_policy(path: PathLike) -> ReferralPolicy:
    """Read a referral policy from a YAML or JSON file (UTF-8, safe loading).

    Raises
    ------
    MedAllianceError
        For a missing or unreadable file, malformed content or invalid criteria, each
        problem with its path and the file's name.

    Examples
    --------
    >>> read_policy("no_such_policy.yaml")
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem in no_such_policy.yaml:
      - <root>: file not found
    """
    source = str(path)
    return policy_from_data(_structured(path), source=source)
