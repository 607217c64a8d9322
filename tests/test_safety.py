"""Hardening (issue 13): numbers at the extremes, re-validation, atomic writes, wrong types.

- #9  ``allocate_capacity`` at numeric extremes, against the exact rational reference;
- #10 a registry never holds a part its own files would refuse;
- #12 every writer replaces its file atomically;
- #13 every public function that takes a registry names a wrong argument.
"""

from __future__ import annotations

import importlib
import inspect
import io
import math
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medalliance as ma
from medalliance import MedAllianceError, Registry, examples
from medalliance._reference.sharing import naive_allocate, naive_allocate_exact
from medalliance.cli import main
from medalliance.errors import format_path
from medalliance.io import read_graphml, read_json, read_yaml, write_graphml, write_json, write_yaml
from medalliance.model.common import Region
from medalliance.sharing import allocate_capacity

METHODS = ("proportional", "max_min_fair", "priority")
FLOAT_MAX = float(np.finfo(np.float64).max)

# ------------------------------------------------------------------------------------------
# #9 allocate_capacity at numeric extremes


def test_the_largest_capacities_are_split_not_lost() -> None:
    """The reproduction: ``(1e308, [1e308, 1e308])`` gave ``[0, 0]`` (the total overflowed)."""
    for method in ("proportional", "max_min_fair"):
        got = allocate_capacity(1e308, [1e308, 1e308], method=method)
        assert got.allocated.tolist() == [5e307, 5e307]
    assert allocate_capacity(1e308, [1e308, 1e308], method="priority").allocated.tolist() == [
        1e308,
        0.0,
    ]
    whole = allocate_capacity(FLOAT_MAX, [FLOAT_MAX] * 3)
    assert math.fsum(whole.allocated.tolist()) <= FLOAT_MAX
    assert all(x > FLOAT_MAX / 3 * (1 - 1e-15) for x in whole.allocated.tolist())


def test_a_tiny_capacity_keeps_the_one_ulp_promise() -> None:
    """The reproduction: ``(1e-300, [1e20, 1])`` gave ``9.99988867e-301`` (a subnormal ratio)."""
    capacity = 1e-300
    got = allocate_capacity(capacity, [1e20, 1.0]).allocated.tolist()
    exact = naive_allocate_exact(capacity, [1e20, 1.0], method="proportional")
    q = Fraction(math.ulp(capacity))
    for a, x in zip(got, exact, strict=True):
        assert x - q < Fraction(a) <= x


def test_reprs_at_the_extremes_stay_short() -> None:
    a = allocate_capacity(1e308, [1e308, 1e308])
    assert repr(a) == (
        "Allocation(proportional, 2 members, capacity 1e+308: 1e+308 allocated of 2e+308 demanded)"
    )


extreme_floats = st.one_of(
    st.sampled_from([0.0, 5e-324, 2.2250738585072014e-308, 1e-300, 1.0, 1e20, 1e308, FLOAT_MAX]),
    st.floats(min_value=0.0, max_value=2.2250738585072014e-308, allow_subnormal=True),
    st.floats(min_value=1e300, max_value=FLOAT_MAX),
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=False, allow_subnormal=True),
)


@settings(max_examples=300)
@given(
    st.lists(extreme_floats, max_size=12),
    extreme_floats,
    st.sampled_from(METHODS),
    st.data(),
)
def test_allocation_at_extremes_matches_the_exact_split(
    demands: list[float], capacity: float, method: str, data: Any
) -> None:
    """Every share is its exact value rounded down by less than one quantum of the capacity.

    The quantum is the float spacing at the capacity (one unit in its last place); the exact
    total never exceeds the capacity; demands that fit are met exactly.
    """
    priorities = None
    if method == "priority" and data.draw(st.booleans()):
        priorities = data.draw(
            st.lists(st.integers(0, 3), min_size=len(demands), max_size=len(demands))
        )
    got = allocate_capacity(capacity, demands, method=method, priorities=priorities)  # type: ignore[arg-type]
    exact = naive_allocate_exact(capacity, demands, method=method, priorities=priorities)
    shares = [Fraction(x) for x in got.allocated.tolist()]
    if sum(map(Fraction, demands), Fraction(0)) <= Fraction(capacity):
        assert got.allocated.tolist() == demands
        return
    q = Fraction(math.ulp(capacity))
    assert sum(shares, Fraction(0)) <= Fraction(capacity)
    for share, x, d in zip(shares, exact, demands, strict=True):
        assert 0 <= share <= Fraction(d)
        assert x - q < share <= x
    repr(got)  # no overflow warning, no huge number


