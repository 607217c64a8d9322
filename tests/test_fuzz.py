"""Fuzz harnesses for every reader (issue 13), and the inputs they found that are not fixed yet.

The harnesses (marked ``fuzz``) are deselected by the default ``pytest`` run and run by
``pytest -m fuzz``: each for ``MEDALLIANCE_FUZZ_SECONDS`` seconds (default 2; CI uses 4). The
rule is one: a reader returns or raises ``MedAllianceError``; any other exception, a warning or
an input slower than ``MEDALLIANCE_FUZZ_DEADLINE`` seconds (default 5) fails. See
``docs/fuzzing.md``.

:data:`KNOWN` lists the failures found when the harnesses were added, as the smallest inputs
that reproduce them. They run in every test run. One with a reason is expected to fail until
the branch the reason names is merged, then its reason becomes ``None`` (``strict=False`` so a
merged fix does not break the run before that); one without is a regression test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from fuzz import HARNESSES, check
from fuzz.harnesses import Harness
from fuzz.run import fuzz

_DIGITS = b"9" * 5000
_TAGS = None  # issue 13 #2, fixed on branch parse (merged)
_NUMBERS = None  # issue 13 #3, fixed on branch parse (merged)
_CSV_NUMBERS = None  # issue 13 #3 (CSV cells), fixed on branch readers (merged)
_CSV = None  # issue 13 #4, fixed on branch readers (merged)
_GRAPHML_KEY = None  # a <key> without attr.type leaked networkx's UserWarning; now refused

KNOWN: list[tuple[str, str, bytes, str | None]] = [
    ("registry_yaml", ".yaml", b"title: !!int x\n", _TAGS),
    ("registry_yaml", ".yaml", b"title: !!int ''\n", _TAGS),
    ("registry_yaml", ".yaml", b"title: !!float x\n", _TAGS),
    ("registry_yaml", ".yaml", b"title: !!timestamp x\n", _TAGS),
    ("registry_yaml", ".yaml", b"? [a]\n: 1\n", _TAGS),
    ("registry_yaml", ".yaml", b"{[a]: 1}\n", _TAGS),
    ("population", ".json", b"!!int", _TAGS),
    ("activity", ".yaml", b"referrals: !!int x\n", _TAGS),
    ("policy", ".yaml", b"name: !!float x\n", _TAGS),
    ("policy", ".yaml", b"? [a]\n: 1\n", _TAGS),
    ("targets", ".yaml", b"targets: !!timestamp x\n", _TAGS),
    ("targets", ".yaml", b"{[a]: 1}\n", _TAGS),
    ("registry_yaml", ".yaml", b"schema_version: " + _DIGITS + b"\n", _NUMBERS),
    ("registry_json", ".json", b'{"schema_version": ' + _DIGITS + b"}", _NUMBERS),
    ("fhir", ".json", b'{"resourceType": "Bundle", "type": ' + _DIGITS + b"}", _NUMBERS),
    ("population", ".json", b'{"points": [{"id": "v", "people": ' + _DIGITS + b"}]}", _NUMBERS),
    (
        "activity_csv",
        ".csv",
        b"period,origin,destination,count\n2017,a,b," + _DIGITS + b"\n",
        _CSV_NUMBERS,
    ),
    ("population", ".csv", b"id,people\nv1," + b"9" * 140_000 + b"\n", _CSV),
    ("population", ".csv", b"id,people\rv1,3\rv2,4\r", _CSV),
    ("population", ".csv", b"id,people,people\nv1,3,4\n", _CSV),
    ("activity_csv", ".csv", b"period,period,origin,destination,count\n2017,a,b,4\n", _CSV),
    ("activity_csv", ".csv", b"period,origin,destination,count\r2017,a,b,4\r", _CSV),
    (
        "graphml",
        ".graphml",
        b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        b'<key id="d0" for="graph" attr.name="title"/><graph edgedefault="directed">'
        b'<data key="d0">x</data></graph></graphml>',
        _GRAPHML_KEY,
    ),
    (  # an XML declaration naming an unknown encoding raised LookupError
        "graphml",
        ".graphml",
        b"<?xml version='1.0' encoding='ttf-8'?>\n"
        b'<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph/></graphml>',
        None,
    ),
]
"""(harness, suffix, input, reason) of every failure found; the reason of one not fixed yet."""


@pytest.mark.fuzz
@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_harness(name: str) -> None:
    """Any bytes in, a result or MedAllianceError out, for the configured number of seconds."""
    assert fuzz(HARNESSES[name]) >= 1


@pytest.mark.parametrize(
    ("name", "suffix", "data"),
    [
        pytest.param(
            h, s, d, id=f"{h}-{i}", marks=[pytest.mark.xfail(strict=False, reason=r)] if r else []
        )
        for i, (h, s, d, r) in enumerate(KNOWN)
    ],
)
def test_known_failure(name: str, suffix: str, data: bytes) -> None:
    """A failure the harnesses found, reproduced; passes once the named branch is merged."""
    check(HARNESSES[name], (suffix, data))


@pytest.mark.parametrize("name", sorted(HARNESSES))
def test_every_seed_reads(name: str) -> None:
    """The seed corpus is valid: each unmutated seed reads without error."""
    seeds = HARNESSES[name].seeds()
    assert seeds
    for seed in seeds:
        check(HARNESSES[name], seed)


def test_check_lets_only_medalliance_errors_through() -> None:
    """The rule itself: MedAllianceError passes, anything else and warnings propagate."""
    check(HARNESSES["registry_json"], (".json", b"{"))

    def crashes(path: Path) -> object:
        raise KeyError(path.name)

    def warns(path: Path) -> object:
        warnings.warn("guessing", UserWarning, stacklevel=1)
        return None

    seeds = HARNESSES["registry_json"].seeds
    with pytest.raises(KeyError):
        check(Harness("crashes", seeds, crashes), (".json", b"{}"))
    with pytest.raises(UserWarning, match="guessing"):
        check(Harness("warns", seeds, warns), (".json", b"{}"))
