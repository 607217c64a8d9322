"""One harness per reader, and the one rule every harness checks.

A harness writes the input to a temporary file under the suffix the seed had and calls the
reader as a user would. :func:`check` lets :class:`~medalliance.errors.MedAllianceError`
through as the expected outcome and turns every warning into an error; any other exception
propagates, so Hypothesis reports and shrinks it. No other exception type is filtered.
"""

from __future__ import annotations

import contextlib
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fuzz import corpus
from fuzz.corpus import Seed
from medalliance.errors import MedAllianceError


@dataclass(frozen=True)
class Harness:
    """A reader under test: its name, its seed corpus and how to call it on a file."""

    name: str
    seeds: Callable[[], tuple[Seed, ...]]
    read: Callable[[Path], object]


def check(harness: Harness, seed: Seed) -> None:
    """Run one input through a harness; raise on anything but a result or MedAllianceError.

    Examples
    --------
    >>> check(HARNESSES["registry_json"], (".json", b"{"))
    """
    suffix, data = seed
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with contextlib.suppress(MedAllianceError):
                harness.read(path)


def _registry(format_: str) -> Callable[[], tuple[Seed, ...]]:
    return lambda: corpus.registries()[format_]


def _read_json(path: Path) -> object:
    from medalliance.io import read_json

    return read_json(path)


def _read_yaml(path: Path) -> object:
    from medalliance.io import read_yaml

    return read_yaml(path)


def _read_graphml(path: Path) -> object:
    from medalliance.io import read_graphml

    return read_graphml(path)


def _read_fhir(path: Path) -> object:
    # the command line's loader: a .json file holding a Bundle is read by from_fhir
    from medalliance.cli._load import load_registry

    return load_registry(str(path))


def _read_population(path: Path) -> object:
    from medalliance.io import read_population

    return read_population(path)


def _read_activity(path: Path) -> object:
    from medalliance.io import read_activity

    return read_activity(path)


def _read_activity_csv(path: Path) -> object:
    from medalliance.io import read_activity_csv

    head = path.read_bytes()[:200]
    if b"destination" in head:
        return read_activity_csv(referrals=path)
    return read_activity_csv(residents=path)


def _read_policy(path: Path) -> object:
    from medalliance.io import read_policy

    return read_policy(path)


def _read_targets(path: Path) -> object:
    from medalliance.io import read_targets

    return read_targets(path)


def _read_costs(path: Path) -> object:
    from medalliance.io.costs import read_cost_table

    return read_cost_table(path)


def _read_sheets_csv(path: Path) -> object:
    # one table file mutated, the other tables of its example beside it, as written
    import shutil

    from medalliance.io.sheets import read_sheets

    for other in (corpus.sheet_folders() / path.parent.name).iterdir():
        if not (path.parent / other.name).exists():
            shutil.copyfile(other, path.parent / other.name)
    return read_sheets(path.parent)


def _read_sheets_xlsx(path: Path) -> object:
    from medalliance.io.sheets import read_sheets

    return read_sheets(path)


HARNESSES: dict[str, Harness] = {
    h.name: h
    for h in (
        Harness("registry_json", _registry("json"), _read_json),
        Harness("registry_yaml", _registry("yaml"), _read_yaml),
        Harness("graphml", _registry("graphml"), _read_graphml),
        Harness("fhir", _registry("fhir"), _read_fhir),
        Harness("population", corpus.population, _read_population),
        Harness("activity", corpus.activity, _read_activity),
        Harness("activity_csv", corpus.activity_csv, _read_activity_csv),
        Harness("policy", corpus.policy, _read_policy),
        Harness("targets", corpus.targets, _read_targets),
        Harness("costs", corpus.costs, _read_costs),
        Harness("sheets_csv", corpus.sheets_csv, _read_sheets_csv),
        Harness("sheets_xlsx", corpus.sheets_xlsx, _read_sheets_xlsx),
    )
}
"""Every harness by name."""