@settings(max_examples=150)
@given(
    st.lists(st.integers(0, 2**53), max_size=12),
    st.one_of(st.integers(0, 2**53), st.integers(2**53, 2**70)),
    st.sampled_from(METHODS),
)
def test_whole_units_at_extremes_match_the_naive_split(
    demands: list[int], capacity: int, method: str
) -> None:
    got = allocate_capacity(capacity, demands, method=method, integral=True)  # type: ignore[arg-type]
    assert got.allocated.dtype == np.int64
    assert int(got.allocated.astype(object).sum()) == min(capacity, sum(demands))
    naive = naive_allocate(capacity, demands, method=method, integral=True)
    assert got.allocated.tolist() == naive


def test_whole_units_never_overflow_int64() -> None:
    """2,000 demands of 2**53 add up past int64: the total once wrapped round and 'fitted'."""
    n = 2000
    for method in METHODS:
        got = allocate_capacity(2**53, np.full(n, 2**53), method=method, integral=True)  # type: ignore[arg-type]
        assert int(got.allocated.astype(object).sum()) == 2**53
    fair = allocate_capacity(2**53, [2**53] * n, method="max_min_fair", integral=True)
    assert int(fair.allocated.max()) - int(fair.allocated.min()) <= 1


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"capacity": 10**400, "demands": [1]},
            ["capacity: must be a finite number >= 0, got an integer of about 401 digits"],
        ),
        (
            {"capacity": 10, "demands": [1, 10**5000]},
            [
                "demands[1]: must be at most 1.8e308 (the largest float), "
                "got an integer of about 5001 digits"
            ],
        ),
        (
            {"capacity": 10, "demands": [2**53 + 1], "integral": True},
            ["demands[0]: must be at most 2**53 when integral, got 9007199254740993"],
        ),
        (
            {"capacity": 10, "demands": np.array([2**53 + 1]), "integral": True},
            ["demands[0]: must be at most 2**53 when integral, got 9007199254740993"],
        ),
    ],
)
def test_numbers_beyond_floats_are_named_not_rounded(
    kwargs: dict[str, Any], expected: list[str]
) -> None:
    """Before: OverflowError, or 2**53 + 1 silently read as 2**53."""
    with pytest.raises(MedAllianceError) as info:
        allocate_capacity(**kwargs)
    assert [p.render() for p in info.value.problems] == expected


# ------------------------------------------------------------------------------------------
# #10 a registry never holds what its files would refuse


def _gangkou() -> Registry:
    return examples.load("gangkou")


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("beds", -5, "institutions[0].beds"),
        ("lat", 200.0, "institutions[0].lat"),
        ("name", "", "institutions[0].name"),
        ("region", Region().model_copy(update={"division_code": "12"}), "institutions[0].region"),
    ],
)
def test_changed_copies_are_validated_again(field: str, value: Any, path: str) -> None:
    """The reproduction: ``model_copy(update={"beds": -5})`` was accepted, then its JSON refused."""
    reg = _gangkou()
    bad = reg.institutions[0].model_copy(update={field: value})
    with pytest.raises(MedAllianceError) as info:
        Registry(institutions=[bad])
    assert any(format_path(p.path).startswith(path) for p in info.value.problems)
    with pytest.raises(MedAllianceError):
        reg.replace(institutions=[bad, *reg.institutions[1:]])


def test_unvalidated_nested_parts_are_found() -> None:
    reg = _gangkou()
    alliance = reg.alliances[0]
    member = alliance.memberships[0].model_copy(update={"institution": "not an id!"})
    broken = alliance.model_copy(update={"memberships": (member, *alliance.memberships[1:])})
    with pytest.raises(MedAllianceError) as info:
        reg.replace(alliances=[broken])
    assert any(
        format_path(p.path).startswith("alliances[0].memberships[0].institution")
        for p in info.value.problems
    )
    fields: dict[str, Any] = {"id": "x", "name": "某院", "kind": "村卫生室", "beds": -1}
    constructed = type(reg.institutions[0]).model_construct(**fields)
    with pytest.raises(MedAllianceError):
        Registry(institutions=[constructed])


