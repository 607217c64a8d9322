"""The seed corpus: the bundled examples in every format, and small record files.

Seeds are built from the installed package and the documented example files, so they stay
valid as the formats change.
"""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC_EXAMPLES = ROOT / "docs" / "cli-examples"
PACKAGE_DATA = ROOT / "src" / "medalliance" / "data"

Seed = tuple[str, bytes]
"""A seed: the file suffix it is read with, and its bytes."""


@functools.cache
def registries() -> dict[str, tuple[Seed, ...]]:
    """Every bundled example as JSON, YAML, GraphML and FHIR Bundle, keyed by format."""
    from medalliance import examples
    from medalliance.io import registry_to_json, registry_to_yaml, write_graphml
    from medalliance.io.fhir import to_fhir

    out: dict[str, list[Seed]] = {"json": [], "yaml": [], "graphml": [], "fhir": []}
    with tempfile.TemporaryDirectory() as tmp:
        for name in examples.names():
            reg = examples.load(name)
            out["json"].append((".json", registry_to_json(reg).encode()))
            out["yaml"].append((".yaml", registry_to_yaml(reg).encode()))
            target = Path(tmp) / f"{name}.graphml"
            write_graphml(reg, target)
            out["graphml"].append((".graphml", target.read_bytes()))
            bundle = json.dumps(to_fhir(reg), ensure_ascii=False)
            out["fhir"].append((".json", bundle.encode()))
    return {k: tuple(v) for k, v in out.items()}


def _files(*paths: Path) -> list[Seed]:
    return [(p.suffix, p.read_bytes()) for p in paths if p.is_file()]


_POPULATION = [
    (".json", b'{"points": [{"id": "v1", "people": 12, "lat": 34.1, "lon": 108.2}]}'),
    (".yaml", b"points:\n  - {id: v1, people: 12}\n  - {id: v2, people: 0.5}\n"),
    (".json", b'[{"id": "v1", "people": 3}]'),
]
_ACTIVITY = [
    (
        ".json",
        b'{"referrals": [{"period": "2019", "origin": "a", "destination": "b", '
        b'"count": 5}], "residents": [{"period": "2019", "county": "c", "count": 9}]}',
    ),
]
_RESIDENTS_CSV = b"period,county,count,signed\n2019,c,100,40\n"


def population() -> tuple[Seed, ...]:
    """Population points as CSV, JSON and YAML."""
    docs = _files(DOC_EXAMPLES / "people.csv", DOC_EXAMPLES / "villages.csv")
    return tuple(docs + _POPULATION)


def activity() -> tuple[Seed, ...]:
    """Activity records as YAML and JSON."""
    return tuple(_files(DOC_EXAMPLES / "activity.yaml") + _ACTIVITY)


def activity_csv() -> tuple[Seed, ...]:
    """Referral and resident rows as CSV."""
    return (*_files(DOC_EXAMPLES / "referrals.csv"), (".csv", _RESIDENTS_CSV))


def policy() -> tuple[Seed, ...]:
    """The bundled referral policy."""
    return tuple(_files(PACKAGE_DATA / "referral_policy.yaml"))


def targets() -> tuple[Seed, ...]:
    """The bundled indicator targets and the documented local ones."""
    return tuple(_files(PACKAGE_DATA / "indicator_targets.yaml", DOC_EXAMPLES / "targets.yaml"))


def costs() -> tuple[Seed, ...]:
    """A travel-cost table."""
    return tuple(_files(DOC_EXAMPLES / "costs.csv"))


@functools.cache
def sheet_folders() -> Path:
    """Every bundled example as folders of CSV files (English and Chinese headers).

    One folder per example and header language, named ``<example>-<headers>``; it lives as
    long as the process.
    """
    from medalliance import examples
    from medalliance.io.sheets import write_sheets

    root = Path(_KEEP.name)
    for name in examples.names():
        reg = examples.load(name)
        for headers in ("en", "zh"):
            write_sheets(reg, root / f"{name}-{headers}", headers=headers)
    return root


_KEEP = tempfile.TemporaryDirectory(prefix="medalliance-fuzz-")


def sheets_csv() -> tuple[Seed, ...]:
    """Each CSV file of :func:`sheet_folders`, under ``/<folder>/<table>.csv``."""
    root = sheet_folders()
    return tuple(
        (f"/{p.parent.name}/{p.name}", p.read_bytes()) for p in sorted(root.glob("*/*.csv"))
    )


@functools.cache
def sheets_xlsx() -> tuple[Seed, ...]:
    """Three examples as workbooks."""
    from medalliance import examples
    from medalliance.io.sheets import write_sheets

    out: list[Seed] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in examples.names()[:3]:
            target = Path(tmp) / f"{name}.xlsx"
            write_sheets(examples.load(name), target)
            out.append((".xlsx", target.read_bytes()))
    return tuple(out)