def test_a_registry_built_from_instances_round_trips_through_its_files() -> None:
    reg = _gangkou()
    rebuilt = Registry(**{name: getattr(reg, name) for name in type(reg).model_fields})
    assert ma.io.registry_from_json(ma.io.registry_to_json(rebuilt)) == rebuilt == reg


def test_replace_and_subset_keep_their_own_parts_unchecked() -> None:
    """The registry's own, validated parts are not validated twice (the cost stays small)."""
    reg = _gangkou()
    renamed = reg.replace(title="港口区")
    assert renamed.institutions is reg.institutions
    assert all(a is b for a, b in zip(renamed.alliances, reg.alliances, strict=True))
    sub = reg.subset([reg.alliances[0].id])
    assert all(any(i is j for j in reg.institutions) for i in sub.institutions)


# ------------------------------------------------------------------------------------------
# #12 atomic writes

WRITERS: dict[str, tuple[Callable[[Registry, Path], None], Callable[[Path], Registry]]] = {
    "json": (write_json, read_json),
    "yaml": (write_yaml, read_yaml),
    "graphml": (write_graphml, read_graphml),
}

_WRITER_SCRIPT = textwrap.dedent(
    """
    import sys
    from medalliance import examples, io
    name, fmt, path, rounds = sys.argv[1:]
    reg = examples.load(name)
    write = getattr(io, "write_" + fmt)
    for _ in range(int(rounds)):
        write(reg, path)
    """
)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_two_writers_and_a_reader_never_meet_a_partial_file(tmp_path: Path, fmt: str) -> None:
    """Two processes rewrite one path while this one reads it: every read is a whole file.

    Before, a reader saw empty, truncated and mixed files (430,719 / 11,097 / 8 of them).
    """
    path = tmp_path / f"shared.{fmt}"
    write, read = WRITERS[fmt]
    a, b = examples.load("gangkou"), examples.load("county_township")
    write(a, path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER_SCRIPT, name, fmt, str(path), "150"],
            env=env,
            stderr=subprocess.PIPE,
        )
        for name in ("gangkou", "county_township")
    ]
    seen = set()
    try:
        for _ in range(20_000):  # bounded: stops when both writers are done
            got = read(path)
            assert got in (a, b)
            seen.add(got.title)
            if all(w.poll() is not None for w in writers):
                break
    finally:
        for w in writers:
            _, err = w.communicate(timeout=120)
            assert w.returncode == 0, err.decode()
    assert read(path) in (a, b)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


class _DiskFullError(OSError):
    pass


def _fail_on_fsync(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def fsync(fd: int) -> None:
        raise error

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize(
    "error", [_DiskFullError(28, "No space left on device"), KeyboardInterrupt()]
)
def test_a_failed_write_leaves_the_old_file(
    tmp_path: Path, fmt: str, error: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    write, read = WRITERS[fmt]
    path = tmp_path / f"r.{fmt}"
    old = examples.load("gangkou")
    write(old, path)
    before = path.read_bytes()
    _fail_on_fsync(monkeypatch, error)
    with pytest.raises(type(error)):
        write(examples.load("county_township"), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert read(path) == old
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_cli_output_is_atomic_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out.json"
    out, err = io.StringIO(), io.StringIO()
    assert main(["export", "gangkou", "--format", "fhir", "-o", str(path)], out=out, err=err) == 0
    before = path.read_bytes()
    _fail_on_fsync(monkeypatch, _DiskFullError(28, "No space left on device"))
    code = main(["export", "gangkou", "--format", "json", "-o", str(path)], out=out, err=err)
    assert code == 1
    assert "No space left on device" in err.getvalue()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_rewrite_keeps_permissions_and_follows_links(tmp_path: Path) -> None:
    reg = _gangkou()
    target = tmp_path / "real.json"
    write_json(reg, target)
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_json(examples.load("county_township"), link)
    assert link.is_symlink()
    assert read_json(target).title == examples.load("county_township").title
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_devices_are_written_not_replaced(tmp_path: Path) -> None:
    """``/dev/null`` is not a file to replace (as root, a rename would remove the device)."""
    write_json(_gangkou(), "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    with pytest.raises(IsADirectoryError):
        write_json(_gangkou(), tmp_path)


# ------------------------------------------------------------------------------------------
# #13 wrong Python types name the argument

PUBLIC_MODULES = (
    "medalliance",
    "medalliance.accessibility",
    "medalliance.checks",
    "medalliance.compiled",
    "medalliance.coverage",
    "medalliance.display",
    "medalliance.graph",
    "medalliance.indicators",
    "medalliance.io",
    "medalliance.io.fhir",
    "medalliance.io.tables",
    "medalliance.plot",
    "medalliance.referral",
    "medalliance.report",
    "medalliance.sharing",
)


def _takes_a_registry(f: Any) -> bool:
    params = list(inspect.signature(f).parameters.values())
    return bool(params) and (
        params[0].name == "registry" or params[0].annotation in ("Registry", Registry)
    )


def _registry_functions() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            f = getattr(module, attr)
            if inspect.isfunction(f) and _takes_a_registry(f):
                found.setdefault(f"{f.__module__}.{f.__qualname__}", f)
    return dict(sorted(found.items()))


REGISTRY_FUNCTIONS = _registry_functions()
TOP_LEVEL = [n for n in ma.__all__ if inspect.isfunction(getattr(ma, n))]


def _call_with(f: Callable[..., Any], registry: Any) -> Any:
    """Call ``f`` with ``registry`` first and placeholders for its other required arguments."""
    args: list[Any] = [registry]
    kwargs: dict[str, Any] = {}
    for p in list(inspect.signature(f).parameters.values())[1:]:
        if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = "x"
        else:
            args.append("x")
    return f(*args, **kwargs)


def test_every_registry_function_is_covered() -> None:
    top = {n for n in TOP_LEVEL if _takes_a_registry(getattr(ma, n))}
    assert {"evaluate", "evaluate_many", "service_access", "to_graph", "reachability"} <= top
    covered = {f.__name__ for f in REGISTRY_FUNCTIONS.values()}
    assert top <= covered
    assert {"to_frames", "to_fhir", "population_coverage", "plot_alliance"} <= covered


@pytest.mark.parametrize("bad", [None, "gangkou.yaml", {"institutions": []}])
@pytest.mark.parametrize("qualname", list(REGISTRY_FUNCTIONS))
def test_a_wrong_registry_is_named(qualname: str, bad: Any) -> None:
    """Before: "cannot create weak reference to 'NoneType'", AttributeError and the like."""
    with pytest.raises(MedAllianceError) as info:
        _call_with(REGISTRY_FUNCTIONS[qualname], bad)
    assert [p.render() for p in info.value.problems] == [
        f"registry: must be a medalliance Registry, got {type(bad).__name__}"
    ]


def _wrong_other_arguments() -> list[tuple[str, Callable[[Registry], Any], str]]:
    case = ma.ReferralCase(origin="qisha_thc", criterion="needs_inpatient_bed")
    volumes = ma.volumes_from_declared(_gangkou())
    nothing: Any = None  # wrong on purpose: the type checker would refuse these calls
    five: Any = 5
    text: Any = "2"
    return [
        ("evaluate case", lambda r: ma.evaluate(r, nothing), "case: must be a ReferralCase"),
        (
            "evaluate policy",
            lambda r: ma.evaluate(r, case, policy=text),
            "policy: must be a ReferralPolicy, got str",
        ),
        ("evaluate_many cases", lambda r: ma.evaluate_many(r, nothing), "cases: must be a list"),
        (
            "sharing_summary volumes",
            lambda r: ma.sharing_summary(r, nothing),
            "volumes: must be a ServiceVolumes",
        ),
        (
            "sharing_summary prices",
            lambda r: ma.sharing_summary(r, volumes, prices=[nothing]),
            "prices[0]: must be a SharedPrice",
        ),
        (
            "check_sharing claims",
            lambda r: ma.sharing.check_sharing(r, claims=five),
            "claims: must be a list",
        ),
        (
            "supply kinds",
            lambda r: ma.accessibility.supply_from_registry(r, kinds=five),
            "kinds: must be a list of kinds, got int",
        ),
        (
            "json indent",
            lambda r: ma.io.registry_to_json(r, indent=text),
            "indent: must be None or an integer, got str",
        ),
        (
            "write path",
            lambda r: write_json(r, nothing),
            "path: must be a file path, got NoneType",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [(c, m) for _, c, m in _wrong_other_arguments()],
    ids=[n for n, _, _ in _wrong_other_arguments()],
)
def test_other_wrong_arguments_are_named(call: Callable[[Registry], Any], message: str) -> None:
    with pytest.raises(MedAllianceError) as info:
        call(_gangkou())
    assert info.value.problems[0].render().startswith(message)
